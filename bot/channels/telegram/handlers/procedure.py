"""程序判定: the advisor's questions one at a time (buttons for yes/no and choices), then
the checklist with its sources."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler

from bot.channels.telegram import callbacks
from bot.channels.telegram.handlers.common import (
    Ctx,
    answer_callback,
    drop_keyboard,
    pressed,
    reply,
    stale,
)
from bot.channels.telegram.handlers.dialogue import send_outs
from bot.channels.telegram.render import text_messages
from bot.channels.telegram.runtime import blocking, runtime
from bot.services import parcel_advice
from bot.services.parcel_advice import Turn
from storage.domain import User

INTRO = "【程序判定】请回答几个关于地块的问题（发送 /cancel 可随时退出）。"


async def show(update: Update, turn: Turn, intro: str = "") -> None:
    if turn.duplicate:
        return
    if turn.stale:
        await reply(update, "程序判定已结束或已重新开始，请点“程序判定”重新开始。")
        return
    if turn.checklist is not None:
        await send_outs(update, text_messages(turn.checklist))
        return
    lines = [x for x in (intro, turn.error and f"⚠️ {turn.error}", turn.question) if x]
    rows = []
    if turn.key:
        buttons = [
            (c.label, f"p:{turn.key}:{c.value}")
            for c in turn.choices
            if callbacks.fits("p", turn.key, c.value)
        ]
        rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    await send_outs(update, text_messages("\n".join(lines), rows))


async def begin(update: Update, context: Ctx, user: User) -> None:
    """Start (or restart) 程序判定."""
    turn = await blocking(
        parcel_advice.begin, runtime(context).database, user.id, update_id=update.update_id
    )
    await show(update, turn, INTRO)


async def answer(update: Update, context: Ctx, user: User, text: str) -> None:
    """A typed answer to the current question."""
    turn = await blocking(
        parcel_advice.answer,
        runtime(context).database,
        user.id,
        text=text,
        update_id=update.update_id,
    )
    await show(update, turn)


async def on_choice(update: Update, context: Ctx) -> None:
    """A pressed answer button; only the current question's buttons count."""
    press = await pressed(update, context)
    if press is None:
        return
    user, cb = press
    turn = await blocking(
        parcel_advice.answer,
        runtime(context).database,
        user.id,
        key=cb.parts[0],
        value=cb.parts[1],
        update_id=update.update_id,
    )
    if turn.stale:
        await stale(update)
        return
    await answer_callback(update)
    if not turn.duplicate:
        await drop_keyboard(update, _label(update))
    await show(update, turn)


def _label(update: Update) -> str | None:
    query = update.callback_query
    markup = getattr(query.message, "reply_markup", None) if query else None
    for row in markup.inline_keyboard if markup else ():
        for b in row:
            if query is not None and b.callback_data == query.data:
                return f"已选：{b.text}"
    return None


def register(app: Application) -> None:
    app.add_handler(CallbackQueryHandler(on_choice, pattern=r"^p:"))
