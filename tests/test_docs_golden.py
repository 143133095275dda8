"""Golden files for the context builder: what each document says, value by value.

The files in tests/data/golden/ change only deliberately: after a wanted change to the
context builder, regenerate them with

    LANDBOT_REGEN_GOLDEN=1 .venv/bin/python -m pytest tests/test_docs_golden.py

and review the diff before committing.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import pytest

from doc_templates.context import ReviewInfo, build_context
from doc_templates.values import computed_rows
from knowledge.checks import CheckResult
from knowledge.citation import Cite
from knowledge.findings import Finding
from knowledge.plan import load_plan_file

DATA = Path(__file__).parent / "data"
GOLDEN = DATA / "golden"
AT = dt.datetime(2026, 6, 18, 9, 5)
FINDINGS = [
    Finding("g-info", "info", None, "提示信息", Cite("doc-b", "第二条")),
    Finding("g-warning", "warning", "circuit_breaker_pct", "警示信息", Cite("doc-a", "四（二）")),
    Finding("g-error", "error", "start_price_yuan", "错误信息", Cite("doc-a", "三（二）")),
]
REVIEW = ReviewInfo("审核人甲", "同意", dt.datetime(2026, 6, 19, 10, 0), decision="同意报批")
CASES = [
    ("reserve_full", "reserve_plan", True, None),
    ("reserve_full", "approval_memo", True, REVIEW),
    ("supply_full", "supply_plan", True, None),
    ("supply_full", "approval_memo", False, None),
    ("supply_minimal", "supply_plan", False, None),
    ("reserve_special", "reserve_plan", False, None),
]


def fake_lookup(cite: Cite) -> tuple[str, str | None]:
    return f"《{cite.doc_id}》{cite.article}", f"{cite.doc_id} {cite.article} 的条文。"


def golden_context(name: str, doc_type: str, with_findings: bool, review: Any) -> dict[str, Any]:
    plan = load_plan_file(DATA / "doc_plans" / f"{name}.yaml")
    result = CheckResult(
        plan.kind,
        findings=list(FINDINGS) if with_findings else [],
        notes=["说明一条。"] if with_findings else [],
    )
    return build_context(
        plan,
        doc_type,
        result,
        generated_at=AT,
        review=review,
        kb_version="kb-golden",
        cite_lookup=fake_lookup,
    )


@pytest.mark.parametrize(("name", "doc_type", "with_findings", "review"), CASES)
def test_context_matches_golden_file(
    name: str, doc_type: str, with_findings: bool, review: Any
) -> None:
    context = golden_context(name, doc_type, with_findings, review)
    path = GOLDEN / f"{name}.{doc_type}.json"
    text = json.dumps(context, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    if os.environ.get("LANDBOT_REGEN_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    expected = json.loads(path.read_text(encoding="utf-8"))
    assert json.loads(text) == expected


def test_computed_values_carry_the_checks_labels() -> None:
    from knowledge.rules_engine.loader import load_rules

    derived = load_rules().derived
    rows = computed_rows({"residual_floor_price_yuan_m2": 9000.0, "area_ha": 2.5})
    assert rows == [
        {"label": derived["residual_floor_price_yuan_m2"].label, "value": "9,000元/平方米"}
    ]
    assert computed_rows({"unknown_total_yuan": 12345.0}) == [
        {"label": "unknown_total_yuan", "value": "12,345元（1.2345万元）"}
    ]
