"""Signing in to the web channel: invitation codes, one-time login links, server-side sessions.

A browser holds a random session token in an HttpOnly cookie; the database keeps only its
SHA-256 (a stolen database yields no usable session), with the user, the hash of the
session's CSRF token and an expiry that slides while the session is used. Every request
re-reads the session with its user, so a disabled user is refused from the next request
on, and any worker process serves any browser. A login link (`landbot users login-link`)
is a one-time token for an already registered user (e.g. of Telegram) on a new phone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from bot.services.errors import AccessDenied
from bot.services.transaction import transact
from bot.services.users import MAX_NAME, InvitationRefused, normalise_code, redeem
from knowledge.errors import BadInput
from storage.db import Database, UnitOfWork
from storage.domain import User
from storage.sqltypes import utcnow

CHANNEL = "web"
SESSION_DAYS = 30
TOUCH_EVERY = dt.timedelta(minutes=10)  # a session's expiry is pushed at most this often
LOGIN_LINK_HOURS = 72
TOKEN_BYTES = 32
T = TypeVar("T")


@dataclass(frozen=True)
class Login:
    """A new session: the two tokens go to the browser (cookies) and are never stored."""

    user: User
    session_token: str
    csrf_token: str


@dataclass(frozen=True)
class SessionInfo:
    user: User
    csrf_hash: str
    active_draft_id: int | None = None  # the draft the user's messages go to (chat session)

    def csrf_ok(self, token: str | None) -> bool:
        """Whether `token` (the X-CSRF-Token header) is this session's CSRF token."""
        return bool(token) and hmac.compare_digest(digest(token or ""), self.csrf_hash)


@dataclass(frozen=True)
class LoginLink:
    token: str
    user: User
    expires_at: dt.datetime


def digest(token: str) -> str:
    """How a token is stored: SHA-256 hex (tokens are 256-bit random, no salt needed)."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def _plausible(token: object) -> bool:
    return isinstance(token, str) and 20 <= len(token) <= 100 and token.isascii()


def _open_session(uow: UnitOfWork, user: User) -> Login:
    token, csrf = secrets.token_urlsafe(TOKEN_BYTES), secrets.token_urlsafe(TOKEN_BYTES)
    expires = utcnow() + dt.timedelta(days=SESSION_DAYS)
    uow.web_sessions.add(digest(token), user.id, digest(csrf), expires)
    return Login(user, token, csrf)


def _clean_name(text: object, what_zh: str, what_en: str) -> str:
    if text is None:
        return ""
    if not isinstance(text, str) or len(text.strip()) > MAX_NAME:
        raise BadInput(
            f"{what_zh}应为不超过 {MAX_NAME} 个字的文字", f"{what_en} must be text of ≤{MAX_NAME}"
        )
    return "".join(ch for ch in text if ch.isprintable()).strip()


def login_with_code(
    db: Database, code_text: object, *, name: object = None, department: object = None
) -> Login:
    """Register a new web user with an invitation code and open their first session."""
    code = normalise_code(code_text) if isinstance(code_text, str) else None
    if code is None:
        raise InvitationRefused("这不是有效的邀请码格式（8 位字母和数字，如 ABCD-2345）")
    display = _clean_name(name, "姓名", "name")
    dept = _clean_name(department, "部门", "department") or None

    def work(uow: UnitOfWork) -> Login:
        account = secrets.token_hex(16)  # a web user has no outside account id: a random one
        user = redeem(uow, code, channel=CHANNEL, external_id=account,
                      display_name=display or "网页用户", department=dept)  # fmt: skip
        login = _open_session(uow, user)
        uow.audit.add(None, user.id, "web_login", {"by": "invitation"})
        uow.commit()
        return login

    return transact(db, work)


def create_login_link(
    db: Database, user_id: int, *, hours: int = LOGIN_LINK_HOURS, by: int | None = None
) -> LoginLink:
    """A one-time login token for a registered, active user (`landbot users login-link`)."""
    if hours <= 0:
        raise BadInput("有效小时数应为正整数", "--hours must be a positive number")

    def work(uow: UnitOfWork) -> LoginLink:
        user = uow.users.get(user_id)
        if user is None or not user.active:
            raise BadInput(f"没有编号为 {user_id} 的正常用户", f"no active user with id {user_id}")
        token = secrets.token_urlsafe(TOKEN_BYTES)
        expires = utcnow() + dt.timedelta(hours=hours)
        uow.login_tokens.add(digest(token), user.id, expires, by)
        uow.audit.add(None, by, "login_link_created", {"user_id": user.id})
        uow.commit()
        return LoginLink(token, user, expires)

    return transact(db, work)


def login_with_link(db: Database, token: object) -> Login:
    """Spend a one-time login token and open a session for its user."""
    refused = InvitationRefused("登录链接无效、已使用或已过期，请向管理员索取新的链接")
    if not _plausible(token):
        raise refused
    assert isinstance(token, str)

    def work(uow: UnitOfWork) -> Login:
        user_id = uow.login_tokens.spend(digest(token))
        user = uow.users.get(user_id) if user_id is not None else None
        if user is None or not user.active:
            raise refused
        login = _open_session(uow, user)
        uow.audit.add(None, user.id, "web_login", {"by": "login_link"})
        uow.commit()
        return login

    return transact(db, work)


def _check_session(uow: UnitOfWork, hashed: str) -> tuple[SessionInfo, bool]:
    """The session of a token hash with its user; AccessDenied when unknown, expired or
    disabled. The flag says its expiry is due to be pushed (`TOUCH_EVERY`)."""
    found = uow.web_sessions.with_user(hashed)
    now = utcnow()
    if found is None or found[0].expires_at < now or not found[1].active:
        raise AccessDenied()
    session, user, active_draft_id = found
    info = SessionInfo(user, session.csrf_hash, active_draft_id)
    return info, now - session.last_seen_at > TOUCH_EVERY


def _touch(uow: UnitOfWork, hashed: str) -> None:
    uow.web_sessions.touch(hashed, utcnow() + dt.timedelta(days=SESSION_DAYS))


def _hashed(token: object) -> str:
    if not _plausible(token):
        raise AccessDenied()
    assert isinstance(token, str)
    return digest(token)


def session_of(db: Database, token: str | None) -> SessionInfo:
    """The signed-in user of a session token; AccessDenied when unknown, expired or disabled."""
    hashed = _hashed(token)
    info, stale = transact(db, lambda uow: _check_session(uow, hashed), readonly=True)
    if stale:  # most requests write nothing here

        def touch(uow: UnitOfWork) -> None:
            _touch(uow, hashed)
            uow.commit()

        transact(db, touch)
    return info


def in_session(
    db: Database,
    token: str | None,
    work: Callable[[UnitOfWork, SessionInfo], T],
    *,
    guard: Callable[[SessionInfo], None] | None = None,
) -> T:
    """`work` in the unit of work that checks the session (`session_of`), then `guard` (the
    channel's CSRF check, which may refuse): a change costs one transaction, not two, and a
    session ended or a user disabled meanwhile cannot slip one in. `work` commits, and with
    it the pushed expiry; a refusal or a replay writes nothing. The whole of it is retried
    on a stale draft (`transact`)."""
    hashed = _hashed(token)

    def run(uow: UnitOfWork) -> T:
        info, stale = _check_session(uow, hashed)
        if guard is not None:
            guard(info)
        if stale:
            _touch(uow, hashed)
        return work(uow, info)

    return transact(db, run)


def logout(db: Database, token: str | None) -> None:
    """End the session of this token (nothing happens for an unknown one)."""
    if not _plausible(token):
        return
    assert token is not None

    def work(uow: UnitOfWork) -> None:
        uow.web_sessions.delete(digest(token))
        uow.commit()

    transact(db, work)
