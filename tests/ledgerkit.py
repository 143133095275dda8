"""Helpers for the supply-ledger tests: workbooks built in memory, people of two departments."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook

from bot.services import users
from storage.db import Database
from storage.domain import User

DEPT = "郑州市土地储备中心"
OTHER = "郑州航空港区土地储备中心"
HEADERS = ["宗地编号", "项目名称", "所在行政区", "土地用途", "面积（公顷）", "计划年度", "供应日期"]


def workbook(
    rows: Iterable[Sequence[Any]], headers: Sequence[str] = HEADERS, *, sheet: str = "地块台账"
) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = sheet
    ws.append(list(headers))
    for row in rows:
        ws.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def person(db: Database, ext: int, role: str = "clerk", dept: str = DEPT) -> User:
    inv = users.invite(db, role=role, department=dept)
    return users.register(
        db, channel="telegram", external_id=ext, display_name=f"用户{ext}", code_text=inv.code
    ).user


def count(db: Database) -> int:
    from sqlalchemy import func, select

    from storage.models import LedgerParcelRow

    with db.unit_of_work(readonly=True) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(LedgerParcelRow)) or 0)


# Three parcels of 2024: two of the 市本级 (one supplied), one of 新密市 (a county: not in the plan).
ROWS_2024 = [
    ["JS-1", "金水区住宅地块", "金水区", "住宅用地", 10, 2024, dt.date(2024, 3, 8)],
    ["JK-2", "经开区工业地块", "经开区", "工业用地", 20, 2024, None],
    ["XM-3", "新密住宅地块", "新密市", "住宅用地", 30, 2024, dt.date(2024, 4, 1)],
]


def totals_of(
    records: Iterable[tuple[str, str, dt.date | None, float]],
    period: tuple[dt.date, dt.date],
    cuts: Sequence[dt.date],
) -> list[Any]:
    """What `LedgerRepository.totals` returns for parcels (land_use, status, supplied_date, m²),
    computed in Python: the reference the SQL is tested against."""
    from storage.repositories.ledger import UseTotal

    groups: dict[tuple[str, str], list[tuple[dt.date | None, float]]] = {}
    for use, status, day, m2 in records:
        groups.setdefault((use, status), []).append((day, m2))
    out = []
    for (use, status), rows in sorted(groups.items()):
        out.append(
            UseTotal(
                use,
                status,
                sum(a for _, a in rows),
                len(rows),
                sum(1 for d, _ in rows if d is not None and period[0] <= d <= period[1]),
                tuple(cuts),
                tuple(sum(a for d, a in rows if d is not None and d <= c) for c in cuts),
            )
        )
    return out
