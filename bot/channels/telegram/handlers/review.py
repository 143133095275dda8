"""The review workflow in the chat: submit, notify reviewers, approve or return, notify clerks."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler

from bot.channels.telegram.handlers.common import (
    Ctx,
    answer_callback,
    call_or_alert,
    claim,
    drop_keyboard,
    pressed,
    reply,
)
from bot.channels.telegram.handlers.dialogue import send_outs
from bot.channels.telegram.handlers.files import send_files
from bot.channels.telegram.render import text_messages
from bot.channels.telegram.runtime import CHANNEL, blocking, runtime, slow
from bot.channels.telegram.texts import esc
from bot.services import documents, review
from bot.services.results import local_minute
from knowledge.errors import LandbotError
from storage.domain import Review, User

log = logging.getLogger(__name__)


def chat_of(user: User) -> int | None:
    """The Telegram chat of a user (private chat id = user id), if they use Telegram."""
    if user.channel != CHANNEL or not user.external_id.lstrip("-").isdigit():
        return None
    return int(user.external_id)


def _decision_rows(draft_id: int, version: int) -> list[list[tuple[str, str]]]:
    return [[("✅ 通过", f"rv:{draft_id}:{version}:a"), ("↩️ 退回", f"rv:{draft_id}:{version}:r")]]


async def _memo(context: Ctx, user_id: int, draft_id: int) -> list[documents.GeneratedFile]:
    rt = runtime(context)
    try:
        return await slow(
            documents.generate,
            rt.database,
            user_id,
            draft_id,
            doc_types=("approval_memo",),
            converter=rt.converter if rt.pdf_available() else None,
        )
    except LandbotError:
        log.warning("memo of draft %s could not be generated", draft_id, exc_info=True)
        return []


async def on_submit(update: Update, context: Ctx) -> None:
    """提交审核: submit, then notify the department's reviewers with the summary and memo."""
    press = await pressed(update, context)
    if press is None:
        return
    user, cb = press
    got_done = await call_or_alert(
        update,
        review.submit,
        runtime(context).database,
        user.id,
        cb.int(0),
        update_id=update.update_id,
    )
    if got_done is None:
        return
    (done,) = got_done
    await answer_callback(update)
    if done.duplicate:
        return
    await drop_keyboard(update, "已提交审核")
    d = done.draft
    who = "、".join(esc(r.display_name) for r in done.reviewers)
    if who:
        await reply(update, f"已提交审核：{esc(d.describe())}\n已通知审核人：{who}。")
    else:
        await reply(
            update,
            f"已提交审核：{esc(d.describe())}\n您所在部门目前没有审核人，请联系管理员。",
        )
    memo = await _memo(context, user.id, d.id)
    card = waiting_card(done)
    for r in done.reviewers:
        chat = chat_of(r)
        if chat is None:
            continue
        try:
            for out in text_messages(card, _decision_rows(d.id, d.version), escape=False):
                await context.bot.send_message(chat, out.html, reply_markup=out.keyboard)
            await send_files(context, chat, memo)
        except TelegramError:
            log.warning("could not notify reviewer %s", r.id, exc_info=True)


def waiting_card(done: review.Submitted) -> str:
    """The reviewer's 待审核 card (HTML): who submitted which plan, and its warnings."""
    warn = f"\n另有 {done.warnings} 项政策核查提示，请留意。" if done.warnings else ""
    return (
        f"📨 <b>待审核</b>：{esc(done.owner.display_name)}（{esc(done.owner.department or '')}）"
        f"提交了方案\n{esc(done.summary)}{warn}"
    )


def decision_rows(draft_id: int, version: int) -> list[list[tuple[str, str]]]:
    """通过 / 退回 of this version, and the memo to download."""
    return [*_decision_rows(draft_id, version), [("⬇ 审批呈报单", f"g:{draft_id}")]]


async def on_decision(update: Update, context: Ctx) -> None:
    """通过 decides at once; 退回 asks for the comment first."""
    press = await pressed(update, context)
    if press is None:
        return
    user, cb = press
    draft_id, version, choice = cb.int(0), cb.int(1), cb.parts[2]
    db = runtime(context).database
    try:
        if choice == "a":
            decided = await blocking(
                review.decide,
                db,
                user.id,
                draft_id,
                "approved",
                version=version,
                update_id=update.update_id,
            )
        else:
            pending = await blocking(
                review.await_comment, db, user.id, draft_id, version, update_id=update.update_id
            )
    except LandbotError as exc:
        await answer_callback(update, exc.zh[:190], alert=True)
        return
    await answer_callback(update)
    if choice == "a":
        if not decided.duplicate:
            await drop_keyboard(update, "已通过")
            await announce(update, context, decided)
        return
    if pending is not None:
        await drop_keyboard(update)
        await reply(
            update,
            f"请输入退回 {esc(pending.draft.describe())} 的修改意见（直接发送文字；发送 /cancel 放弃）：",
        )


async def return_with_comment(
    update: Update, context: Ctx, user: User, target: tuple[int, int], text: str
) -> None:
    """The reviewer typed the comment of a return."""
    try:
        decided = await blocking(
            review.decide,
            runtime(context).database,
            user.id,
            target[0],
            "returned",
            comment=text,
            version=target[1],
            update_id=update.update_id,
        )
    except LandbotError as exc:
        await reply(update, esc(exc.zh))
        if isinstance(exc, review.ReviewRefused) and "修改意见" not in exc.zh:
            await blocking(review.cancel_comment, runtime(context).database, user.id)
        return
    if not decided.duplicate:
        await announce(update, context, decided)


async def announce(update: Update, context: Ctx, decided: review.Decided) -> None:
    """Tell the reviewer it is recorded and the clerk what was decided (with the memo)."""
    d, r = decided.draft, decided.review
    verdict = review.DECISION_LABELS[r.decision]
    when, opinion = _when_and_opinion(r)
    await reply(update, f"已记录：{esc(d.describe())} — <b>{verdict}</b>（{when}）{opinion}")
    memo = await _memo(context, decided.reviewer.id, d.id)
    chat = chat_of(decided.owner)
    if chat is None:
        return
    text, rows = decision_note(decided)
    try:
        for out in text_messages(text, rows, escape=False):
            await context.bot.send_message(chat, out.html, reply_markup=out.keyboard)
        await send_files(context, chat, memo)
    except TelegramError:
        log.warning("could not notify the owner of draft %s", d.id, exc_info=True)


def _when_and_opinion(r: Review) -> tuple[str, str]:
    """The decision's local time, and the comment as a line of its own (HTML), if any."""
    when = local_minute(r.at)
    return when, f"\n审核意见：{esc(r.comment)}" if r.comment else ""


def decision_note(decided: review.Decided) -> tuple[str, list[list[tuple[str, str]]]]:
    """What the clerk is told of the decision on their plan (HTML), with its next step."""
    d, r = decided.draft, decided.review
    when, opinion = _when_and_opinion(r)
    if r.decision == "approved":
        text = (
            f"✅ 您提交的方案已由 {esc(decided.reviewer.display_name)} 审核<b>通过</b>（{when}）。"
            f"{opinion}\n方案已锁定；如需调整，可在“我的草稿”中点“新建版本”。"
        )
        rows = [[("新建版本", f"nv:{d.id}")]]
    else:
        text = (
            f"↩️ 您提交的方案被 {esc(decided.reviewer.display_name)} <b>退回修改</b>（{when}）。"
            f"{opinion}\n请点“继续填写”修改后重新提交。"
        )
        rows = [[("继续填写", f"r:{d.id}")]]
    return f"{text}\n{esc(d.describe())}", rows


async def list_pending(update: Update, context: Ctx, user: User) -> None:
    """/review: the plans waiting for this reviewer."""
    if not await claim(update, context):
        return
    if user.role not in review.REVIEW_ROLES:
        await reply(update, "只有审核人或管理员可以审核方案。")
        return
    waiting = await blocking(review.pending_for, runtime(context).database, user.id)
    if not waiting:
        await reply(update, "目前没有待您审核的方案。")
        return
    for p in waiting[:10]:
        text = f"{esc(p.owner.display_name)} 提交：{esc(p.draft.describe())}"
        rows = decision_rows(p.draft.id, p.draft.version)
        await send_outs(update, text_messages(text, rows, escape=False))


def register(app: Application) -> None:
    app.add_handler(CallbackQueryHandler(on_submit, pattern=r"^sb:"))
    app.add_handler(CallbackQueryHandler(on_decision, pattern=r"^rv:"))
