"""Quantities: area, money, price per m², percent, ratio, integer and decimal numbers."""

from __future__ import annotations

import math
import re

from bot.dialogue.parsers.base import ParseContext, Parsed, ParseError
from bot.dialogue.parsers.numerals import clean_answer as clean
from bot.dialogue.parsers.numerals import parse_number
from knowledge.plan import HA_M2, MU_M2, KeySpec

_LEAD = ("大约", "约为", "约", "共计", "合计", "总计", "共", "计", "为", "是")
_TRAIL = ("左右", "上下", "整", "正")

AREA_UNITS: tuple[tuple[str, float], ...] = (
    ("平方公里", 1e6), ("平方千米", 1e6), ("km2", 1e6), ("km²", 1e6),
    ("公顷", HA_M2), ("hm2", HA_M2), ("hm²", HA_M2), ("ha", HA_M2),
    ("亩", MU_M2),
    ("平方米", 1.0), ("平方公尺", 1.0), ("平米", 1.0), ("平方", 1.0), ("㎡", 1.0),
    ("m2", 1.0), ("m²", 1.0), ("平", 1.0),
)  # fmt: skip
PRICE_UNITS = ("元/平方米", "元/平米", "元/㎡", "元/m2", "元/m²", "元/平", "元/平方", "元")
_COUNT_WORDS = ("家", "个", "人", "名", "位", "宗", "户", "次", "处", "项")
_UPPER_WORDS = ("不大于", "不超过", "不高于", "最高", "最大", "上限", "≤", "<=", "<")
_LOWER_WORDS = ("不小于", "不低于", "最低", "最小", "至少", "下限", "≥", ">=", ">")


def _strip_words(t: str, extra_lead: tuple[str, ...] = ()) -> str:
    changed = True
    while changed and t:
        changed = False
        for w in (*extra_lead, *_LEAD):
            if t.startswith(w) and len(t) > len(w):
                t, changed = t[len(w) :], True
        for w in _TRAIL:
            if t.endswith(w) and len(t) > len(w):
                t, changed = t[: -len(w)], True
    return t


def _bound_words(spec: KeySpec) -> tuple[str, ...]:
    k = spec.key
    if "_max" in k or k.startswith("height_limit"):
        return _UPPER_WORDS
    if "_min" in k:
        return _LOWER_WORDS
    return ()


def fmt_num(x: float, digits: int = 2) -> str:
    """1234567.5 → '1,234,567.5' (no trailing zeros)."""
    text = f"{x:,.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def check_range(spec: KeySpec, value: float, unit: str, example: str) -> float:
    """Reject a finite number outside the key's range with one Chinese line."""
    if not math.isfinite(value):
        raise ParseError(f"{spec.label}应为有限的数字，例如：{example}")
    parts = []
    if spec.min_excl is not None and not value > spec.min_excl:
        parts.append(f"大于 {fmt_num(spec.min_excl)}{unit}")
    if spec.min is not None and value < spec.min:
        parts.append(f"不小于 {fmt_num(spec.min)}{unit}")
    if spec.max is not None and value > spec.max:
        parts.append(f"不大于 {fmt_num(spec.max)}{unit}")
    if parts:
        lo = spec.min_excl if spec.min_excl is not None else spec.min
        lo_word = "大于" if spec.min_excl is not None else "不小于"
        rng = []
        if lo is not None:
            rng.append(f"{lo_word} {fmt_num(lo)}{unit}")
        if spec.max is not None:
            rng.append(f"不大于 {fmt_num(spec.max)}{unit}")
        raise ParseError(f"{spec.label}应{'、'.join(rng)}，例如：{example}")
    return value


def _split_unit(t: str, units: tuple[str, ...]) -> tuple[str, str | None]:
    for u in sorted(units, key=len, reverse=True):
        if t.endswith(u) and len(t) > len(u):
            return t[: -len(u)], u
    return t, None


_BRACKETED = re.compile(r"(.+?)[（(](.+)[）)]")
_MU_FEN = re.compile(r"(.+?)亩(.+?)分(?:地)?")
AREA_EXAMPLE = "3.5万平方米、50亩 或 2公顷"


def parse_area(text: str, spec: KeySpec, ctx: ParseContext) -> Parsed:
    """An area; 30亩（20000平方米） — the same area in two units — is taken when both agree."""
    t = clean(text)
    if m := _BRACKETED.fullmatch(t):
        main = _area(m.group(1), spec)
        try:
            other = _area(m.group(2), spec)
        except ParseError:
            return main  # 30亩（约） — a remark, not a second figure
        if abs(other.value - main.value) > max(1.0, 0.01 * main.value):
            raise ParseError(
                f"括号内外的面积不一致（{fmt_num(main.value)} 与 {fmt_num(other.value)} 平方米），"
                f"请只写一个，例如：{AREA_EXAMPLE}"
            )
        return Parsed(main.value)
    return _area(t, spec)


def _area(text: str, spec: KeySpec) -> Parsed:
    example = AREA_EXAMPLE
    t = _strip_words(clean(text), ("土地面积", "总面积", "占地面积", "面积", "占地"))
    if m := _MU_FEN.fullmatch(t):  # 15亩3分: 1 分 = 1/10 亩
        mu, fen = parse_number(m.group(1)), parse_number(m.group(2).removeprefix("零"))
        if mu is not None and fen is not None and 0 <= fen < 10:
            return Parsed(check_range(spec, round((mu + fen / 10) * MU_M2, 2), " 平方米", example))
    if t.endswith("地") and len(t) > 2 and t[-2] in "米亩顷方":
        t = t[:-1]  # 三十亩地
    factors = dict(AREA_UNITS)
    head, unit = _split_unit(t, tuple(factors))
    number = parse_number(head)
    if number is None:
        raise ParseError(f"请填写面积（平方米、亩或公顷），例如：{example}")
    factor = factors[unit] if unit else 1.0
    value = round(number * factor, 2)
    note = None
    if unit in (None, "平"):
        note = "未写单位，按平方米计"
    return Parsed(check_range(spec, value, " 平方米", example), note)


def parse_money(text: str, spec: KeySpec, ctx: ParseContext) -> Parsed:
    example = "1,234.5万元、3.2亿元 或 壹仟贰佰万元整"
    t = clean(text)
    for p in ("人民币", "rmb", "￥", "¥", "金额"):
        if t.startswith(p):
            t = t[len(p) :]
    for p in ("(人民币)", "人民币"):
        if t.endswith(p):
            t = t[: -len(p)]
    t = _strip_words(t)
    fen = 0.0
    m = re.fullmatch(r"(.+?)[元圆块](?:(.+?)角)?(?:(.+?)分)?", t)
    if m:
        head = m.group(1)
        for part, scale in ((m.group(2), 0.1), (m.group(3), 0.01)):
            if part is not None:
                n = parse_number(part)
                if n is None or not (0 <= n <= 9 and n == int(n)):
                    raise ParseError(f"金额的角、分写法不对，例如：{example}")
                fen += n * scale
    else:
        head = t
    number = parse_number(head)
    if number is None:
        if "/" in t or "每" in t:
            raise ParseError(f"这里要填总金额，不是单价，例如：{example}")
        raise ParseError(f"请填写金额（元、万元或亿元），例如：{example}")
    value = round(number + fen, 2)
    note = "未写单位，按元计" if not m and not re.search("[万亿萬億]", head) else None
    return Parsed(check_range(spec, value, " 元", example), note)


def parse_price_m2(text: str, spec: KeySpec, ctx: ParseContext) -> Parsed:
    example = "8500元/平方米 或 1.2万元/平方米"
    t = _strip_words(clean(text).replace("每", "/"))
    head, _unit = _split_unit(t, PRICE_UNITS)
    number = parse_number(head)
    if number is None:
        raise ParseError(f"请填写每平方米单价（元/平方米），例如：{example}")
    return Parsed(check_range(spec, round(number, 2), " 元/平方米", example))


def parse_pct(text: str, spec: KeySpec, ctx: ParseContext) -> Parsed:
    example = "25%、百分之二十五 或 25"
    t = _strip_words(clean(text), _bound_words(spec))
    number: float | None
    if t.startswith("百分之"):
        number = parse_number(t[3:])
    elif t.startswith("千分之"):
        n = parse_number(t[3:])
        number = None if n is None else n / 10
    elif t.endswith("%"):
        number = parse_number(t[:-1])
    elif t.endswith("‰"):
        n = parse_number(t[:-1])
        number = None if n is None else n / 10
    else:
        number = parse_number(t)
    if number is None:
        raise ParseError(f"请填写百分比，例如：{example}")
    note = None
    if 0 < number < 1 and not t.endswith("%") and not t.startswith(("百分之", "千分之")):
        note = f"按 {fmt_num(number, 6)}% 记录；如果是指 {fmt_num(number * 100, 6)}%，请修改"
    return Parsed(check_range(spec, round(number, 6), "%", example), note)


def parse_ratio(text: str, spec: KeySpec, ctx: ParseContext) -> Parsed:
    example = "2.5 或 二点五"
    t = _strip_words(clean(text), _bound_words(spec))
    number = parse_number(t)
    if number is None:
        raise ParseError(f"请填写一个数值，例如：{example}")
    return Parsed(check_range(spec, round(number, 6), "", example))


def _unit_words(spec: KeySpec) -> tuple[tuple[str, ...], str, str]:
    """Unit words allowed after the number, the unit shown, and an example."""
    k = spec.key
    if k.endswith("_years"):
        return ("年", "周年"), " 年", "2年"
    if k.endswith("_days"):
        return ("天", "日", "自然日"), " 天", "30天"
    if k.endswith("_months"):
        return ("个月", "月"), " 个月", "6个月"
    if k.endswith("_m"):
        return ("米", "m", "公尺"), " 米", "80米"
    return (), "", "0.7"


def parse_float(text: str, spec: KeySpec, ctx: ParseContext) -> Parsed:
    words, unit, example = _unit_words(spec)
    t = _strip_words(clean(text), _bound_words(spec))
    head, _u = _split_unit(t, words)
    number = parse_number(head)
    if number is None:
        raise ParseError(f"请填写一个数值，例如：{example}")
    return Parsed(check_range(spec, round(number, 6), unit, example))


def parse_int(text: str, spec: KeySpec, ctx: ParseContext) -> Parsed:
    words, unit, example = _unit_words(spec)
    if not words:
        words, example = _COUNT_WORDS, "3 或 三"
    elif unit == " 年":
        example = "70年 或 七十"
    t = _strip_words(clean(text))
    head, _u = _split_unit(t, words)
    number = parse_number(head)
    if number is None:
        raise ParseError(f"请填写一个整数，例如：{example}")
    if number != int(number):
        raise ParseError(f"{spec.label}应为整数，例如：{example}")
    check_range(spec, number, unit, example)
    return Parsed(int(number))
