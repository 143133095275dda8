"""Text normalisation for search: one canonical form for the corpus and for questions.

`normalise("储备土地临时利用一般不超过两年")` → "储备土地临时利用一般不超过2年": full-width forms
folded (NFKC), ASCII lower-cased, whitespace dropped, and numbers written in Chinese turned into
Arabic digits where they count something (百分之二十 → 20%, 七成 → 70%, 两年 → 2年,
七十年 → 70年, 二十八点五 → 28.5, 六十天 → 60日). Numerals that are part of words (统一, 一书四方案, 十四五) stay.
Pure functions, no I/O.
"""

from __future__ import annotations

import re
import unicodedata

from knowledge.numerals import cn_to_number, digits_of

_NUMERAL = "[零〇一二两三四五六七八九十百千]"
_FRACTION = "[零〇一二三四五六七八九]"

# Units after which a Chinese numeral is a quantity (longest first within the alternation).
UNITS = (
    "个工作日", "工作日", "个月", "小时", "公顷", "平方米", "平米", "万元", "亿元",
    "年", "月", "日", "天", "周", "名", "家", "人", "户", "次", "倍", "亩", "米", "元",
    "个", "项", "宗", "块", "层", "级", "类", "种", "条", "款", "章", "节", "届", "批",
)  # fmt: skip
_UNIT_ALT = "|".join(re.escape(u) for u in UNITS)

# A lone 一 after these characters belongs to a word (统一年度, 同一宗地, 进一步): keep it.
_WORD_BEFORE_ONE = set("统同单唯进逐划专万之其任第如整")

_PERCENT = re.compile(rf"百分之((?:{_NUMERAL}+|\d+)(?:点{_FRACTION}+|\.\d+)?)")
_QUANTITY = re.compile(rf"({_NUMERAL}+)(点{_FRACTION}+)?(?=(?:{_UNIT_ALT}))")
_DECIMAL = re.compile(rf"({_NUMERAL}+)点({_FRACTION}+)")
_DAYS = re.compile(r"(\d)天")
# tenths as officials say them: 七成 → 70% (not 成本, 成员, 成立…; 一成/十成 stay words)
_TENTHS = re.compile(
    r"(?<![零〇一二两三四五六七八九十百千\d])([二三四五六七八九])成(?![本员立果交绩熟为功都型份品])"
)
_SPACE = re.compile(r"\s+")
_CJK_SPACE = re.compile(r"(?<=[^\x00-\x7f])\s+|\s+(?=[^\x00-\x7f])")


def _number_text(integer: str, fraction: str | None) -> str | None:
    value = cn_to_number(integer) if not integer.isdigit() else int(integer)
    if value is None:
        return None
    if fraction:
        return f"{value}.{digits_of(fraction)}"
    return str(value)


def _percent(match: re.Match[str]) -> str:
    raw = match.group(1)
    if "." in raw:
        return f"{raw}%"
    integer, _, fraction = raw.partition("点")
    number = _number_text(integer, fraction or None)
    return f"{number}%" if number is not None else match.group(0)


def _quantity(match: re.Match[str]) -> str:
    numeral, point = match.group(1), match.group(2)
    start = match.start()
    source = match.string
    if numeral == "一" and start > 0 and source[start - 1] in _WORD_BEFORE_ONE:
        return match.group(0)
    number = _number_text(numeral, point[1:] if point else None)
    return number if number is not None else match.group(0)


def _decimal(match: re.Match[str]) -> str:
    number = _number_text(match.group(1), match.group(2))
    return number if number is not None else match.group(0)


def normalise(text: str) -> str:
    """The canonical search form of `text` (see the module docstring)."""
    s = unicodedata.normalize("NFKC", text or "").lower()
    s = _CJK_SPACE.sub("", s)
    s = _SPACE.sub(" ", s).strip()
    s = _PERCENT.sub(_percent, s)
    s = _TENTHS.sub(lambda m: f"{cn_to_number(m.group(1))}0%", s)
    s = _DECIMAL.sub(_decimal, s)
    s = _QUANTITY.sub(_quantity, s)
    return _DAYS.sub(r"\1日", s)


def has_cjk(text: str) -> bool:
    """True when `text` holds at least one CJK ideograph."""
    return any("\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" for ch in text)


def is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"
