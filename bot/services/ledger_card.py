"""The progress card of the supply ledger: the same lines in Telegram, on the web page and in
the terminal."""

from __future__ import annotations

from bot.services.ledger_progress import Progress
from storage.domain import LEDGER_STATUS_LABELS, User


def _ha(value: float) -> str:
    return f"{value:,.2f}"


def _day(d: object) -> str:
    import datetime as dt

    assert isinstance(d, dt.date)
    return f"{d.month}月{d.day}日"


def card_lines(progress: Progress) -> list[str]:
    """The card, one short line each (readable on a phone)."""
    plan = progress.plan
    lines: list[str] = []
    if plan is None:
        lines.append(f"供应台账：{progress.place} {progress.year}年度")
        lines.append(f"统计日期：{progress.as_of.isoformat()}")
        lines.extend(progress.notes)
        lines.append(f"已供应 {_ha(progress.supplied_ha)} 公顷（{progress.supplied_parcels} 宗）")
        for c in progress.categories:
            if c.supplied_ha or c.pending_ha:
                lines.append(f"· {c.name} 已供应 {_ha(c.supplied_ha)}，待供应 {_ha(c.pending_ha)}")
    else:
        lines.append(f"供应台账：{plan.jurisdiction}{plan.year}年度国有建设用地供应计划")
        lines.append(
            f"统计日期 {progress.as_of.isoformat()}，计划总量 {_ha(float(plan.total_ha))} 公顷"
        )
        lines.extend(progress.notes)
        lines.append(
            f"已供应 {_ha(progress.supplied_ha)} 公顷，完成 {progress.completion_pct:.2f}%"
            f"（{progress.supplied_parcels} 宗）"
        )
        lines.append("分类（已供应 / 计划，公顷）：")
        for c in progress.categories:
            if c.planned_ha is None:
                lines.append(f"· {c.name} {_ha(c.supplied_ha)}（计划未设此类）")
                continue
            mark = "，已用完" if c.exhausted else ""
            lines.append(
                f"· {c.name} {_ha(c.supplied_ha)} / {_ha(c.planned_ha)}（{c.share_pct:.2f}%{mark}）"
            )
        if progress.milestones:
            lines.append("完成率节点：")
        for m in progress.milestones:
            if m.met is True:
                state = "已达成"
            elif m.met is False:
                state = "未达成"
            else:
                state = f"还有 {m.days_left} 天"
            lines.append(
                f"· {_day(m.date)} 目标 {m.target_pct:g}%，实际 {m.actual_pct:.2f}%，{state}"
            )
    pending = [
        f"{LEDGER_STATUS_LABELS[s]} {n} 宗 {_ha(a)} 公顷" for s, (n, a) in progress.pending.items()
    ]
    lines.append("待供应：" + ("；".join(pending) if pending else "无"))
    if plan is not None:
        articles = [plan.total_cite.article, plan.categories[0].cite.article]
        articles += [m.cite.article for m in plan.milestones[:1]]
        lines.append(f"依据：《{_title(plan.doc_id)}》{'、'.join(dict.fromkeys(articles))}")
    return lines


def _title(doc_id: str) -> str:
    from knowledge.corpus import load_corpus

    doc = load_corpus().document(doc_id)
    return doc.title if doc is not None else doc_id


def card_text(progress: Progress) -> str:
    return "\n".join(card_lines(progress))


def scope_note(user: User) -> str | None:
    """Whose parcels the card counts: the user's department (an admin sees all)."""
    if user.role != "admin" and user.department:
        return f"统计范围：本部门（{user.department}）的地块"
    return None
