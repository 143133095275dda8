"""The draft each user is working on now, and what the current mode has collected."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from storage.models import ChatSessionRow
from storage.repositories.base import Repository, to_jsonable
from storage.sqltypes import utcnow


class ChatSessionRepository(Repository):
    """The draft each user is working on now (where their next message goes)."""

    def active_draft_id(self, user_id: int) -> int | None:
        row = self.s.get(ChatSessionRow, user_id)
        return row.active_draft_id if row else None

    def mode(self, user_id: int) -> str | None:
        row = self.s.get(ChatSessionRow, user_id)
        return row.mode if row else None

    def data(self, user_id: int) -> dict[str, Any] | None:
        """What the current mode has collected (None when nothing)."""
        row = self.s.get(ChatSessionRow, user_id)
        return row.data if row else None

    def set_data(self, user_id: int, data: Mapping[str, Any] | None) -> None:
        """Replace the mode's collected data (the user's session row is created if missing)."""
        row = self._row(user_id)
        row.data = to_jsonable(data) if data is not None else None
        row.updated_at = utcnow()
        self.s.flush()

    def set(self, user_id: int, *, active_draft_id: int | None, mode: str | None = None) -> None:
        row = self._row(user_id)
        row.active_draft_id = active_draft_id
        row.mode = mode
        row.updated_at = utcnow()
        self.s.flush()

    def _row(self, user_id: int) -> ChatSessionRow:
        """The user's session row, added (unflushed) when they have none yet."""
        row = self.s.get(ChatSessionRow, user_id)
        if row is None:
            row = ChatSessionRow(user_id=user_id)
            self.s.add(row)
        return row
