"""Nothing fetched is lost on kill -9: every update is written to the database (the inbox)
before Telegram is told it arrived, and the inbox is handled again after a restart.

Telegram forgets an update once the bot confirms it: in polling mode the next `getUpdates`
offset confirms every update fetched so far, also those still waiting in the queue; in webhook
mode the 200 answer does. So confirmation must follow durability. Of the two ways — advance the
offset only past updates whose processing committed, or write each update down before it is
confirmed — landbot does the second: it keeps python-telegram-bot's own polling loop and
webhook server (their retries, back-off and shutdown), needs no bookkeeping of which updates of
a batch are done while later ones of other chats finish first, and gives polling and webhook
the same guarantee in one place. Both confirm only after `update_queue.put` has returned (the
poller sets the next offset after putting the whole batch, the webhook handler answers 200
after its put), so `InboxQueue.put` writes the update in a transaction of its own before
queueing it.

The row is deleted when the update has been handled (`handled`, called by the update
processor after every handler ran). At start-up `replay` queues what is left, oldest first,
before polling begins (with several workers on PostgreSQL, shared.py takes up what is left,
chat by chat). An update whose effect had committed but whose reply may not have gone
out (the kill came between the two; its id is in `processed_updates`) is not handled again —
that would apply an answer twice — but marked `resumed`: the chat is told its message was
saved and shown where it stands (handlers/resume.py).
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from telegram import Bot, Update

from bot.channels.telegram.processor import chat_key
from bot.channels.telegram.runtime import CHANNEL, blocking
from storage.db import Database

log = logging.getLogger(__name__)


def _write(db: Database, update_id: int, payload: str, chat: str) -> bool:
    """Write the update down; False for a re-delivery of one handled in full already (its
    effect committed and its inbox row gone: nothing to do, not even the restart note)."""
    with db.unit_of_work() as uow:
        if uow.inbox.add(CHANNEL, update_id, payload, chat) and uow.processed.seen(
            CHANNEL, update_id
        ):
            return False  # not committed: the row is not kept
        uow.commit()
        return True


def _done(db: Database, update_id: int) -> None:
    with db.unit_of_work() as uow:
        uow.inbox.done(CHANNEL, update_id)
        uow.commit()


def _pending(db: Database) -> list[tuple[int, str, bool]]:
    """(id, payload, already processed) of every update left in the inbox, oldest first."""
    with db.unit_of_work() as uow:
        return [
            (update_id, payload, uow.processed.seen(CHANNEL, update_id))
            for update_id, payload in uow.inbox.pending(CHANNEL)
        ]


class InboxQueue(asyncio.Queue[Any]):
    """python-telegram-bot's update queue, writing each update down before queueing it."""

    def __init__(self) -> None:
        super().__init__()
        self.db: Database | None = None
        self.queued: set[int] = set()  # ids in the queue or being handled in this process
        self.resumed: set[int] = set()  # ids handled before a crash, their reply unsure
        # ids whose handling met an unavailable database: kept in the inbox and handled again
        # later, in their chat's order (shared.py; only with several workers on PostgreSQL)
        self.deferred: set[int] = set()

    def attach(self, db: Database) -> None:
        self.db = db

    async def put(self, item: Any) -> None:
        if isinstance(item, Update) and self.db is not None:
            if item.update_id in self.queued:
                return  # re-delivered while the first copy waits or runs: it is handled once
            payload = json.dumps(item.to_dict(), ensure_ascii=False)
            if not await blocking(_write, self.db, item.update_id, payload, chat_key(item)):
                return
            self.queued.add(item.update_id)
        await super().put(item)

    async def replay(self, bot: Bot) -> int:
        """Queue the updates a previous run left in the inbox; how many there were."""
        if self.db is None:
            return 0
        pending = await blocking(_pending, self.db)
        for update_id, payload, processed in pending:
            try:
                update = Update.de_json(json.loads(payload), bot)
            except (ValueError, TypeError, KeyError):
                log.warning("inbox update %s cannot be read again; dropped", update_id)
                await blocking(_done, self.db, update_id)
                continue
            if processed:
                self.resumed.add(update_id)
            self.queued.add(update_id)
            await super().put(update)
        if pending:
            log.info(
                "handling %d update(s) left from the previous run (%d already processed)",
                len(pending),
                len(self.resumed),
            )
        return len(pending)

    async def handled(self, update: object) -> None:
        """Every handler has run for `update`: forget it (unless it was deferred)."""
        if isinstance(update, Update) and update.update_id not in self.deferred:
            await self.handled_id(update.update_id)

    async def handled_id(self, update_id: int) -> None:
        if self.db is None:
            return
        await blocking(_done, self.db, update_id)
        self.forget(update_id)

    def forget(self, update_id: int) -> None:
        """Not in this process's hands any more (handled, or left to another worker)."""
        self.queued.discard(update_id)
        self.resumed.discard(update_id)
