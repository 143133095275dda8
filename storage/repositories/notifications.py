"""Notifications a user's own channel must deliver (an outbox): added in the transaction of
what they tell, claimed for a while by the worker that sends them, marked delivered once
sent. A claim that runs out (its worker died, or could not send) lets another worker take it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import bindparam, insert, or_, select, update

from storage.domain import Notification
from storage.models import NotificationRow, UserRow
from storage.repositories.base import Repository, domain_columns, table_of
from storage.sqltypes import utcnow

_NOTES = table_of(NotificationRow)
_USERS = table_of(UserRow)
_FREE = (  # not sent, and nobody's claim in force
    _NOTES.c.delivered_at.is_(None),
    or_(_NOTES.c.claimed_until.is_(None), _NOTES.c.claimed_until <= bindparam("now")),
)
_DUE = (
    select(*domain_columns(_NOTES, Notification))
    .select_from(_NOTES.join(_USERS, _USERS.c.id == _NOTES.c.user_id))
    .where(*_FREE, _USERS.c.channel == bindparam("channel"))
    .order_by(_NOTES.c.id)
    .limit(bindparam("limit"))
)
# Claiming is one UPDATE: of several workers, one gets the row.
_CLAIM = (
    update(_NOTES)
    .where(_NOTES.c.id == bindparam("w_id"), *_FREE)
    .values(claimed_until=bindparam("until"))
)
_DELIVERED = (
    update(_NOTES)
    .where(_NOTES.c.id == bindparam("w_id"), _NOTES.c.delivered_at.is_(None))
    .values(delivered_at=bindparam("delivered_at"))
)
_MINE = (  # one user's, not sent yet (the web page shows them until they are seen)
    select(*domain_columns(_NOTES, Notification))
    .where(_NOTES.c.user_id == bindparam("user_id"), _NOTES.c.delivered_at.is_(None))
    .order_by(_NOTES.c.id)
    .limit(bindparam("limit"))
)
_SEEN = (
    update(_NOTES)
    .where(
        _NOTES.c.user_id == bindparam("w_user_id"),
        _NOTES.c.id.in_(bindparam("ids", expanding=True)),
        _NOTES.c.delivered_at.is_(None),
    )
    .values(delivered_at=bindparam("delivered_at"))
)
_RELEASE = (
    update(_NOTES)
    .where(_NOTES.c.id == bindparam("w_id"), _NOTES.c.delivered_at.is_(None))
    .values(claimed_until=None)
)


class NotificationRepository(Repository):
    def add(self, user_id: int, draft_id: int, kind: str, draft_version: int) -> None:
        row = {"user_id": user_id, "draft_id": draft_id, "kind": kind,
               "draft_version": draft_version, "created_at": utcnow(), "delivered_at": None}  # fmt: skip
        self.conn.execute(insert(_NOTES), row)

    def due(self, channel: str, limit: int) -> list[Notification]:
        """The oldest notifications of the users of `channel` not sent and not claimed now."""
        rows = self.conn.execute(_DUE, {"channel": channel, "limit": limit, "now": utcnow()})
        return [Notification(*row) for row in rows]

    def claim(self, notification_id: int, lease: dt.timedelta) -> bool:
        """Take it for `lease`; False when it was sent, or another worker's claim holds."""
        now = utcnow()
        params = {"w_id": notification_id, "now": now, "until": now + lease}
        return bool(self.conn.execute(_CLAIM, params).rowcount == 1)

    def delivered(self, notification_id: int) -> None:
        """It went out (or never will): nobody sends it again."""
        self.conn.execute(_DELIVERED, {"w_id": notification_id, "delivered_at": utcnow()})

    def unseen(self, user_id: int, limit: int) -> list[Notification]:
        """The oldest notifications of one user not delivered yet (claims do not matter)."""
        rows = self.conn.execute(_MINE, {"user_id": user_id, "limit": limit})
        return [Notification(*row) for row in rows]

    def seen(self, user_id: int, ids: list[int]) -> int:
        """Mark those of `ids` that are the user's own delivered; how many were not yet."""
        if not ids:
            return 0
        params = {"w_user_id": user_id, "ids": ids, "delivered_at": utcnow()}
        return int(self.conn.execute(_SEEN, params).rowcount)

    def release(self, notification_id: int) -> None:
        """The claim is given up (the send failed for now): the next round takes it again."""
        self.conn.execute(_RELEASE, {"w_id": notification_id})
