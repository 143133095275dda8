"""Web sessions and one-time login links, both looked up by the SHA-256 of their token."""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import bindparam, delete, insert, select, update

from storage.domain import User, WebSession
from storage.models import ChatSessionRow, LoginTokenRow, UserRow, WebSessionRow
from storage.repositories.base import Repository, domain_columns, table_of
from storage.sqltypes import utcnow

_SESSIONS = table_of(WebSessionRow)
_USERS = table_of(UserRow)
_TOKENS = table_of(LoginTokenRow)
_CHATS = table_of(ChatSessionRow)
_SESSION_AND_USER = (
    select(
        *domain_columns(_SESSIONS, WebSession),
        *domain_columns(_USERS, User),
        _CHATS.c.active_draft_id,
    )
    .select_from(
        _SESSIONS.join(_USERS, _USERS.c.id == _SESSIONS.c.user_id).outerjoin(
            _CHATS, _CHATS.c.user_id == _USERS.c.id
        )
    )
    .where(_SESSIONS.c.token_hash == bindparam("token_hash"))
)
_SESSION_FIELDS = len(domain_columns(_SESSIONS, WebSession))
_USER_END = _SESSION_FIELDS + len(domain_columns(_USERS, User))
_TOUCH = (
    update(_SESSIONS)
    .where(_SESSIONS.c.token_hash == bindparam("w_token_hash"))
    .values(last_seen_at=bindparam("last_seen_at"), expires_at=bindparam("expires_at"))
)
# Spending a link is one UPDATE: of two phones opening it at once, one gets the row.
_SPEND = (
    update(_TOKENS)
    .where(
        _TOKENS.c.token_hash == bindparam("w_token_hash"),
        _TOKENS.c.used_at.is_(None),
        _TOKENS.c.expires_at > bindparam("now"),
    )
    .values(used_at=bindparam("used_at"))
    .returning(_TOKENS.c.user_id)
)


class WebSessionRepository(Repository):
    def add(
        self, token_hash: str, user_id: int, csrf_hash: str, expires_at: dt.datetime
    ) -> WebSession:
        now = utcnow()
        session = WebSession(token_hash, user_id, csrf_hash, now, now, expires_at)
        self.conn.execute(insert(_SESSIONS), dataclasses.asdict(session))
        return session

    def with_user(self, token_hash: str) -> tuple[WebSession, User, int | None] | None:
        """The session of this token hash, its user and the id of the draft the user works
        on (one query), or None."""
        row = self.conn.execute(_SESSION_AND_USER, {"token_hash": token_hash}).first()
        if row is None:
            return None
        user = User(*row[_SESSION_FIELDS:_USER_END])
        return WebSession(*row[:_SESSION_FIELDS]), user, row[_USER_END]

    def touch(self, token_hash: str, expires_at: dt.datetime) -> None:
        params = {"w_token_hash": token_hash, "last_seen_at": utcnow(), "expires_at": expires_at}
        self.conn.execute(_TOUCH, params)

    def delete(self, token_hash: str) -> None:
        self.conn.execute(delete(_SESSIONS).where(_SESSIONS.c.token_hash == token_hash))

    def delete_for_user(self, user_id: int) -> int:
        result = self.conn.execute(delete(_SESSIONS).where(_SESSIONS.c.user_id == user_id))
        return int(result.rowcount or 0)

    def prune(self, now: dt.datetime) -> int:
        result = self.conn.execute(delete(_SESSIONS).where(_SESSIONS.c.expires_at < now))
        return int(result.rowcount or 0)


class LoginTokenRepository(Repository):
    def add(
        self, token_hash: str, user_id: int, expires_at: dt.datetime, created_by: int | None
    ) -> None:
        values = {
            "token_hash": token_hash,
            "user_id": user_id,
            "created_by": created_by,
            "created_at": utcnow(),
            "expires_at": expires_at,
            "used_at": None,
        }
        self.conn.execute(insert(_TOKENS), values)

    def spend(self, token_hash: str) -> int | None:
        """Mark the link used and return its user id; None when unknown, used or expired."""
        now = utcnow()
        row = self.conn.execute(
            _SPEND, {"w_token_hash": token_hash, "now": now, "used_at": now}
        ).first()
        return int(row[0]) if row else None
