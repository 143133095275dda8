"""The draft each user is working on now, and what the current mode has collected."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import bindparam, insert, select, update

from storage.models import ChatSessionRow
from storage.repositories.base import Repository, table_of, to_jsonable
from storage.sqltypes import utcnow

_SESSIONS = table_of(ChatSessionRow)
_GET = select(_SESSIONS.c.active_draft_id, _SESSIONS.c.mode, _SESSIONS.c.data).where(
    _SESSIONS.c.user_id == bindparam("user_id")
)
_UPDATE = update(_SESSIONS).where(_SESSIONS.c.user_id == bindparam("w_user_id"))
_INSERT = insert(_SESSIONS)


class ChatSessionRepository(Repository):
    """The draft each user is working on now (where their next message goes)."""

    def active_draft_id(self, user_id: int) -> int | None:
        row = self.conn.execute(_GET, {"user_id": user_id}).first()
        return row.active_draft_id if row else None

    def mode(self, user_id: int) -> str | None:
        row = self.conn.execute(_GET, {"user_id": user_id}).first()
        return row.mode if row else None

    def data(self, user_id: int) -> dict[str, Any] | None:
        """What the current mode has collected (None when nothing)."""
        row = self.conn.execute(_GET, {"user_id": user_id}).first()
        return row.data if row else None

    def set_data(self, user_id: int, data: Mapping[str, Any] | None) -> None:
        """Replace the mode's collected data (the user's session row is created if missing)."""
        self._write(user_id, {"data": to_jsonable(data) if data is not None else None})

    def set(self, user_id: int, *, active_draft_id: int | None, mode: str | None = None) -> None:
        self._write(user_id, {"active_draft_id": active_draft_id, "mode": mode})

    def _write(self, user_id: int, values: dict[str, Any]) -> None:
        """Update the user's session row, or add it when they have none yet."""
        values["updated_at"] = utcnow()
        if self.conn.execute(_UPDATE, {**values, "w_user_id": user_id}).rowcount == 0:
            self.conn.execute(_INSERT, {**values, "user_id": user_id})
