"""The audit trail of a draft: every accepted answer change and every life-cycle event."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import insert

from storage.domain import AnswerChange, AuditEvent
from storage.models import AnswerHistoryRow, AuditEventRow
from storage.repositories.base import Repository, table_of, to_jsonable
from storage.sqltypes import utcnow

_ADD_CHANGE = insert(table_of(AnswerHistoryRow))
_ADD_EVENT = insert(table_of(AuditEventRow))


class HistoryRepository(Repository):
    """The audit trail of answers: every accepted change, old → new."""

    def add(self, draft_id: int, user_id: int | None, key: str, old: Any, new: Any) -> None:
        values = {
            "draft_id": draft_id,
            "user_id": user_id,
            "key": key,
            "old_value": to_jsonable(old),
            "new_value": to_jsonable(new),
            "at": utcnow(),
        }
        self.conn.execute(_ADD_CHANGE, values)

    def for_draft(self, draft_id: int) -> list[AnswerChange]:
        return self._of_draft(AnswerHistoryRow, AnswerChange, draft_id)


class AuditRepository(Repository):
    def add(
        self,
        draft_id: int | None,
        user_id: int | None,
        action: str,
        detail: Mapping[str, Any] | None = None,
    ) -> None:
        values = {
            "draft_id": draft_id,
            "user_id": user_id,
            "action": action,
            "detail": to_jsonable(detail) if detail is not None else None,
            "at": utcnow(),
        }
        self.conn.execute(_ADD_EVENT, values)

    def for_draft(self, draft_id: int) -> list[AuditEvent]:
        return self._of_draft(AuditEventRow, AuditEvent, draft_id)
