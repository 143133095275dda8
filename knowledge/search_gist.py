"""The one line of an article that best matches a question (`Hit.gist`), for knowledge/search.py."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from knowledge.textnorm import normalise

if TYPE_CHECKING:
    from knowledge.search_query import Query

GIST_CHARS = 60
_SENTENCE = re.compile(r"(?<=[。；;！？!?\n])")
_LEADING_LABEL = re.compile(
    r"^\s*(?:第[零一二三四五六七八九十百千]+条|[（(][零一二三四五六七八九十\d]+[）)]"
    r"|\d+[.．、]|[一二三四五六七八九十]+、)\s*"
)


def gist(text: str, query: Query) -> str:
    """The sentence of `text` that holds most of the question, shortened to one line."""
    sentences = [s.strip() for s in _SENTENCE.split(text) if s.strip()]
    if not sentences:
        return ""

    def score(sentence: str) -> float:
        norm = normalise(sentence)
        return sum(
            t.weight * len(t.text) for t in query.terms if any(v in norm for v in t.variants)
        )

    position = max(range(len(sentences)), key=lambda n: (score(sentences[n]), -n))
    best = _LEADING_LABEL.sub("", sentences[position]).replace("\n", " ").strip()
    if best.endswith(("：", ":")) or len(best) < 12:
        # an introduction ("土地收储工作流程：") says little alone: add what follows
        for following in sentences[position + 1 :]:
            if len(best) >= GIST_CHARS // 2:
                break
            best += _LEADING_LABEL.sub("", following).replace("\n", " ").strip()
    if len(best) > GIST_CHARS:
        best = best[: GIST_CHARS - 1].rstrip("，、；：,") + "…"
    return best
