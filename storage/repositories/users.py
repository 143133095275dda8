"""People and how they join: users (one per channel account) and one-time invitations."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from sqlalchemy import bindparam, select

from storage.domain import Invitation, User
from storage.models import ChatSessionRow, InvitationRow, UserRow
from storage.repositories.base import (
    Repository,
    check_updatable,
    domain_columns,
    table_of,
    to_domain,
)
from storage.sqltypes import utcnow

_USERS = table_of(UserRow)
_SELECT = select(*domain_columns(_USERS, User))
_BY_ID = _SELECT.where(_USERS.c.id == bindparam("id"))
_EXTERNAL = (
    _USERS.c.channel == bindparam("channel"),
    _USERS.c.external_id == bindparam("external_id"),
)
_BY_EXTERNAL = _SELECT.where(*_EXTERNAL)
_SESSIONS = table_of(ChatSessionRow)
_USER_AND_SESSION = select(
    *domain_columns(_USERS, User), _SESSIONS.c.mode, _SESSIONS.c.active_draft_id
).select_from(_USERS.outerjoin(_SESSIONS, _SESSIONS.c.user_id == _USERS.c.id))
_WITH_SESSION = _USER_AND_SESSION.where(*_EXTERNAL)
_BY_ID_WITH_SESSION = _USER_AND_SESSION.where(_USERS.c.id == bindparam("id"))
_USER_FIELDS = len(dataclasses.fields(User))


class UserRepository(Repository):
    """Users are read with Core (the per-message path) and written through the ORM: an ORM
    write is flushed at once, so a later read sees it."""

    def get(self, user_id: int) -> User | None:
        row = self.conn.execute(_BY_ID, {"id": user_id}).first()
        return User(*row) if row else None

    def by_external(self, channel: str, external_id: str) -> User | None:
        params = {"channel": channel, "external_id": external_id}
        row = self.conn.execute(_BY_EXTERNAL, params).first()
        return User(*row) if row else None

    def by_external_with_session(
        self, channel: str, external_id: str
    ) -> tuple[User, str | None, int | None] | None:
        """The user of a channel account with their chat mode and active draft id (one
        query: what a channel needs to route a message), or None when unknown."""
        params = {"channel": channel, "external_id": external_id}
        return _with_session(self.conn.execute(_WITH_SESSION, params).first())

    def with_session(self, user_id: int) -> tuple[User, str | None, int | None] | None:
        """The user with their chat mode and active draft id (one query), or None."""
        return _with_session(self.conn.execute(_BY_ID_WITH_SESSION, {"id": user_id}).first())

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
        return self._insert(row, User)

    _UPDATABLE = frozenset({"display_name", "role", "department", "active"})

    def update(self, user_id: int, **changes: Any) -> User:
        """Change some of display_name, role, department, active."""
        check_updatable("user", changes, self._UPDATABLE)
        row = self.s.get(UserRow, user_id)
        if row is None:
            raise LookupError(f"no user {user_id}")
        for k, v in changes.items():
            setattr(row, k, v)
        self.s.flush()
        return to_domain(User, row)

    def list(self, *, role: str | None = None, active: bool | None = None) -> list[User]:
        q = select(UserRow).order_by(UserRow.id)
        if role is not None:
            q = q.where(UserRow.role == role)
        if active is not None:
            q = q.where(UserRow.active == active)
        return [to_domain(User, r) for r in self.s.scalars(q)]


def _with_session(row: Any) -> tuple[User, str | None, int | None] | None:
    if row is None:
        return None
    return User(*row[:_USER_FIELDS]), row[_USER_FIELDS], row[_USER_FIELDS + 1]


class InvitationRepository(Repository):
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
        return self._insert(row, Invitation)

    def by_code(self, code: str, *, lock: bool = False) -> Invitation | None:
        q = select(InvitationRow).where(InvitationRow.code == code)
        if lock:
            q = q.with_for_update()
        row = self.s.scalar(q)
        return to_domain(Invitation, row) if row else None

    def mark_used(self, invitation_id: int, user_id: int) -> Invitation:
        row = self.s.get(InvitationRow, invitation_id)
        if row is None:
            raise LookupError(f"no invitation {invitation_id}")
        if row.used_by is not None:
            raise ValueError("invitation already used")
        row.used_by = user_id
        row.used_at = utcnow()
        self.s.flush()
        return to_domain(Invitation, row)

    def list(self, *, created_by: int | None = None) -> list[Invitation]:
        q = select(InvitationRow).order_by(InvitationRow.id)
        if created_by is not None:
            q = q.where(InvitationRow.created_by == created_by)
        return [to_domain(Invitation, r) for r in self.s.scalars(q)]
