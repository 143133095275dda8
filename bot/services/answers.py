"""政策问答 and 程序判定 as data: the objects `landbot ask --json` and `landbot procedure --json`
print (CONTRACT §4), for the CLI and the web API alike."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from knowledge.errors import BadInput

if TYPE_CHECKING:
    from knowledge.procedure import ProcedureResult
    from knowledge.search import Hit, SearchResult

MAX_K = 20


def procedure_for_question(question: str) -> tuple[dict[str, Any], ProcedureResult] | None:
    """The procedure object (and result) when the question describes a parcel, else None.

    Never fails the question: a parcel the advisor cannot place leaves the answers standing.
    """
    from knowledge.errors import LandbotError
    from knowledge.search import MAX_QUESTION_CHARS

    text = question.strip()
    if not text or len(text) > MAX_QUESTION_CHARS:
        return None
    from knowledge.parcel_question import advice_for_question, procedure_object

    try:
        advice = advice_for_question(text)
    except LandbotError:
        return None
    if advice is None:
        return None
    result, fields = advice
    return procedure_object(result, fields), result


def ask_object(
    question: str, result: SearchResult, procedure: dict[str, Any] | None
) -> dict[str, Any]:
    """The CONTRACT §4 object (plus `note`, `missing` and `jurisdiction` when there is something
    to say). `confidence` is "high" (the first article answers the question), "low" (plausible
    but weak: related articles, 相关条文) or null (no article offered)."""
    out: dict[str, Any] = {
        "question": question,
        "answers": [_answer(hit) for hit in result.hits],
        "procedure": procedure,
        "confidence": result.confidence,
    }
    if result.note:
        out["note"] = result.note
    if result.missing:
        out["missing"] = result.missing
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


def home_place(department: str | None) -> str | None:
    """The place of a user's department, when the knowledge base covers it (郑州市土地储备中心
    → 郑州市): where their questions that name no place are about."""
    if not department:
        return None
    from knowledge.jurisdictions import resolve_place

    res = resolve_place(department)
    return res.place.name if res.status == "local" and res.place is not None else None


def ask(
    question: object, *, jurisdiction: object = None, k: object = 3, home: str | None = None
) -> dict[str, Any]:
    """Answer a policy question: the `landbot ask --json` object (bad input is `BadInput`).
    `home`: the asker's own place, for a question that names none (`knowledge.search`)."""
    from knowledge.search import search

    if not isinstance(question, str):
        raise BadInput("question 应为文字", "question must be a string")
    if jurisdiction is not None and not isinstance(jurisdiction, str):
        raise BadInput("jurisdiction 应为地名文字", "jurisdiction must be a place name")
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_K:
        raise BadInput(f"k 应为 1 至 {MAX_K} 的整数", f"k must be an integer from 1 to {MAX_K}")
    result = search(question, jurisdiction=jurisdiction or None, k=k, home=home)
    advice = procedure_for_question(question)
    return ask_object(question, result, advice[0] if advice else None)


def procedure(mapping: Any) -> dict[str, Any]:
    """Which procedure applies to a parcel mapping (§3): the `landbot procedure --json` object."""
    from knowledge.plan import parcel_from_mapping
    from knowledge.procedure import advise

    parcel, as_of = parcel_from_mapping(mapping)
    return advise(parcel, as_of).to_json()
