"""The template context: a plan and its check result turned into ready-to-print values.

All logic of the documents lives here, not in the .docx: every value is a formatted
string (missing optional fields read "（未填写）"), lists are rows the templates loop over,
and the few booleans only switch whole paragraphs on or off. The result is plain JSON
data (str, bool, list, dict), so the golden files in tests/data/golden/ pin it down.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.errors import BadInput
from bot.plan import KeySpec, Plan, schema
from doc_templates import filters
from knowledge.checks import SEVERITY_LABELS, SEVERITY_ORDER, CheckResult, Finding
from knowledge.citation import Cite

DOC_TYPES = ("reserve_plan", "supply_plan", "approval_memo")
DOC_LABELS = {"reserve_plan": "储备方案", "supply_plan": "供地方案", "approval_memo": "审批呈报单"}
MISSING = "（未填写）"
TITLE_CHARS_PER_LINE = 20  # 2号 (22 pt) characters across the 156 mm 版心
# The plan kinds each document can be made from.
DOC_KINDS = {
    "reserve_plan": ("reserve_plan",),
    "supply_plan": ("supply_plan",),
    "approval_memo": ("reserve_plan", "supply_plan"),
}
MEMO_FIELD_KEYS = ("department", "handler")
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
CiteLookup = Callable[[Cite], tuple[str, str | None]]


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


def corpus_cite(cite: Cite) -> tuple[str, str | None]:
    """`《title》（文号）article` and the verbatim article text, from the knowledge base."""
    from knowledge.corpus import load_corpus

    corpus = load_corpus()
    doc = corpus.document(cite.doc_id)
    if doc is None:
        return f"{cite.doc_id} {cite.article}", None
    number = f"（{doc.number}）" if doc.number else ""
    article = doc.article(cite.article)
    return f"《{doc.title}》{number}{cite.article}", article.text if article else None


# --- values -------------------------------------------------------------------------------


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
    """Every sub-item of five_checks / net_land with 已完成/未完成 or （未填写）."""
    sch = schema()
    given = value or {}
    rows = []
    for sub in spec.subkeys:
        state = given.get(sub)
        text = MISSING if state is None else ("已完成" if state else "未完成")
        if spec.key == "net_land" and state is not None:
            text = "是" if state else "否"
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


def _computed_value(name: str, value: Any, unit: str = "") -> str:
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
        return "、".join(_computed_value(name, v, unit) for v in value)
    if isinstance(value, Mapping):
        return "；".join(f"{k}：{_computed_value(str(k), v)}" for k, v in value.items())
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
        rows.append({"label": label, "value": _computed_value(name, value, unit)})
    return rows


# --- findings -----------------------------------------------------------------------------


def sorted_findings(findings: list[Finding]) -> list[Finding]:
    """Errors first, then warnings, then notes; the rules' own order within a level."""
    return sorted(findings, key=lambda f: SEVERITY_ORDER.get(f.severity, 9))


def finding_rows(findings: list[Finding], lookup: CiteLookup) -> list[dict[str, str]]:
    sch = schema()
    rows = []
    for number, f in enumerate(sorted_findings(findings), start=1):
        rows.append(
            {
                "no": str(number),
                "severity": SEVERITY_LABELS.get(f.severity, f.severity),
                "field": sch.label(f.field) if f.field else "",
                "message": f.message,
                "cite": lookup(f.cite)[0],
            }
        )
    return rows


def cited_articles(findings: list[Finding], lookup: CiteLookup) -> list[dict[str, str]]:
    """Each cited article once, in the order the sorted findings cite them, with its text."""
    seen: set[Cite] = set()
    rows = []
    for f in sorted_findings(findings):
        if f.cite in seen:
            continue
        seen.add(f.cite)
        cite_text, text = lookup(f.cite)
        rows.append({"cite": cite_text, "text": text or "（知识库中未找到该条文）"})
    return rows


def review_summary(findings: list[Finding]) -> str:
    counts = {level: sum(f.severity == level for f in findings) for level in SEVERITY_ORDER}
    if not findings:
        return "经对照适用的政策规则核查，未发现不符合规定的情形。"
    parts = "、".join(f"{SEVERITY_LABELS[k]}{n}项" for k, n in counts.items() if n)
    text = f"经对照适用的政策规则核查，发现{parts}"
    if counts["error"]:
        return text + "。存在错误项，须修改后再行报批。"
    return text + "，请逐项核实。"


# --- derived values -----------------------------------------------------------------------


def _amount(plan: Plan, key: str) -> float | None:
    value = plan.get(key)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def reserve_cost_total(plan: Plan) -> float | None:
    parts = [v for k in RESERVE_COST_KEYS if (v := _amount(plan, k)) is not None]
    return sum(parts) if parts else None


def three_not_lower(plan: Plan) -> tuple[dict[str, str], str]:
    """三个不低于: for 片区综合价, 审计成本, 市场地价 whether the start price is not lower
    (是/否/无法比较, keyed by the amount's field), and a one-line summary."""
    start = _amount(plan, "start_price_yuan")
    verdicts: dict[str, str] = {}
    below: list[str] = []
    compared: list[str] = []
    for key, label in THREE_NOT_LOWER:
        amount = _amount(plan, key)
        if amount is None or start is None:
            verdicts[key] = "无法比较"
            continue
        verdicts[key] = "是" if start >= amount else "否"
        (below if start < amount else compared).append(label)
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


def _in_zhengzhou(jurisdiction: str | None) -> bool:
    if not jurisdiction:
        return False
    from knowledge.jurisdictions import resolve_place

    return "郑州市" in resolve_place(jurisdiction).chain()


def breaker_price(plan: Plan) -> str:
    start = _amount(plan, "start_price_yuan")
    pct = _amount(plan, "circuit_breaker_pct")
    if start is None or pct is None:
        return MISSING
    return filters.yuan_text(round(start * pct / 100, 2))


def _money_with_daxie(plan: Plan, key: str) -> str:
    value = _amount(plan, key)
    if value is None:
        return MISSING
    return f"{filters.yuan_text(value)}（大写：{filters.daxie_amount(value)}）"


def doc_title(plan: Plan, doc_type: str) -> str:
    label = DOC_LABELS[doc_type]
    if doc_type == "approval_memo":
        return label
    name = " ".join(str(plan.get("project_name") or "").split())
    if not name:
        return f"土地{label}" if doc_type == "reserve_plan" else label
    title = name if name.endswith(label) else f"{name}{label}"
    return "\n".join(filters.title_lines(title, TITLE_CHARS_PER_LINE, keep_end=len(label)))


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


def memo_summary(plan: Plan, values: Mapping[str, Any]) -> list[str]:
    """方案要点: the facts a superior reads first, totals also in 大写."""
    use = values.get("land_use") if plan.get("land_use") else values.get("planned_use", MISSING)
    lines = [
        f"项目名称：{values['project_name']}（地块编号：{values['parcel_code']}）",
        f"位置：{_place(plan, values)}",
        f"土地面积及用途：{values['area_m2']}，{use}",
    ]
    if plan.kind == "reserve_plan":
        total = reserve_cost_total(plan)
        total_text = (
            MISSING
            if total is None
            else f"{filters.yuan_text(total)}（大写：{filters.daxie_amount(total)}）"
        )
        lines += [
            f"收储方式：{values['reserve_mode']}；资金来源：{values['funding_source']}",
            f"收储成本合计：{total_text}",
            f"拟供应方式：{values['proposed_supply_method']}；"
            f"起始价：{_money_with_daxie(plan, 'start_price_yuan')}",
            f"“三个不低于”比较：{three_not_lower(plan)[1]}",
        ]
    else:
        term = values["term_years"] + ("" if plan.get("term_years") is None else "年")
        lines += [
            f"出让年限：{term}；供应方式：{values['supply_method']}",
            f"出让底价：{_money_with_daxie(plan, 'reserve_price_yuan')}",
            f"起始价：{_money_with_daxie(plan, 'start_price_yuan')}",
            f"竞买保证金：{_money_with_daxie(plan, 'deposit_yuan')}",
        ]
        if any(plan.get(k) is not None for k in BREAKER_KEYS):
            lines.append(
                f"熔断比例：{values['circuit_breaker_pct']}；"
                f"熔断后竞得规则：{values['post_breaker_rule']}"
            )
    return [f"{n}. {line}" for n, line in enumerate(lines, start=1)]


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
    errors = sum(f.severity == "error" for f in findings)
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
        return common | memo
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
            show_breaker=_in_zhengzhou(plan.get("jurisdiction"))
            or any(plan.get(k) is not None for k in BREAKER_KEYS),
            breaker_price=breaker_price(plan),
        )
    return plan_ctx
