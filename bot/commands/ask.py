"""`landbot ask QUESTION [--json] [--jurisdiction PLACE] [-k N]` (CONTRACT §2, §4).

Answers a policy question with the articles that answer it, quoted verbatim with their document
and article number; when the question describes a parcel, also the procedure for it. A question,
whatever it holds, exits 0 (nothing relevant found is an answer too, with a note); an unknown
--jurisdiction or a -k outside 1–20 is bad input (exit 2).
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from knowledge.search import Hit, SearchResult


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
    from knowledge.search import search

    question = args.question or ""
    result = search(question, jurisdiction=args.jurisdiction, k=args.k)
    procedure = _procedure(question, result)
    if args.json:
        print(json.dumps(to_json(question, result, procedure), ensure_ascii=False, indent=2))
    else:
        print(render(question, result, procedure))
    return 0


def _procedure(question: str, result: SearchResult) -> dict[str, Any] | None:
    """The procedure object when the question describes a parcel; never fails the question."""
    from bot.errors import LandbotError
    from knowledge.search import MAX_QUESTION_CHARS

    text = question.strip()
    if not text or len(text) > MAX_QUESTION_CHARS:
        return None
    from knowledge.parcel_question import procedure_for_question

    try:
        return procedure_for_question(text)
    except LandbotError:  # a parcel the advisor cannot place: the answers still stand
        return None


# ------------------------------------------------------------------------------- JSON


def to_json(
    question: str, result: SearchResult, procedure: dict[str, Any] | None
) -> dict[str, Any]:
    """The CONTRACT §4 object (plus `note` and `jurisdiction` when there is something to say)."""
    out: dict[str, Any] = {
        "question": question,
        "answers": [_answer(hit) for hit in result.hits],
        "procedure": procedure,
    }
    if result.note:
        out["note"] = result.note
    if result.jurisdiction is not None:
        out["jurisdiction"] = {
            "name": result.jurisdiction.name,
            "chain": list(result.jurisdiction.chain),
        }
    return out


def _answer(hit: Hit) -> dict[str, Any]:
    return {
        "doc_id": hit.article.doc_id,
        "title": hit.title,
        "article": hit.article.label,
        "text": hit.article.text,
        "score": hit.score,
        "gist": hit.gist,
        "in_force": hit.in_force,
    }


# ------------------------------------------------------------------------------- text


def render(question: str, result: SearchResult, procedure: dict[str, Any] | None) -> str:
    """The human answer: each article as 《title》label, its text quoted, a one-line gist."""
    lines = [f"问题：{question.strip()}"]
    if result.jurisdiction is not None:
        lines.append(f"辖区：{' › '.join(result.jurisdiction.chain)}（本地及上级、国家的规定）")
    if result.corrections:
        fixed = "，".join(f"{a}→{b}" for a, b in result.corrections.items())
        lines.append(f"（已按「{fixed}」检索）")
    if result.note:
        lines.append(result.note)
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
    if procedure:
        lines.append("")
        lines.extend(render_procedure(procedure))
    return "\n".join(lines)


def _cite(item: Any) -> str:
    if isinstance(item, dict) and item.get("doc_id"):
        return f"〔{item['doc_id']} {item.get('article', '')}〕".replace(" 〕", "〕")
    return ""


def _entry(item: Any, *keys: str) -> str:
    """One list item of the procedure: its text and its citation, whatever its shape."""
    if not isinstance(item, dict):
        return str(item)
    text = next((str(item[k]) for k in keys if item.get(k)), "")
    actor = f"（{item['actor']}）" if item.get("actor") else ""
    return f"{text}{actor}{_cite(item.get('cite'))}"


def render_procedure(procedure: dict[str, Any]) -> list[str]:
    """The procedure checklist (CONTRACT §4 `procedure` object), printed generically."""
    lines = ["【办理程序】"]
    place = procedure.get("jurisdiction") or {}
    if place.get("chain") or place.get("name"):
        lines.append(f"辖区：{' › '.join(place.get('chain') or [place.get('name', '')])}")
    reserve = procedure.get("reserve") or {}
    if reserve.get("mode"):
        lines.append(f"储备方式：{reserve['mode']}")
    if reserve.get("steps"):
        lines.append("步骤：")
        for n, step in enumerate(reserve["steps"], 1):
            lines.append(f"  {n}. {_entry(step, 'title', 'text')}")
    supply = procedure.get("supply") or {}
    if supply.get("methods"):
        lines.append(f"供应方式：{'、'.join(str(m) for m in supply['methods'])}")
    for rule in supply.get("rules") or []:
        lines.append(f"  - {_entry(rule, 'text')}")
    if procedure.get("preconditions"):
        lines.append("前置条件：")
        for item in procedure["preconditions"]:
            lines.append(f"  - {_entry(item, 'item', 'text')}")
    for key, label in (("missing", "还需了解"), ("notes", "说明")):
        items = procedure.get(key) or []
        if items:
            lines.append(f"{label}：")
            for item in items:
                lines.append(f"  - {_entry(item, 'question', 'text', 'item', 'label')}")
    return lines
