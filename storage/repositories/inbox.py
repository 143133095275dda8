"""Inbound updates written down before they are confirmed: what survives a kill -9 between
fetching an update and handling it."""

from __future__ import annotations

from sqlalchemy import bindparam, delete, select, text

from storage.models import InboxRow
from storage.repositories.base import Repository, table_of
from storage.sqltypes import utcnow

_INBOX = table_of(InboxRow)
# The same INSERT … ON CONFLICT DO NOTHING RETURNING as the processed-update claim: a row back
# means the update was new here (a re-delivery of one still in the inbox returns nothing).
_ADD = text(
    f"INSERT INTO {_INBOX.name} (channel, update_id, payload, received_at) "
    "VALUES (:channel, :update_id, :payload, :received_at) "
    "ON CONFLICT DO NOTHING RETURNING update_id"
).bindparams(
    bindparam("channel", type_=_INBOX.c.channel.type),
    bindparam("update_id", type_=_INBOX.c.update_id.type),
    bindparam("payload", type_=_INBOX.c.payload.type),
    bindparam("received_at", type_=_INBOX.c.received_at.type),
)
_DONE = delete(_INBOX).where(
    _INBOX.c.channel == bindparam("channel"), _INBOX.c.update_id == bindparam("update_id")
)


class InboxRepository(Repository):
    """Updates received and not yet handled, per channel, in the order of their ids."""

    def add(self, channel: str, update_id: int, payload: str) -> bool:
        """Write the update down; False when it is in the inbox already (a re-delivery)."""
        values = {
            "channel": channel,
            "update_id": update_id,
            "payload": payload,
            "received_at": utcnow(),
        }
        return self.conn.execute(_ADD, values).first() is not None

    def pending(self, channel: str) -> list[tuple[int, str]]:
        """(update id, payload) of every update not yet handled, oldest first."""
        rows = self.conn.execute(
            select(_INBOX.c.update_id, _INBOX.c.payload)
            .where(_INBOX.c.channel == channel)
            .order_by(_INBOX.c.update_id)
        )
        return [(int(r[0]), str(r[1])) for r in rows]

    def done(self, channel: str, update_id: int) -> None:
        """The update has been handled (its effect committed, its reply sent)."""
        self.conn.execute(_DONE, {"channel": channel, "update_id": update_id})
