"""`landbot db backup|restore` (CONTRACT §7): a copy of the whole database, and back.

The logic is `storage.backup`; this prints its outcome. Refusals (a file that is not a backup
of this backend, a target with data, an existing FILE) exit 2; an unusable database or missing
`pg_dump`/`pg_restore` exit 1, each with one bilingual line.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "db",
        help="数据库备份与恢复 / database backup and restore",
        description="备份与恢复整个数据库。退出码：0 成功，1 数据库或工具不可用，2 输入有误或被拒绝。",
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    bk = actions.add_parser("backup", help="备份到文件 / back up to a file")
    bk.add_argument("-o", "--output", required=True, metavar="FILE", help="备份文件 / backup file")
    bk.add_argument(
        "--force", action="store_true", help="覆盖已有的文件 / overwrite an existing FILE"
    )
    bk.set_defaults(func=run_backup)
    rs = actions.add_parser("restore", help="从备份恢复 / restore from a backup")
    rs.add_argument("file", metavar="FILE", help="landbot db backup 生成的文件 / a backup")
    rs.add_argument(
        "--force", action="store_true", help="替换已有数据的数据库 / replace a database with data"
    )
    rs.set_defaults(func=run_restore)


def run_backup(args: argparse.Namespace) -> int:
    from bot.settings import load_settings
    from storage.backup import BACKENDS, backup

    info = backup(load_settings(), Path(args.output), overwrite=args.force)
    kind = BACKENDS[info.backend]
    print(
        f"已备份到 {info.path}（{kind}，{info.size} 字节，数据库结构版本 {info.revision}）"
        f" / backed up to {info.path} ({kind}, {info.size} bytes, schema {info.revision})"
    )
    return 0


def run_restore(args: argparse.Namespace) -> int:
    from bot.settings import load_settings
    from storage.backup import restore

    info = restore(load_settings(), Path(args.file), force=args.force)
    replaced = "，已替换原有数据" if info.replaced else ""
    print(
        f"已从 {info.source} 恢复（备份的结构版本 {info.from_revision}，现为 {info.revision}"
        f"{replaced}） / restored from {info.source} (schema {info.from_revision} → "
        f"{info.revision}{', existing data replaced' if info.replaced else ''})"
    )
    return 0
