"""Numbers as officials write them: Arabic (with 千分位), Chinese numerals, 大写, mixed (1.5万).

`parse_number` returns a float or None; it never raises. It understands
`1,234.5`, `１２３` (full width), `三十`, `两百五` (= 250), `一万五` (= 15000),
`十二万五千`, `一点五`, `1.5万`, `2亿3000万`, `壹仟贰佰万` and a leading 负/-.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

DIGITS: dict[str, int] = {
    "零": 0, "〇": 0, "○": 0, "Ｏ": 0,
    "一": 1, "壹": 1, "幺": 1,
    "二": 2, "贰": 2, "貳": 2, "两": 2, "兩": 2,
    "三": 3, "叁": 3, "參": 3, "叄": 3,
    "四": 4, "肆": 4,
    "五": 5, "伍": 5,
    "六": 6, "陆": 6, "陸": 6,
    "七": 7, "柒": 7,
    "八": 8, "捌": 8,
    "九": 9, "玖": 9,
}  # fmt: skip
SMALL_UNITS: dict[str, int] = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
BIG_UNITS: dict[str, int] = {"万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8}
NUMERAL_CHARS = frozenset(DIGITS) | frozenset(SMALL_UNITS) | frozenset(BIG_UNITS) | {"点", "點"}

_ARABIC = re.compile(r"\d+(?:\.\d+)?|\.\d+")
_GROUPED = re.compile(r"\d{1,3}(?:[,，]\d{3})+(?:\.\d+)?")
_TOKEN = re.compile(r"\d{1,3}(?:[,，]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+|.", re.S)
MAX_CHARS = 60


TRAILING_PUNCT = "。，,！!；;～~、"


def clean(text: str) -> str:
    """NFKC (full-width digits and letters become ASCII), no spaces, lower case."""
    t = unicodedata.normalize("NFKC", text)
    return re.sub(r"\s+", "", t).lower()


def clean_answer(text: str) -> str:
    """`clean`, and without the sentence punctuation an answer may end with (30亩。)."""
    return clean(text).rstrip(TRAILING_PUNCT)


def parse_number(text: str) -> float | None:
    """The value of a number written in any of the notations above, or None."""
    t = clean(text)
    if not t or len(t) > MAX_CHARS:
        return None
    sign = 1.0
    if t[0] in "-负−":
        sign, t = -1.0, t[1:]
    elif t[0] == "+":
        t = t[1:]
    if not t:
        return None
    if _GROUPED.fullmatch(t):
        return sign * float(re.sub("[,，]", "", t))
    if _ARABIC.fullmatch(t):
        return sign * float(t)
    try:
        value = _parse_mixed(t)
    except InvalidOperation:
        return None
    return None if value is None else sign * float(value)


def _parse_mixed(t: str) -> Decimal | None:
    tokens = _TOKEN.findall(t)
    zero = Decimal(0)
    total = zero  # completed 亿/万 groups
    section = zero  # below 万 within the current group
    number: Decimal | None = None  # the pending digit(s)
    last_unit: int | None = None  # unit right before a trailing bare digit (一万五 → 15000)
    saw_zero = False
    single = False  # the pending number is one bare digit (the only case 一万五 applies to)
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok[0].isdigit() or tok[0] == ".":
            if number is not None:
                return None
            number = Decimal(re.sub("[,，]", "", tok))
            single = len(tok) == 1
        elif tok in DIGITS:
            if number is not None:
                return None
            number = Decimal(DIGITS[tok])
            single = True
            if tok in "零〇○Ｏ" and i + 1 < len(tokens) and tokens[i + 1] not in ("点", "點"):
                number, saw_zero = None, True
                last_unit = None
        elif tok in ("点", "點"):
            frac = ""
            i += 1
            while i < len(tokens) and tokens[i] in DIGITS:
                frac += str(DIGITS[tokens[i]])
                i += 1
            if not frac:
                return None
            number = (number or zero) + Decimal("0." + frac)
            single = False
            continue
        elif tok in SMALL_UNITS:
            unit = SMALL_UNITS[tok]
            if number is None and (section or total) and unit != 10:
                return None
            section += (Decimal(1) if number is None else number) * unit
            number, last_unit, saw_zero = None, unit, False
        elif tok in BIG_UNITS:
            unit = BIG_UNITS[tok]
            group = section + (number or zero)
            if number is None and section == 0:
                if total == 0 or unit != 10**8:
                    return None
                total *= unit  # 万亿
                section, number, last_unit, saw_zero = zero, None, unit, False
                i += 1
                continue
            if unit == 10**8:
                total = (total + group) * unit
            else:
                total += group * unit
            section, number, last_unit, saw_zero = zero, None, unit, False
        else:
            return None
        i += 1
    if (
        number is not None
        and single
        and last_unit is not None
        and not saw_zero
        and last_unit >= 100
    ):
        number *= Decimal(last_unit) / 10  # 两百五 = 250, 一万五 = 15000, 三千五 = 3500
    return total + section + (number or zero)


def has_numeral(text: str) -> bool:
    """Whether the text contains a digit or a Chinese numeral character."""
    return any(c.isdigit() or c in NUMERAL_CHARS for c in text)
