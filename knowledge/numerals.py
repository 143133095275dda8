"""Chinese numerals, read and written in one place (dialogue answers, search text, labels).

Three readings, because officials use numerals three ways:
- `digits_of("二〇二四")` → "2024": digit by digit (years, the decimals after 点);
- `cn_to_number("一百零五")` → 105: a whole number up to the thousands, strictly as written
  (the search normalisation and article labels use it; 两百五 is 205 there);
- `parse_number("两百五")` → 250.0: an answer as an official types it, in any notation:
  `1,234.5`, `１２３`, `三十`, `一万五` (= 15000), `十二万五千`, `一点五`, `1.5万`, `2亿3000万`,
  `壹仟贰佰万` and a leading 负/-.
`int_to_cn(347)` → "三百四十七" writes a number the way article labels do.
Pure functions, no I/O; none of them raises on bad text (they return None).
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
POINTS = ("点", "點")
NUMERAL_CHARS = frozenset(DIGITS) | frozenset(SMALL_UNITS) | frozenset(BIG_UNITS) | set(POINTS)
MAX_CHARS = 60  # parse_number reads no longer text

_WRITE_DIGITS = "零一二三四五六七八九"
_ZEROS = frozenset(ch for ch, value in DIGITS.items() if value == 0)
_ARABIC = re.compile(r"\d+(?:\.\d+)?|\.\d+")
_GROUPED = re.compile(r"\d{1,3}(?:[,，]\d{3})+(?:\.\d+)?")
_TOKEN = re.compile(r"\d{1,3}(?:[,，]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+|.", re.S)


def clean(text: str) -> str:
    """NFKC (full-width digits and letters become ASCII), no spaces, lower case."""
    t = unicodedata.normalize("NFKC", text)
    return re.sub(r"\s+", "", t).lower()


def digits_of(text: str) -> str | None:
    """The Arabic digits of a number written digit by digit (二〇二四 → "2024", 零五 → "05",
    二0二七 → "2027"); None when the text is empty or holds anything but digits."""
    out: list[str] = []
    for ch in text:
        if ch in DIGITS:
            out.append(str(DIGITS[ch]))
        elif ch.isdecimal():
            out.append(str(unicodedata.decimal(ch)))
        else:
            return None
    return "".join(out) or None


def cn_to_number(text: str) -> int | None:
    """Chinese numerals → int: 二十 → 20, 一百二十 → 120, 两 → 2, 二〇二四 → 2024; else None.

    Units up to 千 only (no 万); without a unit the digits are read one by one.
    """
    if not text or any(ch not in DIGITS and ch not in SMALL_UNITS for ch in text):
        return None
    if not any(ch in SMALL_UNITS for ch in text):
        digits = digits_of(text)  # positional digits (二〇二四) or a single digit
        return None if digits is None else int(digits)
    total, digit = 0, None
    for ch in text:
        if ch in DIGITS:
            if digit is not None:  # two digits in a row: 一百零五 has 零 then 五
                digit = DIGITS[ch] if digit == 0 else digit * 10 + DIGITS[ch]
            else:
                digit = DIGITS[ch]
        else:
            total += (digit if digit else 1) * SMALL_UNITS[ch]
            digit = None
    return total + (digit or 0)


def int_to_cn(n: int) -> str:
    """26 → 二十六, 10 → 十, 347 → 三百四十七, 105 → 一百零五 (0 to 9999)."""
    if not 0 <= n < 10000:
        raise ValueError(n)
    if n < 10:
        return _WRITE_DIGITS[n]
    if n < 20:
        return "十" + (_WRITE_DIGITS[n - 10] if n > 10 else "")
    out = ""
    for value, unit in ((1000, "千"), (100, "百"), (10, "十")):
        digit, n = divmod(n, value)
        if digit:
            out += _WRITE_DIGITS[digit] + unit
        elif out and n:
            out += "零" if not out.endswith("零") else ""
    if n:
        out += _WRITE_DIGITS[n]
    return out.rstrip("零")


def has_numeral(text: str) -> bool:
    """Whether the text contains a digit or a Chinese numeral character."""
    return any(c.isdigit() or c in NUMERAL_CHARS for c in text)


def parse_number(text: str) -> float | None:
    """The value of a number written in any of the notations of the module docstring, or None."""
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
            if tok in _ZEROS and i + 1 < len(tokens) and tokens[i + 1] not in POINTS:
                number, saw_zero = None, True
                last_unit = None
        elif tok in POINTS:
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
