"""Every rule of knowledge/rules, driven by tests/data/rule_cases.yaml: it fires where it should,
stays silent on the boundary, outside its document's jurisdiction and outside its validity."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from knowledge.corpus import applicability, load_corpus
from knowledge.jurisdictions import resolve_place
from knowledge.rules_engine import Rule, load_rules
from tests.rule_case_helpers import as_list, check, ids, plan_date, rule_cases

RULES = load_rules().rules
# places that some document does not govern (the last one: outside the knowledge base)
OTHER_PLACES = ("云南省昆明市嵩明县", "郑州市金水区", "新密市", "焦作市山阳区", "北京市朝阳区")


def _case_key(rule: Rule) -> str:
    base = rule.id.split(".")[0]
    return base if "." in rule.id else rule.id


def _cases(rule: Rule) -> tuple[str, list[dict[str, Any]], list[dict[str, Any]]]:
    entry = rule_cases()[_case_key(rule)]
    base = entry["base"]
    if entry.get("required"):
        key = rule.id.split(".", 1)[1]
        removed = {key: None, **{k: None for k in (entry.get("also_remove") or {}).get(key, [])}}
        return base, [removed], [{}]
    return base, as_list(entry.get("fire")), as_list(entry.get("pass"))


def test_every_rule_has_cases_and_every_case_a_rule() -> None:
    cases = rule_cases()
    missing = sorted({_case_key(r) for r in RULES} - set(cases))
    assert not missing, f"rules without cases in tests/data/rule_cases.yaml: {missing}"
    stale = sorted(set(cases) - {_case_key(r) for r in RULES})
    assert not stale, f"cases for rules that do not exist: {stale}"
    for rule in RULES:
        _base, fire, passing = _cases(rule)
        assert fire and passing, f"{rule.id}: needs at least one fire and one pass case"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_fires(rule: Rule) -> None:
    base, fire, _ = _cases(rule)
    for overrides in fire:
        result = check(base, overrides)
        found = [f for f in result.findings if f.rule_id == rule.id]
        assert found, f"{rule.id} did not fire on {base} with {overrides}"
        finding = found[0]
        assert finding.cite.doc_id == rule.doc_id and finding.cite.article == rule.article
        assert load_corpus().article(rule.doc_id, rule.article) is not None
        place = resolve_place(str(check_plan_field(base, overrides, "jurisdiction"))).place
        level = applicability(rule.doc_id, place, plan_date(base, overrides), rule.article)
        assert finding.severity == ("info" if level == "reference" else rule.severity)
        assert "{" not in finding.message and "}" not in finding.message


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_passes_on_boundary(rule: Rule) -> None:
    base, _, passing = _cases(rule)
    for overrides in passing:
        assert rule.id not in ids(check(base, overrides)), f"{rule.id} fired with {overrides}"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_silent_outside_its_jurisdiction(rule: Rule) -> None:
    base, fire, _ = _cases(rule)
    doc = load_corpus().document(rule.doc_id)
    assert doc is not None
    overrides = fire[0]
    on = plan_date(base, overrides)
    for text in OTHER_PLACES:
        place = resolve_place(text).place
        if applicability(rule.doc_id, place, on, rule.article) is None:
            assert rule.id not in ids(check(base, {**overrides, "jurisdiction": text}))
            return
    assert doc.is_national(), f"{rule.id}: no place outside {rule.doc_id} to test"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_silent_outside_its_validity(rule: Rule) -> None:
    base, fire, _ = _cases(rule)
    doc = load_corpus().document(rule.doc_id)
    assert doc is not None
    dates = []
    if doc.valid_from is not None:
        dates.append(doc.valid_from - dt.timedelta(days=1))
    if doc.valid_to is not None:
        dates.append(doc.valid_to + dt.timedelta(days=1))
    if not dates:  # the document states no period: nothing to test, and that is its data
        assert doc.valid_from is None and doc.valid_to is None
        return
    for on in dates:
        assert rule.id not in ids(check(base, {**fire[0], "prepared_date": on})), on


def check_plan_field(base: str, overrides: dict[str, Any], key: str) -> Any:
    from tests.rule_case_helpers import plan_with

    return plan_with(base, overrides).get(key)
