"""The evaluation set (tests/data/questions.yaml): officials' questions with the articles that
answer them. Top-3 hit rate >= 95% and top-1 >= 85% over the whole set."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from knowledge.corpus import SPECIAL_LABELS, Corpus, load_corpus
from knowledge.search import search
from knowledge.search_index import compact
from knowledge.textnorm import normalise

QUESTIONS = Path(__file__).parent / "data" / "questions.yaml"
SEEDS = (
    "xinmi-reserve-opinion",
    "zhengzhou-2021-4",
    "zhengzhou-2024-supply-plan",
    "songming-reserve-measures",
    "jiaozuo-2025-1",
)


@cache
def questions() -> list[dict[str, Any]]:
    data = yaml.safe_load(QUESTIONS.read_text("utf-8"))
    return list(data["questions"])


def expected(entry: dict[str, Any]) -> list[tuple[str, str]]:
    out = []
    for item in entry["expect"]:
        doc_id, label = item.split(" ", 1)
        out.append((doc_id, label))
    return out


def lineage(corpus: Corpus, doc_id: str, label: str) -> list[str]:
    """The article's label and the labels of the articles containing it."""
    return [label, *corpus.ancestors(doc_id, label)]


def is_hit(corpus: Corpus, got: tuple[str, str], accepted: list[tuple[str, str]]) -> bool:
    """The answer is an accepted article or a sub-item of one."""
    return any(got[0] == doc and label in lineage(corpus, *got) for doc, label in accepted)


def test_the_set_is_large_and_well_formed() -> None:
    corpus = load_corpus()
    entries = questions()
    assert len(entries) >= 80
    for entry in entries:
        assert entry["q"].strip()
        assert entry["expect"], entry
        for doc_id, label in expected(entry):
            assert corpus.article(doc_id, label) is not None, (doc_id, label)
    assert len({e["q"] for e in entries}) == len(entries), "duplicate questions"
    styles = {e["style"] for e in entries}
    assert {"formal", "colloquial", "typo", "number"} <= styles


def test_every_document_and_every_section_of_each_seed_is_asked_about() -> None:
    corpus = load_corpus()
    asked = {(d, label) for e in questions() for d, label in expected(e)}
    assert {d for d, _ in asked} >= set(corpus.documents), "a document has no question"
    for doc_id in SEEDS:
        doc = corpus.documents[doc_id]
        sections = {
            a.headings[0] for a in doc.articles if a.headings and a.label not in SPECIAL_LABELS
        }
        covered = {
            corpus.article(doc_id, label).headings[0]  # type: ignore[union-attr]
            for d, label in asked
            if d == doc_id
        }
        assert sections <= covered, (doc_id, sections - covered)


def test_no_question_copies_an_article_sentence() -> None:
    """Questions are paraphrases: none shares a run of 12 characters with an article."""
    texts = [compact(normalise(a.text)) for a in load_corpus().articles()]
    corpus_text = "|".join(texts)
    for entry in questions():
        q = compact(normalise(entry["q"]))
        for i in range(len(q) - 11):
            assert q[i : i + 12] not in corpus_text, (entry["q"], q[i : i + 12])


def test_hit_rates_over_the_whole_set() -> None:
    corpus = load_corpus()
    top1 = top3 = 0
    misses = []
    for entry in questions():
        result = search(entry["q"], jurisdiction=entry.get("jurisdiction"), k=3)
        got = [(h.article.doc_id, h.article.label) for h in result.hits]
        accepted = expected(entry)
        if got and is_hit(corpus, got[0], accepted):
            top1 += 1
        if any(is_hit(corpus, g, accepted) for g in got):
            top3 += 1
        else:
            misses.append((entry["q"], got))
    n = len(questions())
    assert top3 / n >= 0.95, f"top-3 {top3}/{n}; misses: {misses}"
    assert top1 / n >= 0.85, f"top-1 {top1}/{n}"


@pytest.mark.parametrize("style", ["typo", "number", "colloquial"])
def test_each_style_is_answered_in_the_top_three(style: str) -> None:
    """No phrasing style is left behind (>= 90% within each style)."""
    corpus = load_corpus()
    entries = [e for e in questions() if e["style"] == style]
    found = 0
    for entry in entries:
        result = search(entry["q"], jurisdiction=entry.get("jurisdiction"), k=3)
        got = [(h.article.doc_id, h.article.label) for h in result.hits]
        found += any(is_hit(corpus, g, expected(entry)) for g in got)
    assert found / len(entries) >= 0.9
