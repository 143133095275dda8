"""`landbot ledger status|export|import|chart|supply` (CONTRACT §6): the supply ledger.

The command line is the operator's: it sees every department's parcels (`--department`
narrows to one). Bad input exits 2 with one bilingual line; an import with bad rows first lists
every one of them (sheet, row, column) on stderr.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

PLACE_HELP = "行政区，如 郑州市、金水区（默认：最新年度供应计划的范围）/ place"
YEAR_HELP = "年度，如 2024（默认：该地最新的计划年度）/ year"


def _scope_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--jurisdiction", metavar="PLACE", help=PLACE_HELP)
    p.add_argument("--year", metavar="YYYY", type=_year, help=YEAR_HELP)
    p.add_argument("--department", metavar="DEPT", help="只看该部门的地块 / one department only")


def _year(text: str) -> int:
    if not text.isascii() or not text.isdigit() or len(text) != 4:
        raise argparse.ArgumentTypeError(f"年度应为四位数字，如 2024 / expected YYYY: {text!r}")
    return int(text)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "ledger",
        help="供应台账：进度、导出、导入、图表 / the supply ledger",
        description="供应台账：每宗地的计划、批准和供应情况，对照年度供应计划。退出码：0 成功，2 输入有误。",
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    st = actions.add_parser("status", help="对照年度计划的供应进度 / progress against the plan")
    _scope_args(st)
    st.add_argument("--json", action="store_true", help="输出 JSON（CONTRACT §6）")
    ex = actions.add_parser("export", help="导出 Excel 工作簿 / export the workbook")
    _scope_args(ex)
    ex.add_argument("-o", "--output", required=True, metavar="FILE.xlsx")
    im = actions.add_parser("import", help="从 Excel 工作簿导入地块 / import parcels")
    im.add_argument("file", metavar="FILE.xlsx")
    im.add_argument("--skip-bad-rows", action="store_true",
                    help="跳过有误的行，导入其余各行 / import the good rows")  # fmt: skip
    im.add_argument("--columns", metavar="MAP",
                    help="列名对应，如 地块编号=宗地编号,用地面积(亩)=面积（亩）/ header map")  # fmt: skip
    im.add_argument("--department", metavar="DEPT",
                    help="未填“部门”列的地块归属的部门 / department of rows without one")  # fmt: skip
    ch = actions.add_parser("chart", help="进度图（PNG）/ the progress chart")
    _scope_args(ch)
    ch.add_argument("-o", "--output", required=True, metavar="FILE.png")
    su = actions.add_parser("supply", help="登记已供应（成交/合同/划拨决定书）/ record supply")
    su.add_argument("id", metavar="ID", help="台账编号 / ledger id")
    su.add_argument("--date", required=True, type=_date, metavar="YYYY-MM-DD")
    su.add_argument("--basis", required=True, metavar="BASIS",
                    help="成交确认书 | 出让合同 | 划拨决定书")  # fmt: skip
    su.add_argument("--price-yuan", type=float, metavar="YUAN", help="成交价（元）/ final price")
    for a in (st, ex, im, ch, su):
        a.set_defaults(func=run)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"日期应如 2024-05-20 / expected YYYY-MM-DD: {text!r}"
        ) from None


def run(args: argparse.Namespace) -> int:
    from bot.settings import load_settings
    from storage.db import open_database

    db = open_database(load_settings())
    try:
        handler = {
            "status": _status, "export": _export, "import": _import, "chart": _chart,
            "supply": _supply,
        }  # fmt: skip
        return handler[args.action](db, args)
    finally:
        db.dispose()


def _scope(args: argparse.Namespace) -> dict[str, Any]:
    return {"jurisdiction": args.jurisdiction, "year": args.year, "department": args.department}


def _status(db: Any, args: argparse.Namespace) -> int:
    from bot.services import ledger
    from bot.services.ledger_card import card_text

    progress = ledger.status(db, None, with_parcels=args.json, **_scope(args))
    if args.json:
        print(json.dumps(progress.to_json(), ensure_ascii=False, indent=2))
    else:
        print(card_text(progress))
    return 0


def _write(path: Path, data: bytes) -> None:
    from knowledge.errors import BadInput

    try:
        path.write_bytes(data)
    except OSError as exc:
        raise BadInput(f"无法写入文件 {path}", f"cannot write {path}: {exc.strerror}") from None


def _export(db: Any, args: argparse.Namespace) -> int:
    from bot.services import ledger
    from bot.services.ledger_sheets import write_workbook

    progress = ledger.status(db, None, **_scope(args))
    _write(Path(args.output), write_workbook(progress))
    n = len(progress.parcels or ())
    print(f"已导出 {n} 宗地块到 {args.output} / exported {n} parcels to {args.output}")
    return 0


def _import(db: Any, args: argparse.Namespace) -> int:
    from bot.services.ledger_excel import WorkbookErrors, import_workbook
    from knowledge.errors import BadInput

    path = Path(args.file)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise BadInput(f"找不到文件 {path}", f"file not found: {path}") from None
    except OSError as exc:
        raise BadInput(f"无法读取文件 {path}", f"cannot read {path}: {exc.strerror}") from None
    try:
        result = import_workbook(
            db, None, data, filename=path.name, skip_bad_rows=args.skip_bad_rows,
            columns=args.columns, department=args.department,
        )  # fmt: skip
    except WorkbookErrors as exc:
        for problem in exc.problems:
            print(str(problem), file=sys.stderr)
        raise
    for problem in result.skipped:
        print(f"已跳过：{problem}", file=sys.stderr)
    skipped = len({p.row for p in result.skipped})
    print(
        f"已导入工作表「{result.sheet}」：新增 {result.inserted} 宗，更新 {result.updated} 宗，"
        f"跳过 {skipped} 行 / imported: {result.inserted} new, {result.updated} updated, "
        f"{skipped} rows skipped"
    )
    return 0


def _chart(db: Any, args: argparse.Namespace) -> int:
    from bot.services import ledger
    from bot.services.ledger_chart import render_chart

    progress = ledger.status(db, None, with_parcels=False, curve=True, **_scope(args))
    _write(Path(args.output), render_chart(progress))
    print(f"已生成进度图 {args.output} / chart written to {args.output}")
    return 0


def _supply(db: Any, args: argparse.Namespace) -> int:
    from bot.services import ledger

    parcel = ledger.record_supply(
        db, None, args.id, supplied_date=args.date, basis=args.basis,
        final_price_yuan=args.price_yuan,
    )  # fmt: skip
    print(
        f"已登记：台账 {parcel.id}「{parcel.project_name}」于 {args.date.isoformat()} "
        f"{args.basis}，状态 {parcel.status_label} / recorded as supplied"
    )
    return 0
