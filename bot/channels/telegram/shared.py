"""Several workers on one PostgreSQL: each chat's updates handled by one worker at a time, in
the order of their update ids, each exactly once — whichever worker Telegram (or the load
balancer in front of the webhook workers) gave them to.

Every update is in the inbox before it is confirmed (inbox.py), with its chat. A worker that
gets an update takes the chat's turn (a PostgreSQL advisory lock, storage/chat_locks.py); if
another worker has it, that one will handle the update, so this one does nothing more. The
holder handles the chat's waiting updates oldest first — also those other workers received —
until none is left, lets go, and looks once more (an update that came in while it let go finds
the turn free, or is taken by the next holder). A worker killed with SIGKILL loses its
connection and with it the turn; its chat's waiting updates are picked up by any worker's
sweep (every SWEEP_S seconds, updates waiting longer than ORPHAN_S), and one whose effect had
committed gets the restart note instead of being applied twice (handlers/resume.py). An update
whose handling met an unavailable database (a restart, a failover) is not dropped with an
apology: it stays in the inbox, the chat's turn ends there, and the sweep handles it again once
the database is back — safe because the processed-update claim makes a second try apply
nothing twice.

With SQLite (one process) none of this runs: inbox.py's replay and the in-process per-chat
order are enough.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
from collections.abc import Awaitable
from typing import Any

from sqlalchemy.exc import DBAPIError
from telegram import Update
from telegram.ext import Application

from bot.channels.telegram.inbox import InboxQueue
from bot.channels.telegram.processor import KeyedLocks, chat_key
from bot.channels.telegram.runtime import CHANNEL, blocking
from knowledge.errors import ServiceUnavailable
from storage.chat_locks import ChatLocks
from storage.db import Database
from storage.sqltypes import utcnow

log = logging.getLogger(__name__)
SWEEP_S = 2.0  # how often a worker looks for chats that nobody is handling
ORPHAN_S = 3.0  # an update waiting this long while its chat is free was left by a killed worker
_TRANSIENT = (DBAPIError, ServiceUnavailable)


def _chat_rows(db: Database, key: str) -> list[tuple[int, str, bool]]:
    """(id, payload, already processed) of the chat's waiting updates, oldest first."""
    with db.unit_of_work() as uow:
        return [
            (uid, payload, uow.processed.seen(CHANNEL, uid))
            for uid, payload in uow.inbox.pending_of_chat(CHANNEL, key)
        ]


def _waiting_chats(db: Database, age_s: float) -> list[str]:
    """Chats with an update waiting longer than `age_s`; rows an older worker wrote without a
    chat are given theirs from the payload."""
    with db.unit_of_work() as uow:
        rows = uow.inbox.waiting_since(CHANNEL, utcnow() - dt.timedelta(seconds=age_s))
        keys: list[str] = []
        for key, uid, payload in rows:
            if key is None:
                try:
                    key = chat_key(Update.de_json(json.loads(payload), None))
                except (ValueError, TypeError, KeyError):
                    uow.inbox.done(CHANNEL, uid)
                    log.warning("inbox update %s cannot be read again; dropped", uid)
                    continue
                uow.inbox.assign_chat(CHANNEL, uid, key)
            if key not in keys:
                keys.append(key)
        uow.commit()
        return keys


class SharedChats:
    """The turn-taking of one worker among several (see the module's text)."""

    def __init__(self, app: Application, db: Database, inbox: InboxQueue, local: KeyedLocks):
        self.app = app
        self.db = db
        self.inbox = inbox
        self.local = local  # the in-process per-chat order of the update processor
        self.locks = ChatLocks(db.engine)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._sweeper: asyncio.Task[None] | None = None

    async def handle(self, update: Update, coroutine: Awaitable[Any]) -> None:
        """In the chat's in-process turn: take the chat's turn among the workers and handle
        its waiting updates (`coroutine` is this update's handling), or leave them to the
        worker that has it."""
        own: Awaitable[Any] | None = coroutine
        try:
            own = await self._drain(chat_key(update), update, own)
        finally:
            if own is not None:  # handled (or to be handled) by another worker
                close = getattr(own, "close", None)
                if close is not None:
                    close()
                self.inbox.forget(update.update_id)

    async def _drain(
        self, key: str, update: Update | None, own: Awaitable[Any] | None
    ) -> Awaitable[Any] | None:
        while True:
            try:
                if not await blocking(self.locks.try_lock, key):
                    return own  # another worker has this chat: it handles what waits
            except _TRANSIENT:
                log.warning("chat turn of %s not available (database?); the sweep retries", key)
                return own
            try:
                while rows := await blocking(_chat_rows, self.db, key):
                    for uid, payload, processed in rows:
                        if update is not None and own is not None and uid == update.update_id:
                            target, coro = update, own
                            own = None
                        else:
                            try:
                                target = Update.de_json(json.loads(payload), self.app.bot)
                            except (ValueError, TypeError, KeyError):
                                log.warning("inbox update %s cannot be read again; dropped", uid)
                                await self.inbox.handled_id(uid)
                                continue
                            coro = self.app.process_update(target)
                        if processed:
                            self.inbox.resumed.add(uid)
                        await self._run(target, coro)
                        if uid in self.inbox.deferred:  # the database went away meanwhile:
                            self.inbox.deferred.discard(uid)  # the sweep takes the chat up again
                            self.inbox.forget(uid)
                            return own
            finally:
                await blocking(self.locks.unlock, key)
            if not await blocking(_chat_rows, self.db, key):
                return own

    async def _run(self, update: Update, coroutine: Awaitable[Any]) -> None:
        """Handle one update; it is done also when a handler failed (not when cancelled)."""
        try:
            await coroutine
        except Exception:
            await self.inbox.handled(update)
            raise
        await self.inbox.handled(update)

    # ------------------------------------------------------------------ the sweep

    def start(self) -> None:
        self._sweeper = asyncio.get_running_loop().create_task(self._sweep_forever())

    async def stop(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, *([self._sweeper] if self._sweeper else []),
                             return_exceptions=True)  # fmt: skip
        await blocking(self.locks.close)

    async def _sweep_forever(self) -> None:
        age = 0.0  # at start-up: whatever a killed worker left, at once
        while True:
            try:
                await self.sweep(age)
            except _TRANSIENT:
                log.warning("inbox sweep: database not available; retrying")
            age = ORPHAN_S
            await asyncio.sleep(SWEEP_S)

    async def sweep(self, age_s: float) -> int:
        """Take up the chats whose updates have waited longer than `age_s` (how many)."""
        started = 0
        for key in await blocking(_waiting_chats, self.db, age_s):
            if self.local.busy(key):
                continue  # this worker is on it
            task = asyncio.get_running_loop().create_task(
                self.local.run(key, self._drain(key, None, None))
            )
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            started += 1
        return started
