"""`landbot procedure PARCEL_FILE [--json]`: which procedure applies to a parcel (CONTRACT §2)."""

from __future__ import annotations

import argparse
import json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "procedure",
        help="判定地块适用的收储和供应程序 / which procedure applies to a parcel",
        description="读取地块文件（JSON 或 YAML，CONTRACT §3 的地块键，可含 as_of），"
        "列出收储方式、办理步骤、供应方式和前置条件，每项注明依据。",
    )
    p.add_argument("parcel_file", metavar="PARCEL_FILE", help="地块文件 / parcel file")
    p.add_argument("--json", action="store_true", help="输出 JSON / print JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from knowledge.plan import load_parcel_file
    from knowledge.procedure import advise, render_checklist

    parcel, as_of = load_parcel_file(args.parcel_file)
    result = advise(parcel, as_of)
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    else:
        print(render_checklist(result))
    return 0
