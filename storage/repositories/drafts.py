"""Drafts (with the optimistic lock that guards every save) and their review decisions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from storage.domain import STATUS_TRANSITIONS, Draft, Review
from storage.models import DraftRow, ReviewRow
from storage.repositories.base import Repository, check_updatable, to_domain, to_jsonable
from storage.sqltypes import utcnow


class StaleDraftError(Exception):
    """The draft changed since it was read (optimistic lock: its version moved on)."""


class DraftRepository(Repository):
    def add(
        self,
        owner_id: int,
        kind: str,
        state: dict[str, Any],
        *,
        current_field: str | None = None,
        title: str | None = None,
        complete: bool = False,
        parent_id: int | None = None,
    ) -> Draft:
        now = utcnow()
        row = DraftRow(
            owner_id=owner_id,
            kind=kind,
            status="draft",
            title=title,
            state=to_jsonable(state),
            current_field=current_field,
            complete=complete,
            parent_id=parent_id,
            created_at=now,
            updated_at=now,
        )
        return self._insert(row, Draft)

    def get(
        self, draft_id: int, *, lock: bool = False, include_deleted: bool = False
    ) -> Draft | None:
        """The draft, row-locked for this transaction when `lock` (PostgreSQL FOR UPDATE)."""
        q = select(DraftRow).where(DraftRow.id == draft_id)
        if not include_deleted:
            q = q.where(DraftRow.deleted_at.is_(None))
        if lock:
            q = q.with_for_update()
        row = self.s.scalar(q)
        return to_domain(Draft, row) if row else None

    def list_for_owner(self, owner_id: int, *, include_deleted: bool = False) -> list[Draft]:
        q = select(DraftRow).where(DraftRow.owner_id == owner_id)
        if not include_deleted:
            q = q.where(DraftRow.deleted_at.is_(None))
        q = q.order_by(DraftRow.updated_at.desc(), DraftRow.id.desc())
        return [to_domain(Draft, r) for r in self.s.scalars(q)]

    def list_by_status(self, status: str) -> list[Draft]:
        q = (
            select(DraftRow)
            .where(DraftRow.status == status, DraftRow.deleted_at.is_(None))
            .order_by(DraftRow.updated_at, DraftRow.id)
        )
        return [to_domain(Draft, r) for r in self.s.scalars(q)]

    _UPDATABLE = frozenset(
        {"state", "current_field", "title", "complete", "status", "submitted_at", "deleted_at"}
    )

    def update(self, draft: Draft, **changes: Any) -> Draft:
        """Save changes to `draft`, which must still be at the version it was read at.

        A status change must follow the workflow (draft → submitted → approved/returned,
        returned → submitted). Raises `StaleDraftError` when someone saved in between.
        """
        check_updatable("draft", changes, self._UPDATABLE)
        row = self.s.get(DraftRow, draft.id)
        if row is None or row.version != draft.version:
            raise StaleDraftError(draft.id)
        new_status = changes.get("status", row.status)
        if new_status != row.status and new_status not in STATUS_TRANSITIONS[row.status]:
            raise ValueError(f"a {row.status} draft cannot become {new_status}")
        if "state" in changes:
            changes["state"] = to_jsonable(changes["state"])
        for k, v in changes.items():
            setattr(row, k, v)
        row.updated_at = utcnow()
        try:
            self.s.flush()
        except StaleDataError:
            raise StaleDraftError(draft.id) from None
        return to_domain(Draft, row)


class ReviewRepository(Repository):
    def add(
        self,
        draft_id: int,
        reviewer_id: int | None,
        decision: str,
        comment: str | None,
        *,
        draft_version: int,
    ) -> Review:
        row = ReviewRow(
            draft_id=draft_id,
            reviewer_id=reviewer_id,
            decision=decision,
            comment=comment,
            draft_version=draft_version,
            at=utcnow(),
        )
        return self._insert(row, Review)

    def for_draft(self, draft_id: int) -> list[Review]:
        return self._of_draft(ReviewRow, Review, draft_id)
