"""政策问答: free text → the articles that answer it (quoted, with 查看全文), parcel questions
→ the procedure advisor."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from functools import cache
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler

from bot.channels.telegram import callbacks
from bot.channels.telegram.handlers.common import (
    Ctx,
    answer_callback,
    button_user,
    claim,
    reply,
)
from bot.channels.telegram.handlers.dialogue import send_outs, stale
from bot.channels.telegram.render import chunks, text_messages
from bot.channels.telegram.runtime import slow
from bot.channels.telegram.texts import esc
from bot.errors import LandbotError
from storage.domain import User

log = logging.getLogger(__name__)
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


def jurisdiction_of(user: User) -> str | None:
    """The place of the user's department, when the knowledge base knows it."""
    if not user.department:
        return None
    try:
        from knowledge.jurisdictions import resolve_place

        res = resolve_place(user.department)
    except Exception:  # an unknown department just means: no place filter
        log.debug("department %r not resolved", user.department, exc_info=True)
        return None
    place = getattr(res, "place", None)
    if getattr(res, "status", None) == "local" and place is not None:
        return str(getattr(place, "name", "")) or None
    return None


def _field(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, Mapping) else getattr(obj, name, None)


def answer_question(
    question: str, jurisdiction: str | None
) -> tuple[str, list[list[tuple[str, str]]], str | None]:
    """(HTML answer, 查看全文 buttons, procedure checklist or None) for a question."""
    from knowledge.parcel_question import procedure_for_question
    from knowledge.search import search

    try:
        result = search(question, jurisdiction=jurisdiction, k=3)
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
    if lines:
        head = "以下条文与您的问题最相关（原文摘录）：\n\n"
        body = head + "\n\n".join(lines)
    else:
        body = esc(result.note or "知识库中没有找到能回答这个问题的条文，请换个说法再试。")
    if result.note and lines:
        body += f"\n\n<i>{esc(result.note)}</i>"
    checklist = None
    try:
        proc = procedure_for_question(question)
    except LandbotError:
        proc = None
    if proc:
        checklist = procedure_text(proc)
    return body, rows, checklist


def procedure_text(proc: Mapping[str, Any]) -> str:
    """The CONTRACT §4 procedure object as a phone-sized checklist (plain text)."""
    lines: list[str] = []
    j = proc.get("jurisdiction") or {}
    chain = " › ".join(j.get("chain") or []) or j.get("name") or ""
    lines.append(f"【程序判定】{chain}")
    reserve = proc.get("reserve") or {}
    if reserve.get("mode"):
        lines.append(f"储备方式：{reserve['mode']}")
    for n, step in enumerate(reserve.get("steps") or [], 1):
        actor = f"（{step['actor']}）" if step.get("actor") else ""
        lines.append(f"{n}. {step.get('title', '')}{actor}{_cite(step.get('cite'))}")
    supply = proc.get("supply") or {}
    if supply.get("methods"):
        lines.append("供应方式：" + "、".join(supply["methods"]))
    for rule in supply.get("rules") or []:
        lines.append(f"• {rule.get('text', '')}{_cite(rule.get('cite'))}")
    pre = proc.get("preconditions") or []
    if pre:
        lines.append("前置条件：")
        lines.extend(f"☐ {p.get('item', '')}{_cite(p.get('cite'))}" for p in pre)
    for note in proc.get("notes") or []:
        lines.append(f"注：{note}")
    return "\n".join(lines)


def _cite(cite: Any) -> str:
    """How officials name a source: the 文号 (or 《title》) and the article."""
    if not isinstance(cite, Mapping) or not cite.get("doc_id"):
        return ""
    from knowledge.corpus import load_corpus

    doc = load_corpus().document(str(cite["doc_id"]))
    name = (doc.number or f"《{doc.title}》") if doc else str(cite["doc_id"])
    return f"〔{name} {cite.get('article', '')}〕"


async def ask(update: Update, context: Ctx, user: User, question: str) -> None:
    """Answer a policy question (and give the procedure when it describes a parcel)."""
    if not await claim(update, context):
        return
    body, rows, checklist = await slow(answer_question, question, jurisdiction_of(user))
    await send_outs(update, text_messages(body, rows, escape=False))
    if checklist:
        for part in chunks(checklist):
            await reply(update, esc(part))


async def on_full_text(update: Update, context: Ctx) -> None:
    """查看全文: the whole article, verbatim."""
    user = await button_user(update, context)
    cb = callbacks.parse(update.callback_query.data if update.callback_query else None)
    if user is None:
        return
    if cb is None:
        await stale(update)
        return
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
