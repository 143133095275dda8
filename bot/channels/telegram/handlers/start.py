"""/start, /help, the main menu and registration with an invitation code."""

from __future__ import annotations

import logging
import time

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.channels.telegram import texts
from bot.channels.telegram.handlers.common import (
    Ctx,
    answer_callback,
    claim,
    registered_user,
    reply,
)
from bot.channels.telegram.runtime import CHANNEL, blocking, runtime
from bot.services import users

log = logging.getLogger(__name__)
MAX_FAILURES = 8  # wrong codes per account per window before we stop checking
FAILURE_WINDOW_S = 3600.0


class FailedCodes:
    """Wrong invitation codes per Telegram account (slows down guessing; in memory only)."""

    def __init__(self) -> None:
        self._tries: dict[int, list[float]] = {}

    def blocked(self, account: int) -> bool:
        now = time.monotonic()
        recent = [t for t in self._tries.get(account, []) if now - t < FAILURE_WINDOW_S]
        if recent:
            self._tries[account] = recent
        else:
            self._tries.pop(account, None)
        return len(recent) >= MAX_FAILURES

    def add(self, account: int) -> None:
        self._tries.setdefault(account, []).append(time.monotonic())


def _failed(context: Ctx) -> FailedCodes:
    return runtime(context).extras.setdefault("failed_codes", FailedCodes())


async def unregistered(update: Update, context: Ctx, text: str | None) -> None:
    """An unknown or disabled account: try `text` as an invitation code, else explain."""
    tg_user = update.effective_user
    if tg_user is None or update.effective_chat is None:
        return
    if update.callback_query is not None:
        await answer_callback(update, "请先发送邀请码完成注册。", alert=True)
        return
    db = runtime(context).database
    known = await blocking(users.lookup, db, CHANNEL, tg_user.id)
    code = users.normalise_code(text) if text else None
    if code is None:
        if await claim(update, context):
            await reply(update, texts.DISABLED if known else texts.REGISTER_PROMPT)
        return
    if _failed(context).blocked(tg_user.id):
        if await claim(update, context):
            await reply(update, "尝试次数过多，请一小时后再试，或联系管理员。")
        return
    try:
        reg = await blocking(
            users.register,
            db,
            channel=CHANNEL,
            external_id=tg_user.id,
            display_name=tg_user.full_name,
            code_text=code,
            update_id=update.update_id,
        )
    except users.AlreadyProcessed:
        return
    except users.InvitationRefused as exc:
        _failed(context).add(tg_user.id)
        await reply(update, f"注册未成功：{texts.esc(exc.reason)}。")
        return
    user = reg.user
    log.info("user %s registered as %s", user.id, user.role)
    await reply(
        update,
        "注册成功！" + texts.welcome(user.display_name, user.role_label, user.department),
        reply_markup=texts.menu_keyboard(),
    )


async def start(update: Update, context: Ctx) -> None:
    """Show the main menu (or register with `/start CODE`)."""
    user = await registered_user(update, context)
    if user is None:
        await unregistered(update, context, " ".join(context.args or []) or None)
        return
    if not await claim(update, context):
        return
    await reply(
        update,
        texts.welcome(user.display_name, user.role_label, user.department),
        reply_markup=texts.menu_keyboard(),
    )


async def show_help(update: Update, context: Ctx) -> None:
    """Explain how to use the bot."""
    if await registered_user(update, context) is None:
        await unregistered(update, context, None)
        return
    if await claim(update, context):
        await reply(update, texts.HELP_TEXT, reply_markup=texts.menu_keyboard())


def register(app: Application) -> None:
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("help", show_help))
