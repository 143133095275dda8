"""My drafts: list, show, delete, and the trail of answers — always only the caller's own."""

from __future__ import annotations

from bot.dialogue.types import Message
from bot.services import engine
from bot.services.errors import DraftNotEditable
from bot.services.results import DraftSummary
from bot.services.transaction import load_own_draft, load_user, transact
from storage.db import Database, UnitOfWork
from storage.domain import AnswerChange
from storage.sqltypes import utcnow


def list_drafts(db: Database, user_id: int) -> list[DraftSummary]:
    """The user's drafts, most recently changed first (deleted ones are gone)."""

    def work(uow: UnitOfWork) -> list[DraftSummary]:
        user = load_user(uow, user_id)
        return [engine.summary(d) for d in uow.drafts.list_for_owner(user.id)]

    return transact(db, work, readonly=True)


def get_draft(db: Database, user_id: int, draft_id: object) -> DraftSummary:
    """One of the user's drafts (DraftNotFound for anyone else's)."""

    def work(uow: UnitOfWork) -> DraftSummary:
        return engine.summary(load_own_draft(uow, load_user(uow, user_id), draft_id))

    return transact(db, work, readonly=True)


def show_draft(db: Database, user_id: int, draft_id: object) -> Message:
    """The review card of one of the user's drafts: every answer, grouped, and what is missing."""

    def work(uow: UnitOfWork) -> Message:
        draft = load_own_draft(uow, load_user(uow, user_id), draft_id)
        return engine.card(draft.kind, engine.state_of(draft))

    return transact(db, work, readonly=True)


def draft_history(db: Database, user_id: int, draft_id: object) -> list[AnswerChange]:
    """Every change of an answer of the user's draft: who, when, old → new."""

    def work(uow: UnitOfWork) -> list[AnswerChange]:
        draft = load_own_draft(uow, load_user(uow, user_id), draft_id)
        return uow.history.for_draft(draft.id)

    return transact(db, work, readonly=True)


def delete_draft(
    db: Database, user_id: int, draft_id: object, *, update_id: int | None = None
) -> DraftSummary | None:
    """Delete one of the user's drafts (kept in the audit trail, gone from every list).

    Submitted and approved drafts are records of the review and cannot be deleted.
    Returns None when the update id was processed before.
    """

    def work(uow: UnitOfWork) -> DraftSummary | None:
        user = load_user(uow, user_id)
        if update_id is not None and not uow.processed.claim(user.channel, update_id):
            return None
        draft = load_own_draft(uow, user, draft_id, lock=True)
        if not draft.editable:
            raise DraftNotEditable(draft.id, draft.status_label)
        deleted = uow.drafts.update(draft, deleted_at=utcnow())
        if uow.chat_sessions.active_draft_id(user.id) == draft.id:
            uow.chat_sessions.set(user.id, active_draft_id=None)
        uow.audit.add(draft.id, user.id, "deleted")
        uow.commit()
        return engine.summary(deleted)

    return transact(db, work)
