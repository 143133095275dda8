"""After a crash: an update whose effect had been saved but whose reply may not have gone out
(see bot/channels/telegram/inbox.py) is not handled again; the chat is told its message was
saved and shown the question it stands at."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, ApplicationHandlerStop, TypeHandler

from bot.channels.telegram.handlers.common import Ctx, registered_user
from bot.channels.telegram.handlers.dialogue import send_reply
from bot.channels.telegram.runtime import blocking, runtime
from bot.services import drafting

NOTE = "机器人刚才重新启动过：您的上一条消息已经保存，不必重发。"
GROUP = -100  # before every other handler


async def on_resumed(update: Update, context: Ctx) -> None:
    rt = runtime(context)
    if rt.inbox is None or update.update_id not in rt.inbox.resumed:
        return
    user = await registered_user(update, context)
    if user is not None:
        result = await blocking(drafting.standing, rt.database, user.id, NOTE)
        await send_reply(update, result)
    raise ApplicationHandlerStop


def register(app: Application) -> None:
    app.add_handler(TypeHandler(Update, on_resumed), group=GROUP)
