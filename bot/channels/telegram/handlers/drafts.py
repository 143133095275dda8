"""我的草稿: continue, download documents again, delete, start a new version, copy."""

from __future__ import annotations

from collections.abc import Callable

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler

from bot.channels.telegram import texts
from bot.channels.telegram.handlers.common import (
    Ctx,
    answer_callback,
    call_or_alert,
    claim,
    drop_keyboard,
    pressed,
    reply,
)
from bot.channels.telegram.handlers.dialogue import send_outs, send_reply
from bot.channels.telegram.render import text_messages
from bot.channels.telegram.runtime import blocking, runtime
from bot.services import documents, drafting, drafts
from bot.services.results import DraftSummary, Reply
from storage.db import Database
from storage.domain import User

SHOWN = 8  # drafts listed at once (most recently changed first)


def draft_buttons(d: DraftSummary, docs: list[tuple[int, str]]) -> list[list[tuple[str, str]]]:
    rows: list[list[tuple[str, str]]] = []
    if d.editable:
        rows.append([("继续填写", f"r:{d.id}"), ("删除", f"x:{d.id}")])
        if d.complete:
            rows.append([("生成文件", f"g:{d.id}"), ("提交审核", f"sb:{d.id}")])
    else:
        rows.append([("查看", f"r:{d.id}")])
        if d.status == "approved":
            rows[-1].append(("新建版本", f"nv:{d.id}"))
        if d.status in ("approved", "submitted"):
            rows[-1].append(("生成文件", f"g:{d.id}"))
    rows[-1].append(("复制草稿", f"cp:{d.id}"))
    for doc_id, filename in docs:
        label = filename if len(filename) <= 30 else filename[:14] + "…" + filename[-14:]
        rows.append([(f"⬇ {label}", f"dl:{doc_id}")])
    return rows


def _latest_docs(db: Database, user_id: int, draft_id: int) -> list[tuple[int, str]]:
    """The newest stored file of each (document type, format) of a draft."""
    seen: set[tuple[str, str]] = set()
    out: list[tuple[int, str]] = []
    for doc in documents.list_documents(db, user_id, draft_id):
        key = (doc.doc_type, doc.media_type)
        if key not in seen:
            seen.add(key)
            out.append((doc.id, doc.filename))
    return out


async def list_mine(update: Update, context: Ctx, user: User) -> None:
    """Show the user's drafts, each with its buttons."""
    if not await claim(update, context):
        return
    db = runtime(context).database
    mine = await blocking(drafts.list_drafts, db, user.id)
    if not mine:
        await reply(update, "您还没有草稿。请点“新建储备方案”或“新建供地方案”开始。")
        return
    more = f"（共 {len(mine)} 份，显示最近 {SHOWN} 份）" if len(mine) > SHOWN else ""
    await reply(update, f"<b>我的草稿</b>{more}")
    for d in mine[:SHOWN]:
        docs = await blocking(_latest_docs, db, user.id, d.id)
        await send_outs(update, text_messages(d.describe(), draft_buttons(d, docs)))


async def _user_and_id(update: Update, context: Ctx) -> tuple[User, int] | None:
    press = await pressed(update, context)
    if press is None:
        return None
    user, cb = press
    return user, cb.int(0)


async def _reply_of(update: Update, context: Ctx, action: Callable[..., Reply]) -> None:
    """Run `action(db, user_id, draft_id, update_id=…)` on the pressed draft; send its reply."""
    got = await _user_and_id(update, context)
    if got is None:
        return
    user, draft_id = got
    got_result = await call_or_alert(
        update, action, runtime(context).database, user.id, draft_id, update_id=update.update_id
    )
    if got_result is None:
        return
    (result,) = got_result
    await answer_callback(update)
    await send_reply(update, result)


async def on_resume(update: Update, context: Ctx) -> None:
    """继续填写 (or 查看 a locked draft)."""
    await _reply_of(update, context, drafting.resume_draft)


async def on_delete(update: Update, context: Ctx) -> None:
    """删除: ask for confirmation first."""
    got = await _user_and_id(update, context)
    if got is None:
        return
    user, draft_id = got
    got_d = await call_or_alert(
        update, drafts.get_draft, runtime(context).database, user.id, draft_id
    )
    if got_d is None:
        return
    (d,) = got_d
    await answer_callback(update)
    await send_outs(
        update,
        text_messages(
            f"确定删除草稿：{d.describe()}？删除后无法恢复。",
            [[("确定删除", f"xy:{d.id}"), ("不删除", f"r:{d.id}")]],
        ),
    )


async def on_delete_confirmed(update: Update, context: Ctx) -> None:
    got = await _user_and_id(update, context)
    if got is None:
        return
    user, draft_id = got
    got_gone = await call_or_alert(
        update,
        drafts.delete_draft,
        runtime(context).database,
        user.id,
        draft_id,
        update_id=update.update_id,
    )
    if got_gone is None:
        return
    (gone,) = got_gone
    await answer_callback(update)
    if gone is not None:
        await drop_keyboard(update, "已删除")
        await reply(update, f"已删除草稿 {gone.id}。")


async def on_new_version(update: Update, context: Ctx) -> None:
    """新建版本 from an approved plan: answers copied into a new draft."""
    await _reply_of(update, context, drafting.new_version)


async def on_copy(update: Update, context: Ctx) -> None:
    """复制草稿: a new draft with this one's answers, but not its 地块编号, 项目名称, 四至."""
    await _reply_of(update, context, drafting.copy_draft)


def register(app: Application) -> None:
    app.add_handler(CallbackQueryHandler(on_resume, pattern=r"^r:"))
    app.add_handler(CallbackQueryHandler(on_delete, pattern=r"^x:"))
    app.add_handler(CallbackQueryHandler(on_delete_confirmed, pattern=r"^xy:"))
    app.add_handler(CallbackQueryHandler(on_new_version, pattern=r"^nv:"))
    app.add_handler(CallbackQueryHandler(on_copy, pattern=r"^cp:"))


__all__ = ["draft_buttons", "list_mine", "register", "texts"]
