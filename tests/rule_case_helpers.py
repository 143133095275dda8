"""Helpers shared by the rule tests: clean plans of tests/data/plans with field overrides."""

from __future__ import annotations

import copy
import datetime as dt
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from knowledge.checks import CheckResult, check_plan
from knowledge.plan import Plan, plan_from_mapping

DATA = Path(__file__).parent / "data"
PLANS = DATA / "plans"
CLEAN_PLANS = sorted(p.stem for p in PLANS.glob("*.yaml"))


@cache
def _raw(name: str) -> dict[str, Any]:
    data = yaml.safe_load((PLANS / f"{name}.yaml").read_text("utf-8"))
    assert isinstance(data, dict)
    return data


def plan_with(name: str, overrides: dict[str, Any] | None = None) -> Plan:
    """The clean plan `name` with `overrides` applied to its fields (None removes a field)."""
    data = copy.deepcopy(_raw(name))
    for key, value in (overrides or {}).items():
        if value is None:
            data["fields"].pop(key, None)
        else:
            data["fields"][key] = value
    return plan_from_mapping(data)


def check(
    name: str, overrides: dict[str, Any] | None = None, *, partial: bool = False
) -> CheckResult:
    return check_plan(plan_with(name, overrides), partial=partial)


def ids(result: CheckResult) -> set[str]:
    return {f.rule_id for f in result.findings}


@cache
def rule_cases() -> dict[str, dict[str, Any]]:
    data = yaml.safe_load((DATA / "rule_cases.yaml").read_text("utf-8"))
    assert isinstance(data, dict)
    return data


def as_list(value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def plan_date(name: str, overrides: dict[str, Any]) -> dt.date:
    value = overrides.get("prepared_date", _raw(name)["fields"]["prepared_date"])
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
