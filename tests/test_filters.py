"""Formatting filters: 中文日期, 大写金额, 千分位, 亩/公顷, title lines."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from doc_templates import filters

DIGITS = {ch: i for i, ch in enumerate("零壹贰叁肆伍陆柒捌玖")}
SMALL = {"拾": 10, "佰": 100, "仟": 1000}


def parse_daxie(text: str) -> Decimal:
    """An independent reader of 大写 amounts, to check `daxie_amount` by round trip."""
    assert text.startswith("人民币")
    body = text.removeprefix("人民币")
    sign = -1 if body.startswith("负") else 1
    body = body.removeprefix("负").removesuffix("整")
    yuan_part, _, cents_part = body.partition("元")
    if "元" not in body:  # only 角/分
        yuan_part, cents_part = "", body
    total = 0
    yi_part, _, rest = yuan_part.rpartition("亿") if "亿" in yuan_part else ("", "", yuan_part)

    def section(s: str) -> int:  # below 10^8: [x万]y
        hi, _, lo = s.rpartition("万") if "万" in s else ("", "", s)
        return group(hi) * 10000 + group(lo)

    def group(s: str) -> int:
        value, digit = 0, 0
        for ch in s:
            if ch in DIGITS:
                digit = DIGITS[ch]
            elif ch in SMALL:
                value += digit * SMALL[ch]
                digit = 0
        return value + digit

    total = section(yi_part) * 10**8 + section(rest)
    cents = 0
    m = re.search(r"(.)角", cents_part)
    if m:
        cents += DIGITS[m.group(1)] * 10
    m = re.search(r"(.)分", cents_part)
    if m:
        cents += DIGITS[m.group(1)]
    return sign * (Decimal(total) + Decimal(cents) / 100)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, "人民币零元整"),
        (10, "人民币壹拾元整"),
        (10000, "人民币壹万元整"),
        (100010, "人民币壹拾万零壹拾元整"),
        (1000100, "人民币壹佰万零壹佰元整"),
        (10010000, "人民币壹仟零壹万元整"),
        (101000000, "人民币壹亿零壹佰万元整"),
        (110000000, "人民币壹亿壹仟万元整"),
        (100001000, "人民币壹亿零壹仟元整"),
        (56800000, "人民币伍仟陆佰捌拾万元整"),
        (1234567.89, "人民币壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分"),
        (100.05, "人民币壹佰元零伍分"),
        (0.5, "人民币伍角整"),
        (0.05, "人民币伍分"),
        (-3, "人民币负叁元整"),
        (10**13, "人民币壹拾万亿元整"),
    ],
)
def test_daxie_examples(value: float, expected: str) -> None:
    assert filters.daxie_amount(value) == expected


@settings(max_examples=300)
@given(st.decimals(min_value=0, max_value=Decimal("999999999999999.99"), places=2))
def test_daxie_round_trips(value: Decimal) -> None:
    text = filters.daxie_amount(value)
    assert parse_daxie(text) == value
    assert "零零" not in text
    assert value == 0 or not re.search(r"零[元万亿]", text)


def test_daxie_rejects_what_it_cannot_write() -> None:
    with pytest.raises(ValueError):
        filters.daxie_amount(10**16)
    with pytest.raises(ValueError):
        filters.daxie_amount(float("nan"))
    with pytest.raises(TypeError):
        filters.daxie_amount(True)


@given(st.dates(min_value=dt.date(1949, 10, 1), max_value=dt.date(2100, 12, 31)))
def test_chinese_date_has_no_leading_zeros(day: dt.date) -> None:
    text = filters.chinese_date(day)
    m = re.fullmatch(r"([1-9]\d{3})年([1-9]\d?)月([1-9]\d?)日", text)
    assert m is not None
    assert dt.date(*map(int, m.groups())) == day


def test_chinese_date_and_time() -> None:
    assert filters.chinese_date(dt.date(2026, 11, 1)) == "2026年11月1日"
    assert filters.chinese_datetime(dt.datetime(2026, 1, 5, 9, 5)) == "2026年1月5日 9:05"


@given(st.decimals(min_value=-(10**13), max_value=10**13, places=2))
def test_thousands_round_trips(value: Decimal) -> None:
    text = filters.thousands(value)
    assert re.fullmatch(r"-?\d{1,3}(,\d{3})*(\.\d{1,2})?", text)
    assert Decimal(text.replace(",", "")) == value


def test_thousands_examples() -> None:
    assert filters.thousands(12345678.9) == "12,345,678.9"
    assert filters.thousands(1000) == "1,000"
    assert filters.thousands(-0.001) == "0"
    assert filters.yuan_text(56800000) == "56,800,000元（5,680万元）"
    assert filters.yuan_text(50000000.5) == "50,000,000.5元"
    assert filters.price_m2_text(8500) == "8,500元/平方米"
    assert filters.percent_text(125) == "125%"


@given(st.floats(min_value=0.01, max_value=1e9, allow_nan=False))
def test_mu_and_ha_convert_exactly(m2: float) -> None:
    assert filters.to_mu(m2) * filters.MU_M2 == pytest.approx(Decimal(str(m2)))
    assert filters.to_ha(m2) * 10000 == Decimal(str(m2))


def test_area_text() -> None:
    assert filters.area_text(25000) == "25,000平方米（37.5亩，2.5公顷）"
    assert filters.area_text(20000) == "20,000平方米（30亩，2公顷）"
    assert filters.area_text(1000) == "1,000平方米（1.5亩，0.1公顷）"


@settings(max_examples=200)
@given(
    st.text(
        alphabet=st.sampled_from(list("郑州市金水区地块项目储备ABC123 𠮷龘/、（）")), max_size=90
    ),
    st.sampled_from(["储备方案", "供地方案"]),
)
def test_title_lines_keep_the_text_and_fit(name: str, label: str) -> None:
    title = name + label
    lines = filters.title_lines(title, 20, keep_end=len(label))
    assert "".join(lines) == title
    assert all(filters.text_width(line) <= 20 for line in lines)
    assert lines[-1].endswith(label)
    if filters.text_width(title) <= 20:
        assert lines == [title]


def test_title_lines_are_balanced_and_break_after_words() -> None:
    lines = filters.title_lines("新密市青屏街道老旧厂区地块收储项目储备方案", 20, keep_end=4)
    assert lines == ["新密市青屏街道老旧厂区", "地块收储项目储备方案"]
    assert filters.title_lines("ABC-12345678901234567890123456789012345678", 20)[0].startswith(
        "ABC-"
    )


def test_title_lines_keep_a_parcel_code_whole() -> None:
    """A break after the hyphen printed 「…航海路北EQ-」 over 「2026-21号…」."""
    title = "二七区大学路西、航海路北EQ-2026-21号住宅地块出让供地方案"
    lines = filters.title_lines(title, 20, keep_end=4)
    assert "".join(lines) == title
    assert lines == ["二七区大学路西、航海路北", "EQ-2026-21号住宅地块出让供地方案"]
    lines = filters.title_lines(
        "焦作市山阳区人民路南、塔南路东JZ-2026-07号商业用地国有建设用地使用权出让供地方案",
        20,
        keep_end=4,
    )
    assert not any(line.startswith("号") for line in lines)
