"""What every handler needs: who is talking, exactly-once claims, safe replies."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from telegram import Message, Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.channels.telegram import callbacks, texts
from bot.channels.telegram.runtime import CHANNEL, blocking, runtime
from bot.services import users
from knowledge.errors import LandbotError
from storage.db import Database
from storage.domain import User

log = logging.getLogger(__name__)
Ctx = ContextTypes.DEFAULT_TYPE


def _claim(db: Database, update_id: int) -> bool:
    with db.unit_of_work() as uow:
        fresh = uow.processed.claim(CHANNEL, update_id)
        uow.commit()
        return fresh


async def claim(update: Update, context: Ctx) -> bool:
    """Record the update as handled; False when it was handled before (a re-delivery).

    For handlers whose effect is only a reply (a search, a list); handlers that change
    data claim the update inside their own transaction instead.
    """
    return await blocking(_claim, runtime(context).database, update.update_id)


async def registered_user(update: Update, context: Ctx) -> User | None:
    """The active registered user who sent this update, or None (unknown or disabled)."""
    tg_user = update.effective_user
    if tg_user is None:
        return None
    user = await blocking(users.lookup, runtime(context).database, CHANNEL, tg_user.id)
    if user is None or not user.active:
        return None
    return user


async def button_user(update: Update, context: Ctx) -> User | None:
    """The registered user pressing a button; strangers are told to register (nothing else)."""
    user = await registered_user(update, context)
    if user is None:
        await answer_callback(update, "请先发送邀请码完成注册。", alert=True)
    return user


async def reply(update: Update, text: str, **kwargs: Any) -> Message | None:
    """Send `text` (HTML) to the chat of the update."""
    chat = update.effective_chat
    if chat is None:
        return None
    return await chat.send_message(text, **kwargs)


async def answer_callback(update: Update, text: str | None = None, alert: bool = False) -> None:
    """Acknowledge a button press (once); an expired query is not an error."""
    query = update.callback_query
    if query is None:
        return
    try:
        await query.answer(text, show_alert=alert)
    except BadRequest as exc:
        log.debug("callback answer failed: %s", exc)


async def drop_keyboard(update: Update, note: str | None = None) -> None:
    """Remove the buttons of the pressed message (optionally noting what was chosen)."""
    query = update.callback_query
    if query is None or query.message is None or not isinstance(query.message, Message):
        return
    msg = query.message
    try:
        if note and msg.text is not None:
            await msg.edit_text(f"{msg.text_html}\n\n✓ {texts.esc(note)}", reply_markup=None)
        elif msg.reply_markup is not None:
            await msg.edit_reply_markup(reply_markup=None)
    except BadRequest as exc:  # not modified / too old: the keyboard is gone anyway
        log.debug("could not edit the pressed message: %s", exc)


async def stale(update: Update) -> None:
    """Refuse an old or unknown button politely; nothing changes."""
    await answer_callback(update, texts.STALE_BUTTON, alert=True)


async def pressed(update: Update, context: Ctx) -> tuple[User, callbacks.Callback] | None:
    """The registered user and the parsed data of a button press, or None when the press has
    been answered already (a stranger is told to register; unreadable data is stale)."""
    user = await button_user(update, context)
    if user is None:
        return None
    cb = callbacks.parse(update.callback_query.data if update.callback_query else None)
    if cb is None:
        await stale(update)
        return None
    return user, cb


T = TypeVar("T")


async def call_or_alert(
    update: Update, fn: Callable[..., T], *args: Any, **kwargs: Any
) -> tuple[T] | None:
    """Run a blocking service call for a button press. A refusal (not found, not yours, not
    editable…) is shown as the button's alert and gives None; otherwise the result, in a
    1-tuple so that a service that returns None is not mistaken for a refusal."""
    try:
        return (await blocking(fn, *args, **kwargs),)
    except LandbotError as exc:
        await answer_callback(update, exc.zh[:190], alert=True)
        return None
