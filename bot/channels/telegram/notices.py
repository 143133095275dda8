"""Telegram messages for what happened on another channel (bot/services/notices.py): every
few seconds the due notifications of Telegram users are claimed and sent. A reviewer gets
the 待审核 card of a plan submitted on the web page, with 通过 / 退回 as in the chat; a clerk
gets the decision on their plan made on the web page. Several workers on one database share
the work (each notification is claimed by one); a send that fails for now is tried again in
the next round, one that never can (the user blocked the bot) is dropped with a warning."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram.error import BadRequest, ChatMigrated, Forbidden, TelegramError

from bot.channels.telegram.handlers.review import (
    chat_of,
    decision_note,
    decision_rows,
    waiting_card,
)
from bot.channels.telegram.render import text_messages
from bot.channels.telegram.runtime import CHANNEL, blocking
from bot.services import notices
from storage.db import Database

log = logging.getLogger(__name__)
INTERVAL_S = 5.0  # how soon a reviewer on Telegram hears of a plan submitted on the web


async def deliver_due(bot: Any, db: Database) -> int:
    """Send the due notifications of Telegram users (how many messages went out)."""
    sent = 0
    for notice in await blocking(notices.due, db, CHANNEL):
        if not await blocking(notices.claim, db, notice.id):
            continue  # another worker has it
        chat = chat_of(notice.recipient) if notice.recipient is not None else None
        if not notice.current or chat is None:  # no longer true, or nobody to tell
            await blocking(notices.delivered, db, notice.id)
            continue
        if notice.submitted is not None:
            d = notice.submitted.draft
            text, rows = waiting_card(notice.submitted), decision_rows(d.id, d.version)
        else:
            assert notice.decided is not None
            text, rows = decision_note(notice.decided)
        try:
            for out in text_messages(text, rows, escape=False):
                await bot.send_message(chat, out.html, reply_markup=out.keyboard)
                sent += 1
        except (Forbidden, BadRequest, ChatMigrated):  # blocked the bot, no such chat: never
            log.warning("notification %s cannot be sent; dropped", notice.id, exc_info=True)
        except TelegramError:  # Telegram unreachable or busy for now: the next round
            log.warning("notification %s not sent now; trying again", notice.id, exc_info=True)
            await blocking(notices.release, db, notice.id)
            continue
        await blocking(notices.delivered, db, notice.id)
    return sent


class Notifier:
    """`deliver_due` every INTERVAL_S while the bot runs."""

    def __init__(self, bot: Any, db: Database) -> None:
        self.bot, self.db = bot, db
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._forever())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _forever(self) -> None:
        while True:
            await asyncio.sleep(INTERVAL_S)
            try:
                await deliver_due(self.bot, self.db)
            except Exception:  # the database or Telegram away for a while: the next round
                log.warning("notifications not delivered now; trying again", exc_info=True)
