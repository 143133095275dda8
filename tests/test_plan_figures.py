"""Structured figures of the 2024 supply plan and the annex of 郑政〔2021〕4号."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from knowledge.corpus import load_corpus
from knowledge.plan_figures import all_citations, zhengzhou_2021_4_annex, zhengzhou_2024_supply_plan


def test_supply_plan_figures_match_the_text():
    plan = zhengzhou_2024_supply_plan()
    assert plan.total_ha == Decimal("3927.94")
    assert [(c.name, c.hectares, c.share_pct) for c in plan.categories] == [
        ("住宅用地", Decimal("871.73"), Decimal("22.19")),
        ("商服用地", Decimal("186.52"), Decimal("4.75")),
        ("工矿仓储用地", Decimal("924.05"), Decimal("23.53")),
        ("其他用地", Decimal("1945.64"), Decimal("49.53")),
    ]
    text = load_corpus().article("zhengzhou-2024-supply-plan", "四（二）").text
    for cat in plan.categories:  # every figure is in the article it cites
        assert f"{cat.name}{cat.hectares}公顷，占计划总量的{cat.share_pct}%" in text.replace(
            "（包括：公共管理与公共服务用地、特殊用地、交通运输用地、水域及水利设施用地）", ""
        )
    assert plan.hectares_total() == plan.total_ha
    assert plan.share_total() == Decimal("100.00")
    assert plan.computed_share_pct("住宅用地") == Decimal("22.19")
    assert plan.category("工业用地").name == "工矿仓储用地"
    assert plan.category("交通运输用地").name == "其他用地"
    assert plan.category("综合用地") is None
    assert (plan.valid_from, plan.valid_to) == (dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    assert [m.min_completion_pct for m in plan.milestones] == [50, 75, 100]
    assert plan.adjustment_deadline == dt.date(2024, 6, 1)


def test_annex_is_the_member_list():
    annex = zhengzhou_2021_4_annex()
    text = load_corpus().article("zhengzhou-2021-4", "附件").text.replace(" ", "")
    assert annex.leader.name == "高永"
    assert [p.name for p in annex.deputy_leaders] == ["王智明", "孙建功"]
    assert len(annex.members) == 6
    for person in (annex.leader, *annex.deputy_leaders, *annex.members):
        assert person.name + person.position in text
    assert annex.office_location == "市资源规划局"
    assert annex.office_deputy_director.name == "徐铭杰"
    assert "市司法局" in annex.member_units


def test_every_citation_resolves():
    corpus = load_corpus()
    for cite in all_citations():
        assert corpus.article(cite.doc_id, cite.article) is not None, cite


def test_validator_catches_figures_that_do_not_add_up(monkeypatch):
    import dataclasses

    from knowledge import plan_figures, validate

    plan = zhengzhou_2024_supply_plan()
    wrong = dataclasses.replace(plan, total_ha=Decimal("3927.00"))
    monkeypatch.setattr(plan_figures, "zhengzhou_2024_supply_plan", lambda: wrong)
    problems = validate.validate_plan_figures()
    assert any("≠ 总量" in p.message for p in problems)
    assert all(p.line and p.line > 1 for p in problems)
    assert validate.validate_plan_figures.__name__ in {v.__name__ for v in validate.VALIDATORS}
