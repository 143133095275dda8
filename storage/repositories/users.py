"""People and how they join: users (one per channel account) and one-time invitations."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.domain import Invitation, User
from storage.models import InvitationRow, UserRow
from storage.sqltypes import utcnow


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
