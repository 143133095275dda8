"""The progress chart (PNG, matplotlib Agg): supplied against planned by category, and the
completion line against the plan's milestones (六（二）: 50/75/100%). Sized for a phone screen
held upright; Chinese text in Noto Sans CJK (Debian: fonts-noto-cjk)."""

from __future__ import annotations

import datetime as dt
import io
import threading
from typing import TYPE_CHECKING, Any

from bot.services.ledger_progress import Progress
from knowledge.errors import ServiceUnavailable

if TYPE_CHECKING:
    from matplotlib.axes import Axes

CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei",
                "WenQuanYi Micro Hei", "AR PL UKai CN")  # fmt: skip
WIDTH_IN, HEIGHT_IN, DPI = 7.2, 10.8, 150  # 1080 × 1620 px
PLANNED, SUPPLIED, TARGET = "#c9d7e8", "#1f5fa8", "#d0452f"
_LOCK = threading.Lock()  # pyplot's state is global: one figure at a time


_found: list[str] = []  # the family, once found


def cjk_family() -> str | None:
    """The first installed font family with Chinese glyphs, or None.

    matplotlib keeps its list of the machine's fonts in a cache file made on first use; a
    font installed after that (the operator read the message below and ran apt) is not in it.
    When the list has no Chinese font, the font files on disk that it lacks are added, so the
    chart works at once and not only after someone finds and deletes that cache."""
    if _found:
        return _found[0]
    from matplotlib import font_manager

    manager = font_manager.fontManager
    family = _cjk_in(manager)
    if family is None:
        known = {f.fname for f in manager.ttflist}
        for path in font_manager.findSystemFonts():
            if path not in known:
                try:
                    manager.addfont(path)
                except (OSError, RuntimeError, ValueError):  # a font file FreeType cannot read
                    continue
        family = _cjk_in(manager)
    if family is not None:
        _found.append(family)
    return family


def _cjk_in(manager: Any) -> str | None:
    names = {f.name for f in manager.ttflist}
    return next((f for f in CJK_FAMILIES if f in names), None)


def render_chart(progress: Progress) -> bytes:
    """The chart as PNG bytes."""
    import matplotlib

    matplotlib.use("Agg")
    family = cjk_family()
    if family is None:
        raise ServiceUnavailable(
            "本机未安装中文字体（Debian：fonts-noto-cjk），无法生成进度图",
            "no CJK font installed (Debian: fonts-noto-cjk): cannot draw the chart",
        )
    from matplotlib.figure import Figure

    with _LOCK, matplotlib.rc_context({"font.family": [family], "axes.unicode_minus": False}):
        fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, layout="constrained")
        top, bottom = fig.subplots(2, 1, height_ratios=(1.1, 1))
        fig.suptitle(_title(progress), fontsize=17, fontweight="bold")
        _bars(top, progress)
        _line(bottom, progress)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


def _title(progress: Progress) -> str:
    plan = progress.plan
    where = (
        f"{plan.jurisdiction}{plan.year}年度" if plan else f"{progress.place}{progress.year}年度"
    )
    head = f"{where}供应计划执行进度" if plan else f"{where}土地供应情况"
    done = f"，完成 {progress.completion_pct:.2f}%" if progress.completion_pct is not None else ""
    return f"{head}\n统计日期 {progress.as_of.isoformat()}{done}"


def _bars(ax: Axes, progress: Progress) -> None:
    cats = [c for c in progress.categories if c.planned_ha is not None or c.supplied_ha][::-1]
    with_plan = progress.plan is not None
    y = range(len(cats))
    if with_plan:
        ax.barh(y, [c.planned_ha or 0.0 for c in cats], color=PLANNED, height=0.7, label="计划")
    ax.barh(y, [c.supplied_ha for c in cats], color=SUPPLIED, height=0.4, label="已供应")
    ax.set_yticks(list(y), [c.name for c in cats], fontsize=14)
    top = max([*(max(c.planned_ha or 0.0, c.supplied_ha) for c in cats), 1.0])
    for i, c in enumerate(cats):
        if c.planned_ha is not None:
            label = f"{c.supplied_ha:,.2f} / {c.planned_ha:,.2f}（{c.share_pct or 0:.1f}%）"
        else:  # no plan, or a use the plan puts in no category (综合用地)
            label = f"{c.supplied_ha:,.2f}" + ("（计划未设此类）" if with_plan else "")
        ax.text(max(c.planned_ha or 0.0, c.supplied_ha) + top * 0.02, i, label, va="center",
                fontsize=11)  # fmt: skip
    ax.set_xlim(0, top * 1.55)
    ax.set_xlabel("公顷", fontsize=12)
    title = "分类：已供应 / 计划（公顷）" if with_plan else "按土地用途：已供应（公顷）"
    ax.set_title(title, fontsize=14, loc="left")
    ax.legend(loc="upper right", fontsize=12, frameon=False)
    ax.tick_params(axis="x", labelsize=11)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _line(ax: Axes, progress: Progress) -> None:
    from matplotlib.dates import date2num

    plan = progress.plan
    total = float(plan.total_ha) if plan is not None else 0.0
    start = dt.date(progress.year, 1, 1) - dt.timedelta(days=1)
    end = dt.date(progress.year, 12, 31)
    if plan is not None:
        start, end = plan.valid_from - dt.timedelta(days=1), plan.valid_to
    xs = [float(date2num(d)) for d, _ in progress.curve] or [float(date2num(start))]
    if total:
        ys = [a * 100 / total for _, a in progress.curve] or [0.0]
        label, unit = "实际完成率", "完成率（%）"
    else:
        ys = [a for _, a in progress.curve] or [0.0]
        label, unit = "累计供应（公顷）", "公顷"
    ax.plot(xs, ys, color=SUPPLIED, linewidth=3, marker="o", markersize=4, label=label)
    if ys:
        # the figure at the line's end: to its right, or to its left near the year's end
        late = xs[-1] > float(date2num(start)) + 0.8 * (
            float(date2num(end)) - float(date2num(start))
        )
        ax.annotate(
            f"{ys[-1]:.1f}%" if total else f"{ys[-1]:,.1f}", (xs[-1], ys[-1]),
            textcoords="offset points", xytext=(-6, 8) if late else (6, -14),
            ha="right" if late else "left", fontsize=12, color=SUPPLIED,
        )  # fmt: skip
    if progress.milestones:
        # the plan states the shares at these dates only: markers, no line between them
        md = [float(date2num(m.date)) for m in progress.milestones]
        mt = [m.target_pct for m in progress.milestones]
        ax.vlines(md, 0, mt, colors=TARGET, linestyles=":", linewidth=1.5)
        ax.plot(md, mt, color=TARGET, linestyle="none", marker="s", markersize=9,
                label="计划节点（六（二））")  # fmt: skip
        for m in progress.milestones:
            ax.annotate(
                f"{m.date.month}月底 {m.target_pct:g}%", (float(date2num(m.date)), m.target_pct),
                textcoords="offset points", xytext=(-8, 8), ha="right", fontsize=12,
                color=TARGET,
            )  # fmt: skip
        ax.set_ylim(0, 110)
    if start < progress.as_of <= end:
        ax.axvline(float(date2num(progress.as_of)), color="#888888", linewidth=1, linestyle=":")
    ax.set_xlim(float(date2num(start)), float(date2num(end + dt.timedelta(days=3))))
    ends = [dt.date(progress.year, m % 12 + 1, 1) if m < 12 else dt.date(progress.year, 12, 31)
            for m in (3, 6, 9, 12)]  # fmt: skip
    ends = [d - dt.timedelta(days=1) if d.day == 1 else d for d in ends]
    ax.set_xticks([float(date2num(d)) for d in ends], [f"{d.month}月底" for d in ends])
    ax.set_ylabel(unit, fontsize=12)
    ax.set_title("完成率与计划节点" if total else "累计供应", fontsize=14, loc="left")
    ax.tick_params(labelsize=11)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="upper left", fontsize=12, frameon=False)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
