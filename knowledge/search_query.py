"""Understanding a question before it is matched: padding, places, terms, synonyms, typos.

`analyse(question, index)` turns "熔断以后怎么定竞得人？" into a `Query`: the normalised text with
question words removed, the places it names (to filter by jurisdiction), its terms (the words
and unknown chunks whose presence in an article decides how well the article covers the
question), and the weighted tokens for BM25 including synonyms and typo corrections.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from knowledge.search_index import (
    MAX_WORD,
    SearchIndex,
    bigram_tokens,
    lexicon,
    units,
    word_tokens,
)
from knowledge.textnorm import is_cjk, normalise

SYNONYM_WEIGHT = 0.6  # weight of a token that only a synonym or expansion brought in
TYPO_WEIGHT = 0.8  # weight of a corrected word
SINGLE_CHAR_WEIGHT = 0.35  # a lone known character counts for little coverage
UNKNOWN_VERB_WEIGHT = 0.3  # an unknown verb (结婚, 拆分) says less about the subject than a noun
_BREAK = "|"


@dataclass(frozen=True)
class Term:
    """A unit of meaning of the question; `variants` are the strings that count as present."""

    text: str
    weight: float
    variants: tuple[str, ...]
    known: bool  # in the corpus vocabulary (False: an unknown chunk such as 公积金)
    kind: str = ""  # for an unknown chunk: "n" (noun-like: a subject) or "v" (verb-like)


@dataclass
class Query:
    text: str  # normalised, padding removed
    terms: list[Term]
    b_tokens: dict[str, float] = field(default_factory=dict)  # token → query weight
    w_tokens: dict[str, float] = field(default_factory=dict)
    places: list[str] = field(default_factory=list)  # place names as written
    corrections: dict[str, str] = field(default_factory=dict)  # typo → word


# ------------------------------------------------------------------------------- places


@cache
def _place_names() -> tuple[str, ...]:
    """Names that may appear in a question: the knowledge base's places (names, aliases,
    stems) and real Chinese provinces and prefectures (names and stems) and counties (names)."""
    from knowledge import gazetteer_cn
    from knowledge.jurisdictions import all_places

    names: set[str] = set()
    for place in all_places():
        for name in (place.name, *place.aliases, place.full or ""):
            if len(name) >= 2:
                names.add(name)
                stem = gazetteer_cn.stem(name)
                if len(stem) >= 2:
                    names.add(stem)
    for division in gazetteer_cn.divisions().values():
        names.add(division.name)
        if division.code.endswith("00"):  # province or prefecture: its stem is unambiguous
            stem = gazetteer_cn.stem(division.name)
            if len(stem) >= 2:
                names.add(stem)
    return tuple(sorted(names, key=len, reverse=True))


@cache
def _place_pattern() -> re.Pattern[str]:
    return re.compile("|".join(re.escape(n) for n in _place_names()))


def find_places(text: str) -> list[str]:
    """Place names written in `text`, longest match first, left to right."""
    return [m.group(0) for m in _place_pattern().finditer(text)]


# ------------------------------------------------------------------------------- terms


# "A不A" / "A没A" yes-no questions (在不在, 用不用, 属不属于, 合不合规): the verb stays, the
# question form goes, so that 不在 / 不用 is not taken for the subject of the question.
_A_NOT_A = re.compile(r"([\u4e00-\u9fff])[不没]\1")


def _strip_fillers(text: str) -> str:
    text = _A_NOT_A.sub(r"\1", text)
    for filler in lexicon().fillers:
        text = text.replace(filler, _BREAK)
    return text


def _segment(run: str, vocab: dict[str, int]) -> list[str]:
    """Greedy longest match of vocabulary words; other characters stay single."""
    out: list[str] = []
    i = 0
    while i < len(run):
        for length in range(min(MAX_WORD, len(run) - i), 1, -1):
            if run[i : i + length] in vocab:
                out.append(run[i : i + length])
                i += length
                break
        else:
            out.append(run[i])
            i += 1
    return out


def _synonyms_of(term: str) -> tuple[str, ...]:
    lex = lexicon()
    found: list[str] = []
    for group in lex.groups:
        if term in group:
            found.extend(t for t in group if t != term)
    found.extend(lex.expansions.get(term, ()))
    return tuple(dict.fromkeys(found))


def _typo_candidates(window: str, offset: int, vocab: dict[str, int]) -> list[str]:
    """Corpus words that equal `window` except at `offset`, where they have a character that
    sounds the same (rapidfuzz Hamming distance 1, then the pinyin table)."""
    from rapidfuzz import process
    from rapidfuzz.distance import Hamming

    from knowledge.search_pinyin import same_sound

    found = process.extract(
        window, _words_of_length(len(window), vocab), scorer=Hamming.distance,
        score_cutoff=1, limit=None,
    )  # fmt: skip
    return [
        word
        for word, dist, _ in found
        if dist == 1 and word[offset] != window[offset] and same_sound(window[offset], word[offset])
    ]


_LENGTH_CACHE: dict[tuple[int, int], list[str]] = {}


def _words_of_length(length: int, vocab: dict[str, int]) -> list[str]:
    """Words a typo may stand for: corpus words, and the lexicon's (稳评, 社保费) although no
    article writes them."""
    key = (id(vocab), length)
    if key not in _LENGTH_CACHE:
        lexical = lexicon().terms()
        _LENGTH_CACHE[key] = [
            w for w, df in vocab.items() if len(w) == length and (df > 0 or w in lexical)
        ]
    return _LENGTH_CACHE[key]


_PINYIN_RUN = re.compile(r"[a-z]{4,}")
_SPELT: dict[int, dict[str, str]] = {}


def _spelt_words(vocab: dict[str, int]) -> dict[str, str]:
    """Pinyin spelling → the most frequent word of 2-4 characters spelt so."""
    from knowledge.search_pinyin import spell

    found = _SPELT.get(id(vocab))
    if found is None:
        found = {}
        best: dict[str, int] = {}
        for length in (2, 3, 4):
            for word in _words_of_length(length, vocab):
                key = spell(word)
                if key and vocab.get(word, 0) >= best.get(key, -1):
                    found[key], best[key] = word, vocab.get(word, 0)
        _SPELT.clear()
        _SPELT[id(vocab)] = found
    return found


def _from_pinyin(text: str, vocab: dict[str, int], corrections: dict[str, str]) -> str:
    """Words typed in pinyin letters (rongduan) replaced by the word spelt so (熔断)."""
    if not _PINYIN_RUN.search(text):
        return text

    def replace(match: re.Match[str]) -> str:
        word = _spelt_words(vocab).get(match.group(0))
        if word is None:
            return match.group(0)
        corrections[match.group(0)] = word
        return word

    return _PINYIN_RUN.sub(replace, text)


def _correct(stretch: str, index: SearchIndex) -> tuple[str, dict[str, str]]:
    """Fix homophone typos in a run of Chinese characters: a character that the segmentation
    leaves alone is replaced when it and its neighbours (2-4 characters) are one same-sounding
    character away from a corpus word (融断 → 熔断, 竟自持 → 竞自持). Longer windows and more
    frequent words win. Returns the corrected text and {window as typed: word}."""
    vocab = index.vocab
    chars = list(stretch)
    fixes: dict[str, str] = {}
    position = 0
    lone: list[int] = []
    for piece in _segment(stretch, vocab):
        if len(piece) == 1:
            lone.append(position)
        position += len(piece)
    protected = _in_general_words(stretch, index)
    for p in lone:
        if p in protected:
            continue  # part of a common word the corpus lacks (公积金): not a typo of 基金
        best: tuple[int, int, int, str] | None = None
        for lo in range(max(0, p - 3), p + 1):
            for hi in range(p + 1, min(len(chars), lo + 4) + 1):
                window = "".join(chars[lo:hi])
                if len(window) < 2:
                    continue
                if all(window[k : k + 2] in index.b.postings for k in range(len(window) - 1)):
                    continue  # every pair of characters occurs in the corpus: not a typo
                if window in index.general_words():
                    continue  # a real word (护照), not a typo
                for word in _typo_candidates(window, p - lo, vocab):
                    rank = (len(window), vocab.get(word, 0), lo, word)
                    if best is None or rank[:2] > best[:2]:
                        best = rank
        if best is not None:
            length, _, lo, word = best
            fixes["".join(chars[lo : lo + length])] = word
            chars[p] = word[p - lo]
    return "".join(chars), fixes


def _in_general_words(stretch: str, index: SearchIndex) -> set[int]:
    """Positions of `stretch` inside a common word (3-4 characters) that no article holds."""
    general = index.general_words()
    out: set[int] = set()
    for lo in range(len(stretch)):
        for hi in range(lo + 3, min(len(stretch), lo + 4) + 1):
            word = stretch[lo:hi]
            if word in general and not index.occurs(word):
                out.update(range(lo, hi))
    return out


def _pieces(run: list[str], index: SearchIndex, query: Query) -> list[str]:
    """The run's units as corpus words (typos corrected), single characters and ASCII units."""
    out: list[str] = []
    stretch: list[str] = []

    def flush() -> None:
        if stretch:
            fixed, fixes = _correct("".join(stretch), index)
            query.corrections.update(fixes)
            out.extend(_segment(fixed, index.vocab))
            stretch.clear()

    for unit in run:
        if len(unit) == 1 and is_cjk(unit):
            stretch.append(unit)
        else:
            flush()
            out.append(unit)
    flush()
    return out


def _group_unknown(pieces: list[str], index: SearchIndex) -> list[tuple[str, str]]:
    """(piece, kind) after grouping characters the corpus vocabulary left single into common
    words it does not contain: 护 照 → 护照, 所得 税 → 所得税. kind is "" for corpus pieces,
    "n" or "v" for an unknown noun-like or verb-like word."""
    general = index.general_words()
    stop = lexicon().stop_chars
    out: list[tuple[str, str]] = []
    i = 0
    single = [len(p) == 1 and is_cjk(p) and p not in stop for p in pieces]
    while i < len(pieces):
        if single[i]:
            j = i
            while j < len(pieces) and single[j]:
                j += 1
            run = "".join(pieces[i:j])
            k = 0
            while k < len(run):
                for length in range(min(4, len(run) - k), 1, -1):
                    word = run[k : k + length]
                    if word in general and not index.occurs(word):
                        out.append((word, general[word]))
                        k += length
                        break
                else:
                    out.append((run[k], ""))
                    k += 1
            i = j
            continue
        out.append((pieces[i], ""))
        i += 1
    # a lone character glued to a neighbouring corpus word into a word the corpus lacks
    merged: list[tuple[str, str]] = []
    for piece, kind in out:
        if merged and not kind and not merged[-1][1] and piece != _BREAK != merged[-1][0]:
            prev = merged[-1][0]
            combo = prev + piece
            lone = (len(piece) == 1 and piece not in stop) or (len(prev) == 1 and prev not in stop)
            if lone and len(combo) <= 4 and combo in general and not index.occurs(combo):
                merged[-1] = (combo, general[combo])
                continue
        merged.append((piece, kind))
    return merged


def analyse(question: str, index: SearchIndex) -> Query:
    """The matchable content of a question (see the module docstring)."""
    lex = lexicon()
    spelt: dict[str, str] = {}
    text = _from_pinyin(normalise(question), index.vocab, spelt)
    places = find_places(text)
    for name in places:
        text = text.replace(name, _BREAK)
    text = _strip_fillers(text)
    query = Query(text=text, terms=[], places=places, corrections=spelt)
    vocab = index.vocab
    seen: set[str] = set()
    place_names = set(_place_names())
    corrected_runs: list[str] = []
    for run in units(text):
        pieces = _pieces(run, index, query)
        corrected_runs.append("".join(pieces))
        for piece, kind in _group_unknown(pieces, index):
            if len(piece) == 1 and piece in lex.stop_chars:
                continue
            if piece in place_names and piece in query.corrections.values():
                query.places.append(piece)  # 新蜜 → 新密: a place, not a term
                continue
            weight = UNKNOWN_VERB_WEIGHT if kind == "v" else 1.0
            if piece in query.corrections.values():
                weight *= TYPO_WEIGHT
            _add_term(query, piece, weight, index, seen, kind=kind)
    text = _BREAK.join(corrected_runs)
    query.text = text
    # BM25 tokens: the question itself, then synonyms with a lower weight
    for token in bigram_tokens(text):
        query.b_tokens[token] = 1.0
    for token in word_tokens(text, vocab):
        query.w_tokens[token] = 1.0
    for term in query.terms:
        for variant in term.variants:
            weight = term.weight if variant == term.text else SYNONYM_WEIGHT * term.weight
            for token in bigram_tokens(variant):
                query.b_tokens[token] = max(query.b_tokens.get(token, 0.0), weight)
            for token in (*word_tokens(variant, vocab), variant):
                if token in vocab:
                    query.w_tokens[token] = max(query.w_tokens.get(token, 0.0), weight)
    return query


def _add_term(
    query: Query,
    piece: str,
    weight: float,
    index: SearchIndex,
    seen: set[str],
    *,
    kind: str = "",
) -> None:
    if piece in seen:
        return
    seen.add(piece)
    if (len(piece) == 1 and is_cjk(piece)) or piece == "1":
        weight *= SINGLE_CHAR_WEIGHT  # a lone character, or the 1 of 一个月 / 一亩: little content
    known = not kind
    variants = (piece, *_synonyms_of(piece)) if known else (piece,)
    query.terms.append(Term(piece, weight, variants, known, kind))
