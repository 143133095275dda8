"""政策问答: free text → the articles that answer it (quoted, with 查看全文), parcel questions
→ the procedure advisor."""

from __future__ import annotations

from functools import cache

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler

from bot.channels.telegram import callbacks
from bot.channels.telegram.handlers.common import (
    Ctx,
    answer_callback,
    claim,
    pressed,
    reply,
    stale,
)
from bot.channels.telegram.handlers.dialogue import send_outs
from bot.channels.telegram.render import chunks, text_messages
from bot.channels.telegram.runtime import slow
from bot.channels.telegram.texts import esc
from bot.services import answers
from knowledge.errors import LandbotError
from storage.domain import User

EXCERPT = 160
PROMPT = (
    "请直接输入您的政策问题，例如：<i>熔断以后怎么确定竞得人？</i>\n"
    "描述一宗地块（如：<i>新密市一宗集体土地，拟征收后用于住宅</i>）可得到应走的程序。\n"
    "点“我的草稿”可回到方案填写。"
)


@cache
def _doc_ids() -> list[str]:
    from knowledge.corpus import load_corpus

    return sorted(load_corpus().documents)


def full_text_data(doc_id: str, label: str) -> str | None:
    """The 查看全文 callback data of an article, when it fits in 64 bytes."""
    try:
        n = _doc_ids().index(doc_id)
    except ValueError:
        return None
    return f"fa:{n}:{label}" if callbacks.fits("fa", n, label) else None


def answer_question(
    question: str, home: str | None
) -> tuple[str, list[list[tuple[str, str]]], str | None]:
    """(HTML answer, 查看全文 buttons, procedure checklist or None) for a question; `home`: the
    place of the user's department, for a question that names none."""
    from knowledge.parcel_question import advice_for_question
    from knowledge.procedure import render_checklist
    from knowledge.search import LOW_NOTE, search

    try:
        result = search(question, home=home, k=3)
    except LandbotError as exc:
        return esc(exc.zh), [], None
    lines: list[str] = []
    rows: list[list[tuple[str, str]]] = []
    for i, hit in enumerate(result.hits, 1):
        art = hit.article
        text = " ".join(art.text.split())
        excerpt = text if len(text) <= EXCERPT else text[:EXCERPT] + "……"
        lines.append(f"<b>{i}. 《{esc(hit.title)}》{esc(art.label)}</b>\n{esc(excerpt)}")
        data = full_text_data(art.doc_id, art.label)
        if data:
            rows.append([(f"查看全文 {i}：{art.label}"[:40], data)])
    note = result.note or ""
    if lines:
        if result.missing:  # what was asked is not held: said first, then what is near
            head = f"{esc(result.missing)}\n\n以下为最接近的条文（原文摘录）：\n\n"
        elif result.confidence == "low":
            head = "未找到直接回答该问题的条文，以下为相关条文（原文摘录，请核对是否适用）：\n\n"
        else:
            head = "以下条文与您的问题最相关（原文摘录）：\n\n"
        body = head + "\n\n".join(lines)
        note = note.replace(result.missing or "", "").replace(LOW_NOTE, "").strip()
        if note:
            body += f"\n\n<i>{esc(note)}</i>"
    else:
        body = esc(note or "知识库中没有找到能回答这个问题的条文，请换个说法再试。")
    try:
        advice = advice_for_question(question)
    except LandbotError:
        advice = None
    # the same checklist as 程序判定 and `landbot procedure`
    return body, rows, render_checklist(advice[0]) if advice else None


async def ask(update: Update, context: Ctx, user: User, question: str) -> None:
    """Answer a policy question (and give the procedure when it describes a parcel)."""
    if not await claim(update, context):
        return
    body, rows, checklist = await slow(
        answer_question, question, answers.home_place(user.department)
    )
    await send_outs(update, text_messages(body, rows, escape=False))
    if checklist:
        for part in chunks(checklist):
            await reply(update, esc(part))


async def on_full_text(update: Update, context: Ctx) -> None:
    """查看全文: the whole article, verbatim."""
    press = await pressed(update, context)
    if press is None:
        return
    _user, cb = press
    ids = _doc_ids()
    n, label = cb.int(0), cb.parts[1]
    from knowledge.corpus import load_corpus

    corpus = load_corpus()
    doc = corpus.document(ids[n]) if n < len(ids) else None
    art = doc.article(label) if doc else None
    if doc is None or art is None:
        await stale(update)
        return
    if not await claim(update, context):
        await answer_callback(update)
        return
    await answer_callback(update)
    number = f"（{doc.number}）" if doc.number else ""
    head = f"《{doc.title}》{number}{art.label}"
    if art.heading:
        head += f"\n{art.heading}"
    for out in text_messages(f"{head}\n\n{art.text}"):
        await reply(update, out.html)


def register(app: Application) -> None:
    app.add_handler(CallbackQueryHandler(on_full_text, pattern=r"^fa:"))
