"""Formatting for official documents: dates, amounts in figures and in 大写, areas.

Pure, typed functions; the context builder calls them so that templates only print.
Dates follow GB/T 9704 (Arabic numerals, no leading zeros); amounts carry thousands
separators; areas are given in m² with 亩 and 公顷.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

MU_M2 = Decimal(10000) / Decimal(15)  # 1 亩 in m²
HA_M2 = Decimal(10000)  # 1 公顷 in m²

_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ("", "拾", "佰", "仟")
_GROUP_UNITS = ("", "万", "亿", "万亿")
DAXIE_MAX = Decimal("9999999999999999.99")  # 万亿 is the largest group unit


def chinese_date(value: dt.date) -> str:
    """`2026年11月1日`: Arabic numerals without leading zeros."""
    return f"{value.year}年{value.month}月{value.day}日"


def chinese_datetime(value: dt.datetime) -> str:
    """`2026年11月1日 9:05`: the date as `chinese_date`, the time on a 24-hour clock."""
    return f"{chinese_date(value)} {value.hour}:{value.minute:02d}"


def _decimal(value: float | int | Decimal) -> Decimal:
    if isinstance(value, bool):
        raise TypeError("a number is expected, not a bool")
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    if not number.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return number


def thousands(value: float | int | Decimal, decimals: int = 2) -> str:
    """`12,345,678.9`: thousands separators, at most `decimals` decimals, no trailing zeros."""
    number = _decimal(value).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    if number == 0:
        number = abs(number)  # never "-0"
    text = f"{number:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _group_daxie(group: int) -> str:
    """Up to four digits (1..9999) in 大写, with 零 for inner zeros (1010 → 壹仟零壹拾)."""
    out: list[str] = []
    pending_zero = False
    for pos in range(3, -1, -1):
        digit = group // 10**pos % 10
        if digit == 0:
            if out:
                pending_zero = True
            continue
        if pending_zero:
            out.append("零")
            pending_zero = False
        out.append(_DIGITS[digit] + _SMALL_UNITS[pos])
    return "".join(out)


def _integer_daxie(number: int) -> str:
    groups = []
    while number:
        groups.append(number % 10000)
        number //= 10000
    out: list[str] = []
    need_zero = False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            need_zero = bool(out)
            continue
        if out and (need_zero or group < 1000):
            out.append("零")
        out.append(_group_daxie(group) + _GROUP_UNITS[index])
        need_zero = False
    return "".join(out)


def daxie_amount(value: float | int | Decimal) -> str:
    """An amount in yuan in 大写 as on a cheque: 壹佰贰拾叁万零肆拾伍元陆角整 → `人民币…`.

    Rounded to the fen (half up); 元 or 角 is followed by 整, 分 is not; negative
    amounts start with 负. Up to 9,999,999,999,999,999.99 yuan.
    """
    number = _decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "负" if number < 0 else ""
    number = abs(number)
    if number > DAXIE_MAX:
        raise ValueError(f"amount too large for 大写: {value!r}")
    cents = int(number * 100)
    yuan, jiao, fen = cents // 100, cents // 10 % 10, cents % 10
    if cents == 0:
        return "人民币零元整"
    out = _integer_daxie(yuan) + "元" if yuan else ""
    if jiao:
        out += _DIGITS[jiao] + "角"
    elif fen and yuan:
        out += "零"
    if fen:
        out += _DIGITS[fen] + "分"
    else:
        out += "整"
    return f"人民币{sign}{out}"


def to_mu(area_m2: float | int | Decimal) -> Decimal:
    """Square metres in 亩 (1 亩 = 10000/15 m²), exact as a Decimal."""
    return _decimal(area_m2) / MU_M2


def to_ha(area_m2: float | int | Decimal) -> Decimal:
    """Square metres in 公顷."""
    return _decimal(area_m2) / HA_M2


def area_text(area_m2: float | int | Decimal) -> str:
    """`25,000平方米（37.5亩，2.5公顷）`; 亩 to two decimals, 公顷 to four."""
    m2 = thousands(area_m2, 2)
    return f"{m2}平方米（{thousands(to_mu(area_m2), 2)}亩，{thousands(to_ha(area_m2), 4)}公顷）"


def yuan_text(value: float | int | Decimal) -> str:
    """`12,345,678元（1,234.5678万元）`; the 万元 figure only when it is exact to 4 decimals."""
    number = _decimal(value)
    text = f"{thousands(number, 2)}元"
    wan = number / Decimal(10000)
    if abs(number) >= 10000 and wan == wan.quantize(Decimal("0.0001")):
        text += f"（{thousands(wan, 4)}万元）"
    return text


def price_m2_text(value: float | int | Decimal) -> str:
    """`8,500元/平方米`."""
    return f"{thousands(value, 2)}元/平方米"


def percent_text(value: float | int | Decimal) -> str:
    """`120%` (the number is already a percentage)."""
    return f"{thousands(value, 2)}%"


_BREAK_AFTER = set("省市县区镇乡街道路段块目号侧的及和与、）》")
# Never at the start of a line: closing punctuation, and 号 after its number (JZ-2026-07号).
_NO_LINE_START = set("号、，。；：！？）》」』”’")


def _in_code(ch: str) -> bool:
    """A character of a Latin word, number or code (EQ-2026-21), which a title never splits."""
    return ch.isascii() and ch.isprintable() and not ch.isspace()


def text_width(text: str) -> float:
    """Width in full-width characters: CJK and full-width forms 1, ASCII and Latin 0.5."""
    return sum(0.5 if ord(ch) < 0x2E80 else 1.0 for ch in text)


def title_lines(text: str, max_width: float = 20, keep_end: int = 0) -> list[str]:
    """A long title cut into balanced lines (GB/T 9704: 回行时词意完整、排列对称).

    Lines are at most `max_width` characters wide and about equally long; breaks prefer
    the end of a place, road or 地块/项目 word and never split a run of Latin letters,
    digits and their punctuation (a parcel code such as EQ-2026-21), nor the last `keep_end`
    characters (the document type, e.g. 储备方案).
    """
    total = text_width(text)
    if total <= max_width or len(text) < 2:
        return [text]
    lines: list[str] = []
    start = 0
    while (rest := text_width(text[start:])) > max_width:
        # Balance what is left: a short line forced by a break rule (JZ-2026-07号 stays whole)
        # must not leave the following line to overflow and orphan a few characters.
        goal = rest / int(-(-rest // max_width))
        best, best_score = -1, float("inf")
        width = 0.0
        for pos in range(start + 1, len(text)):
            width += text_width(text[pos - 1])
            if width > max_width:
                break
            if len(text) - pos < keep_end:
                break
            prev, nxt = text[pos - 1], text[pos]
            if _in_code(prev) and _in_code(nxt):  # JS-2026-05, No.3, 1/2: one word
                continue
            if nxt in _NO_LINE_START:
                continue
            natural = prev in _BREAK_AFTER or (_in_code(nxt) and not _in_code(prev))
            score = abs(width - goal) + (0 if natural else 1.5)
            if score < best_score:
                best, best_score = pos, score
        if best < 0:  # nothing allowed fits: cut at the widest allowed point
            best = start + 1
            while text_width(text[start : best + 1]) <= max_width and best < len(text) - 1:
                best += 1
        lines.append(text[start:best])
        start = best
    lines.append(text[start:])
    return lines


def number_text(value: float | int | Decimal) -> str:
    """A plain number with thousands separators and up to four decimals (容积率 2.5)."""
    return thousands(value, 4)
