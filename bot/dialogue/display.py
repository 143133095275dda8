"""How answers read back to an official: echoes, the review card and findings."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from bot.dialogue.form import Form, FormField
from bot.dialogue.parsers.quantities import fmt_num
from bot.dialogue.types import DialogueState, Message
from knowledge.findings import SEVERITY_LABELS, SEVERITY_ORDER, Finding
from knowledge.plan import MU_M2, KeySpec, schema

SEVERITY_MARKS = {"error": "❗", "warning": "⚠️", "info": "ℹ️"}
REVIEW_VALUE_CHARS = 80


def _unit(key: str) -> str:
    if key.endswith("_years"):
        return " 年"
    if key.endswith("_days"):
        return " 天"
    if key.endswith("_months"):
        return " 个月"
    if key.endswith("_m"):
        return " 米"
    return ""


def show_value(spec: KeySpec, value: Any) -> str:
    """One answer as an official would write it: 25,000 平方米（37.5 亩）, 3,200 万元, 25%."""
    if value is None:
        return "（未填）"
    t = spec.type
    if isinstance(value, bool):
        return "是" if value else "否"
    if t == "area_m2":
        return f"{fmt_num(value)} 平方米（约 {fmt_num(value / MU_M2)} 亩）"
    if t == "money_yuan":
        text = f"{fmt_num(value)} 元"
        if abs(value) >= 10000:
            text += f"（{fmt_num(value / 10000, 6)} 万元）"
        return text
    if t == "price_yuan_m2":
        return f"{fmt_num(value)} 元/平方米"
    if t == "pct":
        return f"{fmt_num(value, 6)}%"
    if t in ("ratio", "float", "int") and isinstance(value, int | float):
        return f"{fmt_num(value, 6)}{_unit(spec.key)}"
    if t == "date" and isinstance(value, str):
        try:
            d = dt.date.fromisoformat(value)
        except ValueError:
            return value
        return f"{d.year}年{d.month}月{d.day}日"
    if t == "bool_map" and isinstance(value, Mapping):
        sch = schema()
        parts = [
            f"{sch.label(k)}：{'是' if value[k] else '否'}" for k in spec.subkeys if k in value
        ]
        return "；".join(parts) if parts else "（未填）"
    return str(value)


def sub_label(sub: str) -> str:
    """The label of a map sub-key (five_checks / net_land), not of a top-level key."""
    return schema().labels.get(sub, sub)


def clip(text: str, limit: int = REVIEW_VALUE_CHARS) -> str:
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= limit else one_line[: limit - 1] + "…"


def finding_from_json(d: Mapping[str, Any]) -> Finding:
    from knowledge.citation import Cite

    cite = d.get("cite") or {}
    return Finding(
        rule_id=str(d.get("rule_id", "")),
        severity=d.get("severity", "info"),
        field=d.get("field"),
        message=str(d.get("message", "")),
        cite=Cite(str(cite.get("doc_id", "")), str(cite.get("article", ""))),
    )


@cache
def source_name(doc_id: str) -> str:
    """How an official names a source: 《短标题》, or the 文号 of a long title, else the id."""
    from knowledge.corpus import load_corpus  # packaged data, read once

    doc = load_corpus().documents.get(doc_id)
    if doc is None:
        return doc_id
    title = re.sub(r"（[^）]*）$", "", doc.title).strip()
    if doc.number and len(title) > 20:
        return doc.number
    return f"《{title}》"


def cite_text(f: Finding) -> str:
    name = source_name(f.cite.doc_id)
    sep = "" if name.endswith("》") else " "
    return f"依据：{name}{sep}{f.cite.article}".rstrip()


def finding_line(f: Finding) -> str:
    mark = SEVERITY_MARKS.get(f.severity, "")
    label = SEVERITY_LABELS.get(f.severity, f.severity)
    return f"{mark}{label}：{f.message}（{cite_text(f)}）"


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (SEVERITY_ORDER.get(f.severity, 9), f.rule_id))


def field_lines(f: FormField, state: DialogueState) -> list[str]:
    value = state.answers.get(f.key)
    if f.key in state.skipped and value is None:
        return [f"{f.label}：（已跳过）"]
    if f.is_map:
        done = value if isinstance(value, Mapping) else {}
        lines = [f"{f.label}："]
        for sub in f.spec.subkeys:
            shown = ("是" if done[sub] else "否") if sub in done else "（未填）"
            lines.append(f"  {sub_label(sub)}：{shown}")
        return lines
    return [f"{f.label}：{clip(show_value(f.spec, value))}"]


def review_card(form: Form, state: DialogueState, findings: Iterable[Finding] = ()) -> Message:
    """All answers grouped by section, what is still missing, and the findings given."""
    applicable = form.applicable(state.answers)
    filled = sum(1 for f in applicable if _complete(f, state))
    lines = [f"📋 {form.title}填写情况（已填 {filled}/{len(applicable)} 项）"]
    for section in form.sections:
        fields = [f for f in applicable if f.section == section]
        if not fields:
            continue
        lines.append("")
        lines.append(f"【{section}】")
        if not any(f.key in state.answers or f.key in state.skipped for f in fields):
            lines.append(f"（尚未填写，共 {len(fields)} 项）")
            continue
        for f in fields:
            lines.extend(field_lines(f, state))
    missing = [f.label for f in applicable if not f.optional and not _complete(f, state)]
    lines.append("")
    lines.append("尚未填写的必填项：" + ("、".join(missing) if missing else "无"))
    found = sort_findings(findings)
    if found:
        counts = {s: sum(1 for f in found if f.severity == s) for s in ("error", "warning", "info")}
        summary = "、".join(f"{SEVERITY_LABELS[s]} {n} 项" for s, n in counts.items() if n)
        lines.append("")
        lines.append(f"政策核查：{summary}")
        lines.extend(finding_line(f) for f in found)
    return Message("\n".join(lines), "review")


def _complete(f: FormField, state: DialogueState) -> bool:
    value = state.answers.get(f.key)
    if f.is_map:
        return isinstance(value, Mapping) and all(k in value for k in f.spec.subkeys)
    return value is not None
