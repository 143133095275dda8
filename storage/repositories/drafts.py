"""Drafts (with the optimistic lock that guards every save) and their review decisions."""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import Select, bindparam, insert, select, update

from storage.domain import STATUS_TRANSITIONS, Draft, Review
from storage.models import DraftRow, ReviewRow
from storage.repositories.base import (
    Repository,
    check_updatable,
    domain_columns,
    table_of,
    to_jsonable,
)
from storage.sqltypes import utcnow


class StaleDraftError(Exception):
    """The draft changed since it was read (optimistic lock: its version moved on)."""


_DRAFTS = table_of(DraftRow)
_COLUMNS = domain_columns(_DRAFTS, Draft)
_ALL = select(*_COLUMNS)
_LIVE = _ALL.where(_DRAFTS.c.deleted_at.is_(None))


def _by_id(lock: bool, deleted: bool) -> Select[Any]:
    q = (_ALL if deleted else _LIVE).where(_DRAFTS.c.id == bindparam("id"))
    return q.with_for_update() if lock else q


_BY_ID = {
    (lock, deleted): _by_id(lock, deleted) for lock in (False, True) for deleted in (False, True)
}
_BY_OWNER = {
    deleted: (_ALL if deleted else _LIVE)
    .where(_DRAFTS.c.owner_id == bindparam("owner_id"))
    .order_by(_DRAFTS.c.updated_at.desc(), _DRAFTS.c.id.desc())
    for deleted in (False, True)
}
_BY_STATUS = _LIVE.where(_DRAFTS.c.status == bindparam("status")).order_by(
    _DRAFTS.c.updated_at, _DRAFTS.c.id
)
_INSERT = insert(_DRAFTS).returning(*_COLUMNS)
# The SET clause comes from the parameters; the WHERE clause is the optimistic lock (the
# version and status the caller read), so a change in between updates no row.
_UPDATE = update(_DRAFTS).where(
    _DRAFTS.c.id == bindparam("w_id"),
    _DRAFTS.c.version == bindparam("w_version"),
    _DRAFTS.c.status == bindparam("w_status"),
)


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
        row = self.conn.execute(
            _INSERT,
            {
                "owner_id": owner_id,
                "kind": kind,
                "status": "draft",
                "title": title,
                "state": to_jsonable(state),
                "current_field": current_field,
                "complete": complete,
                "parent_id": parent_id,
                "created_at": now,
                "updated_at": now,
                "version": 1,
            },
        ).one()
        return Draft(*row)

    def get(
        self, draft_id: int, *, lock: bool = False, include_deleted: bool = False
    ) -> Draft | None:
        """The draft, row-locked for this transaction when `lock` (PostgreSQL FOR UPDATE)."""
        row = self.conn.execute(_BY_ID[lock, include_deleted], {"id": draft_id}).first()
        return Draft(*row) if row else None

    def list_for_owner(self, owner_id: int, *, include_deleted: bool = False) -> list[Draft]:
        rows = self.conn.execute(_BY_OWNER[include_deleted], {"owner_id": owner_id})
        return [Draft(*r) for r in rows]

    def list_by_status(self, status: str) -> list[Draft]:
        return [Draft(*r) for r in self.conn.execute(_BY_STATUS, {"status": status})]

    _UPDATABLE = frozenset(
        {"state", "current_field", "title", "complete", "status", "submitted_at", "deleted_at"}
    )

    def update(self, draft: Draft, **changes: Any) -> Draft:
        """Save changes to `draft`, which must still be at the version it was read at.

        A status change must follow the workflow (draft → submitted → approved/returned,
        returned → submitted). Raises `StaleDraftError` when someone saved in between.
        """
        check_updatable("draft", changes, self._UPDATABLE)
        new_status = changes.get("status", draft.status)
        if new_status != draft.status and new_status not in STATUS_TRANSITIONS[draft.status]:
            raise ValueError(f"a {draft.status} draft cannot become {new_status}")
        if "state" in changes:
            changes["state"] = to_jsonable(changes["state"])
        changes["updated_at"] = utcnow()
        changes["version"] = draft.version + 1
        where = {"w_id": draft.id, "w_version": draft.version, "w_status": draft.status}
        if self.conn.execute(_UPDATE, {**changes, **where}).rowcount != 1:
            raise StaleDraftError(draft.id)
        return dataclasses.replace(draft, **changes)


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
