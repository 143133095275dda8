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

    def work(uow: UnitOfWork) -> tuple[User | None, Session]:
        found = uow.users.by_external_with_session(channel, str(external_id))
        if found is None or not found[0].active:
            return None, Session(None, None)
        user, mode, active_draft_id = found
        return user, Session(mode, active_draft_id)

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
