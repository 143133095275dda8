"""A question about a yearly plan the knowledge base does not hold (issue 15).

"郑州市2025年度住宅用地计划供应多少": the knowledge base holds 郑州市's 2024 supply plan only,
so the answer says so first — "知识库中没有郑州市2025年度供应计划；最近的是2024年度…" — and only
then offers the articles of the nearest plan, never the 2024 figures as if they were 2025's.

Yearly plans are recognised by their titles ("…2024年度国有建设用地供应计划"); the kind of plan a
question asks for by its words (供地/供应 → 供应计划, 储备 → 储备计划, 做地 → 做地计划). A short
year (24年) counts as 2024 when the question is about a plan.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from knowledge.jurisdictions import Place

PLAN_KINDS = (
    ("供应计划", ("供地", "供应")),
    ("储备计划", ("储备", "收储")),
    ("做地计划", ("做地",)),
)
_PLAN_WORDS = re.compile(r"计划|年度")
_SHORT_YEAR = re.compile(r"(?<![\d.])(1[5-9]|2\d|3[0-5])年(?![\d限期])")
_YEAR = re.compile(r"(?<!\d)(20\d\d)年")
_TITLE_YEAR = re.compile(r"(20\d\d)年度")


def expand_short_years(text: str) -> str:
    """24年 → 2024年 in a question about a plan (24年供应计划); elsewhere 30年 is a term."""
    if not _PLAN_WORDS.search(text):
        return text
    return _SHORT_YEAR.sub(lambda m: f"20{m.group(1)}年", text)


@dataclass(frozen=True)
class Plan:
    doc_id: str
    title: str
    year: int
    kind: str
    scope: tuple[str, ...]  # place ids of the document


@cache
def yearly_plans() -> tuple[Plan, ...]:
    """The yearly plans of the corpus, from their titles."""
    from knowledge.corpus import load_corpus

    plans = []
    for doc in load_corpus().documents.values():
        m = _TITLE_YEAR.search(doc.title)
        kind = _kind(doc.title[m.end() :]) if m else None
        if m and kind:
            plans.append(Plan(doc.doc_id, doc.title, int(m.group(1)), kind, doc.scope))
    return tuple(plans)


def _kind(text: str) -> str | None:
    if "计划" not in text:
        return None
    for kind, words in PLAN_KINDS:
        if any(w in text for w in words):
            return kind
    return None


@dataclass(frozen=True)
class Missing:
    note: str  # "知识库中没有郑州市2025年度供应计划；最近的是2024年度（《…》）", no full stop
    nearest: str | None  # doc_id of the nearest plan of that kind and place, if any


def missing_plan(
    question: str, place: Place | None, scope_question: bool = False
) -> Missing | None:
    """A notice when the question asks for a yearly plan (year, kind, place) that is not held.

    The plan of an area around the place (the 市本级 plan, asked for one of its counties) is
    offered only to a question about what that plan covers: its scope article is the answer;
    its figures are not the county's."""
    year_match = _YEAR.search(question)
    kind = _kind(question)
    if year_match is None or kind is None:
        return None
    year = int(year_match.group(1))
    candidates = [p for p in yearly_plans() if p.kind == kind and _covers(p, place)]
    if any(p.year == year for p in candidates):
        return None
    where = place.name if place is not None else ""
    asked = f"{where}{year}年度{kind}"
    if not candidates:
        around = [p for p in yearly_plans() if p.kind == kind and _around(p, place)]
        if around:  # the 市本级 plan of the city, asked for one of its counties
            near = min(around, key=lambda p: (abs(p.year - year), -p.year))
            return Missing(
                f"知识库中没有{asked}；《{near.title}》的计划范围不含{where}",
                near.doc_id if scope_question else None,
            )
        return Missing(f"知识库中没有{asked}（未收录{where or '该地'}的年度{kind}）", None)
    nearest = min(candidates, key=lambda p: (abs(p.year - year), -p.year))
    return Missing(
        f"知识库中没有{asked}；最近的是{nearest.year}年度（《{nearest.title}》）", nearest.doc_id
    )


def _around(plan: Plan, place: Place | None) -> bool:
    """The plan is of an area containing the place, without governing it."""
    from knowledge.jurisdictions import within

    return place is not None and any(within(place, pid) for pid in plan.scope)


def _covers(plan: Plan, place: Place | None) -> bool:
    """The plan governs the place (the 市本级 plan: not its counties), or lies within it."""
    from knowledge.corpus import load_corpus

    if place is None:
        return True
    doc = load_corpus().documents[plan.doc_id]
    return doc.governs(place) or any(pid.startswith(place.id + "/") for pid in plan.scope)
