"""Notifications a user's own channel must deliver (an outbox): added in the transaction of
what they tell, claimed once by the worker that sends them."""

from __future__ import annotations

from sqlalchemy import bindparam, insert, select, update

from storage.domain import Notification
from storage.models import NotificationRow, UserRow
from storage.repositories.base import Repository, domain_columns, table_of
from storage.sqltypes import utcnow

_NOTES = table_of(NotificationRow)
_USERS = table_of(UserRow)
_DUE = (
    select(*domain_columns(_NOTES, Notification))
    .select_from(_NOTES.join(_USERS, _USERS.c.id == _NOTES.c.user_id))
    .where(_NOTES.c.delivered_at.is_(None), _USERS.c.channel == bindparam("channel"))
    .order_by(_NOTES.c.id)
    .limit(bindparam("limit"))
)
# Claiming is one UPDATE: of several workers, one gets the row.
_CLAIM = (
    update(_NOTES)
    .where(_NOTES.c.id == bindparam("w_id"), _NOTES.c.delivered_at.is_(None))
    .values(delivered_at=bindparam("delivered_at"))
)


class NotificationRepository(Repository):
    def add(self, user_id: int, draft_id: int, kind: str, draft_version: int) -> None:
        row = {"user_id": user_id, "draft_id": draft_id, "kind": kind,
               "draft_version": draft_version, "created_at": utcnow(), "delivered_at": None}  # fmt: skip
        self.conn.execute(insert(_NOTES), row)

    def due(self, channel: str, limit: int) -> list[Notification]:
        """The oldest undelivered notifications of the users of `channel`."""
        rows = self.conn.execute(_DUE, {"channel": channel, "limit": limit})
        return [Notification(*row) for row in rows]

    def claim(self, notification_id: int) -> bool:
        """Mark it delivered; False when another worker did already."""
        params = {"w_id": notification_id, "delivered_at": utcnow()}
        return bool(self.conn.execute(_CLAIM, params).rowcount == 1)
