"""Importing the ledger from an Excel workbook (openpyxl; writing it: ledger_sheets.py), naming
every bad cell by sheet, row and column.

An import stores nothing from a file with errors unless `skip_bad_rows`; then the good rows
are stored and the bad ones reported. A row updates the parcel of its 台账编号 (when the caller
may see it), else the parcel of its 宗地编号, else it is a new parcel.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from bot.services import ledger
from bot.services.ledger_columns import (
    AREA_KEYS,
    BY_KEY,
    COLUMNS,
    HEADER_INDEX,
    YUAN_PER_WAN,
    CellError,
    Column,
    header_key,
    parse_column_map,
    readers,
    to_m2,
)
from bot.services.ledger_sheets import PARCELS_SHEET
from bot.services.transaction import transact
from knowledge.errors import BadInput
from knowledge.jurisdictions import resolve_place
from storage.db import Database, UnitOfWork

MAX_ROWS = 100_000


@dataclass(frozen=True)
class RowProblem:
    sheet: str
    row: int
    column: str  # the column letter, "" for the whole row
    header: str
    message: str

    def __str__(self) -> str:
        where = f"第 {self.row} 行"
        if self.column:
            where += f" {self.column} 列（{self.header}）"
        return f"工作表「{self.sheet}」{where}：{self.message}"


class WorkbookErrors(BadInput):
    """Bad rows in an imported workbook; `.problems` lists every one (nothing was stored)."""

    def __init__(self, problems: list[RowProblem]) -> None:
        rows = len({p.row for p in problems})
        super().__init__(
            f"台账文件有 {rows} 行数据有误，未导入任何数据：{problems[0]}"
            + ("等" if len(problems) > 1 else ""),
            f"{rows} bad row(s) in the workbook; nothing was imported (--skip-bad-rows imports "
            "the good rows)",
        )
        self.problems = problems


@dataclass
class ImportResult:
    inserted: int = 0
    updated: int = 0
    skipped: list[RowProblem] = field(default_factory=list)
    sheet: str = PARCELS_SHEET
    duplicate: bool = False  # the channel delivered this upload before: nothing stored again


# ------------------------------------------------------------------------- file checks


def _bad(zh: str, en: str) -> BadInput:
    return BadInput(zh, en)


def open_workbook(data: bytes, filename: str = "") -> Any:
    """The workbook (read-only), or BadInput saying in Chinese what the file is instead."""
    from openpyxl import load_workbook

    name = filename or "文件"
    if not data:
        raise _bad(f"{name} 是空文件，没有任何内容", f"{name} is empty")
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise _bad(
            f"{name} 是旧版 Excel 97-2003（.xls）或其他旧版 Office 文件，请在 Excel 或 WPS 中"
            "“另存为” .xlsx 后再导入",
            f"{name} is a legacy .xls (or other OLE) file: save it as .xlsx first",
        )
    if not data.startswith(b"PK"):
        raise _bad(f"{name} 不是 Excel 工作簿（.xlsx）", f"{name} is not an .xlsx workbook")
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except zipfile.BadZipFile:
        raise _bad(f"{name} 已损坏，无法作为 .xlsx 打开", f"{name} is corrupt") from None
    if "xl/workbook.xml" not in names:
        kind = "Word 文档（.docx）" if "word/document.xml" in names else "其他格式的压缩文件"
        raise _bad(
            f"{name} 是{kind}，不是 Excel 工作簿（.xlsx）",
            f"{name} is not an .xlsx workbook (no xl/workbook.xml)",
        )
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken package
        raise _bad(f"{name} 无法读取：工作簿已损坏", f"{name} cannot be read: {exc}") from None


def _merged_ranges(data: bytes, sheet_name: str) -> list[str]:
    """The merged ranges of a sheet (read-only openpyxl does not expose them)."""
    z = zipfile.ZipFile(io.BytesIO(data))
    workbook = z.read("xl/workbook.xml").decode("utf-8", "replace")
    rels = z.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    rid = None
    for m in re.finditer(r"<(?:\w+:)?sheet\b[^>]*>", workbook):
        tag = m.group(0)
        if (
            re.search(r'name="([^"]*)"', tag)
            and _unescape(
                re.search(r'name="([^"]*)"', tag).group(1)  # type: ignore[union-attr]
            )
            == sheet_name
        ):
            found = re.search(r'r:id="([^"]*)"', tag) or re.search(r'\bid="([^"]*)"', tag)
            rid = found.group(1) if found else None
    if rid is None:
        return []
    target = None
    for m in re.finditer(r"<Relationship\b[^>]*>", rels):
        tag = m.group(0)
        if f'Id="{rid}"' in tag:
            t = re.search(r'Target="([^"]*)"', tag)
            target = t.group(1) if t else None
    if target is None:
        return []
    path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    try:
        xml = z.read(path).decode("utf-8", "replace")
    except KeyError:
        return []
    return re.findall(r'<(?:\w+:)?mergeCell\b[^>]*\bref="([A-Z]+\d+(?::[A-Z]+\d+)?)"', xml)


def _unescape(text: str) -> str:
    import html

    return html.unescape(text)


# ------------------------------------------------------------------------- reading


def _letter(i: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(i + 1)


def _header(
    ws: Any, sheet: str, data: bytes, mapping: dict[str, Column]
) -> tuple[dict[int, Column], Iterator[tuple[Any, ...]]]:
    rows = ws.iter_rows(values_only=True)
    first = next(rows, None)
    if first is None or all(v is None or str(v).strip() == "" for v in first):
        raise _bad(
            f"工作表「{sheet}」是空的：第 1 行应为表头（{'、'.join(_required())}等）",
            f"sheet {sheet!r} is empty: row 1 must hold the headers",
        )
    for ref in _merged_ranges(data, sheet):
        rows_of = [int(n) for n in re.findall(r"\d+", ref)]
        if min(rows_of) == 1:
            raise _bad(
                f"工作表「{sheet}」的表头有合并单元格 {ref}，请取消合并，每列一个表头后再导入",
                f"sheet {sheet!r} has merged header cells {ref}: unmerge them",
            )
    columns: dict[int, Column] = {}
    seen: dict[str, str] = {}
    for i, raw in enumerate(first):
        if raw is None or not str(raw).strip():
            continue
        key = header_key(str(raw))
        column = mapping.get(key) or HEADER_INDEX.get(key)
        if column is None or not column.read:
            continue  # columns the ledger does not know are left alone
        if column.key in seen:
            raise _bad(
                f"工作表「{sheet}」{_letter(i)}1 列「{raw}」与 {seen[column.key]}1 列重复",
                f"sheet {sheet!r}: column {_letter(i)} repeats column {seen[column.key]}",
            )
        seen[column.key] = _letter(i)
        columns[i] = column
    keys = {c.key for c in columns.values()}
    missing = [c.header for c in COLUMNS if c.required and c.key not in keys]
    if not keys & set(AREA_KEYS):
        missing.append("面积（公顷）或 面积（平方米）或 面积（亩）")
    if missing:
        raise _bad(
            f"工作表「{sheet}」缺少必填列：{'、'.join(missing)}（表头应在第 1 行；"
            "列名不同时可用 --columns 对应）",
            f"sheet {sheet!r} lacks required column(s) {', '.join(missing)} (headers in row 1)",
        )
    return columns, rows


def _required() -> list[str]:
    return [c.header for c in COLUMNS if c.required]


def read_rows(
    data: bytes, filename: str = "", columns: str | None = None
) -> tuple[str, list[tuple[int, dict[str, Any]]], list[RowProblem]]:
    """(sheet, [(row number, ledger values)], problems) of the parcels sheet."""
    try:
        mapping = parse_column_map(columns)
    except ValueError as exc:
        raise _bad(
            f"--columns 中「{exc}」无法识别：应为 文件列名=台账列名，如 地块编号=宗地编号",
            f"--columns part {str(exc)!r} is not FILE_HEADER=LEDGER_HEADER",
        ) from None
    wb = open_workbook(data, filename)
    try:
        sheet = PARCELS_SHEET if PARCELS_SHEET in wb.sheetnames else wb.sheetnames[0]
        cols, rows = _header(wb[sheet], sheet, data, mapping)
        read = readers()
        good: list[tuple[int, dict[str, Any]]] = []
        problems: list[RowProblem] = []
        codes: dict[str, int] = {}
        for n, raw in enumerate(rows, start=2):
            if n > MAX_ROWS + 1:
                raise _bad(f"工作表「{sheet}」超过 {MAX_ROWS} 行", f"more than {MAX_ROWS} rows")
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in raw):
                continue
            values, bad = _row(sheet, n, raw, cols, read)
            code = values.get("parcel_code")
            if code and not bad:
                if code in codes:
                    bad.append(
                        RowProblem(sheet, n, "", "", f"宗地编号 {code} 与第 {codes[code]} 行重复")
                    )
                codes.setdefault(code, n)
            if bad:
                problems.extend(bad)
            else:
                good.append((n, values))
        return sheet, good, problems
    finally:
        wb.close()


def _row(
    sheet: str, n: int, raw: tuple[Any, ...], cols: dict[int, Column], read: dict[str, Any]
) -> tuple[dict[str, Any], list[RowProblem]]:
    values: dict[str, Any] = {}
    bad: list[RowProblem] = []
    for i, column in cols.items():
        cell = raw[i] if i < len(raw) else None
        try:
            value = read[column.key](cell)
        except CellError as exc:
            bad.append(RowProblem(sheet, n, _letter(i), column.header, exc.zh))
            continue
        if value is None and column.required:
            bad.append(RowProblem(sheet, n, _letter(i), column.header, "必填，不能为空"))
        values[column.key] = value
    area_col = next((k for k in AREA_KEYS if values.get(k) is not None), None)
    if area_col is None and not any(p.header.startswith("面积") for p in bad):
        bad.append(RowProblem(sheet, n, "", "", "面积必填：公顷、平方米或亩至少填一列"))
    if bad:
        return values, bad
    out = {k: v for k, v in values.items() if k not in (*AREA_KEYS, "final_price_wan", "id")}
    assert area_col is not None
    out["area_m2"] = round(to_m2(area_col, values[area_col]), 2)
    price = values.get("final_price_wan")
    out["final_price_yuan"] = None if price is None else round(price * YUAN_PER_WAN, 2)
    out["id"] = values.get("id")
    if out.get("plan_year") is None and out.get("supplied_date") is not None:
        out["plan_year"] = out["supplied_date"].year
    if out.get("plan_year") is None:
        bad.append(RowProblem(sheet, n, "", "", "计划年度必填（未供应的地块须写明计划年度）"))
    if out.get("in_plan") is None and out.get("plan_year") is not None:
        out["in_plan"] = True  # a 计划年度 says the parcel is in that year's plan
    if out.get("status") is None:
        out["status"] = "supplied" if out.get("supplied_date") else "planned"
    if out["status"] == "supplied" and out.get("supplied_date") is None:
        bad.append(RowProblem(sheet, n, "", "", "状态为“已供应”时必须填写供应日期"))
    resolution = resolve_place(out["jurisdiction"])
    if resolution.status == "unknown":
        letter = next((_letter(i) for i, c in cols.items() if c.key == "jurisdiction"), "")
        bad.append(RowProblem(sheet, n, letter, BY_KEY["jurisdiction"].header,
                              f"「{out['jurisdiction']}」不是可识别的行政区"))  # fmt: skip
    elif resolution.place is not None and resolution.status == "local":
        out["place_id"] = resolution.place.id
    else:
        out["place_id"] = None
    return out, bad


# ------------------------------------------------------------------------- storing


def import_workbook(
    db: Database,
    user_id: int | None,
    data: bytes,
    *,
    filename: str = "",
    skip_bad_rows: bool = False,
    columns: str | None = None,
    department: str | None = None,
    update_id: int | None = None,
    channel: str = "telegram",
) -> ImportResult:
    """Read the workbook and store its parcels (all or nothing, unless `skip_bad_rows`). With
    the channel's `update_id`, a re-delivered upload stores nothing again (`duplicate`)."""
    sheet, rows, problems = read_rows(data, filename, columns)
    if problems and not skip_bad_rows:
        raise WorkbookErrors(problems)
    if not rows and not problems:
        raise _bad(f"工作表「{sheet}」只有表头，没有数据行", f"sheet {sheet!r} has no data rows")

    def work(uow: UnitOfWork) -> ImportResult:
        if update_id is not None and not uow.processed.claim(channel, update_id):
            return ImportResult(sheet=sheet, duplicate=True)
        who = ledger.viewer(uow, user_id, department)
        own = department if who.everyone else who.department
        result = ImportResult(skipped=list(problems), sheet=sheet)
        codes = [v["parcel_code"] for _, v in rows if v.get("parcel_code")]
        ids = [v["id"] for _, v in rows if v.get("id")]
        existing = uow.ledger.ids_of(codes, ids)
        visible = _visible(uow, who, set(existing.values()))
        inserts: list[dict[str, Any]] = []
        updates: list[tuple[int, dict[str, Any]]] = []
        refused: list[RowProblem] = []
        for n, values in rows:
            pid = existing.get(f"id:{values.get('id')}") or existing.get(
                f"code:{values.get('parcel_code')}"
            )
            values = {k: v for k, v in values.items() if k != "id"}
            values["department"] = values.get("department") or own
            if not who.everyone:
                values["department"] = who.department
            if pid is not None and pid not in visible:
                refused.append(RowProblem(sheet, n, "", "", "该宗地属于其他部门，不能修改"))
            elif pid is not None:
                updates.append((pid, values))
            else:
                inserts.append({**values, "source": "import"})
        if refused and not skip_bad_rows:
            raise WorkbookErrors(refused)
        result.skipped.extend(refused)
        result.inserted = uow.ledger.add_many(_same_keys(inserts))
        result.updated = uow.ledger.update_many(
            (pid, v)
            for pid, v in zip(
                [p for p, _ in updates], _same_keys([v for _, v in updates]), strict=True
            )
        )
        uow.commit()
        return result

    return transact(db, work)


def _same_keys(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    keys = sorted({k for r in rows for k in r})
    return [{k: r.get(k) for k in keys} for r in rows]


def _visible(uow: UnitOfWork, who: ledger.Viewer, ids: set[int]) -> set[int]:
    if who.everyone:
        return ids
    return {i for i in ids if (p := uow.ledger.get(i)) is not None and who.sees(p)}
