"""One module per feature; `register_all(app)` adds their handlers (commands and buttons
first, the text router last, then a catch-all for buttons nobody knows)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes


async def _unknown_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Callback data no handler recognises (old or forged): refuse politely."""
    from bot.channels.telegram.handlers.common import stale

    await stale(update)


def register_all(app: Application) -> None:
    from bot.channels.telegram.handlers import (
        ask,
        dialogue,
        drafts,
        files,
        ledger,
        procedure,
        resume,
        review,
        router,
        start,
    )

    for module in (resume, start, dialogue, drafts, files, review, ask, procedure, ledger, router):
        module.register(app)
    app.add_handler(CallbackQueryHandler(_unknown_button))
