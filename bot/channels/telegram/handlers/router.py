"""Typed text and menu commands: where each message goes.

Unknown accounts only ever get the registration prompt. For registered users: a menu
label or command opens that feature; otherwise the chat mode decides (a reviewer's return
comment, 政策问答, 程序判定), then an active draft takes the text as an answer, and
anything else is treated as a policy question.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler, MessageHandler, filters

from bot.channels.telegram import modes, texts
from bot.channels.telegram.handlers import ask, dialogue, drafts, ledger, procedure, review
from bot.channels.telegram.handlers.common import Ctx, claim, registered_user, reply
from bot.channels.telegram.handlers.start import unregistered
from bot.channels.telegram.runtime import CHANNEL, blocking, runtime
from bot.services import review as review_service
from storage.domain import User

MAX_TEXT = 4000


async def menu(update: Update, context: Ctx, user: User, choice: str) -> None:
    """A menu button or its command."""
    db = runtime(context).database
    if choice == texts.NEW_RESERVE:
        await dialogue.new_draft(update, context, user, "reserve_plan")
    elif choice == texts.NEW_SUPPLY:
        await dialogue.new_draft(update, context, user, "supply_plan")
    elif choice == texts.MY_DRAFTS:
        await drafts.list_mine(update, context, user)
    elif choice == texts.ASK:
        if await blocking(modes.set_mode, db, user.id, modes.ASK, update_id=update.update_id):
            await reply(update, ask.PROMPT)
    elif choice == texts.PROCEDURE:
        await procedure.begin(update, context, user)
    elif choice == texts.LEDGER:
        await ledger.show(update, context, user)
    elif choice == texts.HELP and await claim(update, context):
        await reply(update, texts.HELP_TEXT, reply_markup=texts.menu_keyboard())


COMMAND_MENU = {
    "new_reserve": texts.NEW_RESERVE,
    "new_supply": texts.NEW_SUPPLY,
    "drafts": texts.MY_DRAFTS,
    "ask": texts.ASK,
    "procedure": texts.PROCEDURE,
    "ledger": texts.LEDGER,
}


async def on_command(update: Update, context: Ctx) -> None:
    """/new_supply, /drafts, /ask, /procedure, /ledger, /review, /supplied, /cancel."""
    msg = update.effective_message
    user = await registered_user(update, context)
    if user is None or msg is None or msg.text is None:
        await unregistered(update, context, None)
        return
    name = msg.text.split()[0].lstrip("/").split("@")[0].lower()
    if name in COMMAND_MENU:
        await menu(update, context, user, COMMAND_MENU[name])
    elif name == "review":
        await review.list_pending(update, context, user)
    elif name == "supplied":
        parts = msg.text.split(maxsplit=1)
        await ledger.supplied(update, context, user, parts[1] if len(parts) > 1 else "")
    elif name == "cancel" and await blocking(
        modes.leave_all, runtime(context).database, user.id, update_id=update.update_id
    ):
        await reply(
            update,
            "已退出当前操作，已填写的内容都已保存。可在“我的草稿”中继续。",
            reply_markup=texts.menu_keyboard(),
        )


async def on_text(update: Update, context: Ctx) -> None:
    """Route a typed message (`modes.route`); an answer for the active draft is handled in the
    transaction that looked the user up."""
    msg = update.effective_message
    if msg is None or msg.text is None:
        return
    text = msg.text.strip()[: MAX_TEXT + 1]
    tg_user = update.effective_user
    db = runtime(context).database
    user, session, reply = (None, None, None)
    if tg_user is not None:
        user, session, reply = await blocking(
            modes.typed, db, CHANNEL, tg_user.id, text, update.update_id
        )
    if user is None or session is None:
        await unregistered(update, context, text)
        return
    if reply is not None:
        await dialogue.send_reply(update, reply)
        return
    where = modes.route(text, session)
    target = review_service.comment_target(session.mode)
    if where == modes.MENU:
        await menu(update, context, user, text)
    elif where == modes.COMMENT and target is not None:
        await review.return_with_comment(update, context, user, target, text)
    elif where == modes.PROCEDURE:
        await procedure.answer(update, context, user, text)
    else:
        await ask.ask(update, context, user, text)


async def on_other(update: Update, context: Ctx) -> None:
    """Photos, stickers, files… from unknown users get the prompt; others a hint."""
    user = await registered_user(update, context)
    if user is None:
        await unregistered(update, context, None)
        return
    if await claim(update, context):
        await reply(update, "请用文字回答，或点选按钮。发送 /help 查看说明。")


def register(app: Application) -> None:
    names = [*COMMAND_MENU, "review", "supplied", "cancel"]
    app.add_handler(CommandHandler(names, on_command))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, on_text))
    app.add_handler(MessageHandler(filters.COMMAND, on_command_unknown))
    app.add_handler(MessageHandler(~filters.TEXT & ~filters.StatusUpdate.ALL, on_other))


async def on_command_unknown(update: Update, context: Ctx) -> None:
    """An unknown /command."""
    user = await registered_user(update, context)
    if user is None:
        await unregistered(update, context, None)
        return
    if await claim(update, context):
        await reply(
            update, "没有这个命令。发送 /help 查看说明。", reply_markup=texts.menu_keyboard()
        )
