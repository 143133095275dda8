"""Every 土地用途 × 供应方式 pair the plan schema allows, through the path `landbot check` takes
(`knowledge.checks.check_plan`): where a national article decides the pair, its rule, severity and
cited article, the same in every place; where none does, no national finding on the method, and
a local text that only permits or encourages gives a warning or info, never an error.
The table is the one of knowledge/rules/COVERAGE.md, "Supply methods by use"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from bot.cli import main
from knowledge.checks import CheckResult
from knowledge.corpus import load_corpus
from knowledge.plan import schema
from tests.rule_case_helpers import check, plan_with

USES = schema().keys["land_use"].choices
METHODS = schema().keys["supply_method"].choices
CC347 = ("civil-code", "第三百四十七条")
LAL54 = ("land-administration-law", "第五十四条")
_BIDDING = ("cc-public-bidding-operating-land", "error", CC347)
_GROUND = ("lal-allocation-scope", "warning", LAL54)
# (use, method) → (rule id of the supply plan, severity, cite); the 储备方案's rule is "<id>-reserve".
DECIDED: dict[tuple[str, str], tuple[str, str, tuple[str, str]]] = {
    **{(use, "协议出让"): _BIDDING for use in ("住宅用地", "商服用地", "工业用地", "综合用地")},
    **{(use, "划拨"): _BIDDING for use in ("商服用地", "工业用地", "综合用地")},
    **{(use, "划拨"): _GROUND for use in ("住宅用地", "仓储用地")},
}
PAIRS = [(use, method) for use in USES for method in METHODS]
# a clean plan of each kind in each place; 北京 is outside the knowledge base (national rules only)
PLACES = {
    "supply_plan": {
        "北京市朝阳区": "zhengzhou-residential-supply",
        "郑州市金水区": "zhengzhou-residential-supply",
        "新密市": "xinmi-supply",
        "焦作市山阳区": "jiaozuo-supply",
        "云南省昆明市嵩明县": "songming-supply",
    },
    "reserve_plan": {
        "北京市朝阳区": "xinmi-reserve",
        "新密市": "xinmi-reserve",
        "焦作市山阳区": "jiaozuo-reserve",
        "云南省昆明市嵩明县": "songming-reserve",
    },
}
CASES = [(kind, place) for kind, places in PLACES.items() for place in places]
METHOD_KEY = {"supply_plan": "supply_method", "reserve_plan": "proposed_supply_method"}


def _national(doc_id: str) -> bool:
    doc = load_corpus().document(doc_id)
    return doc is not None and doc.is_national()


def _check(kind: str, place: str, use: str, method: str, users: int = 1) -> CheckResult:
    overrides: dict[str, object] = {
        "jurisdiction": place,
        "land_use": use,
        "planned_use": use,
        "intended_users": users,
        METHOD_KEY[kind]: method,
    }
    if kind == "supply_plan":
        overrides["term_years"] = 40  # within every use's maximum (国务院令第55号 第十二条)
    return check(PLACES[kind][place], overrides)


@pytest.mark.parametrize(("kind", "place"), CASES)
@pytest.mark.parametrize(("use", "method"), PAIRS)
def test_the_national_rules_decide_a_supply_method_by_use(
    kind: str, place: str, use: str, method: str
) -> None:
    result = _check(kind, place, use, method)
    national = [
        (f.rule_id, f.severity, (f.cite.doc_id, f.cite.article))
        for f in result.findings
        if _national(f.cite.doc_id) and f.field == METHOD_KEY[kind]
    ]
    national_errors = [
        f.rule_id for f in result.findings if f.severity == "error" and _national(f.cite.doc_id)
    ]
    local = [f for f in result.findings if not _national(f.cite.doc_id)]
    assert all(f.severity != "error" for f in local if f.field == METHOD_KEY[kind]), local
    expected = DECIDED.get((use, method))
    if expected is None:
        assert national == [], f"{use} by {method}: no national article decides it"
        assert national_errors == []
        return
    rule_id, severity, cite = expected
    if kind == "reserve_plan":
        rule_id += "-reserve"
    assert national == [(rule_id, severity, cite)]
    assert national_errors == ([rule_id] if severity == "error" else [])


@pytest.mark.parametrize(("kind", "place"), CASES)
@pytest.mark.parametrize("use", USES)
def test_two_intending_users_forbid_an_agreed_sale_of_any_use(
    kind: str, place: str, use: str
) -> None:
    result = _check(kind, place, use, "协议出让", users=2)
    found = [f for f in result.findings if f.field == METHOD_KEY[kind] and f.severity == "error"]
    rule_id = "cc-public-bidding-two-users" + ("-reserve" if kind == "reserve_plan" else "")
    assert [(f.rule_id, (f.cite.doc_id, f.cite.article)) for f in found] == [(rule_id, CC347)]


@pytest.mark.parametrize("kind", PLACES)
@pytest.mark.parametrize("method", ["租赁", "先租后让", "弹性年期出让"])
def test_jiaozuo_leaves_housing_out_of_the_lease_methods_as_a_warning(
    kind: str, method: str
) -> None:
    """（十四） encourages these methods for land other than housing; no national article forbids
    them for housing, so the local finding stays a warning."""
    result = _check(kind, "焦作市山阳区", "住宅用地", method)
    on_method = [f for f in result.findings if f.field == METHOD_KEY[kind]]
    expected = "jz-residential-lease-methods" + ("-reserve" if kind == "reserve_plan" else "")
    assert [(f.rule_id, f.severity, f.cite.article) for f in on_method] == [
        (expected, "warning", "（十四）")
    ]
    commercial = _check(kind, "焦作市山阳区", "商服用地", method)  # encouraged: nothing to say
    assert [f.rule_id for f in commercial.findings if f.field == METHOD_KEY[kind]] == []


@pytest.mark.parametrize(
    ("place", "use", "method", "local"),
    [
        ("焦作市山阳区", "商服用地", "协议出让", "焦政办规〔2025〕1号 （十四）"),
        ("郑州市金水区", "住宅用地", "协议出让", "郑政〔2021〕4号 四（二）"),
        ("郑州市金水区", "工业用地", "划拨", "郑政〔2021〕4号 四（二）"),
        ("新密市", "商服用地", "协议出让", "郑政〔2021〕4号 四（二）"),
        ("云南省昆明市嵩明县", "综合用地", "划拨", "《嵩明县土地储备管理办法》 第二十二条"),
        ("云南省昆明市嵩明县", "仓储用地", "划拨", "《嵩明县土地储备管理办法》 第二十二条"),
    ],
)
def test_the_national_finding_names_the_local_article_as_context(
    place: str, use: str, method: str, local: str
) -> None:
    result = _check("supply_plan", place, use, method)
    finding = next(f for f in result.findings if f.field == "supply_method")
    assert _national(finding.cite.doc_id)
    assert f"另见{local}：「" in finding.message


def test_landbot_check_reports_the_civil_code_error_with_the_local_article(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = plan_with("jiaozuo-supply", {"supply_method": "协议出让", "intended_users": 1})
    path = tmp_path / "plan.yaml"
    path.write_text(
        yaml.safe_dump({"kind": plan.kind, "fields": dict(plan.fields)}, allow_unicode=True),
        "utf-8",
    )
    assert main(["check", str(path), "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    finding = next(f for f in data["findings"] if f["field"] == "supply_method")
    assert set(finding) == {"rule_id", "severity", "field", "message", "cite"}
    assert finding["rule_id"] == "cc-public-bidding-operating-land"
    assert finding["severity"] == "error" and data["passed"] is False
    assert finding["cite"] == {"doc_id": "civil-code", "article": "第三百四十七条"}
    assert "另见焦政办规〔2025〕1号 （十四）" in finding["message"]


def test_the_coverage_table_states_the_same_decisions() -> None:
    """COVERAGE.md's "Supply methods by use" table says error/warning exactly where DECIDED does."""
    from importlib import resources

    text = resources.files("knowledge").joinpath("rules/COVERAGE.md").read_text("utf-8")
    section = text.split("## Supply methods by use", 1)[1].split("\n## ", 1)[0]
    columns = [("招标出让", "拍卖出让", "挂牌出让"), ("弹性年期出让",), ("协议出让",), ("划拨",),
               ("租赁",), ("先租后让",)]  # fmt: skip
    stated: dict[tuple[str, str], str] = {}
    rows = set()
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells[0] not in USES:
            continue
        rows.add(cells[0])
        for methods, cell in zip(columns, cells[1:], strict=True):
            for method in methods:
                for severity in ("error", "warning"):
                    if f"**{severity}**" in cell:
                        stated[(cells[0], method)] = severity
    assert rows == set(USES)
    assert stated == {pair: severity for pair, (_, severity, _) in DECIDED.items()}
