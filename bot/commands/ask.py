"""`landbot ask QUESTION [--json] [--jurisdiction PLACE] [-k N]` (CONTRACT §2, §4).

Answers a policy question with the articles that answer it, quoted verbatim with their document
and article number; when the question describes a parcel, also the procedure for it. A question,
whatever it holds, exits 0 (nothing relevant found is an answer too, with a note); an unknown
--jurisdiction or a -k outside 1–20 is bad input (exit 2).
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from knowledge.search import SearchResult


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "ask",
        help="政策问答：引用原文回答 / answer a policy question with the articles, verbatim",
    )
    p.add_argument("question", help="问题，如：熔断以后怎么定竞得人？")
    p.add_argument("--json", action="store_true", help="输出 JSON / JSON output")
    p.add_argument(
        "--jurisdiction",
        metavar="PLACE",
        help="辖区，如 新密市、郑州市金水区（只看该地及国家的规定）/ filter by jurisdiction",
    )
    p.add_argument("-k", type=int, default=3, metavar="N", help="最多几条（1–20，默认 3）")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from bot.services.answers import ask_object, procedure_for_question
    from knowledge.procedure import render_checklist
    from knowledge.search import search

    question = args.question or ""
    result = search(question, jurisdiction=args.jurisdiction, k=args.k)
    advice = procedure_for_question(question)
    if args.json:
        procedure = advice[0] if advice else None
        print(json.dumps(ask_object(question, result, procedure), ensure_ascii=False, indent=2))
    else:
        print(render(question, result, render_checklist(advice[1]) if advice else None))
    return 0


# ------------------------------------------------------------------------------- text


def render(question: str, result: SearchResult, checklist: str | None = None) -> str:
    """The human answer: each article as 《title》label, its text quoted, a one-line gist."""
    shown = question.strip()
    if len(shown) > 120:  # a pasted document is not echoed back whole
        shown = f"{shown[:120]}…（共 {len(shown)} 字）"
    lines = [f"问题：{shown}"]
    if result.jurisdiction is not None:
        lines.append(f"辖区：{' › '.join(result.jurisdiction.chain)}（本地及上级、国家的规定）")
    if result.corrections:
        fixed = "，".join(f"{a}→{b}" for a, b in result.corrections.items())
        lines.append(f"（已按「{fixed}」检索）")
    if result.note:
        lines.append(result.note)
    if result.hits and result.confidence == "low":
        lines.append("【相关条文】（相关度较低，仅供参考）")
    for n, hit in enumerate(result.hits, 1):
        status = "" if hit.in_force else "（已不在有效期内）"
        reference = "（参照执行）" if hit.applicability == "reference" else ""
        lines.append("")
        lines.append(
            f"{n}. 《{hit.title}》{hit.article.label}{status}{reference}  相关度 {hit.score:.2f}"
        )
        for paragraph in hit.article.text.splitlines():
            lines.append(f"   > {paragraph}")
        if hit.gist:
            lines.append(f"   要点：{hit.gist}")
    if checklist:
        lines.append("")
        lines.append("【办理程序】")
        lines.append(checklist)
    return "\n".join(lines)
