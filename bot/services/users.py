"""Users, roles and one-time invitations (use cases; one transaction each).

Nobody uses the bot without being registered: an admin creates an invitation code with a
role and a department (`landbot users invite`), the new person sends the code once, and
the code is spent. The first admin is created from the CLI. Disabled users are refused
like unknown ones. Every change is in the audit trail (`audit_events`, no draft).
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass

from knowledge.errors import BadInput
from storage.db import Database, UnitOfWork
from storage.domain import ROLE_LABELS, Invitation, User
from storage.models import ROLES
from storage.sqltypes import utcnow

# No 0/O, 1/I/L: easy to read aloud and to type on a phone.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
DEFAULT_VALID_DAYS = 7
MAX_DEPARTMENT = 128
MAX_NAME = 128
_CODE_CHARS = re.compile(rf"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$")


class InvitationRefused(Exception):
    """The code is unknown, spent or expired; `reason` is a short Chinese explanation."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class AlreadyProcessed(Exception):
    """This inbound update was handled before (a re-delivery): do nothing, say nothing."""


@dataclass(frozen=True)
class Registration:
    user: User
    created: bool  # False when this account was already registered (nothing changed)


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    """`ABCD2345` → `ABCD-2345` (how the code is printed)."""
    return f"{code[:4]}-{code[4:]}"


def normalise_code(text: str) -> str | None:
    """The code in what a person typed (`abcd-2345`, `ABCD 2345`), or None if it is not one."""
    cleaned = re.sub(r"[\s\-_－—]", "", text.strip()).upper()
    return cleaned if _CODE_CHARS.match(cleaned) else None


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise BadInput(
            f"角色 {role} 无效，应为 clerk（经办人）、reviewer（审核人）或 admin（管理员）",
            f"invalid role {role!r}: expected clerk, reviewer or admin",
        )
    return role


def _check_department(department: str | None) -> str | None:
    if department is None:
        return None
    department = department.strip()
    if not department or len(department) > MAX_DEPARTMENT:
        raise BadInput(
            f"部门名称应为 1 至 {MAX_DEPARTMENT} 个字",
            f"the department must have 1 to {MAX_DEPARTMENT} characters",
        )
    return department


def invite(
    db: Database,
    *,
    role: str,
    department: str | None,
    created_by: int | None = None,
    valid_days: int | None = DEFAULT_VALID_DAYS,
) -> Invitation:
    """Create a one-time invitation code for `role` in `department`."""
    _check_role(role)
    department = _check_department(department)
    if valid_days is not None and valid_days <= 0:
        raise BadInput("有效天数应为正整数", "--days must be a positive number")
    expires = utcnow() + dt.timedelta(days=valid_days) if valid_days else None
    with db.unit_of_work() as uow:
        while True:  # a collision among 31**8 codes is unlikely, but never reuse one
            code = new_code()
            if uow.invitations.by_code(code) is None:
                break
        inv = uow.invitations.add(
            code, role, department=department, created_by=created_by, expires_at=expires
        )
        uow.audit.add(
            None,
            created_by,
            "invitation_created",
            {"invitation_id": inv.id, "role": role, "department": department},
        )
        uow.commit()
    return inv


def find(uow: UnitOfWork, channel: str, external_id: str | int) -> User | None:
    """The registered user of this account (active or not), inside a unit of work."""
    return uow.users.by_external(channel, str(external_id))


def lookup(db: Database, channel: str, external_id: str | int) -> User | None:
    with db.unit_of_work(readonly=True) as uow:
        return find(uow, channel, external_id)


def register(
    db: Database,
    *,
    channel: str,
    external_id: str | int,
    display_name: str,
    code_text: str,
    update_id: int | None = None,
) -> Registration:
    """Spend an invitation code for this account; raises InvitationRefused.

    With `update_id`, the update is claimed in the same transaction as the registration;
    a re-delivered registration message raises AlreadyProcessed and changes nothing.
    """
    code = normalise_code(code_text)
    if code is None:
        raise InvitationRefused("这不是有效的邀请码格式（8 位字母和数字，如 ABCD-2345）")
    with db.unit_of_work() as uow:
        existing = find(uow, channel, external_id)
        if existing is not None and existing.active:
            return Registration(existing, created=False)
        if update_id is not None and not uow.processed.claim(channel, update_id):
            raise AlreadyProcessed(update_id)
        user = redeem(uow, code, channel=channel, external_id=external_id,
                      display_name=display_name, existing=existing)  # fmt: skip
        uow.commit()
    return Registration(user, created=True)


def redeem(
    uow: UnitOfWork,
    code: str,
    *,
    channel: str,
    external_id: str | int,
    display_name: str,
    existing: User | None = None,
    department: str | None = None,
) -> User:
    """Spend the invitation `code` (normalised) for this account inside `uow` (no commit).

    `department` is taken only when the invitation names none. Raises InvitationRefused.
    """
    inv = uow.invitations.by_code(code, lock=True)
    if inv is None:
        raise InvitationRefused("邀请码不存在，请核对后重新发送")
    if inv.used_by is not None:
        raise InvitationRefused("该邀请码已被使用，请向管理员索取新的邀请码")
    if inv.expires_at is not None and inv.expires_at < utcnow():
        raise InvitationRefused("该邀请码已过期，请向管理员索取新的邀请码")
    name = display_name.strip()[:MAX_NAME]
    if existing is not None:  # a disabled account re-activated by a new invitation
        user = uow.users.update(
            existing.id,
            role=inv.role,
            department=inv.department or department,
            active=True,
            display_name=name or existing.display_name,
        )
    else:
        user = uow.users.add(
            channel, str(external_id), name, role=inv.role, department=inv.department or department
        )
    uow.invitations.mark_used(inv.id, user.id)
    uow.audit.add(
        None,
        user.id,
        "user_registered",
        {"invitation_id": inv.id, "role": inv.role, "department": inv.department},
    )
    return user


def create_admin(
    db: Database,
    *,
    channel: str,
    external_id: str | int,
    display_name: str,
    department: str | None,
) -> User:
    """Create (or promote) an admin directly: how the first admin comes to exist."""
    department = _check_department(department)
    name = display_name.strip()[:MAX_NAME]
    if not name:
        raise BadInput("姓名不能为空", "--name must not be empty")
    with db.unit_of_work() as uow:
        existing = find(uow, channel, external_id)
        if existing is not None:
            user = uow.users.update(
                existing.id, role="admin", department=department, active=True, display_name=name
            )
        else:
            user = uow.users.add(
                channel, str(external_id), name, role="admin", department=department
            )
        uow.audit.add(None, None, "admin_created", {"user_id": user.id, "channel": channel})
        uow.commit()
    return user


def list_users(db: Database) -> list[User]:
    with db.unit_of_work(readonly=True) as uow:
        return uow.users.list()


def list_invitations(db: Database) -> list[Invitation]:
    with db.unit_of_work(readonly=True) as uow:
        return uow.invitations.list()


def disable(db: Database, user_id: int, *, by: int | None = None) -> User:
    """Disable a user: from now on the bot treats them as unregistered."""
    with db.unit_of_work() as uow:
        user = uow.users.get(user_id)
        if user is None:
            raise BadInput(f"没有编号为 {user_id} 的用户", f"no user with id {user_id}")
        user = uow.users.update(user_id, active=False)
        uow.web_sessions.delete_for_user(user_id)  # signed-in phones are out at once
        uow.audit.add(None, by, "user_disabled", {"user_id": user_id})
        uow.commit()
    return user


def reviewers_of(uow: UnitOfWork, department: str | None) -> list[User]:
    """Active reviewers of `department` (admins of it review too when it has no reviewer)."""
    same = [u for u in uow.users.list(active=True) if u.department == department]
    reviewers = [u for u in same if u.role == "reviewer"]
    return reviewers or [u for u in same if u.role == "admin"]


def role_label(role: str) -> str:
    return ROLE_LABELS.get(role, role)
