"""Policy questions answered with the articles that answer them (issue 3, `landbot ask`).

    search("熔断以后怎么定竞得人？", jurisdiction="郑州市金水区", k=3)
    → SearchResult(hits=[Hit(article=<郑政〔2021〕4号 四（二）>, title=..., score=0.93, gist=...)],
                   note=None, confidence="high")

How it works: the question is normalised (numbers, full-width forms, 24年 → 2024年 for plans),
stripped of question words, checked for place names, split into terms, widened with synonyms
and the everyday words of the lexicon (knowledge/synonyms.yaml) and corrected for homophone typos
(knowledge/search_query.py). Articles are ranked by BM25 over character bigrams, over corpus
words and over the questions each article answers (the corpus `questions` field), fused, then
re-ranked by how much of the question each article actually covers; scope and consequence
questions favour the articles of that kind (`intents`). The reported score in [0, 1] is that
coverage weighted by the rank. Whether anything is offered, and how confidently ("high", "low":
相关条文, or None), is read from the whole evidence (knowledge/search_evidence.py), so an
unrelated article is never presented as the answer; a yearly plan the knowledge base does not
hold is said first (knowledge/search_missing.py). Parent and sub-item share text: the most
specific article that covers the question wins and the same text never fills two places.

A jurisdiction (explicit, or a place named in the question) keeps the documents that govern it
(knowledge.corpus.applicability: its own, its city's, the national ones) and drops other
localities; a place outside the knowledge base leaves the national documents only
(knowledge/search_scope.py). The asker's own place (`home`: the chat passes the place of the
user's department) counts only for a question that names none. With no place at all, a local
document's article comes after a national one that answers about as well.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from knowledge.errors import BadInput
from knowledge.search_evidence import (
    asked_unit,
    intent_factor,
    intents_of,
    judge,
    lone_incidental_word,
)
from knowledge.search_gist import gist
from knowledge.search_index import Channel, SearchIndex, compact, get_index
from knowledge.search_missing import expand_short_years, missing_plan
from knowledge.search_query import Query, Term, analyse
from knowledge.search_scope import DocFacts, allowed_articles, question_scope, resolve_jurisdiction
from knowledge.textnorm import has_cjk, normalise

if TYPE_CHECKING:
    from knowledge.corpus import Article, Corpus
    from knowledge.jurisdictions import Place

MAX_QUESTION_CHARS = 500
MAX_K = 20
MIN_SCORE = 0.3  # no hit below this score
MIN_SPECIFICITY = 1.5  # a question whose terms all occur everywhere (土地) is too vague
RELATIVE_FLOOR = 0.45  # nor below this fraction of the best hit's score
CHILD_RATIO = 0.85  # a sub-item replaces its parent when it scores at least this much of it
CANDIDATES = 40  # articles re-ranked by coverage
LOW_NOTE = "未找到直接回答该问题的条文，以下为相关条文，请核对原文是否适用。"
_K1, _B = 1.2, 0.5
_SINGLE_CHAR_TOKEN = 0.3  # BM25 weight of a single-character token against a bigram
_W_SHARE = 0.3  # share of the word channel in the fused BM25 score
_Q_SHARE = 0.35  # weight of the articles' own questions (doc2query field) beside the text
_QUESTION_CREDIT = 0.85  # a term found only in the questions an article answers
_LOCAL_BOOST = 1.05  # the jurisdiction's own documents before national ones at equal score
_BELOW_FACTOR = 0.95  # documents of a part of the jurisdiction (新密市 for 郑州市) come after
_EXPIRED_FACTOR = 0.92  # documents no longer in force rank slightly lower
# No place given or named: national law governs everywhere, a local document only its place,
# so a local article comes after a national one that answers about as well.
_UNPLACED_LOCAL_FACTOR = 0.9
_HEADING_CREDIT = 0.6
_TITLE_CREDIT = 0.5
_PLACE_CREDIT = 1.0  # a place the question names, written in the article: one average term


@dataclass(frozen=True)
class Hit:
    article: Article
    title: str  # the document's title
    score: float  # in [0, 1]
    gist: str  # one line: the sentence of the article that best matches the question
    in_force: bool = True  # False: the document's validity period has ended (or not begun)
    applicability: str | None = None  # "binding" | "reference" when a jurisdiction was given


@dataclass(frozen=True)
class SearchResult:
    hits: list[Hit]
    note: str | None  # why nothing (or only national texts) came back; None when all is normal
    jurisdiction: Place | None = None  # the place the results were filtered for
    corrections: dict[str, str] = field(default_factory=dict)  # typo → word searched instead
    # "high": the best article answers the question; "low": plausible but weak (相关条文);
    # None: nothing offered (knowledge/search_evidence.py)
    confidence: str | None = None
    # the question asks for a document (a plan of a year) the knowledge base does not hold:
    # the notice, said before anything near is offered (knowledge/search_missing.py)
    missing: str | None = None


def search(
    question: str,
    *,
    jurisdiction: str | None = None,
    k: int = 3,
    on: dt.date | None = None,
    home: str | None = None,
) -> SearchResult:
    """The articles that answer `question` best, at most `k` (see the module docstring).

    `home`: the asker's own place (their department's, in the chat): the jurisdiction when
    none is given and the question names no place. "焦作标准地" asked in 郑州 is about 焦作.

    Raises BadInput for an unknown `jurisdiction` or a `k` outside 1–20; every question,
    whatever it holds, gets a SearchResult (an empty one with a note when nothing fits).
    """
    if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= MAX_K:
        raise BadInput(
            f"-k 应为 1 到 {MAX_K} 之间的整数，收到：{k}",
            f"-k must be an integer from 1 to {MAX_K}, got: {k}",
        )
    today = on or dt.date.today()
    explicit = resolve_jurisdiction(jurisdiction) if jurisdiction is not None else None
    text = (question or "").strip()
    if not text:
        return SearchResult([], "未找到相关条文：问题为空，请输入要咨询的政策问题。")
    if len(text) > MAX_QUESTION_CHARS:
        return SearchResult(
            [],
            f"未找到相关条文：问题过长（{len(text)} 字），请精简到 {MAX_QUESTION_CHARS} 字以内，"
            "一次只问一件事。",
        )
    if not has_cjk(text):
        return SearchResult([], "未找到相关条文：请用中文提问（知识库收录的是中文政策文件）。")
    index = get_index()
    text = expand_short_years(normalise(text))
    query = analyse(text, index)
    if not query.terms:
        return SearchResult([], "未找到相关条文：问题中没有可检索的内容，请换个说法。")
    if sum(_term_weight(t, index) for t in query.terms) < MIN_SPECIFICITY:
        return SearchResult(
            [],
            "未找到相关条文：问题过于笼统，请说明具体想了解的事项"
            "（例如：储备土地临时利用最长几年）。",
        )
    place, national_only, notes = question_scope(explicit, query, home)
    intents = intents_of(compact(text))
    scope_question = "scope" in intents and explicit is None
    allowed, facts = allowed_articles(index, place, national_only, today, scope_question)
    missing = missing_plan(text, place, "scope" in intents)
    if missing is not None:  # only the nearest plan's articles are near enough to offer
        allowed = {i for i, (doc_id, _) in enumerate(index.keys) if doc_id == missing.nearest}
    ranked = _rank(index, query, allowed, facts, place is not None, intents)
    level, hits = _select(ranked, index, query, k, facts, asked_unit(text))
    if missing is not None:
        level = "low"
        offered = "以下条文仅供参考，不是所问计划的规定。" if hits else "没有可参考的条文。"
        notes.insert(0, f"{missing.note}。{offered}")
    if not hits and missing is None:
        reason = "知识库中没有找到与问题相关的条文"
        if national_only:
            reason += "（仅检索了国家层面的法律法规）"
        notes.append(f"未找到相关条文：{reason}。可换个说法，或用 landbot kb list 查看收录的文件。")
    elif level == "low" and missing is None:
        notes.append(LOW_NOTE)
    note = " ".join(notes) if notes else None
    return SearchResult(
        hits,
        note,
        place,
        dict(query.corrections),
        confidence=level if hits else None,
        missing=missing.note if missing is not None else None,
    )


# ------------------------------------------------------------------------------- ranking


def _bm25(channel: Channel, tokens: dict[str, float], allowed: set[int] | None) -> dict[int, float]:
    scores: dict[int, float] = {}
    for token, weight in tokens.items():
        postings = _contributions(channel, token)
        if not postings:
            continue
        w = weight * (_SINGLE_CHAR_TOKEN if token[0] == "#" else 1.0)
        for i, contribution in postings:
            if allowed is None or i in allowed:
                scores[i] = scores.get(i, 0.0) + w * contribution
    return scores


def _contributions(channel: Channel, token: str) -> list[tuple[int, float]]:
    """BM25 idf × saturated term frequency of `token` in each article, computed once."""
    cached = channel.scored.get(token)
    if cached is None:
        postings = channel.postings.get(token) or []
        idf, lengths, avg = channel.idf.get(token, 0.0), channel.lengths, channel.avg_length
        cached = [
            (i, idf * tf * (_K1 + 1) / (tf + _K1 * (1 - _B + _B * lengths[i] / avg)))
            for i, tf in postings
        ]
        channel.scored[token] = cached
    return cached


@dataclass
class _Ranked:
    i: int
    score: float
    coverage: float


def _term_weight(term: Term, index: SearchIndex) -> float:
    if not term.known:
        return term.weight * index.w.max_idf()
    if not has_cjk(term.text):  # a number or an ASCII word: as rare as it is in the texts
        return term.weight * index.b.idf.get("#" + term.text, index.b.max_idf())
    if len(term.text) >= 2:
        idf = index.w.idf.get(term.text)
        if idf is None:  # not a corpus word: as rare as a word can be
            idf = index.w.max_idf()
    else:
        idf = index.b.idf.get("#" + term.text, index.b.max_idf())
    return term.weight * idf


def _presence(term: Term, text: str, heading: str, title: str, asked: str = "") -> float:
    """1 when the term (or a synonym) is in the text; partial credit when it is only in the
    questions the article answers, the section heading or the document title, or when only
    part of it is in the text."""
    if any(v in text for v in term.variants):
        return 1.0
    credit = 0.0
    if asked and any(v in asked for v in term.variants):
        credit = _QUESTION_CREDIT
    elif any(v in heading for v in term.variants):
        credit = _HEADING_CREDIT
    elif any(len(v) >= 2 and v in title for v in term.variants):
        credit = _TITLE_CREDIT
    t = term.text
    if len(t) >= 3:
        pairs = [t[j : j + 2] for j in range(len(t) - 1)]
        credit = max(credit, 0.5 * sum(p in text for p in pairs) / len(pairs))
    return credit


def coverage(query: Query, i: int, index: SearchIndex, weights: list[float] | None = None) -> float:
    """Share of the question's weighted terms that article `i` contains."""
    text, heading = index.texts[i], index.headings[i]
    title = index.titles.get(index.keys[i][0], "")
    asked = index.questions[i] if index.questions else ""
    if weights is None:
        weights = [_term_weight(term, index) for term in query.terms]
    total = got = 0.0
    for term, w in zip(query.terms, weights, strict=True):
        total += w
        got += w * _presence(term, text, heading, title, asked)
    if not total:
        return 0.0
    # The places a question names scope the search and are not terms (an article need not
    # repeat 金水区 to govern it), but an article that lists them is about them: a bonus that
    # never lowers another article's coverage ("高新区在不在2024年供应计划范围内").
    named = {name for name in query.places if name in text}
    got += _PLACE_CREDIT * total / len(weights) * len(named)
    return min(got / total, 1.0)


def _rank(
    index: SearchIndex,
    query: Query,
    allowed: set[int] | None,
    facts: dict[str, DocFacts],
    jurisdiction_given: bool,
    intents: dict[str, tuple[str, ...]] | None = None,
) -> list[_Ranked]:
    b = _bm25(index.b, query.b_tokens, allowed)
    w = _bm25(index.w, query.w_tokens, allowed)
    # the questions field: bigrams only (a lone character says little in a short question)
    q_tokens = {token: wt for token, wt in query.b_tokens.items() if token[0] != "#"}
    q = _bm25(index.q, q_tokens, allowed) if index.q is not None else {}
    b_max = max(b.values(), default=0.0) or 1.0
    w_max = max(w.values(), default=0.0) or 1.0
    q_max = max(q.values(), default=0.0) or 1.0
    fused = {
        i: (1 - _W_SHARE) * b.get(i, 0.0) / b_max
        + _W_SHARE * w.get(i, 0.0) / w_max
        + _Q_SHARE * q.get(i, 0.0) / q_max
        for i in set(b) | set(w) | set(q)
    }
    if not fused:
        return []
    top = sorted(fused, key=lambda i: fused[i], reverse=True)[:CANDIDATES]
    weights = [_term_weight(term, index) for term in query.terms]
    best = fused[top[0]] or 1.0
    ranked = []
    for i in top:
        doc_id = index.keys[i][0]
        fact = facts.get(doc_id)
        cov = coverage(query, i, index, weights)
        score = cov * (0.35 + 0.65 * fused[i] / best) * intent_factor(intents or {}, i, index)
        if fact is not None:
            if not fact.in_force:
                score *= _EXPIRED_FACTOR
            if jurisdiction_given and fact.local:
                score *= _BELOW_FACTOR if fact.below else _LOCAL_BOOST
            elif fact.local:
                score *= _UNPLACED_LOCAL_FACTOR
        ranked.append(_Ranked(i, min(score, 1.0), cov))
    ranked.sort(key=lambda r: (-r.score, r.i))
    return ranked


# ------------------------------------------------------------------------------- selection


def _select(
    ranked: list[_Ranked],
    index: SearchIndex,
    query: Query,
    k: int,
    facts: dict[str, DocFacts],
    unit: str | None = None,
) -> tuple[str | None, list[Hit]]:
    """(confidence, hits): the best articles, or (None, []) when the evidence is too thin.
    `unit`: the question asks for an amount in it (多少亿), which the best article must state."""
    from knowledge.corpus import load_corpus

    ranked = [r for r in ranked if not lone_incidental_word(query, r.i, index)]
    top = ranked[0] if ranked else None
    level = None
    corpus = load_corpus()
    if top is not None:
        rival = next((r for r in ranked[1:] if not _related(top.i, r.i, index, corpus)), None)
        margin = top.score / rival.score if rival is not None and rival.score > 0 else float("inf")
        weights = [_term_weight(term, index) for term in query.terms]
        level = judge(query, index, top.i, top.coverage, margin, weights, unit)
    if level is None:
        return None, []
    floor = min(ranked[0].score, max(MIN_SCORE, RELATIVE_FLOOR * ranked[0].score))
    by_index = {r.i: r for r in ranked}
    chosen: list[_Ranked] = []
    for r in ranked:
        if r.score < floor or len(chosen) >= k:
            break
        r = _most_specific(r, by_index, index, corpus)
        if any(_related(r.i, c.i, index, corpus) for c in chosen):
            continue
        chosen.append(r)
    hits = []
    for r in chosen:
        doc_id, label = index.keys[r.i]
        article = corpus.article(doc_id, label)
        if article is None:  # the cache and the corpus disagree: never show a wrong text
            continue
        fact = facts[doc_id]
        hits.append(
            Hit(
                article=article,
                title=fact.title,
                score=round(r.score, 3),
                gist=gist(article.text, query),
                in_force=fact.in_force,
                applicability=fact.applicability,
            )
        )
    return level, hits


def _related(i: int, j: int, index: SearchIndex, corpus: Corpus) -> bool:
    """True when the two articles are the same text or one contains the other."""
    (doc_a, label_a), (doc_b, label_b) = index.keys[i], index.keys[j]
    if doc_a != doc_b:
        return False
    return (
        label_a == label_b
        or label_a in corpus.ancestors(doc_b, label_b)
        or label_b in corpus.ancestors(doc_a, label_a)
    )


def _most_specific(
    r: _Ranked, by_index: dict[int, _Ranked], index: SearchIndex, corpus: Corpus
) -> _Ranked:
    """The deepest sub-item of `r` that scores almost as well as it (or `r` itself)."""
    doc_id, label = index.keys[r.i]
    best = r
    for other in by_index.values():
        if other.i == r.i or index.keys[other.i][0] != doc_id:
            continue
        if label not in corpus.ancestors(doc_id, index.keys[other.i][1]):
            continue
        close = other.score >= CHILD_RATIO * r.score and other.coverage >= r.coverage - 1e-9
        if close and (best is r or len(index.keys[other.i][1]) > len(index.keys[best.i][1])):
            best = other
    return best
