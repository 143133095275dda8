"""Where a user's next typed message goes (the chat session row; state only in the database).

drafting (or none, with an active draft)  → the dialogue of the active draft
ask                                       → 政策问答
procedure                                 → 程序判定
rc:<draft>:<version>                      → a reviewer's comment on a returned plan
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.services.transaction import transact
from storage.db import Database, UnitOfWork
from storage.domain import User

ASK = "ask"
PROCEDURE = "procedure"


@dataclass(frozen=True)
class Session:
    mode: str | None
    active_draft_id: int | None


def get(db: Database, user_id: int) -> Session:
    def work(uow: UnitOfWork) -> Session:
        return Session(uow.chat_sessions.mode(user_id), uow.chat_sessions.active_draft_id(user_id))

    return transact(db, work, readonly=True)


def whoami(db: Database, channel: str, external_id: int) -> tuple[User | None, Session]:
    """The active registered user of an account and where their text goes (one query)."""
    from sqlalchemy import select

    from storage.models import ChatSessionRow, UserRow

    def work(uow: UnitOfWork) -> tuple[User | None, Session]:
        row = uow.session.execute(
            select(UserRow, ChatSessionRow.mode, ChatSessionRow.active_draft_id)
            .outerjoin(ChatSessionRow, ChatSessionRow.user_id == UserRow.id)
            .where(UserRow.channel == channel, UserRow.external_id == str(external_id))
        ).first()
        if row is None or not row[0].active:
            return None, Session(None, None)
        u = row[0]
        user = User(
            id=u.id, channel=u.channel, external_id=u.external_id, display_name=u.display_name,
            role=u.role, department=u.department, active=u.active, created_at=u.created_at,
        )  # fmt: skip
        return user, Session(row[1], row[2])

    return transact(db, work, readonly=True)


def set_mode(db: Database, user_id: int, mode: str | None, *, update_id: int | None = None,
             channel: str = "telegram") -> bool:  # fmt: skip
    """Switch the mode, keeping the active draft; False when the update was seen before."""

    def work(uow: UnitOfWork) -> bool:
        if update_id is not None and not uow.processed.claim(channel, update_id):
            return False
        keep = uow.chat_sessions.active_draft_id(user_id)
        uow.chat_sessions.set(user_id, active_draft_id=keep, mode=mode)
        uow.commit()
        return True

    return transact(db, work)


def leave_all(db: Database, user_id: int, *, update_id: int | None = None,
              channel: str = "telegram") -> bool:  # fmt: skip
    """/cancel: no active draft, no mode (drafts stay saved)."""

    def work(uow: UnitOfWork) -> bool:
        if update_id is not None and not uow.processed.claim(channel, update_id):
            return False
        uow.chat_sessions.set(user_id, active_draft_id=None, mode=None)
        uow.commit()
        return True

    return transact(db, work)
