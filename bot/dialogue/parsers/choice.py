"""Choices: exact label, synonym, option number, or a fuzzy match (asking when two are close)."""

from __future__ import annotations

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from bot.dialogue.parsers.base import Ambiguous, ParseContext, Parsed, ParseError
from bot.dialogue.parsers.numerals import clean
from knowledge.plan import MAX_CHOICE_CHARS, KeySpec

ACCEPT = 85.0  # a single option at least this close is taken
CONSIDER = 60.0  # options at least this close are offered when none is clear
MARGIN = 8.0  # a runner-up within this margin of the best makes the answer ambiguous


def _pool(spec: KeySpec) -> dict[str, str]:
    pool = {clean(c): c for c in spec.choices}
    for syn, canonical in spec.synonyms.items():
        pool.setdefault(clean(syn), canonical)
    return pool


def match(spec: KeySpec, text: str) -> str | Ambiguous | None:
    """The canonical option for `text`, the close candidates, or None."""
    t = clean(text).strip("。.！!，,")
    if not t or len(t) > MAX_CHOICE_CHARS:  # no option is that long: not worth a fuzzy search
        return None
    pool = _pool(spec)
    if t in pool:
        return pool[t]
    if t.isascii() and t.isdigit() and len(t) <= 3 and 1 <= int(t) <= len(spec.choices):
        return spec.choices[int(t) - 1]
    # An option or synonym contained in the answer (二类住宅用地 → 住宅用地).
    contained = {canonical for name, canonical in pool.items() if len(name) >= 2 and name in t}
    if len(contained) == 1:
        return contained.pop()
    scored: dict[str, float] = {}
    for name, score, _ in process.extract(t, list(pool), scorer=fuzz.WRatio, limit=None):
        canonical = pool[name]
        scored[canonical] = max(scored.get(canonical, 0.0), float(score))
    ranked = sorted(scored.items(), key=lambda kv: (-kv[1], spec.choices.index(kv[0])))
    if not ranked or ranked[0][1] < CONSIDER:
        return _one_typo(pool, t, spec)
    best, best_score = ranked[0]
    close = [c for c, s in ranked if s >= best_score - MARGIN and s >= CONSIDER]
    if best_score >= ACCEPT and len(close) == 1:
        return best
    if len(close) == 1:
        close = [c for c, s in ranked[:3] if s >= CONSIDER]
        if len(close) == 1:
            return Ambiguous((best,))
    return Ambiguous(tuple(close[:4]))


def _one_typo(pool: dict[str, str], t: str, spec: KeySpec) -> Ambiguous | None:
    """A two- or three-character answer one character off an option (租凭 → 租赁): short
    Chinese words score too low for the fuzzy match, so offer the option to confirm."""
    if not 2 <= len(t) <= 3:
        return None
    near = {
        c for name, c in pool.items() if len(name) == len(t) and Levenshtein.distance(name, t) == 1
    }
    if not near:
        return None
    return Ambiguous(tuple(c for c in spec.choices if c in near)[:4])


def parse_choice(text: str, spec: KeySpec, ctx: ParseContext) -> Parsed | Ambiguous:
    result = match(spec, text)
    if result is None:
        options = "、".join(spec.choices)
        raise ParseError(f"请从以下选项中选择：{options}（例如：{spec.choices[0]}）")
    if isinstance(result, Ambiguous):
        return result
    return Parsed(result)
