"""Plan values as the documents print them: every type formatted, a missing one "（未填写）".

Shared by every document: the fields of a plan, the sub-items of 五项核查 / 净地条件, and
the values the policy checks computed (测算结果).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from doc_templates import filters
from knowledge.plan import KeySpec, Plan, schema

MISSING = "（未填写）"


def yes_no(value: bool) -> str:
    return "是" if value else "否"


def format_value(spec: KeySpec, value: Any) -> str:
    """One plan value as it is printed (bool maps are rows, see `bool_map_rows`)."""
    t = spec.type
    if isinstance(value, bool):
        return yes_no(value)
    if t == "area_m2":
        return filters.area_text(value)
    if t == "money_yuan":
        return filters.yuan_text(value)
    if t == "price_yuan_m2":
        return filters.price_m2_text(value)
    if t == "pct":
        return filters.percent_text(value)
    if t in ("ratio", "float", "int"):
        return filters.number_text(value)
    if t == "date":
        return filters.chinese_date(value)
    return str(value)


def bool_map_rows(spec: KeySpec, value: Mapping[str, bool] | None) -> list[dict[str, str]]:
    """Every sub-item of five_checks (已完成/未完成) or net_land (是/否); （未填写） if not given."""
    sch = schema()
    given = value or {}
    done, not_done = ("是", "否") if spec.key == "net_land" else ("已完成", "未完成")
    rows = []
    for sub in spec.subkeys:
        state = given.get(sub)
        text = MISSING if state is None else (done if state else not_done)
        rows.append({"label": sch.labels.get(sub) or sch.label(sub), "value": text})
    return rows


def field_values(plan: Plan) -> dict[str, Any]:
    """Every key of the plan's kind, formatted; missing keys read （未填写）."""
    out: dict[str, Any] = {}
    for spec in schema().keys_for(plan.kind):
        value = plan.get(spec.key)
        if spec.type == "bool_map":
            out[spec.key] = bool_map_rows(spec, value)
        elif value is None:
            out[spec.key] = MISSING
        else:
            out[spec.key] = format_value(spec, value)
    return out


def amount(plan: Plan, key: str) -> float | None:
    """A number of the plan as a float (None when missing or not a number)."""
    value = plan.get(key)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def yuan_with_daxie(value: float | None) -> str:
    """`1,000,000元（100万元）（大写：人民币壹佰万元整）`, as a memo states an amount."""
    if value is None:
        return MISSING
    return f"{filters.yuan_text(value)}（大写：{filters.daxie_amount(value)}）"


# --- computed values ----------------------------------------------------------------------


def computed_value(name: str, value: Any, unit: str = "") -> str:
    """A value the checks computed, by its unit (or, without one, by its name's suffix)."""
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, int | float):
        if unit == "元" or (not unit and name.endswith("_yuan")):
            return filters.yuan_text(value)
        if unit == "元/平方米" or (not unit and name.endswith("_yuan_m2")):
            return filters.price_m2_text(value)
        if not unit and name.endswith("_pct"):
            return filters.percent_text(value)
        return filters.number_text(value) + unit
    if isinstance(value, dt.date):
        return filters.chinese_date(value)
    if isinstance(value, list | tuple):
        return "、".join(computed_value(name, v, unit) for v in value)
    if isinstance(value, Mapping):
        return "；".join(f"{k}：{computed_value(str(k), v)}" for k, v in value.items())
    return MISSING if value is None else str(value)


def _derived_specs() -> Mapping[str, Any]:
    """The policy checks' definitions of computed values (label, unit, source article)."""
    from knowledge.rules_engine.loader import load_rules

    return load_rules().derived


def computed_rows(computed: Mapping[str, Any]) -> list[dict[str, str]]:
    """测算结果: the values the checks computed from an article (unit conversions are left
    out: the fields already show them)."""
    if not computed:
        return []
    sch = schema()
    specs = _derived_specs()
    rows = []
    for name, value in computed.items():
        spec = specs.get(name)
        if spec is not None and spec.doc_id is None:
            continue
        label = spec.label if spec is not None else sch.label(name)
        unit = spec.unit if spec is not None else ""
        rows.append({"label": label, "value": computed_value(name, value, unit)})
    return rows
