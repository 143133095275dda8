"""Scoring an evaluation set of policy questions (tests/data/questions*.yaml) against
knowledge.search: top-1 and top-3 hit rates over the answerable entries, and the share of
declines over the entries the knowledge base cannot answer (`expect: []`).

Used by bench/bench_search.py (figures) and tests/test_search_officials.py (thresholds).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
TUNED = DATA / "questions.yaml"  # the set the search was developed on
OFFICIALS = DATA / "questions_officials.yaml"  # held out: questions as officials type them
FRESH = DATA / "questions_fresh.yaml"  # written after tuning on OFFICIALS, never tuned on


def load(path: Path) -> list[dict[str, Any]]:
    return list(yaml.safe_load(path.read_text("utf-8"))["questions"])


def accepted(entry: dict[str, Any]) -> list[tuple[str, str]]:
    """The entry's acceptable answers as (doc_id, label); empty for an unanswerable one."""
    out = []
    for item in entry.get("expect") or ():
        doc_id, label = str(item).split(" ", 1)
        out.append((doc_id, label))
    return out


@dataclass
class Score:
    answerable: int = 0
    top1: int = 0
    top3: int = 0
    unanswerable: int = 0
    declined: int = 0
    misses: list[tuple[str, list[str]]] = field(default_factory=list)  # answerable, not in top 3
    wrong_answers: list[tuple[str, list[str]]] = field(default_factory=list)  # should decline
    refused: list[str] = field(default_factory=list)  # answerable, but declined

    def rate(self, name: str) -> float:
        total = self.unanswerable if name == "declined" else self.answerable
        return getattr(self, name) / total if total else 1.0


def declined(result: Any) -> bool:
    """No article offered, or the search said first that what was asked is not held."""
    return not result.hits or getattr(result, "missing", None) is not None


def evaluate(entries: list[dict[str, Any]]) -> Score:
    from knowledge.corpus import load_corpus
    from knowledge.search import search

    corpus = load_corpus()
    score = Score()
    for entry in entries:
        result = search(entry["q"], jurisdiction=entry.get("jurisdiction"), k=3)
        got = [(h.article.doc_id, h.article.label) for h in result.hits]
        shown = [f"{d} {label}" for d, label in got]
        want = accepted(entry)
        if not want:
            score.unanswerable += 1
            if declined(result):
                score.declined += 1
            else:
                score.wrong_answers.append((entry["q"], shown))
            continue
        score.answerable += 1
        ok = [
            any(d == doc and want_label in [label, *corpus.ancestors(d, label)]
                for doc, want_label in want)
            for d, label in got
        ]  # fmt: skip
        score.top1 += bool(ok and ok[0])
        score.top3 += any(ok)
        if not any(ok):
            score.misses.append((entry["q"], shown))
            if not got:
                score.refused.append(entry["q"])
    return score
