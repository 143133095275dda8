"""Where a user's next typed message goes (the chat session row; state only in the database).

drafting (or none, with an active draft)  → the dialogue of the active draft
ask                                       → 政策问答
procedure                                 → 程序判定
rc:<draft>:<version>                      → a reviewer's comment on a returned plan
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.channels.telegram.texts import MENU_LABELS
from bot.services import drafting
from bot.services.results import Reply
from bot.services.review import comment_target
from bot.services.transaction import transact
from storage.db import Database, UnitOfWork
from storage.domain import User

ASK = "ask"
PROCEDURE = "procedure"
# Where route() sends a typed text
MENU, COMMENT, DIALOGUE = "menu", "comment", "dialogue"


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
    return transact(db, lambda uow: _whoami(uow, channel, external_id), readonly=True)


def _whoami(uow: UnitOfWork, channel: str, external_id: int) -> tuple[User | None, Session]:
    found = uow.users.by_external_with_session(channel, str(external_id))
    if found is None or not found[0].active:
        return None, Session(None, None)
    user, mode, active_draft_id = found
    return user, Session(mode, active_draft_id)


def route(text: str, session: Session) -> str:
    """Where a registered user's typed text goes: a menu label opens that feature; else the
    chat mode decides (a reviewer's return comment, 政策问答, 程序判定); else an active draft
    takes it as an answer; anything else is a policy question."""
    if text in MENU_LABELS:
        return MENU
    if comment_target(session.mode) is not None:
        return COMMENT
    if session.mode in (ASK, PROCEDURE):
        return session.mode
    if session.active_draft_id is not None:
        return DIALOGUE
    return ASK


def typed(db: Database, channel: str, external_id: int, text: str, update_id: int
          ) -> tuple[User | None, Session, Reply | None]:  # fmt: skip
    """`whoami`, and when the text is an answer for the active draft, the dialogue turn in the
    same transaction (`drafting.handle_message(within=…)`, no second look-up); the reply is
    None when the text goes elsewhere (nothing is written then)."""

    def work(uow: UnitOfWork) -> tuple[User | None, Session, Reply | None]:
        user, session = _whoami(uow, channel, external_id)
        if user is None or route(text, session) != DIALOGUE:
            return user, session, None
        here = drafting.Within(uow, user, session.active_draft_id)
        reply = drafting.handle_message(db, user.id, text=text, update_id=update_id, within=here)
        return user, session, reply

    return transact(db, work)


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
