"""The advisor's answer as a numbered checklist an official can forward, every line sourced."""

from __future__ import annotations

from knowledge.citation import Cite
from knowledge.procedure.result import PHASE_LABELS, STAGE_LABELS, ProcedureResult


def _src(r: ProcedureResult, cite: Cite) -> str:
    return f"《{r.titles.get(cite.doc_id, cite.doc_id)}》{cite.article}"


def _date(r: ProcedureResult) -> str:
    d = r.as_of
    return f"{d.year}年{d.month}月{d.day}日"


def render_checklist(r: ProcedureResult) -> str:
    """Plain text: place and documents, mode and why, steps, methods, preconditions, gaps."""
    lines = [f"地块程序判定（判定日期：{_date(r)}）"]
    place = " › ".join(r.chain) if r.chain else (r.jurisdiction_name or "未说明")
    lines.append(f"所在地：{place}")
    if r.documents:
        lines.append("适用文件：")
        for d in r.documents:
            mark = "（部分条款参照执行）" if d.applicability != "binding" else ""
            number = f"（{d.number}）" if d.number else ""
            lines.append(f"  · 《{d.title}》{number}{mark}")
    lines.append("")
    lines.append("一、收储方式")
    mode = r.mode or ("无需收储（已是储备土地）" if r.mode_determined else "待定")
    if r.mode_provisional:
        mode += "（待确认）"
    lines.append(f"  {mode}")
    lines.append(f"  理由：{r.mode_reason}")
    for c in r.mode_cites:
        lines.append(f"  依据：{_src(r, c)}")
    for rule in r.reserve_rules:
        lines.append(f"  审批权限：{rule.text}（{_src(r, rule.cite)}）")
    lines.append("")
    lines.append("二、办理步骤")
    if not r.steps:
        lines.append("  （补充信息后才能列出步骤）")
    for i, s in enumerate(r.steps, 1):
        ref = "（参照执行）" if s.applicability == "reference" else ""
        lines.append(f"  {i}. 【{PHASE_LABELS[s.phase]}】{s.title}{ref}")
        lines.append(f"     责任主体：{s.actor}；依据：{_src(r, s.cite)}")
    lines.append("")
    lines.append("三、供应方式")
    if r.methods:
        lines.append(f"  可采用：{'、'.join(r.methods)}")
        for v in r.method_reasons:
            lines.append(f"    {v.method}：{_src(r, v.cite)}")
    for v in r.excluded:
        lines.append(f"  不可采用：{v.method}——{v.reason}（{_src(r, v.cite)}）")
    if r.not_addressed:
        lines.append(f"  适用文件未作规定：{'、'.join(r.not_addressed)}")
    if r.supply_rules:
        lines.append("  供应规则：")
        for i, rule in enumerate(r.supply_rules, 1):
            ref = "（参照执行）" if rule.applicability == "reference" else ""
            lines.append(f"  {i}. {rule.text}{ref}（{_src(r, rule.cite)}）")
    lines.append("")
    lines.append("四、前置条件")
    for i, p in enumerate(r.preconditions, 1):
        lines.append(f"  {i}. 【{STAGE_LABELS[p.stage]}｜{p.status}】{p.item}（{_src(r, p.cite)}）")
    if r.missing:
        lines.append("")
        lines.append("五、尚需补充的信息")
        for i, (_, q) in enumerate(r.missing, 1):
            lines.append(f"  {i}. {q}")
    if r.notes:
        lines.append("")
        lines.append("说明：")
        for n in r.notes:
            lines.append(f"  · {n}")
    return "\n".join(lines)
