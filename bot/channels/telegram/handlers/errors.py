"""The one error handler: log with context, tell the person their answers are saved."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, NetworkError, TelegramError

from bot.channels.telegram import texts
from bot.channels.telegram.handlers.common import Ctx
from knowledge.errors import ServiceUnavailable

log = logging.getLogger("landbot.telegram")


async def on_error(update: object, context: Ctx) -> None:
    """Log the failure with the update's ids; apologise to the user in Chinese."""
    err = context.error
    where = ""
    if isinstance(update, Update):
        chat = update.effective_chat.id if update.effective_chat else None
        user = update.effective_user.id if update.effective_user else None
        where = f"update {update.update_id} chat {chat} user {user}"
    if isinstance(err, NetworkError | Forbidden) and not isinstance(update, Update):
        log.warning("Telegram network problem: %s", err)
        return
    log.error("error handling %s: %s", where or "a non-update event", err, exc_info=err)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    text = texts.BUSY if isinstance(err, ServiceUnavailable) else texts.ERROR
    try:
        if update.callback_query is not None:
            await update.callback_query.answer()
        await update.effective_chat.send_message(text)
    except TelegramError as exc:
        log.warning("could not tell chat %s about the error: %s", update.effective_chat.id, exc)
