"""Notifications a channel delivers to its own users: what happened to a plan that their
channel did not tell them at once (a plan submitted or decided on the web page, for people on
Telegram; anything that concerns people on the web page, which cannot push). The review
writes them in the transaction of the transition (bot/services/review.py).

Telegram: a worker takes the `due` ones, claims each for CLAIM_FOR (of several workers, one
wins), sends it and marks it `delivered`. At least once: a send that failed for now is
released for the next round, and the claim of a worker killed mid-send runs out, so another
worker sends it; a message may then come twice, which is better than a decision nobody hears
of. The web page: it shows its user's `unseen` ones until the user has `seen` them.

Either way, a notice that stopped being true meanwhile (the plan was decided before its
reviewers heard of it) is marked delivered without being shown.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.services import engine, review
from bot.services.transaction import load_user, transact
from storage.db import Database, UnitOfWork
from storage.domain import Draft, Notification, User

DUE_AT_ONCE = 20
CLAIM_FOR = dt.timedelta(minutes=2)  # longer than a send with its retries takes


@dataclass(frozen=True)
class Notice:
    id: int
    recipient: User | None  # None: gone meanwhile
    submitted: review.Submitted | None = None  # review.WAITING: a plan waits for them
    decided: review.Decided | None = None  # review.DECIDED: their plan was decided

    @property
    def current(self) -> bool:
        """Still to be sent: to an active user, and still true."""
        told = self.submitted is not None or self.decided is not None
        return told and self.recipient is not None and self.recipient.active


def _waiting(
    uow: UnitOfWork, n: Notification, draft: Draft, owner: User
) -> review.Submitted | None:
    if draft.status != "submitted" or draft.version != n.draft_version:
        return None  # decided (or returned and submitted again: a newer notice tells that)
    _, warnings, _, ledger_lines = review.check_for_review(uow, draft)
    summary = "\n".join([review.summary_lines(draft), *ledger_lines])
    return review.Submitted(engine.summary(draft), owner, [], summary, warnings)


def _decided(uow: UnitOfWork, n: Notification, draft: Draft, owner: User) -> review.Decided | None:
    made = [r for r in uow.reviews.for_draft(draft.id) if r.draft_version < n.draft_version]
    reviewer = uow.users.get(made[-1].reviewer_id) if made and made[-1].reviewer_id else None
    if not made or reviewer is None:
        return None
    return review.Decided(engine.summary(draft), owner, reviewer, made[-1])


def _notice(uow: UnitOfWork, n: Notification) -> Notice:
    """What a notification tells now (nothing, when it is no longer true)."""
    recipient, draft = uow.users.get(n.user_id), uow.drafts.get(n.draft_id)
    owner = uow.users.get(draft.owner_id) if draft is not None else None
    if recipient is None or draft is None or owner is None:
        return Notice(n.id, recipient)
    if n.kind == review.WAITING:
        return Notice(n.id, recipient, submitted=_waiting(uow, n, draft, owner))
    if n.kind == review.DECIDED:
        return Notice(n.id, recipient, decided=_decided(uow, n, draft, owner))
    return Notice(n.id, recipient)  # a kind of a newer release: not ours


def due(db: Database, channel: str, limit: int = DUE_AT_ONCE) -> list[Notice]:
    """The oldest notifications the users of `channel` have not been sent yet, with what the
    channel shows (the plan waiting, or the decision with the reviewer's comment)."""

    def work(uow: UnitOfWork) -> list[Notice]:
        return [_notice(uow, n) for n in uow.notifications.due(channel, limit)]

    return transact(db, work, readonly=True)


def unseen(db: Database, user_id: int, limit: int = DUE_AT_ONCE) -> list[Notice]:
    """A web user's notifications still to be shown, oldest first; the ones no longer true
    (a plan decided before its reviewer saw that it waits) are dropped on the way."""

    def work(uow: UnitOfWork) -> list[Notice]:
        load_user(uow, user_id)
        found = [_notice(uow, n) for n in uow.notifications.unseen(user_id, limit)]
        uow.notifications.seen(user_id, [n.id for n in found if not n.current])
        uow.commit()
        return [n for n in found if n.current]

    return transact(db, work)


def seen(db: Database, user_id: int, ids: list[int]) -> int:
    """The user saw these (their page showed them): not shown again. Ids that are not the
    user's own, or were seen already, change nothing."""

    def work(uow: UnitOfWork) -> int:
        load_user(uow, user_id)
        count = uow.notifications.seen(user_id, ids)
        uow.commit()
        return count

    return transact(db, work)


def claim(db: Database, notice_id: int) -> bool:
    """Take a notice for sending; False when another worker has it or it was sent."""

    def work(uow: UnitOfWork) -> bool:
        taken = uow.notifications.claim(notice_id, CLAIM_FOR)
        uow.commit()
        return taken

    return transact(db, work)


def delivered(db: Database, notice_id: int) -> None:
    """The claimed notice went out (or never will): it is not sent again."""

    def work(uow: UnitOfWork) -> None:
        uow.notifications.delivered(notice_id)
        uow.commit()

    transact(db, work)


def release(db: Database, notice_id: int) -> None:
    """The claimed notice could not be sent now: the next round tries again."""

    def work(uow: UnitOfWork) -> None:
        uow.notifications.release(notice_id)
        uow.commit()

    transact(db, work)
