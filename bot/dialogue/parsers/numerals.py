"""Numbers as officials write them, for the field parsers.

The readers live in knowledge/numerals.py (one module for the dialogue, the search and the
article labels); this module adds what only answers need: `clean_answer` drops the sentence
punctuation an answer may end with. `parse_number` returns a float or None and never raises.
"""

from __future__ import annotations

from knowledge.numerals import (
    BIG_UNITS,
    DIGITS,
    MAX_CHARS,
    NUMERAL_CHARS,
    SMALL_UNITS,
    clean,
    digits_of,
    has_numeral,
    parse_number,
)

__all__ = [
    "BIG_UNITS",
    "DIGITS",
    "MAX_CHARS",
    "NUMERAL_CHARS",
    "SMALL_UNITS",
    "TRAILING_PUNCT",
    "clean",
    "clean_answer",
    "digits_of",
    "has_numeral",
    "parse_number",
]

TRAILING_PUNCT = "。，,！!；;～~、"


def clean_answer(text: str) -> str:
    """`clean`, and without the sentence punctuation an answer may end with (30亩。)."""
    return clean(text).rstrip(TRAILING_PUNCT)
