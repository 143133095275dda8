"""Which documents may answer a policy question, and what the search reports about each.

A jurisdiction (explicit, or a place named in the question) keeps the documents that govern it
(knowledge.corpus.applicability: its own, its city's, the national ones) and drops other
localities; a place outside the knowledge base leaves the national documents only. Used by
knowledge/search.py.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from knowledge.errors import BadInput

if TYPE_CHECKING:
    from knowledge.corpus import Corpus, Document
    from knowledge.jurisdictions import Place
    from knowledge.search_index import SearchIndex
    from knowledge.search_query import Query


def resolve_jurisdiction(name: str) -> Place | Outside:
    """The place `--jurisdiction` names; BadInput when it is no recognisable place."""
    from knowledge.jurisdictions import resolve_place

    resolution = resolve_place(name)
    if resolution.status == "local" and resolution.place is not None:
        return resolution.place
    if resolution.status == "outside":
        return Outside(name)
    raise BadInput(
        f"无法识别的辖区：{name}（例如：郑州市金水区、新密市、嵩明县）",
        f"unknown jurisdiction: {name} (e.g. 郑州市金水区, 新密市, 嵩明县)",
    )


@dataclass(frozen=True)
class Outside:
    """A real place the knowledge base does not cover: national documents only."""

    name: str


def question_scope(
    explicit: Place | Outside | None, query: Query, home: str | None = None
) -> tuple[Place | None, bool, list[str]]:
    """(place to filter for, national documents only?, notes), from the explicit jurisdiction,
    else the first place the question names, else `home` (the asker's own place, when the
    knowledge base covers it)."""
    from knowledge.jurisdictions import resolve_place

    if isinstance(explicit, Outside):
        return None, True, [_outside_note(explicit.name)]
    if explicit is not None:
        return explicit, False, []
    outside: list[str] = []
    for name in query.places:
        resolution = resolve_place(name)
        if resolution.status == "local" and resolution.place is not None:
            return resolution.place, False, []
        if resolution.status == "outside":
            outside.append(name)
    if outside:
        return None, True, [_outside_note(outside[0])]
    if home:
        resolution = resolve_place(home)
        if resolution.status == "local" and resolution.place is not None:
            return resolution.place, False, []
    return None, False, []


def _outside_note(name: str) -> str:
    return f"「{name}」不在知识库收录的辖区内，只检索了国家层面的法律法规。"


@dataclass(frozen=True)
class DocFacts:
    """What ranking and the hits need to know about one document for this question."""

    title: str
    in_force: bool
    local: bool
    applicability: str | None  # for the jurisdiction given
    below: bool = False  # governs a part of the jurisdiction only (新密市 within 郑州市)

    @property
    def allowed(self) -> bool:
        return self.applicability is not None or self.below


def allowed_articles(
    index: SearchIndex,
    place: Place | None,
    national_only: bool,
    today: dt.date,
    scope_question: bool = False,
) -> tuple[set[int] | None, dict[str, DocFacts]]:
    """(indexes of the articles that may answer, None for all; each document's facts).

    `scope_question`: the question asks which places a document covers ("中牟县在不在市本级
    供应计划里"), so a document of the place's area that does not govern the place itself (the
    市本级 plan for a county) stays searchable: its scope article is the answer."""
    from knowledge.corpus import document_applicability, load_corpus
    from knowledge.jurisdictions import within

    corpus: Corpus = load_corpus()
    facts: dict[str, DocFacts] = {}
    for doc in corpus.documents.values():
        applicability: str | None = None
        below = False
        if place is not None:
            applicability = document_applicability(doc, place, _date_in_force(doc, today))
            below = applicability is None and any(
                scope.startswith(place.id + "/") or (scope_question and within(place, scope))
                for scope in doc.scope
            )
        facts[doc.doc_id] = DocFacts(
            title=doc.title,
            in_force=doc.in_force(today),
            local=not doc.is_national(),
            applicability=applicability,
            below=below,
        )
    if place is None and not national_only:
        return None, facts
    allowed = {
        i
        for i, (doc_id, _) in enumerate(index.keys)
        if doc_id in facts and (not facts[doc_id].local if national_only else facts[doc_id].allowed)
    }
    return allowed, facts


def _date_in_force(doc: Document, today: dt.date) -> dt.date:
    """`today`, or for a document not in force today a day when it was (does it cover the
    place at all?): an expired plan is still the answer to a question about it."""
    if doc.in_force(today):
        return today
    return doc.valid_to or doc.valid_from or today
