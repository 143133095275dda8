"""The audit trail of a draft: every accepted answer change and every life-cycle event."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.domain import AnswerChange, AuditEvent
from storage.models import AnswerHistoryRow, AuditEventRow
from storage.repositories.base import to_jsonable
from storage.sqltypes import utcnow


class HistoryRepository:
    """The audit trail of answers: every accepted change, old → new."""

    def __init__(self, session: Session) -> None:
        self.s = session

    def add(self, draft_id: int, user_id: int | None, key: str, old: Any, new: Any) -> None:
        self.s.add(
            AnswerHistoryRow(
                draft_id=draft_id,
                user_id=user_id,
                key=key,
                old_value=to_jsonable(old),
                new_value=to_jsonable(new),
                at=utcnow(),
            )
        )

    def for_draft(self, draft_id: int) -> list[AnswerChange]:
        q = (
            select(AnswerHistoryRow)
            .where(AnswerHistoryRow.draft_id == draft_id)
            .order_by(AnswerHistoryRow.id)
        )
        return [
            AnswerChange(
                id=r.id,
                draft_id=r.draft_id,
                user_id=r.user_id,
                key=r.key,
                old_value=r.old_value,
                new_value=r.new_value,
                at=r.at,
            )
            for r in self.s.scalars(q)
        ]


class AuditRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def add(
        self,
        draft_id: int | None,
        user_id: int | None,
        action: str,
        detail: Mapping[str, Any] | None = None,
    ) -> None:
        self.s.add(
            AuditEventRow(
                draft_id=draft_id,
                user_id=user_id,
                action=action,
                detail=to_jsonable(detail) if detail is not None else None,
                at=utcnow(),
            )
        )

    def for_draft(self, draft_id: int) -> list[AuditEvent]:
        q = (
            select(AuditEventRow)
            .where(AuditEventRow.draft_id == draft_id)
            .order_by(AuditEventRow.id)
        )
        return [
            AuditEvent(
                id=r.id,
                draft_id=r.draft_id,
                user_id=r.user_id,
                action=r.action,
                detail=r.detail,
                at=r.at,
            )
            for r in self.s.scalars(q)
        ]
