"""The per-message unit of work: retry once on an optimistic-lock conflict, check ownership."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from bot.services.errors import AccessDenied, DraftConflict, DraftNotEditable, DraftNotFound
from storage.db import Database, UnitOfWork
from storage.domain import Draft, User
from storage.repositories import StaleDraftError

log = logging.getLogger(__name__)
T = TypeVar("T")
ATTEMPTS = 2  # the first try and one retry


def transact(db: Database, work: Callable[[UnitOfWork], T], *, readonly: bool = False) -> T:
    """Run `work` in a fresh unit of work; a stale draft is retried once, then refused.

    `work` commits itself when it has changed something; its return value (the reply) is
    handed back only after that commit, so a channel never shows an unsaved answer.
    """
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with db.unit_of_work(readonly=readonly) as uow:
                return work(uow)
        except StaleDraftError as exc:
            log.info("draft %s changed concurrently (attempt %d)", exc, attempt)
    raise DraftConflict()


def load_user(uow: UnitOfWork, user_id: int) -> User:
    """The user, who must exist and be active."""
    user = uow.users.get(user_id)
    if user is None or not user.active:
        raise AccessDenied()
    return user


def load_user_and_active_draft_id(uow: UnitOfWork, user_id: int) -> tuple[User, int | None]:
    """`load_user` and the id of the draft their messages go to, in one query."""
    found = uow.users.with_session(user_id)
    if found is None or not found[0].active:
        raise AccessDenied()
    return found[0], found[2]


def parse_draft_id(raw: object) -> int:
    """A draft id from a client (command argument, callback data): untrusted text."""
    if isinstance(raw, bool):
        raise DraftNotFound(raw)
    if isinstance(raw, int):
        value = raw
    else:
        text = str(raw).strip().lstrip("#")
        if not text.isascii() or not text.isdigit() or len(text) > 12:
            raise DraftNotFound(str(raw)[:20])
        value = int(text)
    if value <= 0 or value > 2**31 - 1:
        raise DraftNotFound(value)
    return value


def load_own_draft(
    uow: UnitOfWork, user: User, draft_id: object, *, lock: bool = False, editable: bool = False
) -> Draft:
    """The user's own, not deleted draft; anything else is `DraftNotFound`."""
    did = parse_draft_id(draft_id)
    draft = uow.drafts.get(did, lock=lock)
    if draft is None or draft.owner_id != user.id:
        raise DraftNotFound(did)
    if editable and not draft.editable:
        raise DraftNotEditable(draft.id, draft.status_label)
    return draft
