"""Filling in a plan: new drafts, typed answers and the buttons under each question."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler

from bot.channels.telegram import callbacks
from bot.channels.telegram.handlers.common import (
    Ctx,
    answer_callback,
    button_user,
    drop_keyboard,
    pressed,
    reply,
    stale,
)
from bot.channels.telegram.render import Out, dialogue_messages, text_messages
from bot.channels.telegram.runtime import blocking, runtime
from bot.services import drafting
from bot.services.results import Reply
from storage.db import Database, UnitOfWork
from storage.domain import User

log = logging.getLogger(__name__)
# Buttons that only look (or jump to an answer): valid on any message of the active draft.
ANYTIME = ("cmd:review", "cmd:help")


async def send_outs(update: Update, outs: list[Out]) -> None:
    for out in outs:
        await reply(update, out.html, reply_markup=out.keyboard)


def reply_outs(result: Reply) -> list[Out]:
    """The service's reply as Telegram messages, with the draft's action buttons."""
    d = result.draft
    if d is None:
        return dialogue_messages(result.messages, None, None)
    extra: list[list[tuple[str, str]]] = []
    kinds = {m.kind for m in result.messages}
    if d.complete and d.editable and kinds & {"done", "review"}:
        actions = [("生成文件", f"g:{d.id}")]
        if not any(_severity(f) == "error" for f in result.findings):
            actions.append(("提交审核", f"sb:{d.id}"))
        extra.append(actions)
    question_extra = [("修改", f"m:{d.id}")] if d.editable else []
    return dialogue_messages(result.messages, d.id, d.version, extra, question_extra)


def _severity(finding: object) -> str | None:
    if isinstance(finding, dict):
        return finding.get("severity")
    return getattr(finding, "severity", None)


async def send_reply(update: Update, result: Reply) -> None:
    if result.duplicate:
        return
    await send_outs(update, reply_outs(result))


async def new_draft(update: Update, context: Ctx, user: User, kind: str) -> None:
    """Start a new 储备方案 or 供地方案 and ask its first question."""
    result = await blocking(
        drafting.start_draft, runtime(context).database, user.id, kind, update_id=update.update_id
    )
    await send_reply(update, result)


async def on_button(update: Update, context: Ctx) -> None:
    """A dialogue button: only the active draft's, and answers only on its latest question."""
    query = update.callback_query
    assert query is not None
    user = await button_user(update, context)
    if user is None:
        return
    cb = callbacks.parse(query.data)
    if cb is None or cb.kind != "d":
        await stale(update)
        return
    draft_id, version, data = cb.int(0), cb.int(1), cb.parts[2]
    db = runtime(context).database
    active = await blocking(drafting.active_draft, db, user.id)
    anytime = data in ANYTIME or data.startswith("e:")
    if active is None or active.id != draft_id or (not anytime and active.version != version):
        log.info("stale dialogue button from user %s: %s", user.id, query.data)
        await stale(update)
        return
    result = await blocking(
        drafting.handle_message, db, user.id, button=data, update_id=update.update_id
    )
    await answer_callback(update)
    if result.duplicate:
        return
    if not anytime:
        await drop_keyboard(update, _label_of(update, query.data))
    await send_reply(update, result)


def _label_of(update: Update, data: str | None) -> str | None:
    query = update.callback_query
    msg = query.message if query else None
    markup = getattr(msg, "reply_markup", None)
    for row in markup.inline_keyboard if markup else ():
        for button in row:
            if button.callback_data == data:
                return f"已选：{button.text}"
    return None


async def on_edit_menu(update: Update, context: Ctx) -> None:
    """修改: list the answers given so far as buttons."""
    press = await pressed(update, context)
    if press is None:
        return
    user, cb = press
    db = runtime(context).database
    active = await blocking(drafting.active_draft, db, user.id)
    if active is None or active.id != cb.int(0) or not active.editable:
        await stale(update)
        return
    fields = await blocking(answered_fields, db, user.id, active.id)
    await answer_callback(update)
    if not fields:
        await reply(update, "还没有可修改的答案。")
        return
    data = [(label, f"d:{active.id}:{active.version}:e:{key}") for key, label in fields]
    data = [(label, d) for label, d in data if callbacks.parse(d) is not None]
    rows = [data[i : i + 2] for i in range(0, len(data), 2)]
    await send_outs(
        update, text_messages("请选择要修改的项目（也可以直接发送“修改 字段名”）：", rows)
    )


def answered_fields(db: Database, user_id: int, draft_id: int) -> list[tuple[str, str]]:
    """(key, label) of the answered fields of the user's draft, in form order."""
    from bot.services import engine
    from bot.services.transaction import load_own_draft, load_user, transact

    def work(uow: UnitOfWork) -> list[tuple[str, str]]:
        draft = load_own_draft(uow, load_user(uow, user_id), draft_id)
        state = engine.state_of(draft)
        form = engine.form_for(draft.kind)
        return [(f.key, f.label) for f in form.fields if f.key in state.answers]

    return transact(db, work, readonly=True)


def register(app: Application) -> None:
    app.add_handler(CallbackQueryHandler(on_button, pattern=r"^d:"))
    app.add_handler(CallbackQueryHandler(on_edit_menu, pattern=r"^m:"))
