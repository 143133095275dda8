"""Writing the ledger workbook: 地块台账 (one row per parcel: Chinese headers with units, frozen
header row, filters, number formats) and 供应进度 (by category and by milestone, with sources)."""

from __future__ import annotations

import io
from typing import Any

from bot.services.ledger_columns import COLUMNS, YUAN_PER_WAN
from bot.services.ledger_progress import Progress, ha, parcel_json
from storage.domain import LedgerParcel

PARCELS_SHEET = "地块台账"
PROGRESS_SHEET = "供应进度"
PCT = "0.00%"


def _fonts() -> tuple[Any, Any, Any]:
    from openpyxl.styles import Alignment, Font, PatternFill

    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    wrap = Alignment(wrap_text=True, vertical="center", horizontal="center")
    return bold, fill, wrap


def write_workbook(progress: Progress) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    _parcels(wb, progress)
    _progress(wb, progress)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _parcels(wb: Any, progress: Progress) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(PARCELS_SHEET)
    columns = [c for c in COLUMNS if c.export]
    for i, c in enumerate(columns, 1):
        ws.column_dimensions[get_column_letter(i)].width = c.width
    ws.freeze_panes = "A2"
    parcels = progress.parcels or ()
    last = get_column_letter(len(columns))
    ws.auto_filter.ref = f"A1:{last}{len(parcels) + 1}"
    bold, fill, wrap = _fonts()
    header = []
    for c in columns:
        cell = WriteOnlyCell(ws, value=c.header)
        cell.font, cell.fill, cell.alignment = bold, fill, wrap
        header.append(cell)
    ws.append(header)
    plan = progress.plan
    formats = [c.number_format for c in columns]
    keys = [c.key for c in columns]
    styled = [i for i, f in enumerate(formats) if f != "General"]
    for p in parcels:
        cat = plan.category(p.land_use) if plan is not None else None
        values = parcel_cells(p, cat.name if cat else None)
        row: list[Any] = [values[k] for k in keys]
        for i in styled:
            if row[i] is not None:
                cell = WriteOnlyCell(ws, value=row[i])
                cell.number_format = formats[i]
                row[i] = cell
        ws.append(row)


def _progress(wb: Any, progress: Progress) -> None:
    from openpyxl.cell import WriteOnlyCell

    ws = wb.create_sheet(PROGRESS_SHEET)
    for letter, width in zip("ABCDEF", (18, 18, 18, 14, 18, 40), strict=True):
        ws.column_dimensions[letter].width = width
    bold, fill, wrap = _fonts()

    def head(*labels: str) -> None:
        row = []
        for label in labels:
            cell = WriteOnlyCell(ws, value=label)
            cell.font, cell.fill, cell.alignment = bold, fill, wrap
            row.append(cell)
        ws.append(row)

    def fmt(value: Any, number_format: str) -> Any:
        if value is None:
            return None
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = number_format
        return cell

    plan = progress.plan
    title = WriteOnlyCell(ws, value=_title(progress))
    title.font = bold
    ws.append([title])
    ws.append([f"统计日期：{progress.as_of.isoformat()}"])
    for note in progress.notes:
        ws.append([note])
    ws.append([])
    head(
        "计划分类", "计划面积（公顷）", "已供应面积（公顷）", "完成率", "待供应面积（公顷）", "依据"
    )
    for c in progress.categories:
        share = None if c.share_pct is None else c.share_pct / 100
        cite = f"{plan.doc_id} {c.cite.article}" if plan is not None and c.cite else ""
        ws.append([
            c.name, fmt(c.planned_ha, "#,##0.00"), fmt(c.supplied_ha, "#,##0.0000"),
            fmt(share, PCT), fmt(c.pending_ha, "#,##0.0000"), cite,
        ])  # fmt: skip
    total = float(plan.total_ha) if plan is not None else None
    completion = None if progress.completion_pct is None else progress.completion_pct / 100
    ws.append([
        "合计", fmt(total, "#,##0.00"), fmt(progress.supplied_ha, "#,##0.0000"), fmt(completion, PCT),
        fmt(ha(sum(a for _, a in progress.pending.values()) * 10000), "#,##0.0000"),
        f"{plan.doc_id} {plan.total_cite.article}" if plan is not None else "",
    ])  # fmt: skip
    if not progress.milestones:
        return
    ws.append([])
    head("节点日期", "目标完成率", "实际完成率", "剩余天数", "是否达成", "依据")
    for m in progress.milestones:
        met = {True: "已达成", False: "未达成", None: "进行中"}[m.met]
        ws.append([
            fmt(m.date, "yyyy-mm-dd"), fmt(m.target_pct / 100, "0%"), fmt(m.actual_pct / 100, PCT),
            m.days_left, met, f"{m.cite.doc_id} {m.cite.article}",
        ])  # fmt: skip


def _title(progress: Progress) -> str:
    plan = progress.plan
    if plan is None:
        return f"{progress.place}{progress.year}年度国有建设用地供应台账（无年度供应计划）"
    return f"{plan.jurisdiction}{plan.year}年度国有建设用地供应计划执行情况"


def export_filename(progress: Progress) -> str:
    return f"供应台账-{progress.place}-{progress.year}.xlsx"


def parcel_cells(p: LedgerParcel, category: str | None) -> dict[str, Any]:
    """The export values of one parcel by column key (as `ledger status --json`, with the
    status, the yes/no and the price as officials write them)."""
    cells = parcel_json(p)
    cells.update(
        category=category,
        area_ha=round(p.area_m2 / 10000, 4),
        area_m2=p.area_m2,
        in_plan=None if p.in_plan is None else ("是" if p.in_plan else "否"),
        status=p.status_label,
        submitted_date=p.submitted_date,
        approved_date=p.approved_date,
        supplied_date=p.supplied_date,
        final_price_wan=None
        if p.final_price_yuan is None
        else round(p.final_price_yuan / YUAN_PER_WAN, 2),
        note=p.note,
    )
    return cells
