"""How sure the search is of its best article, read from the whole evidence (issue 15).

One shared word is no evidence that an article answers a question; a colloquial question that
shares few words with the formal text may still be answered by one article plainly. The
decision reads how much of the question (its weighted terms, knowledge/search.py `coverage`)
the best article holds — in its text, its section heading, its document title or the questions
it answers (the corpus `questions` field) — and whether the question's subject is something the
knowledge base does not speak of at all (an unknown noun such as 公积金 that the article lacks):

- "high": the article covers most of the question: answer it.
- "low": plausible but weak, and it stands out from the other articles: answer it as 相关条文,
  marked low, instead of refusing.
- None: decline ("未找到相关条文").

`intent_factor` routes scope questions (which places a document covers) and consequence
questions (罚则, 奖惩, 法律责任) to the articles that answer them: cues and marks are data in
knowledge/synonyms.yaml (`intents`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from knowledge.search_index import lexicon
from knowledge.textnorm import has_cjk

if TYPE_CHECKING:
    from knowledge.search_index import SearchIndex
    from knowledge.search_query import Query, Term

HIGH = "high"
LOW = "low"
HIGH_COVERAGE = 0.55  # the best article holds at least this share of the question: high
LOW_COVERAGE = 0.3  # below this share nothing is offered
UNKNOWN_SUBJECT_SHARE = 0.2  # an absent unknown noun weighing this much of the question…
UNKNOWN_SUBJECT_OVERRIDE = 0.75  # …declines unless the article covers this much anyway
LOW_MARGIN = 1.2  # a weak best article must score this much above the best unrelated one
INTENT_BOOST = 1.2  # an article of the kind the question asks for (范围, 罚则) ranks higher
# "多少亿", "每亩多少", "多少钱": the question asks for an amount in a unit, which only an
# article stating an amount in that unit answers (not "多少钱咋定": that asks for the method)
_AMOUNT_UNITS = {"亿": "亿", "万元": "万元", "元": "元", "钱": "元", "亩": "亩", "公顷": "公顷",
                 "平方米": "平方米", "平米": "平方米"}  # fmt: skip
_UNIT_ALT = "|".join(sorted(_AMOUNT_UNITS, key=len, reverse=True))
_AMOUNT_AFTER = re.compile(rf"多少.{{0,3}}?({_UNIT_ALT})")  # 多少钱: the unit of the answer
_AMOUNT_BEFORE = re.compile(rf"({_UNIT_ALT}).{{0,4}}?多少")  # 一亩给多少
_ASKS_METHOD = re.compile(r"[咋怎如]\S{0,2}[定算]|标准|确定|计算")
# "竞买保证金比例", "占几成", "多大比例": the question asks for a share, which only an article
# stating a percentage or a fraction answers (not "比例谁来定": that asks who sets it)
RATIO = "%"
_ASKS_RATIO = re.compile(r"多大比例|比例[是为有]?多少|百分之几|几成|(?:比例|占比)[?？]?$|占比多少")
_ASKS_WHO_OR_HOW = re.compile(r"谁|[咋怎如][么样何]?[定算配办]|确定|计算|配置|调整|要求")
_STATES_RATIO = re.compile(r"\d[\d.]*%|分之|比例")


def judge(
    query: Query,
    index: SearchIndex,
    i: int,
    coverage: float,
    margin: float,
    weights: list[float],
    unit: str | None,
) -> str | None:
    """The confidence in article `i` as the best answer: its coverage of the question, the
    unknown nouns it lacks, the question's words it holds, its margin over the best unrelated
    article, and whether it states the amount asked for in `unit` (see `confidence`)."""
    text = index.texts[i]
    asked = index.questions[i] if index.questions else ""
    return confidence(
        coverage,
        absent_unknown_share(query, weights, text, asked),
        shared_words(query, text + index.headings[i], asked),
        margin,
        unit is not None and not states_amount(text, unit),
    )


def confidence(
    coverage: float,
    absent_unknown_share: float,
    words: int,
    margin: float,
    amount_missing: bool = False,
) -> str | None:
    """ "high", "low" or None (decline) for the best article (see the module docstring).

    `words`: how many of the question's words (two characters or more) the article holds (none:
    the match rests on single characters); `margin`: its score over that of the best article
    unrelated to it (a weak match that many articles share equally is no answer);
    `amount_missing`: the question asks for an amount (多少亿) that the article does not state."""
    if coverage < LOW_COVERAGE or words == 0 or amount_missing:
        return None
    if absent_unknown_share >= UNKNOWN_SUBJECT_SHARE and coverage < UNKNOWN_SUBJECT_OVERRIDE:
        return None  # the question is about something no article speaks of
    if coverage >= HIGH_COVERAGE:
        return HIGH
    return LOW if margin >= LOW_MARGIN else None


def asked_unit(question: str) -> str | None:
    """The unit of the amount a question asks for (钱 → 元; a share: RATIO), or None."""
    if _ASKS_RATIO.search(question) and not _ASKS_WHO_OR_HOW.search(question):
        return RATIO
    m = _AMOUNT_AFTER.search(question) or _AMOUNT_BEFORE.search(question)
    if m is None or _ASKS_METHOD.search(question):
        return None
    return _AMOUNT_UNITS[m.group(1)]


def states_amount(text: str, unit: str) -> bool:
    """True when the (normalised) text states a number in `unit` (RATIO: a share, 20% or
    三分之一)."""
    if unit == RATIO:
        return _STATES_RATIO.search(text) is not None
    return re.search(rf"\d[\d.]*(?:%|以上|以下)?{re.escape(unit)}", text) is not None


def shared_words(query: Query, text: str, asked: str) -> int:
    """The question's words (2+ characters) that the article's text or questions hold."""
    return sum(
        1
        for t in query.terms
        if len(t.text) >= 2 and any(v in text or v in asked for v in t.variants)
    )


def absent_unknown_share(query: Query, weights: list[float], text: str, asked: str) -> float:
    """Share of the question's weight carried by unknown nouns (words of no article, such as
    公积金 or 地址) that this article does not hold either."""
    total = sum(weights)
    if not total:
        return 0.0
    absent = sum(
        w
        for term, w in zip(query.terms, weights, strict=True)
        if _absent_unknown(term, text, asked)
    )
    return absent / total


def _absent_unknown(term: Term, text: str, asked: str) -> bool:
    # nouns only: an unknown verb (拆分, 盯着) is how people talk, not what they ask about
    return term.kind == "n" and term.text not in text and term.text not in asked


def intents_of(question: str) -> dict[str, tuple[str, ...]]:
    """Intent → its marks, for every intent whose cue the question (normalised, compact) holds."""
    return {
        name: marks
        for name, (cues, marks) in lexicon().intents.items()
        if any(cue and cue in question for cue in cues)
    }


def intent_factor(intents: dict[str, tuple[str, ...]], i: int, index: SearchIndex) -> float:
    """INTENT_BOOST when article `i` holds a mark of each intent the question has."""
    if not intents:
        return 1.0
    text = index.texts[i]
    if all(any(m in text for m in marks) for marks in intents.values()):
        return INTENT_BOOST
    return 1.0


def lone_incidental_word(query: Query, i: int, index: SearchIndex) -> bool:
    """True when article `i` shares a single word with the question and that word is not a
    land-policy word (not in the synonym lexicon, no section heading or document title has it):
    "新密市的人口有多少" meets 人口 in an article on plan approval, which does not answer it."""
    text = index.texts[i] + "|" + (index.questions[i] if index.questions else "")
    words = [
        t for t in query.terms
        if len(t.text) >= 2 and has_cjk(t.text) and any(v in text for v in t.variants)
    ]  # fmt: skip
    if len(words) != 1:
        return False
    domain = _domain_text(index)
    return not any(len(v) >= 2 and v in domain for v in words[0].variants)


_DOMAIN: dict[int, str] = {}


def _domain_text(index: SearchIndex) -> str:
    """The words that mark land policy: the lexicon's, the section headings, the titles."""
    found = _DOMAIN.get(id(index))
    if found is None:
        lex = lexicon()
        words = [w for group in lex.groups for w in group]
        words += [w for key, values in lex.expansions.items() for w in (key, *values)]
        found = "|".join((*words, *index.headings, *index.titles.values()))
        _DOMAIN.clear()
        _DOMAIN[id(index)] = found
    return found
