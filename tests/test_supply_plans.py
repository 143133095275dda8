"""Annual supply plans as data (issue 11): scope, period, categories, and their validator."""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path

import pytest

from knowledge import validate
from knowledge.jurisdictions import resolve_place
from knowledge.plan_figures import (
    annual_supply_plans,
    supply_plan_covering,
    supply_plan_for_year,
    zhengzhou_2024_supply_plan,
)
from knowledge.validate_supply_plans import validate_supply_plan_file, validate_supply_plans


def place(name: str):
    p = resolve_place(name).place
    assert p is not None, name
    return p


def test_the_2024_plan_is_the_first_annual_plan() -> None:
    (plan,) = annual_supply_plans()
    assert plan is zhengzhou_2024_supply_plan()
    assert plan.jurisdiction == "郑州市市本级"
    assert plan.scope_cite is not None and plan.scope_cite.article == "三"
    assert plan.outside_plan_cite is not None
    assert plan.outside_plan_cite.to_json() == {"doc_id": "zhengzhou-2021-4", "article": "二（一）"}
    assert [(m.by, m.quote) for m in plan.milestones] == [
        (dt.date(2024, 6, 30), "6月底达到50%以上"),
        (dt.date(2024, 9, 30), "9月底达到75%以上"),
        (dt.date(2024, 12, 31), "12月底全面完成"),
    ]


@pytest.mark.parametrize(
    "name", ["郑州市", "金水区", "中原区", "上街区", "高新区", "经开区", "郑东新区", "航空港区"]
)
def test_the_plan_covers_the_shi_benji_areas_of_article_three(name: str) -> None:
    on = dt.date(2024, 7, 1)
    assert supply_plan_covering(place(name), on) is zhengzhou_2024_supply_plan()


@pytest.mark.parametrize("name", ["新密市", "中牟县", "登封市", "焦作市", "嵩明县"])
def test_counties_and_other_cities_are_outside_it(name: str) -> None:
    assert supply_plan_covering(place(name), dt.date(2024, 7, 1)) is None
    assert supply_plan_for_year(place(name), 2024) is None


def test_only_its_own_period() -> None:
    assert supply_plan_covering(place("金水区"), dt.date(2025, 1, 1)) is None
    assert supply_plan_covering(place("金水区"), dt.date(2023, 12, 31)) is None
    assert supply_plan_for_year(place("金水区"), 2025) is None
    assert supply_plan_covering(None, dt.date(2024, 7, 1)) is None


def test_uses_map_to_the_categories_the_text_defines() -> None:
    plan = zhengzhou_2024_supply_plan()
    expected = {
        "住宅用地": "住宅用地",
        "商服用地": "商服用地",
        "工业用地": "工矿仓储用地",
        "仓储用地": "工矿仓储用地",
        "公共管理与公共服务用地": "其他用地",
        "特殊用地": "其他用地",
        "交通运输用地": "其他用地",
        "水域及水利设施用地": "其他用地",
    }
    for use, category in expected.items():
        cat = plan.category(use)
        assert cat is not None and cat.name == category, use
    assert plan.category("综合用地") is None


def test_the_validator_is_registered_and_passes() -> None:
    assert validate.validate_supply_plans in validate.VALIDATORS
    assert validate_supply_plans() == []


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    source = resources.files("knowledge") / "data/zhengzhou_2024_supply_plan.yaml"
    text = source.read_text("utf-8")
    assert old in text
    path = tmp_path / "plan.yaml"
    path.write_text(text.replace(old, new, 1), "utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("hectares: 871.73", "hectares: 871.70", "≠ 文件所述总量"),
        ("hectares: 871.73", "hectares: 871.70", "不见于 四（二）"),
        ("total_ha: 3927.94", "total_ha: 3927.91", "不见于 四（一）"),
        ("quote: 9月底达到75%以上", "quote: 9月底达到70%以上", "不见于 六（二）"),
        ("min_completion_pct: 75", "min_completion_pct: 70", "与原文"),
        ("scope: [河南省/郑州市]", "scope: [河南省/郑州县]", "未知地点"),
        ("scope_tags: [市本级]", "scope_tags: [市本纪]", "未知标签"),
        ("includes: [工业用地, 仓储用地]", "includes: [工业用地, 住宅用地]", "同时属于"),
        ("includes: [工业用地, 仓储用地]", "includes: [工业用地, 工厂用地]", "未知土地用途"),
        ("by: 2024-09-30", "by: 2025-09-30", "不在计划期限内"),
        (
            "quote: 未列入年度土地供应计划内",
            "quote: 未列入年度计划内",
            "不见于 zhengzhou-2021-4 二（一）",
        ),
    ],
)
def test_the_validator_names_file_line_and_problem(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    problems = validate_supply_plan_file(_broken(tmp_path, old, new))
    hit = [p for p in problems if message in p.message]
    assert hit, problems
    assert all(p.line and p.line > 1 for p in hit)
    assert hit[0].file.endswith("plan.yaml")


def test_an_unreadable_file_is_one_problem(tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text("doc_id: [unclosed\n", "utf-8")
    (problem,) = validate_supply_plan_file(path)
    assert "YAML" in problem.message
