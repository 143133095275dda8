"""`see_also:` of a rule: a local article quoted beside a national finding where it applies —
reported by `kb validate` when not verbatim, context only (malformed entries: test_rules_engine)."""

from __future__ import annotations

from knowledge.rules_engine import load_rules_from
from knowledge.rules_engine.validate import validate_ruleset
from tests.rule_case_helpers import check
from tests.test_rules_engine import RULE as ENGINE_RULE

QUOTE = "对经营性用地以及同一宗地有两个以上意向用地者，灵活选择拍卖、挂牌等方式组织供应。"
RULE = ENGINE_RULE.replace(
    "    message:",
    f"    see_also:\n      - {{doc_id: jiaozuo-2025-1, article: （十四）, quote: {QUOTE}}}\n    message:",
)


def test_kb_validate_reports_a_quote_that_is_not_verbatim_or_an_unknown_article() -> None:
    assert validate_ruleset(load_rules_from([("t.yaml", RULE)])) == []
    altered = RULE.replace("灵活选择拍卖、挂牌", "应当拍卖、挂牌")
    problems = validate_ruleset(load_rules_from([("t.yaml", altered)]))
    assert len(problems) == 1 and "not verbatim" in problems[0].message
    assert problems[0].file.endswith("t.yaml") and "t-rule" in problems[0].message
    missing = RULE.replace("article: （十四）", "article: （九十九）")
    problems = validate_ruleset(load_rules_from([("t.yaml", missing)]))
    assert len(problems) == 1 and "（九十九）" in problems[0].message


def test_the_local_article_is_quoted_only_where_it_applies() -> None:
    agreed = {"supply_method": "协议出让", "intended_users": 1}
    jiaozuo = next(
        f
        for f in check("jiaozuo-supply", agreed).findings
        if f.rule_id == "cc-public-bidding-operating-land"
    )
    assert jiaozuo.message.endswith(f"另见焦政办规〔2025〕1号 （十四）：「{QUOTE}」")
    assert (jiaozuo.severity, jiaozuo.cite.doc_id, jiaozuo.cite.article) == (
        "error",
        "civil-code",
        "第三百四十七条",
    )
    elsewhere = check("jiaozuo-supply", {**agreed, "jurisdiction": "北京市朝阳区"})
    national = next(
        f for f in elsewhere.findings if f.rule_id == "cc-public-bidding-operating-land"
    )
    assert "另见" not in national.message
    assert (national.severity, national.cite) == (jiaozuo.severity, jiaozuo.cite)
    assert national.message == jiaozuo.message.split("另见")[0]


def test_a_conditional_see_also_is_quoted_only_when_its_condition_holds() -> None:
    songming = {"supply_method": "划拨", "intended_users": 1, "land_use": "商服用地",
                "planned_use": "商服用地"}  # fmt: skip
    allocated = next(
        f
        for f in check("songming-supply", songming).findings
        if f.rule_id == "cc-public-bidding-operating-land"
    )
    assert "《嵩明县土地储备管理办法》 第二十二条" in allocated.message
    agreed = next(
        f
        for f in check("songming-supply", {**songming, "supply_method": "协议出让"}).findings
        if f.rule_id == "cc-public-bidding-operating-land"
    )
    assert "另见" not in agreed.message
