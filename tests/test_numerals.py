"""knowledge.numerals: the one module that reads and writes Chinese numerals, and its callers
(the field parsers, the search normalisation, article labels) agreeing with it."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.dialogue.parsers import Parsed, ParseError, parse_answer
from bot.dialogue.parsers import numerals as dialogue_numerals
from knowledge import corpus, textnorm
from knowledge.numerals import (
    clean,
    cn_to_number,
    digits_of,
    has_numeral,
    int_to_cn,
    parse_number,
)
from knowledge.plan import schema


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("二〇二四", "2024"),
        ("零五", "05"),
        ("二0二七", "2027"),
        ("〇", "0"),
        ("贰零贰陆", "2026"),
        ("", None),
        ("二十", None),
        ("2０2a", None),
        ("\U00010a40\U00010a40", None),  # Kharosthi digits: digits, but not decimal ones
    ],
)
def test_digits_of_reads_digit_by_digit(text: str, digits: str | None) -> None:
    assert digits_of(text) == digits


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("十", 10),
        ("十二", 12),
        ("二十", 20),
        ("一百零五", 105),
        ("一千零一", 1001),
        ("三百四十七", 347),
        ("两", 2),
        ("两百五", 205),  # strictly as written (parse_number reads the colloquial 250)
        ("二〇二四", 2024),
        ("", None),
        ("二十万", None),  # no 万 here
        ("二十a", None),
    ],
)
def test_cn_to_number_reads_a_whole_number_as_written(text: str, value: int | None) -> None:
    assert cn_to_number(text) == value


@pytest.mark.parametrize(
    ("number", "text"),
    [(0, "零"), (7, "七"), (10, "十"), (12, "十二"), (20, "二十"), (105, "一百零五"),
     (347, "三百四十七"), (1010, "一千零一十"), (9999, "九千九百九十九")],
)  # fmt: skip
def test_int_to_cn_writes_label_numerals(number: int, text: str) -> None:
    assert int_to_cn(number) == text


@pytest.mark.parametrize("number", [-1, 10000, 12345])
def test_int_to_cn_refuses_what_it_cannot_write(number: int) -> None:
    with pytest.raises(ValueError):
        int_to_cn(number)


@settings(max_examples=200)
@given(st.integers(min_value=0, max_value=9999))
def test_every_reader_agrees_on_a_written_number(number: int) -> None:
    text = int_to_cn(number)
    assert cn_to_number(text) == number
    assert corpus.cn_to_int(text) == number
    assert parse_number(text) == number
    assert textnorm.normalise(f"{text}年") == f"{number}年"


def test_the_callers_use_this_module() -> None:
    assert dialogue_numerals.parse_number is parse_number
    assert dialogue_numerals.clean is clean
    assert textnorm.cn_to_number is cn_to_number
    assert corpus.int_to_cn is int_to_cn


def test_cn_to_int_raises_on_text_that_is_not_a_numeral() -> None:
    for text in ("", "第一", "十a"):
        with pytest.raises(ValueError):
            corpus.cn_to_int(text)


def test_parse_number_notations() -> None:
    assert parse_number("两百五") == 250
    assert parse_number("一万五") == 15000
    assert parse_number("1.5万") == 15000
    assert parse_number("壹仟贰佰万") == 12_000_000
    assert parse_number("负三") == -3
    assert parse_number("二〇二四") is None  # digit by digit is digits_of's job
    assert parse_number("x" * 61) is None


def test_has_numeral() -> None:
    assert has_numeral("约三十亩")
    assert has_numeral("30")
    assert not has_numeral("没有")


def test_a_date_with_digits_that_are_not_decimal_is_rejected_not_a_crash() -> None:
    # "𐩀𐩀𐩀𐩀年1月1日": str.isdigit() holds for Kharosthi digits but int() refuses them
    with pytest.raises(ParseError):
        parse_answer(schema().keys["prepared_date"], "\U00010a40" * 4 + "年1月1日")
    assert parse_answer(schema().keys["prepared_date"], "二〇二七年六月一日") == Parsed(
        "2027-06-01"
    )


def test_an_article_number_beyond_the_thousands_is_just_not_found() -> None:
    assert corpus.normalise_label("第12345条") == "第12345条"
    assert corpus.load_corpus().article("zhengzhou-2021-4", "第12345条") is None
