"""The ledger workbook: export → import round trip, units, and bad workbooks that store nothing."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from bot.services import ledger
from bot.services.ledger_excel import WorkbookErrors, import_workbook
from bot.services.ledger_sheets import write_workbook
from knowledge.errors import BadInput
from storage.db import Database
from tests.components import require_calc
from tests.ledgerkit import DEPT, HEADERS, OTHER, count, person, workbook

JULY = dt.date(2024, 7, 1)
ROWS = [
    ["JS-1", "金水区住宅地块", "郑州市金水区", "住宅用地", 3.52, 2024, dt.date(2024, 3, 8)],
    ["JK-2", "经开区工业地块", "经开区", "工业", 20, 2024, None],
    ["HK-3", "港区公服地块", "航空港区", "公共管理与公共服务用地", 1.25, 2024, "2024年5月6日"],
]


def test_round_trip_export_then_import(database: Database, tmp_path: Path) -> None:
    result = import_workbook(database, None, workbook(ROWS), department=DEPT)
    assert (result.inserted, result.updated, result.skipped) == (3, 0, [])
    before = ledger.status(database, None, today=JULY)
    data = write_workbook(before)
    # into the same database: every row is updated in place
    again = import_workbook(database, None, data)
    assert (again.inserted, again.updated) == (0, 3)
    after = ledger.status(database, None, today=JULY)
    strip = lambda p: (p.parcel_code, p.project_name, p.jurisdiction, p.land_use, p.area_m2,  # noqa: E731
                       p.plan_year, p.status, p.supplied_date, p.department, p.in_plan)  # fmt: skip
    assert [strip(p) for p in after.parcels or ()] == [strip(p) for p in before.parcels or ()]
    assert after.to_json()["supplied"] == before.to_json()["supplied"]
    # the land use was normalised (工业 → 工业用地), 3.52 公顷 → 35200 m²
    assert [p.land_use for p in after.parcels or ()][1] == "工业用地"
    assert (after.parcels or ())[0].area_m2 == 35200
    assert after.supplied_ha == pytest.approx(3.52 + 1.25)


def test_the_exported_workbook_is_for_people(database: Database) -> None:
    import_workbook(database, None, workbook(ROWS), department=DEPT)
    wb = load_workbook(io.BytesIO(write_workbook(ledger.status(database, None, today=JULY))))
    assert wb.sheetnames == ["地块台账", "供应进度"]
    ws = wb["地块台账"]
    headers = [c.value for c in ws[1]]
    assert headers[:8] == ["台账编号", "宗地编号", "项目名称", "所在行政区", "土地用途", "计划分类",
                           "面积（公顷）", "面积（平方米）"]  # fmt: skip
    assert "成交价（万元）" in headers and "供应日期" in headers
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:{ws.cell(1, len(headers)).column_letter}4"
    assert all(c.font.bold for c in ws[1])
    area = headers.index("面积（公顷）") + 1
    assert ws.cell(2, area).value == 3.52 and ws.cell(2, area).number_format == "#,##0.0000"
    supplied = headers.index("供应日期") + 1
    assert ws.cell(2, supplied).number_format == "yyyy-mm-dd"
    assert ws.cell(2, headers.index("计划分类") + 1).value == "住宅用地"
    assert ws.cell(3, headers.index("计划分类") + 1).value == "工矿仓储用地"
    progress = [[c.value for c in row] for row in wb["供应进度"].iter_rows()]
    flat = [v for row in progress for v in row if v is not None]
    assert "郑州市市本级2024年度国有建设用地供应计划执行情况" in flat
    assert "zhengzhou-2024-supply-plan 六（二）" in flat and "工矿仓储用地" in flat
    cats = next(row for row in progress if row[0] == "住宅用地")
    assert cats[1] == 871.73 and cats[2] == 3.52
    milestone = next(row for row in progress if isinstance(row[0], dt.datetime))
    assert milestone[1] == 0.5


@pytest.mark.parametrize(
    ("header", "value", "m2"),
    [
        ("面积（公顷）", 1.5, 15000.0),
        ("面积(平方米)", "12,000", 12000.0),
        ("面积（亩）", 30, 20000.0),
    ],
)
def test_area_units_come_from_the_header(
    database: Database, header: str, value: object, m2: float
) -> None:
    headers = ["项目名称", "所在行政区", "土地用途", header, "计划年度"]
    import_workbook(
        database, None, workbook([["地块", "金水区", "住宅用地", value, 2024]], headers)
    )
    (parcel,) = ledger.status(database, None, year=2024, today=JULY).parcels or ()
    assert parcel.area_m2 == pytest.approx(m2) and parcel.status == "planned"


def _merged_header() -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "地块台账"
    ws.append(HEADERS)
    ws.merge_cells("E1:F1")
    ws.append(ROWS[0])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _docx() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


BAD_FILES = {
    "missing column": (
        lambda: workbook([r[:4] for r in ROWS], HEADERS[:4]),
        "缺少必填列：面积（公顷）或 面积（平方米）或 面积（亩）",
    ),
    "merged header": (_merged_header, "表头有合并单元格 E1:F1"),
    "empty file": (lambda: b"", "是空文件"),
    "empty sheet": (lambda: workbook([], []), "是空的"),
    "header only": (lambda: workbook([]), "只有表头，没有数据行"),
    "xls": (lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504, "Excel 97-2003（.xls）"),
    "renamed docx": (_docx, "是Word 文档（.docx），不是 Excel 工作簿"),
    "text file": (lambda: "宗地编号,项目名称\n".encode(), "不是 Excel 工作簿"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_file_is_one_clear_message_and_nothing_stored(database: Database, case: str) -> None:
    make, message = BAD_FILES[case]
    with pytest.raises(BadInput) as exc:
        import_workbook(database, None, make(), filename="台账.xlsx", skip_bad_rows=True)
    assert message in exc.value.zh, exc.value.zh
    assert "台账.xlsx" in exc.value.zh or "工作表" in exc.value.zh
    assert count(database) == 0


def test_bad_rows_are_named_by_sheet_row_and_column(database: Database) -> None:
    rows = [
        ROWS[0],
        ["JK-2", "经开区工业地块", "经开区", "工业用地", "十亩", 2024, None],
        ["HK-3", "", "火星市", "住宅用地", 2, 2024, "明年"],
        ["JS-1", "重复", "金水区", "住宅用地", 1, 2024, None],
        ["K-5", "用途不明", "金水区", "农业用地", -1, 2024, None],
    ]
    with pytest.raises(WorkbookErrors) as exc:
        import_workbook(database, None, workbook(rows))
    lines = [str(p) for p in exc.value.problems]
    assert "工作表「地块台账」第 3 行 E 列（面积（公顷））：「十亩」不是数字" in lines
    assert any(ln.startswith("工作表「地块台账」第 4 行 B 列（项目名称）：必填") for ln in lines)
    assert any("第 4 行 G 列（供应日期）：「明年」不是日期" in ln for ln in lines)
    assert any("第 5 行" in ln and "与第 2 行重复" in ln for ln in lines)
    assert any("第 6 行 D 列（土地用途）" in ln and "农业用地" in ln for ln in lines)
    assert any("第 6 行 E 列" in ln and "应大于 0" in ln for ln in lines)
    assert "4 行数据有误，未导入任何数据" in exc.value.zh
    assert count(database) == 0
    # --skip-bad-rows: the good row goes in, the bad ones are reported
    result = import_workbook(database, None, workbook(rows), skip_bad_rows=True)
    assert result.inserted == 1 and {p.row for p in result.skipped} == {3, 4, 5, 6}
    assert count(database) == 1


def test_a_column_map_renames_the_files_headers(database: Database) -> None:
    headers = ["地块编号", "项目", "区县", "用途", "用地面积(亩)", "供应日期"]
    data = workbook([["D-1", "地块", "金水区", "住宅用地", 15, dt.date(2024, 2, 1)]], headers)
    with pytest.raises(BadInput, match="缺少必填列"):
        import_workbook(database, None, data)
    import_workbook(database, None, data, columns=(
        "地块编号=宗地编号,项目=项目名称，区县=jurisdiction;用途=土地用途,用地面积(亩)=面积（亩）"
    ))  # fmt: skip
    (parcel,) = ledger.status(database, None, year=2024, today=JULY).parcels or ()
    assert parcel.parcel_code == "D-1" and parcel.area_m2 == pytest.approx(10000)
    assert parcel.plan_year == 2024 and parcel.status == "supplied"  # the year of its supply
    with pytest.raises(BadInput, match="--columns"):
        import_workbook(database, None, data, columns="地块编号=不存在的列")


def test_an_official_imports_only_into_their_own_department(database: Database) -> None:
    clerk = person(database, 1)
    import_workbook(database, None, workbook(ROWS[:1]), department=OTHER)
    rows = [["JS-1", "改名", "金水区", "住宅用地", 4, 2024, None], ROWS[1]]
    with pytest.raises(WorkbookErrors, match="其他部门"):
        import_workbook(database, clerk.id, workbook(rows))
    assert count(database) == 1
    result = import_workbook(database, clerk.id, workbook(rows), skip_bad_rows=True)
    assert (result.inserted, result.updated) == (1, 0)
    mine = ledger.status(database, clerk.id, today=JULY).parcels or ()
    assert [(p.parcel_code, p.department) for p in mine] == [("JK-2", DEPT)]


@pytest.mark.libreoffice
def test_the_workbook_opens_in_libreoffice_calc(database: Database, tmp_path: Path) -> None:
    soffice = require_calc()
    import_workbook(database, None, workbook(ROWS), department=DEPT)
    src = tmp_path / "台账.xlsx"
    src.write_bytes(write_workbook(ledger.status(database, None, today=JULY)))
    profile = tmp_path / "profile"
    subprocess.run(
        [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
         "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir", str(tmp_path), str(src)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    text = (tmp_path / "台账.csv").read_text("utf-8")
    assert "宗地编号" in text and "金水区住宅地块" in text and "JK-2" in text
