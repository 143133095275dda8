"""The one error handler: log with context, tell the person their answers are saved."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, NetworkError, TelegramError

from bot.channels.telegram import texts
from bot.channels.telegram.handlers.common import Ctx
from bot.channels.telegram.runtime import RUNTIME_KEY, Runtime, runtime
from knowledge.errors import ServiceUnavailable

log = logging.getLogger("landbot.telegram")


def _retried(context: Ctx) -> bool:
    """Whether an update that met an unavailable database is kept and handled again."""
    rt = context.application.bot_data.get(RUNTIME_KEY)
    return isinstance(rt, Runtime) and rt.inbox is not None and "shared" in rt.extras


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
    if isinstance(err, ServiceUnavailable) and isinstance(update, Update) and _retried(context):
        # several workers on PostgreSQL: the update stays in the inbox and is handled again
        # when the database is back (shared.py), so nothing is lost and nobody must resend
        runtime(context).inbox.deferred.add(update.update_id)  # type: ignore[union-attr]
        log.warning("database unavailable handling %s: it will be handled again", where)
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
