"""`landbot kb validate` for the annual supply plans (knowledge/data, `SUPPLY_PLAN_FILES`).

For each plan: the figures by use add up to the total the text states, and every figure, share
and milestone is found in the words of the article it cites; the scope names existing places
and tags; every land_use value of knowledge/plan_schema.yaml belongs to one category at most;
the milestones lie in the period, in order, and the period is the document's validity.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from importlib import resources
from typing import Any

from knowledge.problems import LineMap, Problem, YamlError, display_path, load_yaml_lines


def validate_supply_plans() -> list[Problem]:
    from knowledge.plan_figures import SUPPLY_PLAN_FILES

    problems: list[Problem] = []
    for name in SUPPLY_PLAN_FILES:
        problems.extend(validate_supply_plan_file(resources.files("knowledge") / f"data/{name}"))
    return problems


def _squash(text: str) -> str:
    return "".join(text.split())


def validate_supply_plan_file(source: Any) -> list[Problem]:
    """The problems of one annual plan file (`source`: a path or a resource)."""
    from knowledge.plan_figures import supply_plan_figures_from

    file = display_path(source)
    try:
        data = load_yaml_lines(source.read_text("utf-8"))
    except YamlError as exc:
        return [Problem(file, exc.line, exc.message)]
    except OSError as exc:
        return [Problem(file, 0, f"无法读取 / cannot read: {exc}")]
    if not isinstance(data, LineMap):
        return [Problem(file, 1, "年度供应计划应为映射 / an annual plan must be a mapping")]
    try:
        plan = supply_plan_figures_from(data)
    except (KeyError, ValueError, TypeError, ArithmeticError) as exc:
        return [Problem(file, data.line, f"年度供应计划无法加载 / cannot load: {exc!r}")]
    out: list[Problem] = []

    def add(line: int | None, message: str) -> None:
        out.append(Problem(file, line, message))

    _check_sum(plan, data, add)
    _check_words(plan, data, add)
    _check_scope(plan, data, add)
    _check_uses(data, add)
    _check_dates(plan, data, add)
    return out


def _cat_lines(data: LineMap) -> list[int]:
    cats = data.get("categories") or []
    return [getattr(c, "line", data.line_of("categories")) for c in cats]


def _check_sum(plan: Any, data: LineMap, add: Any) -> None:
    if plan.hectares_total() != plan.total_ha:
        add(
            data.line_of("total_ha"),
            f"各类用地面积合计 {plan.hectares_total()} 公顷 ≠ 文件所述总量 {plan.total_ha} 公顷"
            f" / categories sum to {plan.hectares_total()} ha, the text states {plan.total_ha}",
        )


def _article_text(cite: Any) -> str | None:
    from knowledge.corpus import load_corpus

    article = load_corpus().article(cite.doc_id, cite.article)
    return None if article is None else _squash(article.text)


def _check_words(plan: Any, data: LineMap, add: Any) -> None:
    """Each figure is in its article: the total, every category's hectares and share, and the
    quoted words of every milestone."""
    text = _article_text(plan.total_cite)
    if text is None:
        add(data.line_of("total_cite"), f"{plan.doc_id} 中没有条文 {plan.total_cite.article}")
    elif f"{plan.total_ha}公顷" not in text:
        add(data.line_of("total_ha"), f"总量 {plan.total_ha}公顷 不见于 {plan.total_cite.article}")
    for cat, line in zip(plan.categories, _cat_lines(data), strict=False):
        text = _article_text(cat.cite)
        if text is None:
            add(line, f"{plan.doc_id} 中没有条文 {cat.cite.article}")
            continue
        start = text.find(cat.name)
        tail = text[start:] if start >= 0 else ""
        if f"{cat.hectares}公顷" not in tail or f"{cat.share_pct}%" not in tail:
            add(
                line,
                f"{cat.name} {cat.hectares}公顷（{cat.share_pct}%）不见于 {cat.cite.article}"
                f" / figure not in the article",
            )
    if plan.outside_plan_cite is not None:
        text = _article_text(plan.outside_plan_cite)
        if text is None or _squash(plan.outside_plan_quote) not in text:
            add(
                data.line_of("outside_plan"),
                f"「{plan.outside_plan_quote}」不见于 {plan.outside_plan_cite.doc_id} "
                f"{plan.outside_plan_cite.article} / quote not in the article",
            )
    milestones = data.get("milestones") or []
    for m, node in zip(plan.milestones, milestones, strict=False):
        line = getattr(node, "line", data.line_of("milestones"))
        text = _article_text(m.cite)
        if text is None or not m.quote or _squash(m.quote) not in text:
            add(line, f"节点「{m.quote}」不见于 {m.cite.article} / quote not in the article")
            continue
        pct_words = "全面完成" if m.min_completion_pct == 100 else f"{m.min_completion_pct}%"
        if f"{m.by.month}月" not in m.quote or pct_words not in m.quote:
            add(
                line,
                f"节点 {m.by} {m.min_completion_pct}% 与原文「{m.quote}」不符 / quote ≠ figures",
            )


def _check_scope(plan: Any, data: LineMap, add: Any) -> None:
    from knowledge.jurisdictions import all_places, find_place

    if not plan.scope:
        add(data.line, "缺少计划范围 scope / no scope")
    for pid in plan.scope:
        if find_place(pid) is None:
            add(data.line_of("scope"), f"未知地点 {pid!r} / unknown place id")
    tags = {t for p in all_places() for t in p.tags}
    for tag in sorted(plan.scope_tags - tags):
        add(data.line_of("scope_tags"), f"未知标签 {tag!r} / unknown tag")


def _check_uses(data: LineMap, add: Any) -> None:
    from knowledge.plan import schema

    uses = set(schema().keys["land_use"].choices)
    seen: dict[str, str] = {}
    for cat, line in zip(data.get("categories") or [], _cat_lines(data), strict=False):
        for use in cat.get("includes") or []:
            if use not in uses:
                add(line, f"{cat.get('name')} 含未知土地用途 {use!r} / unknown land_use")
            elif use in seen:
                add(line, f"土地用途 {use} 同时属于 {seen[use]} 和 {cat.get('name')}")
            seen[use] = str(cat.get("name"))


def _check_dates(plan: Any, data: LineMap, add: Any) -> None:
    from knowledge.corpus import load_corpus

    doc = load_corpus().document(plan.doc_id)
    if doc is not None and (doc.valid_from, doc.valid_to) != (plan.valid_from, plan.valid_to):
        add(data.line_of("period"), "计划期限与文件有效期不一致 / period ≠ document validity")
    last: tuple[dt.date, Decimal] | None = None
    for m in plan.milestones:
        if not plan.valid_from <= m.by <= plan.valid_to:
            add(data.line_of("milestones"), f"节点 {m.by} 不在计划期限内 / outside the period")
        if last is not None and (m.by <= last[0] or m.min_completion_pct < last[1]):
            add(data.line_of("milestones"), f"节点 {m.by} 未按时间递增 / not in order")
        last = (m.by, m.min_completion_pct)
    if plan.milestones and plan.milestones[-1].min_completion_pct != 100:
        add(data.line_of("milestones"), "最后一个节点应为全面完成（100%）/ last must be 100%")
