"""Repositories: data access over one session, returning domain objects (never ORM rows).

They flush but never commit: the service's unit of work decides when a change is saved.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from storage.domain import (
    STATUS_TRANSITIONS,
    AnswerChange,
    AuditEvent,
    Document,
    Draft,
    Invitation,
    Review,
    User,
)
from storage.models import (
    AnswerHistoryRow,
    AuditEventRow,
    ChatSessionRow,
    DocumentRow,
    DraftRow,
    InvitationRow,
    ProcessedUpdateRow,
    ReviewRow,
    UserRow,
)
from storage.sqltypes import utcnow


class StaleDraftError(Exception):
    """The draft changed since it was read (optimistic lock: its version moved on)."""


def to_jsonable(value: Any) -> Any:
    """A value as JSON data: dates become ISO strings, tuples lists, mappings plain dicts."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"cannot store a {type(value).__name__} as JSON")


def _user(r: UserRow) -> User:
    return User(
        id=r.id,
        channel=r.channel,
        external_id=r.external_id,
        display_name=r.display_name,
        role=r.role,
        department=r.department,
        active=r.active,
        created_at=r.created_at,
    )


def _draft(r: DraftRow) -> Draft:
    return Draft(
        id=r.id,
        owner_id=r.owner_id,
        kind=r.kind,
        status=r.status,
        title=r.title,
        state=r.state,
        current_field=r.current_field,
        complete=r.complete,
        parent_id=r.parent_id,
        created_at=r.created_at,
        updated_at=r.updated_at,
        submitted_at=r.submitted_at,
        deleted_at=r.deleted_at,
        version=r.version,
    )


def _invitation(r: InvitationRow) -> Invitation:
    return Invitation(
        id=r.id,
        code=r.code,
        role=r.role,
        department=r.department,
        created_by=r.created_by,
        created_at=r.created_at,
        expires_at=r.expires_at,
        used_by=r.used_by,
        used_at=r.used_at,
    )


class UserRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def get(self, user_id: int) -> User | None:
        row = self.s.get(UserRow, user_id)
        return _user(row) if row else None

    def by_external(self, channel: str, external_id: str) -> User | None:
        row = self.s.scalar(
            select(UserRow).where(UserRow.channel == channel, UserRow.external_id == external_id)
        )
        return _user(row) if row else None

    def add(
        self,
        channel: str,
        external_id: str,
        display_name: str = "",
        *,
        role: str = "clerk",
        department: str | None = None,
        active: bool = True,
    ) -> User:
        row = UserRow(
            channel=channel,
            external_id=external_id,
            display_name=display_name,
            role=role,
            department=department,
            active=active,
            created_at=utcnow(),
        )
        self.s.add(row)
        self.s.flush()
        return _user(row)

    _UPDATABLE = frozenset({"display_name", "role", "department", "active"})

    def update(self, user_id: int, **changes: Any) -> User:
        """Change some of display_name, role, department, active."""
        unknown = set(changes) - self._UPDATABLE
        if unknown:
            raise ValueError(f"cannot update user fields {sorted(unknown)}")
        row = self.s.get(UserRow, user_id)
        if row is None:
            raise LookupError(f"no user {user_id}")
        for k, v in changes.items():
            setattr(row, k, v)
        self.s.flush()
        return _user(row)

    def list(self, *, role: str | None = None, active: bool | None = None) -> list[User]:
        q = select(UserRow).order_by(UserRow.id)
        if role is not None:
            q = q.where(UserRow.role == role)
        if active is not None:
            q = q.where(UserRow.active == active)
        return [_user(r) for r in self.s.scalars(q)]


class InvitationRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def add(
        self,
        code: str,
        role: str,
        *,
        department: str | None = None,
        created_by: int | None = None,
        expires_at: dt.datetime | None = None,
    ) -> Invitation:
        row = InvitationRow(
            code=code,
            role=role,
            department=department,
            created_by=created_by,
            created_at=utcnow(),
            expires_at=expires_at,
        )
        self.s.add(row)
        self.s.flush()
        return _invitation(row)

    def by_code(self, code: str, *, lock: bool = False) -> Invitation | None:
        q = select(InvitationRow).where(InvitationRow.code == code)
        if lock:
            q = q.with_for_update()
        row = self.s.scalar(q)
        return _invitation(row) if row else None

    def mark_used(self, invitation_id: int, user_id: int) -> Invitation:
        row = self.s.get(InvitationRow, invitation_id)
        if row is None:
            raise LookupError(f"no invitation {invitation_id}")
        if row.used_by is not None:
            raise ValueError("invitation already used")
        row.used_by = user_id
        row.used_at = utcnow()
        self.s.flush()
        return _invitation(row)

    def list(self, *, created_by: int | None = None) -> list[Invitation]:
        q = select(InvitationRow).order_by(InvitationRow.id)
        if created_by is not None:
            q = q.where(InvitationRow.created_by == created_by)
        return [_invitation(r) for r in self.s.scalars(q)]


class DraftRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

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
        self.s.add(row)
        self.s.flush()
        return _draft(row)

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
        return _draft(row) if row else None

    def list_for_owner(self, owner_id: int, *, include_deleted: bool = False) -> list[Draft]:
        q = select(DraftRow).where(DraftRow.owner_id == owner_id)
        if not include_deleted:
            q = q.where(DraftRow.deleted_at.is_(None))
        q = q.order_by(DraftRow.updated_at.desc(), DraftRow.id.desc())
        return [_draft(r) for r in self.s.scalars(q)]

    def list_by_status(self, status: str) -> list[Draft]:
        q = (
            select(DraftRow)
            .where(DraftRow.status == status, DraftRow.deleted_at.is_(None))
            .order_by(DraftRow.updated_at, DraftRow.id)
        )
        return [_draft(r) for r in self.s.scalars(q)]

    _UPDATABLE = frozenset(
        {"state", "current_field", "title", "complete", "status", "submitted_at", "deleted_at"}
    )

    def update(self, draft: Draft, **changes: Any) -> Draft:
        """Save changes to `draft`, which must still be at the version it was read at.

        A status change must follow the workflow (draft → submitted → approved/returned,
        returned → submitted). Raises `StaleDraftError` when someone saved in between.
        """
        unknown = set(changes) - self._UPDATABLE
        if unknown:
            raise ValueError(f"cannot update draft fields {sorted(unknown)}")
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
        return _draft(row)


class ReviewRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

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
        self.s.add(row)
        self.s.flush()
        return _review(row)

    def for_draft(self, draft_id: int) -> list[Review]:
        q = select(ReviewRow).where(ReviewRow.draft_id == draft_id).order_by(ReviewRow.id)
        return [_review(r) for r in self.s.scalars(q)]


def _review(r: ReviewRow) -> Review:
    return Review(
        id=r.id,
        draft_id=r.draft_id,
        reviewer_id=r.reviewer_id,
        decision=r.decision,
        comment=r.comment,
        draft_version=r.draft_version,
        at=r.at,
    )


class ChatSessionRepository:
    """The draft each user is working on now (where their next message goes)."""

    def __init__(self, session: Session) -> None:
        self.s = session

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
        """Replace the mode's collected data (the session row must exist; see `set`)."""
        row = self.s.get(ChatSessionRow, user_id)
        if row is None:
            row = ChatSessionRow(user_id=user_id)
            self.s.add(row)
        row.data = to_jsonable(data) if data is not None else None
        row.updated_at = utcnow()
        self.s.flush()

    def set(self, user_id: int, *, active_draft_id: int | None, mode: str | None = None) -> None:
        row = self.s.get(ChatSessionRow, user_id)
        if row is None:
            row = ChatSessionRow(user_id=user_id)
            self.s.add(row)
        row.active_draft_id = active_draft_id
        row.mode = mode
        row.updated_at = utcnow()
        self.s.flush()


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


def _document(r: DocumentRow) -> Document:
    return Document(
        id=r.id,
        draft_id=r.draft_id,
        created_by=r.created_by,
        doc_type=r.doc_type,
        filename=r.filename,
        media_type=r.media_type,
        path=r.path,
        size=r.size,
        sha256=r.sha256,
        kb_version=r.kb_version,
        draft_version=r.draft_version,
        created_at=r.created_at,
    )


class DocumentRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def add(
        self,
        draft_id: int,
        *,
        doc_type: str,
        filename: str,
        media_type: str,
        content: bytes,
        kb_version: str,
        draft_version: int,
        created_by: int | None = None,
        path: str | None = None,
    ) -> Document:
        """Store a generated document; `path` set means the bytes live in that file instead."""
        row = DocumentRow(
            draft_id=draft_id,
            created_by=created_by,
            doc_type=doc_type,
            filename=filename,
            media_type=media_type,
            content=None if path else content,
            path=path,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            kb_version=kb_version,
            draft_version=draft_version,
            created_at=utcnow(),
        )
        self.s.add(row)
        self.s.flush()
        return _document(row)

    def get(self, document_id: int) -> Document | None:
        row = self.s.get(DocumentRow, document_id)
        return _document(row) if row else None

    def content(self, document_id: int) -> bytes | None:
        return self.s.scalar(select(DocumentRow.content).where(DocumentRow.id == document_id))

    def for_draft(self, draft_id: int) -> list[Document]:
        q = select(DocumentRow).where(DocumentRow.draft_id == draft_id).order_by(DocumentRow.id)
        return [_document(r) for r in self.s.scalars(q)]


class ProcessedUpdateRepository:
    """Inbound update ids already handled, claimed in the same transaction as their effect."""

    def __init__(self, session: Session) -> None:
        self.s = session

    def claim(self, channel: str, update_id: int) -> bool:
        """Record the update; False when it was processed before (a re-delivery)."""
        dialect = self.s.get_bind().dialect.name
        values = {"channel": channel, "update_id": update_id, "processed_at": utcnow()}
        if dialect == "postgresql":
            stmt: Any = postgresql.insert(ProcessedUpdateRow).values(**values)
        elif dialect == "sqlite":
            stmt = sqlite.insert(ProcessedUpdateRow).values(**values)
        else:  # pragma: no cover - only SQLite and PostgreSQL are supported
            raise NotImplementedError(dialect)
        stmt = stmt.on_conflict_do_nothing().returning(ProcessedUpdateRow.update_id)
        return self.s.execute(stmt).first() is not None

    def seen(self, channel: str, update_id: int) -> bool:
        return self.s.get(ProcessedUpdateRow, (channel, update_id)) is not None

    def prune(self, older_than: dt.datetime) -> int:
        """Forget ids processed before `older_than` (Telegram re-delivers only recent ones)."""
        result = self.s.execute(
            delete(ProcessedUpdateRow).where(ProcessedUpdateRow.processed_at < older_than)
        )
        return int(getattr(result, "rowcount", 0))
