"""The decline decision of knowledge/search_evidence.py as a pure function of the evidence, and
the amount a question asks for."""

from __future__ import annotations

import pytest

from knowledge.search_evidence import (
    HIGH_COVERAGE,
    LOW_COVERAGE,
    LOW_MARGIN,
    RATIO,
    asked_unit,
    confidence,
    states_amount,
)
from knowledge.textnorm import normalise

WEAK = (HIGH_COVERAGE + LOW_COVERAGE) / 2


@pytest.mark.parametrize(
    ("coverage", "absent", "words", "margin", "amount_missing", "expected"),
    [
        (0.9, 0.0, 3, 1.0, False, "high"),  # covers the question: high, margin or not
        (HIGH_COVERAGE, 0.0, 1, 1.0, False, "high"),
        (WEAK, 0.0, 2, LOW_MARGIN, False, "low"),  # weak but stands out: related articles
        (WEAK, 0.0, 2, LOW_MARGIN - 0.01, False, None),  # weak and like many others: decline
        (LOW_COVERAGE - 0.01, 0.0, 2, 9.0, False, None),  # too little of the question
        (0.9, 0.0, 0, 9.0, False, None),  # only single characters shared
        (0.6, 0.35, 2, 9.0, False, None),  # 公积金贷款: the subject is in no article
        (0.8, 0.2, 3, 9.0, False, "high"),  # …unless the article covers nearly all the rest
        (0.9, 0.0, 3, 9.0, True, None),  # 多少亿: the article states no such amount
    ],
)
def test_confidence(
    coverage: float,
    absent: float,
    words: int,
    margin: float,
    amount_missing: bool,
    expected: str | None,
) -> None:
    assert confidence(coverage, absent, words, margin, amount_missing) == expected


@pytest.mark.parametrize(
    ("question", "unit"),
    [
        ("郑州去年土地出让收入多少亿", "亿"),
        ("非法占地一平米罚多少钱", "元"),  # the unit after 多少 is the answer's
        ("耕地补贴一亩给多少", "亩"),
        ("计划供应多少公顷", "公顷"),
        ("收购土地补偿多少钱咋定", None),  # asks for the method, not the amount
        ("储备土地临时利用最长几年", None),
        ("竞买保证金比例", RATIO),  # a share: a percentage or a fraction answers it
        ("24年计划里住宅地占几成", RATIO),
        ("开发补偿费按成交价款的多大比例拨付", RATIO),
        ("经营性用地和公益性用地的比例谁来配置", None),  # asks who, not the share
    ],
)
def test_asked_unit(question: str, unit: str | None) -> None:
    assert asked_unit(normalise(question)) == unit


def test_states_amount() -> None:
    text = normalise("罚款额为非法占用土地每平方米100元以上1000元以下")
    assert states_amount(text, "元")
    assert not states_amount(text, "亿")
    assert states_amount(normalise("计划供应国有建设用地总量为3927.94公顷"), "公顷")


def test_states_ratio() -> None:
    assert states_amount(normalise("按城市基础设施配套费的百分之二十五提取"), RATIO)
    assert states_amount(normalise("调剂库统筹三成的耕地资源"), RATIO)
    # the article that says how the share is set answers "what share" too
    assert states_amount(normalise("按区域内土地出让成交总价款的一定比例核算"), RATIO)
    assert not states_amount(normalise("供地方案包括出让方式、竞买保证金、竞价阶梯"), RATIO)


def test_a_share_no_article_states_is_declined() -> None:
    from knowledge.search import search

    assert search("供地方案要写竞买保证金吗").hits  # the article that names it is found…
    assert not search("竞买保证金比例是多少").hits  # …but it states no share
