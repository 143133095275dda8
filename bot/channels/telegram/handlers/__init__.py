"""One module per feature; `register_all(app)` adds their handlers (commands and buttons
first, the text router last)."""

from __future__ import annotations

from telegram.ext import Application


def register_all(app: Application) -> None:
    from bot.channels.telegram.handlers import (
        ask,
        dialogue,
        drafts,
        files,
        procedure,
        review,
        router,
        start,
    )

    for module in (start, dialogue, drafts, files, review, ask, procedure, router):
        module.register(app)
    app.add_handler(_unknown_button_handler())


def _unknown_button_handler():
    from telegram.ext import CallbackQueryHandler

    from bot.channels.telegram.handlers.dialogue import stale

    async def unknown(update, context):
        await stale(update)

    return CallbackQueryHandler(unknown)
