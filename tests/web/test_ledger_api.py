"""供应台账 on the web page (issue 11, item 6): the card, the chart, the workbook out and in and
the record of supply, over the signed-in user's own department, through the real ASGI stack on
SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import io
from urllib.parse import quote

from openpyxl import load_workbook

from bot.services import ledger
from bot.services.ledger_card import card_text
from bot.services.ledger_excel import import_workbook
from storage.db import Database
from tests.ledgerkit import DEPT, OTHER, ROWS_2024, count, workbook
from tests.web.kit import app_for, client, signed_in

PNG = b"\x89PNG\r\n\x1a\n"


def upload(data: bytes, name: str = "台账.xlsx") -> dict:
    return {"content": data, "headers": {"X-File-Name": quote(name)}}


async def test_the_card_is_the_telegram_card_of_the_department(database: Database) -> None:
    import_workbook(database, None, workbook(ROWS_2024), department=DEPT)
    import_workbook(
        database, None, workbook([["HK-9", "港区地块", "金水区", "商服用地", 7, 2024, None]]),
        department=OTHER,
    )  # fmt: skip
    app = app_for(database)
    async with signed_in(database, app, department=DEPT) as (c, me):
        r = await c.get("/api/ledger?year=2024")
        assert r.status_code == 200, r.text
        got = r.json()
        progress = ledger.status(database, me["id"], year=2024, with_parcels=False)
        assert got["card"] == card_text(progress)
        assert got["scope"] == f"统计范围：本部门（{DEPT}）的地块"
        assert got["year"] == 2024
        assert got["status"] == progress.to_json()
        # the other department's 7 ha are not counted; the 新密 parcel is outside the plan
        assert got["status"]["supplied"]["total_ha"] == 10.0
        assert "郑州市市本级2024年度" in got["card"] and "6月30日 目标 50%" in got["card"]
        assert got["waiting"] == []


async def test_chart_and_workbook_downloads(database: Database) -> None:
    import_workbook(database, None, workbook(ROWS_2024), department=DEPT)
    app = app_for(database)
    async with signed_in(database, app) as (c, _me):
        r = await c.get("/api/ledger/chart.png?year=2024")
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == "image/png" and r.content.startswith(PNG)
        assert 10_000 < len(r.content) < 2_000_000
        r = await c.get("/api/ledger/export.xlsx?year=2024")
        assert r.status_code == 200, r.text
        assert "filename*=UTF-8''" in r.headers["content-disposition"]
        wb = load_workbook(io.BytesIO(r.content), read_only=True)
        rows = list(wb.worksheets[0].iter_rows(values_only=True))
        at = rows[0].index("宗地编号")
        codes = {row[at] for row in rows[1:]}
        assert {"JS-1", "JK-2"} <= codes
        # what was exported imports again into the same rows (nothing new)
        r = await c.post("/api/ledger/import", **upload(r.content, "导出.xlsx"))
        assert r.status_code == 200, r.text
        assert r.json()["inserted"] == 0 and r.json()["updated"] >= 2


async def test_import_stores_in_the_users_department_and_bad_files_store_nothing(
    database: Database,
) -> None:
    app = app_for(database)
    async with signed_in(database, app, department=OTHER) as (c, me):
        r = await c.post("/api/ledger/import", **upload(workbook(ROWS_2024)))
        assert r.status_code == 200, r.text
        assert r.json()["inserted"] == 3
        before = count(database)
        bad = workbook([["X-1", "甲", "金水区", "住宅用地", "十公顷", 2024, None],
                        ["X-2", "乙", "金水区", "住宅用地", -3, 2024, None]])  # fmt: skip
        r = await c.post("/api/ledger/import", **upload(bad))
        assert r.status_code == 400
        body = r.json()
        assert "未导入任何数据" in body["error"] and body["error_en"]
        assert len(body["problems"]) >= 2 and all("第 " in p for p in body["problems"])
        r = await c.post("/api/ledger/import", **upload(b"PK\x03\x04 not a workbook", "a.docx"))
        assert r.status_code == 400 and r.json()["error"]
        assert count(database) == before
        seen = ledger.status(database, me["id"], year=2024)
        assert {p.department for p in seen.parcels or ()} == {OTHER}
    async with signed_in(database, app, department=DEPT) as (c, _me):
        r = await c.get("/api/ledger?year=2024")
        assert r.json()["status"]["supplied"]["total_ha"] == 0.0  # not the other office's rows


async def test_supply_is_recorded_only_for_the_users_own_parcels(database: Database) -> None:
    import_workbook(
        database, None, workbook([["JS-7", "金水区七号地", "金水区", "住宅用地", 3.5, 2024, None]]),
        department=DEPT,
    )  # fmt: skip
    (parcel,) = ledger.status(database, None, year=2024).parcels or ()
    with database.unit_of_work() as uow:
        uow.ledger.update(parcel, status="approved", approved_date=dt.date(2024, 4, 1))
        uow.commit()
    app = app_for(database)
    line = f"{parcel.id} 2024年5月20日 出让合同 52000万元"
    async with signed_in(database, app, department=OTHER) as (c, _me):
        assert (await c.get("/api/ledger?year=2024")).json()["waiting"] == []
        r = await c.post("/api/ledger/supplied", json={"text": line})
        assert r.status_code == 400 and "不属于您的部门" in r.json()["error"]
    async with signed_in(database, app, department=DEPT) as (c, _me):
        waiting = (await c.get("/api/ledger?year=2024")).json()["waiting"]
        assert waiting == [{"id": parcel.id, "project_name": "金水区七号地", "area_ha": 3.5}]
        r = await c.post("/api/ledger/supplied", json={"text": f"{parcel.id} 明年五月 成交"})
        assert r.status_code == 400 and "具体的年月日" in r.json()["error"]
        r = await c.post("/api/ledger/supplied", json={"text": line})
        assert r.status_code == 200, r.text
        assert r.json() == {
            "id": parcel.id, "project_name": "金水区七号地", "supplied_date": "2024-05-20",
            "supply_basis": "出让合同", "final_price_yuan": 5.2e8,
        }  # fmt: skip
        got = (await c.get("/api/ledger?year=2024")).json()
        assert got["waiting"] == [] and got["status"]["supplied"]["total_ha"] == 3.5


async def test_refusals(database: Database) -> None:
    app = app_for(database)
    async with client(app) as anonymous:
        for path in ("/api/ledger", "/api/ledger/chart.png", "/api/ledger/export.xlsx"):
            assert (await anonymous.get(path)).status_code == 401
        r = await anonymous.post("/api/ledger/import", **upload(workbook(ROWS_2024)))
        assert r.status_code == 401
    async with signed_in(database, app) as (c, _me):
        for query in ("?year=24", "?year=abcd", "?year=1800", "?jurisdiction=" + "金" * 80):
            r = await c.get("/api/ledger" + query)
            assert r.status_code == 400 and r.json()["error"], query
        r = await c.get("/api/ledger?jurisdiction=奥林匹斯山")
        assert r.status_code == 400 and "无法识别的行政区" in r.json()["error"]
        del c.headers["X-CSRF-Token"]  # a forged upload changes nothing
        r = await c.post("/api/ledger/import", **upload(workbook(ROWS_2024)))
        assert r.status_code == 403
        assert count(database) == 0
