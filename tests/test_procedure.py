"""The procedure advisor on the scenarios of tests/data/procedure_scenarios.yaml, its data
loader, citations, and `missing_facts`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from knowledge.corpus import load_corpus
from knowledge.errors import BadInput
from knowledge.plan import parcel_from_mapping
from knowledge.procedure import advise, missing_facts
from knowledge.procedure.loader import (
    FILES,
    ProcedureDataError,
    _read,
    check_citations,
    load_knowledge,
    parse_knowledge,
    validate,
)

DATA = Path(__file__).parent / "data" / "procedure_scenarios.yaml"
SCENARIOS: list[dict[str, Any]] = yaml.safe_load(DATA.read_text("utf-8"))["scenarios"]


def _cite(text: str) -> dict[str, str]:
    doc_id, article = text.split(" ", 1)
    return {"doc_id": doc_id, "article": article}


def run_scenario(sc: dict[str, Any]) -> dict[str, Any]:
    data = dict(sc["parcel"])
    if "as_of" in sc:
        data["as_of"] = sc["as_of"]
    plan, as_of = parcel_from_mapping(data)
    return advise(plan, as_of).to_json()


def _step_cites(out: dict[str, Any]) -> list[dict[str, str]]:
    return [s["cite"] for s in out["reserve"]["steps"]]


def _every_cite(node: Any) -> list[dict[str, str]]:
    """Every {doc_id, article} mapping anywhere in the output."""
    found: list[dict[str, str]] = []
    if isinstance(node, dict):
        if set(node) == {"doc_id", "article"}:
            return [node]
        for v in node.values():
            found += _every_cite(v)
    elif isinstance(node, list):
        for v in node:
            found += _every_cite(v)
    return found


def test_there_are_enough_scenarios_across_localities() -> None:
    assert len(SCENARIOS) >= 30
    places = " ".join(str(s["parcel"]["jurisdiction"]) for s in SCENARIOS)
    for where in ("新密", "金水", "中牟", "焦作", "嵩明", "北京", "广州"):
        assert where in places


@pytest.mark.parametrize("sc", SCENARIOS, ids=[s["id"] for s in SCENARIOS])
def test_scenario(sc: dict[str, Any]) -> None:
    out = run_scenario(sc)
    exp = sc["expect"]
    reserve, supply = out["reserve"], out["supply"]
    if "mode" in exp:
        assert reserve["mode"] == exp["mode"], reserve["mode_reason"]
    if "determined" in exp:
        assert reserve["mode_determined"] is exp["determined"]
    if "provisional" in exp:
        assert reserve["mode_provisional"] is exp["provisional"]
    for c in exp.get("mode_cites", []):
        assert _cite(c) in reserve["mode_cites"], c
    steps = _step_cites(out)
    for c in exp.get("steps", []):
        assert _cite(c) in steps, f"missing step {c}"
    for c in exp.get("steps_absent", []):
        assert _cite(c) not in steps, f"unexpected step {c}"
    order = [steps.index(_cite(c)) for c in exp.get("step_order", [])]
    assert order == sorted(order), exp.get("step_order")
    for c, actor in exp.get("actors", {}).items():
        step = next(s for s in reserve["steps"] if s["cite"] == _cite(c))
        assert actor in step["actor"]
    for c, app in exp.get("applicability", {}).items():
        items = [s for s in reserve["steps"] if s["cite"] == _cite(c)]
        items += [r for r in supply["rules"] if r["cite"] == _cite(c)]
        assert items, f"nothing cites {c}"
        assert all(i.get("applicability", "binding") == app for i in items), c
    docs = [d["doc_id"] for d in out["documents"]]
    for d in exp.get("docs", []):
        assert d in docs
    for d in exp.get("docs_absent", []):
        assert d not in docs
    cited_docs = {c["doc_id"] for c in _every_cite(out)}
    for d in exp.get("cited_docs_absent", []):
        assert d not in cited_docs, f"{d} is cited but does not apply"
    for m in exp.get("methods", []):
        assert m in supply["methods"]
    for m in exp.get("methods_absent", []):
        assert m not in supply["methods"]
    excluded = {e["method"]: e for e in supply["excluded_methods"]}
    for m, c in exp.get("excluded", {}).items():
        assert m in excluded, f"{m} should be excluded"
        assert excluded[m]["cite"] == _cite(c) or _cite(c) in excluded[m].get("see_also", [])
        assert excluded[m]["reason"]
    rule_cites = [r["cite"] for r in supply["rules"]]
    for c in exp.get("rules", []):
        assert _cite(c) in rule_cites, f"missing rule {c}"
    for c in exp.get("rules_absent", []):
        assert _cite(c) not in rule_cites
    rr = " ".join(r["text"] for r in reserve["rules"])
    for frag in exp.get("reserve_rules", []):
        assert frag in rr
    pre: dict[str, list[str]] = {}
    for p in out["preconditions"]:
        pre.setdefault(p["cite"]["doc_id"] + " " + p["cite"]["article"], []).append(p["status"])
    for c in exp.get("preconditions", []):
        assert c in pre, f"missing precondition {c}"
    for c in exp.get("preconditions_absent", []):
        assert c not in pre, f"unexpected precondition {c}"
    for c, status in exp.get("precondition_status", {}).items():
        assert status in pre[c], (c, pre.get(c))
    missing = [m["key"] for m in out["missing"]]
    for k in exp.get("missing", []):
        assert k in missing, f"should ask for {k}"
    for k in exp.get("missing_absent", []):
        assert k not in missing, f"should not ask for {k}"
    notes = " ".join(out["notes"])
    for frag in exp.get("notes", []):
        assert frag in notes
    for k, v in exp.get("inferred", {}).items():
        assert out["inferred"][k] == v


@pytest.mark.parametrize("sc", SCENARIOS, ids=[s["id"] for s in SCENARIOS])
def test_every_citation_resolves_and_every_item_is_cited(sc: dict[str, Any]) -> None:
    out = run_scenario(sc)
    corpus = load_corpus()
    for c in _every_cite(out):
        assert corpus.article(c["doc_id"], c["article"]) is not None, c
    for s in out["reserve"]["steps"]:
        assert s["title"] and s["actor"] and s["cite"]
    assert out["citations"], "an answer without citations"
    listed = out["citations"]
    for c in _every_cite({k: v for k, v in out.items() if k != "citations"}):
        assert c in listed
    methods_with_reason = {v["method"] for v in out["supply"]["method_reasons"]}
    assert methods_with_reason == set(out["supply"]["methods"])


def test_contract_shape() -> None:
    out = run_scenario(SCENARIOS[0])
    assert set(out) >= {"jurisdiction", "reserve", "supply", "preconditions", "notes", "citations"}
    assert out["jurisdiction"] == {
        "name": "新密市",
        "chain": ["河南省", "郑州市", "新密市"],
        "status": "local",
    }
    assert {"mode", "steps"} <= set(out["reserve"])
    assert {"methods", "rules"} <= set(out["supply"])
    step = out["reserve"]["steps"][0]
    assert {"title", "actor", "cite"} <= set(step)
    assert all({"item", "cite"} <= set(p) for p in out["preconditions"])
    assert all({"text", "cite"} <= set(r) for r in out["supply"]["rules"])


def test_as_of_defaults_to_today() -> None:
    plan, _ = parcel_from_mapping({"jurisdiction": "嵩明县", "ownership": "集体"})
    out = advise(plan).to_json()
    assert out["as_of"] == dt.date.today().isoformat()


def test_unrecognisable_place_is_bad_input() -> None:
    plan, _ = parcel_from_mapping({"jurisdiction": "火星基地"})
    with pytest.raises(BadInput):
        advise(plan)


def test_missing_facts_asks_only_what_changes_the_answer() -> None:
    keys = [k for k, _ in missing_facts({"jurisdiction": "新密市"}, dt.date(2026, 1, 1))]
    assert keys[:2] == ["ownership", "reserve_basis"]
    assert "in_designated_zone" in keys and "planned_use" in keys
    # collective land: no current right or basis needed; outside 新密 no zone question
    keys = [
        k
        for k, _ in missing_facts(
            {"jurisdiction": "嵩明县", "ownership": "集体", "planned_use": "工业用地"},
            dt.date(2026, 1, 1),
        )
    ]
    assert "current_right" not in keys and "reserve_basis" not in keys
    assert "in_designated_zone" not in keys and "intended_users" not in keys
    # 划拨 implies state land: ownership is inferred, not asked
    keys = [
        k
        for k, _ in missing_facts(
            {"jurisdiction": "北京市朝阳区", "current_right": "划拨", "reserve_basis": "单位搬迁"},
            dt.date(2026, 1, 1),
        )
    ]
    assert "ownership" not in keys
    for _, question in missing_facts({}, dt.date(2026, 1, 1)):
        assert question.endswith(("？", "）"))


def test_no_jurisdiction_gives_national_answer_and_asks_for_place() -> None:
    keys = [k for k, _ in missing_facts({"ownership": "集体"}, dt.date(2026, 1, 1))]
    assert keys[0] == "jurisdiction"


# ---------------------------------------------------------------------------- the data


def test_packaged_data_is_valid() -> None:
    assert validate() == []
    kn = load_knowledge()
    assert len(kn.steps) > 40 and kn.grounds


def _raw() -> dict[str, Any]:
    return {name: _read(name) for name in FILES}


def test_loader_names_file_and_entry_of_a_bad_citation() -> None:
    raw = _raw()
    raw["steps.yaml"]["steps"][0]["cite"] = {
        "doc_id": "songming-reserve-measures",
        "article": "第九十九条",
    }
    kn = parse_knowledge(raw)
    problems = check_citations(kn, load_corpus().article)
    assert len(problems) == 1
    assert problems[0].startswith("steps.yaml: step ") and "第九十九条" in problems[0]


@pytest.mark.parametrize(
    ("file", "mutate", "fragment"),
    [
        ("steps.yaml", lambda d: d["steps"][1].pop("actor"), "steps.yaml: step"),
        ("steps.yaml", lambda d: d["steps"][1].update(when={"colour": "red"}), "unknown condition"),
        ("steps.yaml", lambda d: d["steps"][1].update(supersedes=["nope"]), "supersedes unknown"),
        ("supply.yaml", lambda d: d["method_rules"][0].update(allow=["赠送"]), "unknown method"),
        ("modes.yaml", lambda d: d["grounds"][1].update(cites=[]), "modes.yaml: ground"),
        (
            "preconditions.yaml",
            lambda d: d["preconditions"][0].update(fact="nope"),
            "preconditions.yaml",
        ),
    ],
)
def test_loader_rejects_malformed_entries(file: str, mutate: Any, fragment: str) -> None:
    raw = _raw()
    mutate(raw[file])
    with pytest.raises(ProcedureDataError, match=fragment):
        parse_knowledge(raw)


def test_kb_validate_reports_file_and_line() -> None:
    from knowledge.procedure.loader import locate

    file, line, message = locate("steps.yaml: step sm_apply: no article x y")
    assert file == "knowledge/procedure/data/steps.yaml" and line is not None
    text = (Path(__file__).parents[1] / file).read_text("utf-8").splitlines()
    assert text[line - 1].strip() == "- id: sm_apply"
    assert message.startswith("step sm_apply")
    from knowledge.validate import VALIDATORS, validate_procedure

    assert validate_procedure in VALIDATORS and validate_procedure() == []


def test_a_drafts_own_choices_are_checked_against_the_advice() -> None:
    from knowledge.procedure import advise_fields

    out = advise_fields(
        {
            "jurisdiction": "嵩明县",
            "ownership": "集体",
            "planned_use": "住宅用地",
            "reserve_mode": "收购储备",
            "supply_method": "协议出让",
        },
        dt.date(2026, 1, 1),
    ).to_json()
    notes = " ".join(out["notes"])
    assert "收购储备" in notes and "征收储备" in notes
    assert "协议出让" in notes and "不可采用" in notes


@pytest.mark.parametrize(
    ("place", "answers"),
    [
        (
            "新密市",
            {
                "ownership": "国有",
                "current_right": "出让",
                "reserve_basis": "闲置土地",
                "in_designated_zone": True,
                "planned_use": "工业用地",
                "existing_construction_land": False,
                "in_annual_reserve_plan": True,
                "in_annual_supply_plan": False,
            },
        ),
        (
            "焦作市",
            {
                "ownership": "集体",
                "planned_use": "公共管理与公共服务用地",
                "intended_users": 1,
                "existing_construction_land": False,
                "archaeology_done": False,
                "area_m2": 40000.0,
                "current_use": "耕地",
                "in_annual_supply_plan": True,
            },
        ),
    ],
)
def test_chat_loop_asks_each_fact_once_and_ends(place: str, answers: dict[str, Any]) -> None:
    """程序判定 asks missing_facts()[0] until nothing is missing: no repeats, it terminates."""
    fields: dict[str, Any] = {"jurisdiction": place}
    asked: list[str] = []
    for _ in range(15):
        missing = missing_facts(fields, dt.date(2026, 1, 1))
        if not missing:
            break
        key = missing[0][0]
        assert key not in asked and key in answers, (key, asked)
        asked.append(key)
        fields[key] = answers[key]
    assert not missing_facts(fields, dt.date(2026, 1, 1))
    assert len(asked) <= len(answers)
