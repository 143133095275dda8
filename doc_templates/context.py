"""The template context: a plan and its check result turned into ready-to-print values.

All logic of the documents lives here, not in the .docx: every value is a formatted
string (missing optional fields read "（未填写）"), lists are rows the templates loop over,
and the few booleans only switch whole paragraphs on or off. The result is plain JSON
data (str, bool, list, dict), so the golden files in tests/data/golden/ pin it down.

Shared parts live in values.py (plan values) and findings.py (合规审查意见); this module
adds what each document derives of its own (三个不低于, 熔断价格, the memo's 方案要点).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from doc_templates import DOC_KINDS, DOC_LABELS, DOC_TYPES, filters
from doc_templates.findings import (
    CiteLookup,
    cited_articles,
    corpus_cite,
    error_count,
    finding_rows,
    review_summary,
)
from doc_templates.values import MISSING, amount, computed_rows, field_values, yuan_with_daxie
from knowledge.checks import CheckResult
from knowledge.errors import BadInput
from knowledge.plan import Plan

TITLE_CHARS_PER_LINE = 20  # 2号 (22 pt) characters across the 156 mm 版心
MEMO_FIELD_KEYS = ("department", "handler")
MEMO_TEXT_LIMIT = 60  # characters of a free-text item in the memo's 方案要点
THREE_NOT_LOWER = (
    ("area_composite_price_yuan", "片区综合价"),
    ("audited_cost_yuan", "审计成本"),
    ("market_price_yuan", "市场地价"),
)
RESERVE_COST_KEYS = ("compensation_cost_yuan", "development_cost_yuan", "other_cost_yuan")
BREAKER_KEYS = (
    "circuit_breaker_pct",
    "post_breaker_rule",
    "self_hold_pct",
    "correction_coefficient",
)


@dataclass(frozen=True)
class ReviewInfo:
    """A superior's review of the plan, printed in the memo (issue 8's review workflow)."""

    reviewer: str
    opinion: str
    time: dt.datetime
    decision: str | None = None  # e.g. 同意, 退回修改
    handler_opinion: str | None = None


def check_doc_kind(plan: Plan, doc_type: str) -> None:
    """Raise `BadInput` unless a `doc_type` document can be made from this plan."""
    if doc_type not in DOC_TYPES:
        raise BadInput(
            f"文书类型「{doc_type}」无效：应为 reserve_plan、supply_plan 或 approval_memo",
            f"unknown document type {doc_type!r}: expected reserve_plan, supply_plan "
            "or approval_memo",
        )
    if plan.kind not in DOC_KINDS[doc_type]:
        have = DOC_LABELS.get(plan.kind, plan.kind)
        raise BadInput(
            f"这是一份{have}（kind: {plan.kind}），不能生成{DOC_LABELS[doc_type]}；"
            f"请使用 --doc {plan.kind} 或 --doc approval_memo",
            f"the plan is a {plan.kind}; it cannot produce a {doc_type} document "
            f"(use --doc {plan.kind} or --doc approval_memo)",
        )


def doc_title(plan: Plan, doc_type: str) -> str:
    label = DOC_LABELS[doc_type]
    if doc_type == "approval_memo":
        return label
    name = " ".join(str(plan.get("project_name") or "").split())
    if not name:
        return f"土地{label}" if doc_type == "reserve_plan" else label
    title = name if name.endswith(label) else f"{name}{label}"
    return "\n".join(filters.title_lines(title, TITLE_CHARS_PER_LINE, keep_end=len(label)))


# --- 储备方案 -------------------------------------------------------------------------------


def reserve_cost_total(plan: Plan) -> float | None:
    parts = [v for k in RESERVE_COST_KEYS if (v := amount(plan, k)) is not None]
    return sum(parts) if parts else None


def three_not_lower(plan: Plan) -> tuple[dict[str, str], str]:
    """三个不低于: for 片区综合价, 审计成本, 市场地价 whether the start price is not lower
    (是/否/无法比较, keyed by the amount's field), and a one-line summary."""
    start = amount(plan, "start_price_yuan")
    verdicts: dict[str, str] = {}
    below: list[str] = []
    compared: list[str] = []
    for key, label in THREE_NOT_LOWER:
        value = amount(plan, key)
        if value is None or start is None:
            verdicts[key] = "无法比较"
            continue
        verdicts[key] = "是" if start >= value else "否"
        (below if start < value else compared).append(label)
    if start is None:
        summary = "未填写起始价，无法进行“三个不低于”比较。"
    elif below:
        summary = f"起始价低于{'、'.join(below)}。"
    elif len(compared) == len(THREE_NOT_LOWER):
        summary = "起始价不低于片区综合价、审计成本和市场地价。"
    elif compared:
        summary = f"起始价不低于{'、'.join(compared)}；其余项目未填写，无法比较。"
    else:
        summary = "片区综合价、审计成本、市场地价均未填写，无法比较。"
    return verdicts, summary


# --- 供地方案 -------------------------------------------------------------------------------


def _in_zhengzhou(jurisdiction: str | None) -> bool:
    if not jurisdiction:
        return False
    from knowledge.jurisdictions import resolve_place

    return "郑州市" in resolve_place(jurisdiction).chain()


def has_breaker_terms(plan: Plan) -> bool:
    """The plan states 熔断 terms (whatever its place)."""
    return any(plan.get(k) is not None for k in BREAKER_KEYS)


def breaker_price(plan: Plan) -> str:
    start = amount(plan, "start_price_yuan")
    pct = amount(plan, "circuit_breaker_pct")
    if start is None or pct is None:
        return MISSING
    return filters.yuan_text(round(start * pct / 100, 2))


# --- 审批呈报单 -----------------------------------------------------------------------------


def join_place(jurisdiction: str, location: str) -> str:
    """郑州市金水区 + 金水区北三环南 → 郑州市金水区北三环南 (no repeated place names)."""
    if jurisdiction in location:
        return location
    for size in range(min(len(jurisdiction), len(location)), 1, -1):
        if location.startswith(jurisdiction[-size:]):
            return jurisdiction[:-size] + location
    return jurisdiction + location


def _place(plan: Plan, values: Mapping[str, Any]) -> str:
    where, location = plan.get("jurisdiction"), plan.get("location")
    if location and where:
        return join_place(str(values["jurisdiction"]), str(values["location"]))
    return str(values["location"] if location else values["jurisdiction"])


def brief(text: str, limit: int = MEMO_TEXT_LIMIT) -> str:
    """Free text cut for the memo's summary, which points to the plan for the whole."""
    return text if len(text) <= limit else text[:limit] + "……（详见方案）"


def memo_summary(plan: Plan, values: Mapping[str, Any]) -> list[str]:
    """方案要点: the facts a superior reads first, totals also in 大写; long free text is cut
    (the memo is a one-page form, the plan holds the whole text)."""
    use = values.get("land_use") if plan.get("land_use") else values.get("planned_use", MISSING)
    lines = [
        f"项目名称：{values['project_name']}（地块编号：{values['parcel_code']}）",
        f"位置：{brief(_place(plan, values))}",
        f"土地面积及用途：{values['area_m2']}，{use}",
    ]
    if plan.kind == "reserve_plan":
        lines += [
            f"收储方式：{values['reserve_mode']}；资金来源：{brief(values['funding_source'])}",
            f"收储成本合计：{yuan_with_daxie(reserve_cost_total(plan))}",
            f"拟供应方式：{values['proposed_supply_method']}；"
            f"起始价：{yuan_with_daxie(amount(plan, 'start_price_yuan'))}",
            f"“三个不低于”比较：{three_not_lower(plan)[1]}",
        ]
    else:
        term = values["term_years"] + ("" if plan.get("term_years") is None else "年")
        lines += [
            f"出让年限：{term}；供应方式：{values['supply_method']}",
            f"出让底价：{yuan_with_daxie(amount(plan, 'reserve_price_yuan'))}",
            f"起始价：{yuan_with_daxie(amount(plan, 'start_price_yuan'))}",
            f"竞买保证金：{yuan_with_daxie(amount(plan, 'deposit_yuan'))}",
        ]
        if has_breaker_terms(plan):
            lines.append(
                f"熔断比例：{values['circuit_breaker_pct']}；"
                f"熔断后竞得规则：{values['post_breaker_rule']}"
            )
    return [f"{n}. {line}" for n, line in enumerate(lines, start=1)]


def _memo_context(
    plan: Plan, values: Mapping[str, Any], generated_at: dt.datetime, review: ReviewInfo | None
) -> dict[str, Any]:
    memo: dict[str, Any] = {k: values[k] for k in MEMO_FIELD_KEYS}
    memo.update(
        subject=f"关于审批《{doc_title(plan, plan.kind).replace(chr(10), '')}》的请示",
        submit_date=filters.chinese_date(generated_at.date()),
        summary=memo_summary(plan, values),
        handler_opinion=(review.handler_opinion or "") if review else "",
        review_opinion=(
            "；".join(x for x in (review.decision, review.opinion) if x) if review else ""
        ),
        reviewer=review.reviewer if review else "",
        review_time=filters.chinese_datetime(review.time) if review else "",
    )
    return memo


# --- the context --------------------------------------------------------------------------


def build_context(
    plan: Plan,
    doc_type: str,
    result: CheckResult,
    *,
    generated_at: dt.datetime,
    review: ReviewInfo | None = None,
    kb_version: str | None = None,
    cite_lookup: CiteLookup | None = None,
) -> dict[str, Any]:
    """The context of a `doc_type` template; the same keys for every plan of a kind."""
    check_doc_kind(plan, doc_type)
    if kb_version is None:
        from knowledge.version import kb_version as current_kb_version

        kb_version = current_kb_version()
    lookup = cite_lookup or corpus_cite
    values = field_values(plan)
    findings = result.findings
    common: dict[str, Any] = {
        "doc_title": doc_title(plan, doc_type),
        "findings": finding_rows(findings, lookup),
        "review_summary": review_summary(findings),
        "provenance": (
            f"landbot 生成　知识库版本：{kb_version}　生成时间："
            f"{filters.chinese_datetime(generated_at)}"
        ),
    }
    if doc_type == "approval_memo":
        return common | _memo_context(plan, values, generated_at, review)
    errors = error_count(findings)
    plan_ctx: dict[str, Any] = values | common
    plan_ctx.update(
        is_draft=errors > 0,
        draft_note=(
            f"本方案经合规审查存在{errors}项错误，见“合规审查意见”，修改前不宜报批。"
            if errors
            else ""
        ),
        cited_articles=cited_articles(findings, lookup),
        notes=list(result.notes),
        computed=computed_rows(result.computed),
    )
    if doc_type == "reserve_plan":
        total = reserve_cost_total(plan)
        verdicts, summary = three_not_lower(plan)
        plan_ctx.update(
            cost_total=MISSING if total is None else filters.yuan_text(total),
            three_not_lower=verdicts,
            three_not_lower_summary=summary,
        )
    else:
        plan_ctx.update(
            show_breaker=_in_zhengzhou(plan.get("jurisdiction")) or has_breaker_terms(plan),
            breaker_price=breaker_price(plan),
        )
    return plan_ctx
