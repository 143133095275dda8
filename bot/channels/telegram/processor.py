"""Concurrent updates across chats, strictly in order within one chat."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


class KeyedLocks:
    """One asyncio.Lock per key, forgotten when nobody holds or waits for it (FIFO waiters)."""

    def __init__(self) -> None:
        self._locks: dict[object, tuple[asyncio.Lock, int]] = {}

    def __len__(self) -> int:
        return len(self._locks)

    def busy(self, key: object) -> bool:
        """Whether somebody holds or waits for `key`."""
        return key in self._locks

    async def run(self, key: object, coroutine: Awaitable[Any]) -> Any:
        lock, users = self._locks.get(key, (None, 0))
        if lock is None:
            lock = asyncio.Lock()
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                return await coroutine
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)


def chat_key(update: object) -> str:
    """The chat an update belongs to (its user when there is no chat): "chat:123"."""
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return f"chat:{update.effective_chat.id}"
        if update.effective_user is not None:
            return f"user:{update.effective_user.id}"
        return f"update:{update.update_id}"
    return f"other:{id(update)}"


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Up to `max_concurrent_updates` at once; one at a time and in arrival order per chat.

    `on_done(update)` runs, still in the chat's turn, once every handler has run for the update
    (also when one failed: an update that breaks a handler must not come back at every
    restart) — but not when the task is cancelled at shutdown: that update is not done.
    With several workers on one database, `shared` (shared.py) takes the chat's turn among
    them and does this itself.
    """

    def __init__(
        self,
        max_concurrent_updates: int,
        on_done: Callable[[object], Awaitable[None]] | None = None,
    ) -> None:
        super().__init__(max_concurrent_updates)
        self.locks = KeyedLocks()
        self.on_done = on_done
        self.shared: Any = None  # shared.SharedChats once the database is PostgreSQL

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        await self.locks.run(chat_key(update), self._process(update, coroutine))

    async def _process(self, update: object, coroutine: Awaitable[Any]) -> None:
        if self.shared is not None and isinstance(update, Update):
            await self.shared.handle(update, coroutine)
            return
        try:
            await coroutine
        except Exception:
            if self.on_done is not None:
                await self.on_done(update)
            raise
        if self.on_done is not None:
            await self.on_done(update)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None
