"""Who is talking: the user record of a channel account, created on first contact.

Roles, invitations and the review workflow live in `users.py` / `review.py`.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from bot.services.transaction import transact
from storage.db import Database, UnitOfWork
from storage.domain import User

MAX_NAME = 128
MAX_EXTERNAL_ID = 64


def _clean(text: str, limit: int) -> str:
    return "".join(ch for ch in text if ch.isprintable())[:limit].strip()


def get_user(db: Database, channel: str, external_id: str) -> User | None:
    """The user of this channel account, or None."""
    return transact(db, lambda uow: uow.users.by_external(channel, str(external_id)), readonly=True)


def ensure_user(
    db: Database,
    channel: str,
    external_id: str,
    display_name: str = "",
    *,
    role: str = "clerk",
) -> User:
    """The user of this channel account, registered (with `role`) on first contact."""
    ext = str(external_id)
    if not ext or len(ext) > MAX_EXTERNAL_ID:
        raise ValueError("external_id must be 1-64 characters")
    name = _clean(display_name or ext, MAX_NAME)

    def work(uow: UnitOfWork) -> User:
        found = uow.users.by_external(channel, ext)
        if found is not None:
            return found
        user = uow.users.add(channel, ext, name, role=role)
        uow.audit.add(None, user.id, "user_registered", {"channel": channel})
        uow.commit()
        return user

    try:
        return transact(db, work)
    except IntegrityError:  # registered concurrently by another worker: read it
        found = get_user(db, channel, ext)
        if found is None:
            raise
        return found
