"""Inbound updates written down before they are confirmed: what survives a kill -9 between
fetching an update and handling it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import TextClause, bindparam, delete, func, select, text

from storage.models import InboxRow
from storage.repositories.base import Repository, table_of
from storage.sqltypes import utcnow

_INBOX = table_of(InboxRow)


# The same INSERT … ON CONFLICT DO NOTHING RETURNING as the processed-update claim: a row back
# means the update was new here (a re-delivery of one still in the inbox returns nothing).
# Without a chat key the INSERT names only the columns it had before 0006, so a worker of the
# previous version and this one write the same statement during a rolling upgrade.
def _insert(columns: tuple[str, ...]) -> TextClause:
    names = ", ".join(columns)
    values = ", ".join(f":{c}" for c in columns)
    return text(
        f"INSERT INTO {_INBOX.name} ({names}) VALUES ({values}) "
        "ON CONFLICT DO NOTHING RETURNING update_id"
    ).bindparams(*(bindparam(c, type_=_INBOX.c[c].type) for c in columns))


_ADD = _insert(("channel", "update_id", "payload", "received_at"))
_ADD_KEYED = _insert(("channel", "update_id", "payload", "received_at", "chat_key"))
_DONE = delete(_INBOX).where(
    _INBOX.c.channel == bindparam("channel"), _INBOX.c.update_id == bindparam("update_id")
)


class InboxRepository(Repository):
    """Updates received and not yet handled, per channel, in the order of their ids."""

    def add(self, channel: str, update_id: int, payload: str, chat_key: str | None = None) -> bool:
        """Write the update down; False when it is in the inbox already (a re-delivery)."""
        values: dict[str, object] = {
            "channel": channel,
            "update_id": update_id,
            "payload": payload,
            "received_at": utcnow(),
        }
        if chat_key is not None:
            values["chat_key"] = chat_key
        statement = _ADD if chat_key is None else _ADD_KEYED
        return self.conn.execute(statement, values).first() is not None

    def pending(self, channel: str) -> list[tuple[int, str]]:
        """(update id, payload) of every update not yet handled, oldest first."""
        rows = self.conn.execute(
            select(_INBOX.c.update_id, _INBOX.c.payload)
            .where(_INBOX.c.channel == channel)
            .order_by(_INBOX.c.update_id)
        )
        return [(int(r[0]), str(r[1])) for r in rows]

    def pending_of_chat(self, channel: str, chat_key: str) -> list[tuple[int, str]]:
        """(update id, payload) of the chat's updates not yet handled, oldest first."""
        rows = self.conn.execute(
            select(_INBOX.c.update_id, _INBOX.c.payload)
            .where(_INBOX.c.channel == channel, _INBOX.c.chat_key == chat_key)
            .order_by(_INBOX.c.update_id)
        )
        return [(int(r[0]), str(r[1])) for r in rows]

    def waiting_since(self, channel: str, before: dt.datetime) -> list[tuple[str | None, int, str]]:
        """(chat key, update id, payload) of the oldest update of every chat whose oldest
        update arrived before `before` (rows without a chat key each on their own)."""
        oldest = (
            select(_INBOX.c.chat_key, func.min(_INBOX.c.update_id).label("first"))
            .where(
                _INBOX.c.channel == channel,
                _INBOX.c.received_at < before,
                _INBOX.c.chat_key.is_not(None),
            )
            .group_by(_INBOX.c.chat_key)
            .subquery()
        )
        keyless = select(_INBOX.c.chat_key, _INBOX.c.update_id, _INBOX.c.payload).where(
            _INBOX.c.channel == channel,
            _INBOX.c.received_at < before,
            _INBOX.c.chat_key.is_(None),
        )
        keyed = (
            select(_INBOX.c.chat_key, _INBOX.c.update_id, _INBOX.c.payload)
            .join(oldest, oldest.c.first == _INBOX.c.update_id)
            .where(_INBOX.c.channel == channel)
        )
        rows = list(self.conn.execute(keyed)) + list(self.conn.execute(keyless))
        return sorted(((r[0], int(r[1]), str(r[2])) for r in rows), key=lambda r: r[1])

    def assign_chat(self, channel: str, update_id: int, chat_key: str) -> None:
        """Give a row written without a chat key (by an older worker) its chat."""
        self.conn.execute(
            _INBOX.update()
            .where(_INBOX.c.channel == channel, _INBOX.c.update_id == update_id)
            .values(chat_key=chat_key)
        )

    def done(self, channel: str, update_id: int) -> None:
        """The update has been handled (its effect committed, its reply sent)."""
        self.conn.execute(_DONE, {"channel": channel, "update_id": update_id})
