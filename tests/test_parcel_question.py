"""Free-text parcel questions: facts extracted, None for policy questions, the same answer as
`landbot procedure` for the same parcel."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from knowledge.corpus import load_corpus
from knowledge.parcel_question import extract_parcel_facts, procedure_for_question
from knowledge.plan import parcel_from_mapping
from knowledge.procedure import advise

DATA = Path(__file__).parent / "data" / "parcel_questions.yaml"
QUESTIONS: list[dict[str, Any]] = yaml.safe_load(DATA.read_text("utf-8"))["questions"]
PARCELS = [q for q in QUESTIONS if q.get("parcel", True)]
POLICY = [q for q in QUESTIONS if not q.get("parcel", True)]


def test_enough_questions() -> None:
    assert len(PARCELS) >= 20
    assert len(POLICY) >= 3


@pytest.mark.parametrize("item", PARCELS, ids=[q["q"][:16] for q in PARCELS])
def test_facts_extracted(item: dict[str, Any]) -> None:
    facts = extract_parcel_facts(item["q"])
    assert facts is not None, "a parcel question must be recognised"
    for key, value in item["facts"].items():
        assert facts.get(key) == value, (key, facts)
    for key in item.get("absent", []):
        assert key not in facts
    if "area_approx" in item:
        assert facts["area_m2"] == pytest.approx(item["area_approx"], abs=0.01)
    if "basis_contains" in item:
        assert item["basis_contains"] in facts["reserve_basis"]
    if "as_of" in item:
        assert facts["as_of"] == item["as_of"]
    else:
        assert "as_of" not in facts


@pytest.mark.parametrize("item", PARCELS, ids=[q["q"][:16] for q in PARCELS])
def test_procedure_for_question(item: dict[str, Any]) -> None:
    out = procedure_for_question(item["q"], as_of=dt.date(2026, 6, 1))
    assert out is not None
    assert {
        "jurisdiction",
        "reserve",
        "supply",
        "preconditions",
        "citations",
        "facts",
        "missing",
    } <= set(out)
    if "mode" in item:
        assert out["reserve"]["mode"] == item["mode"], out["reserve"]["mode_reason"]
    for m in item.get("methods", []):
        assert m in out["supply"]["methods"]
    for m in item.get("methods_absent", []):
        assert m not in out["supply"]["methods"]
    if "reserve_rule" in item:
        assert any(item["reserve_rule"] in r["text"] for r in out["reserve"]["rules"])
    missing = [m["key"] for m in out["missing"]]
    for key in item.get("missing", []):
        assert key in missing
    for key in out["facts"]:
        assert key not in missing
    corpus = load_corpus()
    for c in out["citations"]:
        assert corpus.article(c["doc_id"], c["article"]) is not None
    expected_date = str(item.get("as_of", "2026-06-01"))
    assert out["as_of"] == expected_date


@pytest.mark.parametrize("item", POLICY, ids=[q["q"] for q in POLICY])
def test_policy_questions_give_none(item: dict[str, Any]) -> None:
    assert extract_parcel_facts(item["q"]) is None
    assert procedure_for_question(item["q"]) is None


CONSISTENCY = [
    (
        "新密市城区一块30亩的集体土地，规划住宅，在做地范围内，怎么走程序？",
        {
            "jurisdiction": "新密市",
            "area_mu": 30,
            "ownership": "集体",
            "planned_use": "住宅用地",
            "in_designated_zone": True,
        },
    ),
    (
        "焦作有块存量工业用地以前做过考古，两家企业都想要",
        {
            "jurisdiction": "焦作市",
            "planned_use": "工业用地",
            "existing_construction_land": True,
            "archaeology_done": True,
            "intended_users": 2,
        },
    ),
    (
        "嵩明县有块国有出让地，闲置两年未动工，规划商业",
        {
            "jurisdiction": "嵩明县",
            "ownership": "国有",
            "current_right": "出让",
            "reserve_basis": "闲置两年未动工",
            "planned_use": "商服用地",
        },
    ),
    (
        "北京市朝阳区有一宗划拨用地，单位搬迁了，想收回来建学校，只有一家单位想要",
        {
            "jurisdiction": "北京市朝阳区",
            "current_right": "划拨",
            "reserve_basis": "单位搬迁",
            "planned_use": "公共管理与公共服务用地",
            "intended_users": 1,
        },
    ),
]


@pytest.mark.parametrize(("question", "parcel"), CONSISTENCY, ids=[c[0][:12] for c in CONSISTENCY])
def test_question_and_parcel_file_agree(question: str, parcel: dict[str, Any]) -> None:
    on = dt.date(2026, 6, 1)
    plan, _ = parcel_from_mapping(parcel)
    from_file = advise(plan, on).to_json()
    from_question = procedure_for_question(question, as_of=on)
    assert from_question is not None
    assert from_question["reserve"]["mode"] == from_file["reserve"]["mode"]
    assert from_question["supply"]["methods"] == from_file["supply"]["methods"]
    assert from_question["jurisdiction"]["chain"] == from_file["jurisdiction"]["chain"]
    file_steps = [s["cite"] for s in from_file["reserve"]["steps"]]
    question_steps = [s["cite"] for s in from_question["reserve"]["steps"]]
    assert question_steps == file_steps


def test_question_date_decides_the_rules_in_force() -> None:
    q2024 = "郑州市金水区一块国有土地出让期限届满，规划住宅，2024年供应"
    q2026 = "郑州市金水区一块国有土地出让期限届满，规划住宅，2026年供应"
    docs24 = {d["doc_id"] for d in procedure_for_question(q2024)["documents"]}  # type: ignore[index]
    docs26 = {d["doc_id"] for d in procedure_for_question(q2026)["documents"]}  # type: ignore[index]
    assert "zhengzhou-2024-supply-plan" in docs24
    assert "zhengzhou-2024-supply-plan" not in docs26


def test_area_units() -> None:
    cases = {
        "新密一块地30亩": 20000.0,
        "新密一块地2公顷": 20000.0,
        "新密一块地1.5万平方米": 15000.0,
        "新密一块地三十亩": 20000.0,
        "新密一块地800平方米": 800.0,
        "新密一块地2000平米": 2000.0,
    }
    for q, m2 in cases.items():
        facts = extract_parcel_facts(q)
        assert facts is not None and facts["area_m2"] == pytest.approx(m2, abs=0.01), q


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=80))
def test_arbitrary_text_never_crashes(text: str) -> None:
    out = procedure_for_question(text, as_of=dt.date(2026, 1, 1))
    assert out is None or "reserve" in out
