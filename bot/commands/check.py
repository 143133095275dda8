"""`landbot check PLAN_FILE [--json]`: check a plan against the policy rules (CONTRACT §2–§4).

Exit 0 when no finding is an error, 1 when some is, 2 on bad input (via `BadInput`).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

TITLE_WIDTH = 60


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "check",
        help="按政策规则核查方案 / check a plan against the policy rules",
        description="按方案所在行政区和编制日期有效的政策规则核查储备方案或供地方案。"
        " 退出码：0 无错误，1 有错误，2 输入有误。",
    )
    p.add_argument("plan_file", metavar="PLAN_FILE", help="方案文件（JSON 或 YAML）")
    p.add_argument("--json", action="store_true", help="输出 JSON（CONTRACT §4）")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from knowledge.checks import check_plan
    from knowledge.plan import load_plan_file

    plan = load_plan_file(args.plan_file)
    result = check_plan(plan)
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    else:
        print(render_text(plan, result))
    return 0 if result.passed else 1


def render_text(plan: Any, result: Any) -> str:
    """The human report: verdict, findings grouped by severity with citations, computed values,
    then notes."""
    from knowledge.corpus import load_corpus
    from knowledge.findings import SEVERITY_LABELS
    from knowledge.plan import KIND_LABELS
    from knowledge.rules_engine.loader import load_rules
    from knowledge.rules_engine.template import format_date, format_number

    corpus = load_corpus()
    lines: list[str] = []
    name = plan.get("project_name") or "（未填写项目名称）"
    where = result.place or plan.get("jurisdiction") or "（未填写所在行政区）"
    date = format_date(result.as_of) if result.as_of else ""
    lines.append(f"核查：{KIND_LABELS.get(result.kind, result.kind)}「{name}」")
    lines.append(f"地点：{where}　依据日期：{date}")
    counts = {s: sum(1 for f in result.findings if f.severity == s) for s in SEVERITY_LABELS}
    verdict = "通过" if result.passed else "未通过"
    summary = "，".join(f"{SEVERITY_LABELS[s]} {n} 项" for s, n in counts.items())
    lines.append(f"结论：{verdict}（{summary}）")
    for severity, label in SEVERITY_LABELS.items():
        group = [f for f in result.findings if f.severity == severity]
        if not group:
            continue
        lines.append("")
        lines.append(f"【{label}】")
        for i, f in enumerate(group, 1):
            doc = corpus.document(f.cite.doc_id)
            title = doc.title if doc else f.cite.doc_id
            number = f"（{doc.number}）" if doc is not None and doc.number else ""
            field = f"〔{f.field}〕" if f.field else ""
            lines.append(f"{i}. {field}{f.message}")
            lines.append(f"   依据：《{title}》{number}{f.cite.article}　规则 {f.rule_id}")
    if result.computed:
        lines.append("")
        lines.append("【计算值】")
        derived = load_rules().derived
        for key, value in result.computed.items():
            d = derived.get(key)
            label = d.label if d else key
            unit = f" {d.unit}" if d is not None and d.unit else ""
            lines.append(f"- {label}：{format_number(value)}{unit}（{key}）")
    if result.notes:
        lines.append("")
        lines.append("【说明】")
        lines.extend(f"- {n}" for n in result.notes)
    return "\n".join(lines)
