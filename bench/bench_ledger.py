"""The supply ledger on SQLite: import and export a workbook of 10,000 parcels, and the status
(progress card) of a year with 10,000 rows.

Prints the times and their ratio to the targets (import ≤ 3 s, export ≤ 2 s, status p99 ≤ 20 ms
on the 2-core reference machine; a ratio ≤ 1 meets it). The status is measured as the card
(`with_parcels=False`, what Telegram and `ledger status` show) and, for information, with the
10,000 parcels listed (`ledger status --json`).
"""

from __future__ import annotations

import datetime as dt
import io
import random
import statistics
import tempfile
import time
from pathlib import Path

PARCELS = 10_000
TARGET_IMPORT_S, TARGET_EXPORT_S, TARGET_STATUS_P99_MS = 3.0, 2.0, 20.0
STATUS_RUNS = 200
USES = ("住宅用地", "商服用地", "工业用地", "仓储用地", "交通运输用地", "公共管理与公共服务用地",
        "综合用地")  # fmt: skip
PLACES = ("金水区", "中原区", "二七区", "管城回族区", "惠济区", "上街区", "郑东新区", "高新区",
          "经开区", "航空港区", "新密市", "中牟县")  # fmt: skip


def workbook(n: int, prefix: str = "ZZ") -> bytes:
    from openpyxl import Workbook

    rnd = random.Random(11)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("地块台账")
    ws.append(["宗地编号", "项目名称", "所在行政区", "土地用途", "面积（公顷）", "计划年度",
               "计划季度", "供应方式", "供应日期", "供应依据", "成交价（万元）", "部门"])  # fmt: skip
    for i in range(n):
        supplied = rnd.random() < 0.55
        day = dt.date(2024, 1, 1) + dt.timedelta(days=rnd.randint(0, 300)) if supplied else None
        ws.append([
            f"{prefix}-2024-{i:05d}", f"郑州市2024年度供应地块{i}号", rnd.choice(PLACES), rnd.choice(USES),
            round(rnd.uniform(0.5, 15), 4), 2024, rnd.randint(1, 4), "挂牌出让", day,
            "出让合同" if supplied else None, round(rnd.uniform(1000, 90000), 2) if supplied else None,
            rnd.choice(("郑州市土地储备中心", "郑州航空港区土地储备中心")),
        ])  # fmt: skip
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _ratio(value: float, target: float) -> str:
    return f"{value / target:.2f}× target"


def main() -> None:
    from bot.services import ledger
    from bot.services.ledger_excel import import_workbook
    from bot.services.ledger_sheets import write_workbook
    from bot.settings import load_settings
    from storage.db import open_database

    data = workbook(PARCELS)
    print(f"workbook of {PARCELS} parcels: {len(data) / 1e6:.1f} MB")
    with tempfile.TemporaryDirectory() as tmp:
        db = open_database(load_settings({"LANDBOT_DATA_DIR": str(Path(tmp))}))
        try:
            import_workbook(
                db, None, workbook(10, "WARM")
            )  # warm-up: openpyxl, the gazetteer, rules
            started = time.perf_counter()
            result = import_workbook(db, None, data)
            t_import = time.perf_counter() - started
            print(
                f"import: {t_import:.2f} s ({result.inserted} new) — {_ratio(t_import, TARGET_IMPORT_S)}"
            )
            started = time.perf_counter()
            again = import_workbook(db, None, data)
            t_update = time.perf_counter() - started
            print(f"re-import (updates): {t_update:.2f} s ({again.updated} updated)")

            today = dt.date(2024, 10, 15)
            started = time.perf_counter()
            progress = ledger.status(db, None, year=2024, today=today)
            t_query = time.perf_counter() - started
            started = time.perf_counter()
            out = write_workbook(progress)
            t_write = time.perf_counter() - started
            t_export = t_query + t_write
            print(f"export: {t_export:.2f} s ({len(progress.parcels or ())} parcels, "
                  f"{len(out) / 1e6:.1f} MB; query {t_query:.2f} s, write {t_write:.2f} s) — "
                  f"{_ratio(t_export, TARGET_EXPORT_S)}")  # fmt: skip

            card: list[float] = []
            for _ in range(STATUS_RUNS):
                started = time.perf_counter()
                ledger.status(db, None, year=2024, today=today, with_parcels=False)
                card.append((time.perf_counter() - started) * 1000)
            card.sort()
            p99 = card[min(len(card) - 1, round(0.99 * (len(card) - 1)))]
            print(f"status card ({PARCELS} rows): median {statistics.median(card):.2f} ms, "
                  f"p99 {p99:.2f} ms — {_ratio(p99, TARGET_STATUS_P99_MS)}")  # fmt: skip
            listed: list[float] = []
            for _ in range(5):
                started = time.perf_counter()
                ledger.status(db, None, year=2024, today=today)
                listed.append((time.perf_counter() - started) * 1000)
            print(
                f"status with all parcels listed (--json): median {statistics.median(listed):.0f} ms"
            )
        finally:
            db.dispose()
