"""Dates written as officials write them; relative dates are rejected with an example."""

from __future__ import annotations

import datetime as dt
import re

from bot.dialogue.parsers.base import ParseContext, Parsed, ParseError
from bot.dialogue.parsers.numerals import clean_answer as clean
from bot.dialogue.parsers.numerals import digits_of, parse_number
from knowledge.plan import MAX_DATE, MIN_DATE, KeySpec

EXAMPLE = "2027年6月1日 或 2027-06-01"
RELATIVE = (
    "今天", "今日", "明天", "明日", "后天", "昨天", "前天", "今年", "明年", "后年", "去年",
    "前年", "本月", "下月", "下个月", "上月", "上个月", "本周", "下周", "上周", "月底", "月初",
    "年底", "年初", "年末", "年中", "月中", "以后", "之后", "以前", "之前", "过后", "春节",
    "国庆", "元旦", "季度", "下旬", "上旬", "中旬", "近期", "尽快", "日内", "天内", "月内",
)  # fmt: skip
_YMD = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})[日号]?")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_CN_YMD = re.compile(r"(.{4})年(.{1,3})月(.{1,4})[日号]")


def _cn_year(text: str) -> int | None:
    digits = digits_of(text)  # 二〇二七, 二0二七, 2027
    return None if digits is None else int(digits)


def _small(text: str) -> int | None:
    n = parse_number(text)
    return int(n) if n is not None and n == int(n) else None


def parse_date(text: str, spec: KeySpec, ctx: ParseContext) -> Parsed:
    t = clean(text)
    if any(word in t for word in RELATIVE):
        raise ParseError(f"请给出具体的年月日，不能用“明年六月”这类相对说法，例如：{EXAMPLE}")
    parts: tuple[int | None, int | None, int | None] | None = None
    if m := _YMD.fullmatch(t) or _COMPACT.fullmatch(t):
        parts = (int(m.group(1)), int(m.group(2)), int(m.group(3)))
    elif m := _CN_YMD.fullmatch(t):
        parts = (_cn_year(m.group(1)), _small(m.group(2)), _small(m.group(3)))
    if parts is None or None in parts:
        if re.fullmatch(r"\d{4}[-/.年]\d{1,2}月?", t) or re.fullmatch(r".{4}年.{1,3}月", t):
            raise ParseError(f"请写到具体哪一天，例如：{EXAMPLE}")
        raise ParseError(f"请填写日期（年月日），例如：{EXAMPLE}")
    year, month, day = parts
    assert year is not None and month is not None and day is not None
    try:
        value = dt.date(year, month, day)
    except ValueError:
        raise ParseError(
            f"没有这一天（{year}年{month}月{day}日），请核对，例如：{EXAMPLE}"
        ) from None
    if not MIN_DATE <= value <= MAX_DATE:
        raise ParseError(f"日期应在1949年10月1日至2100年12月31日之间，例如：{EXAMPLE}")
    note = None
    if ctx.today is not None and spec.key == "prepared_date" and value > ctx.today:
        note = "注意：编制日期晚于今天"
    return Parsed(value.isoformat(), note)
