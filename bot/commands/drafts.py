"""`landbot drafts list|export|import|delete|copy`: the terminal user's drafts as plan files."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

USER_HELP = "用户名（默认：操作系统用户名）/ user name (default: OS user)"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "drafts",
        help="列出、导出、导入、删除、复制草稿 / list, export, import, delete, copy drafts",
        description="终端用户的草稿 / the drafts of a terminal user",
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    ls = actions.add_parser("list", help="列出我的草稿 / list my drafts")
    ls.add_argument("--json", action="store_true", help="JSON 输出 / JSON output")
    ex = actions.add_parser("export", help="导出为方案文件 / export as a plan file")
    ex.add_argument("id", metavar="ID", help="草稿编号 / draft id")
    ex.add_argument("-o", "--output", required=True, metavar="PLAN_FILE",
                    help="输出文件（- 为标准输出）/ output file (- for stdout)")  # fmt: skip
    im = actions.add_parser("import", help="从方案文件导入为草稿 / import a plan file")
    im.add_argument("file", metavar="PLAN_FILE")
    de = actions.add_parser("delete", help="删除草稿 / delete a draft")
    de.add_argument("id", metavar="ID", help="草稿编号 / draft id")
    cp = actions.add_parser(
        "copy", help="复制草稿（相邻地块：清空项目名称、地块编号、四至）/ copy a draft"
    )
    cp.add_argument("id", metavar="ID", help="草稿编号 / draft id")
    for a in (ls, ex, im, de, cp):
        a.add_argument("--user", metavar="NAME", help=USER_HELP)
        a.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from bot.commands.chat import terminal_user
    from bot.settings import load_settings
    from storage.db import open_database

    name = terminal_user(args.user)
    db = open_database(load_settings())
    try:
        handler = {"list": _list, "export": _export, "import": _import, "delete": _delete,
                   "copy": _copy}  # fmt: skip
        return handler[args.action](db, name, args)
    finally:
        db.dispose()


def _user_id(db: Any, name: str) -> int | None:
    from bot import services

    user = services.get_user(db, "terminal", name)
    return user.id if user else None


def _owner_id(db: Any, name: str, draft_id: str) -> int:
    """The user's id; a user who never registered has no draft `draft_id` (DraftNotFound)."""
    from bot import services

    uid = _user_id(db, name)
    if uid is None:
        raise services.DraftNotFound(draft_id)
    return uid


def _list(db: Any, name: str, args: argparse.Namespace) -> int:
    import json

    from bot import services

    uid = _user_id(db, name)
    drafts = services.list_drafts(db, uid) if uid is not None else []
    if args.json:
        rows = [
            {
                "id": d.id,
                "kind": d.kind,
                "status": d.status,
                "title": d.title,
                "answered": d.answered,
                "total": d.total,
                "complete": d.complete,
                "current_field": d.current_field,
                "updated_at": d.updated_at.isoformat(),
            }
            for d in drafts
        ]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    elif not drafts:
        print(f"用户 {name} 还没有草稿。/ no drafts.")
    else:
        for d in drafts:
            print(d.describe())
    return 0


def _export(db: Any, name: str, args: argparse.Namespace) -> int:
    import sys

    from bot import services
    from bot.channels.terminal import write_plan_file

    exported = services.export_draft(db, _owner_id(db, name, args.id), args.id)
    if args.output == "-":
        sys.stdout.write(exported.text)
    else:
        write_plan_file(Path(args.output), exported.text)
        print(f"已导出草稿 {exported.draft.id} 到 {args.output} / exported to {args.output}")
    if not exported.draft.complete:
        d = exported.draft
        print(
            f"注意：草稿尚未填完（已填 {d.answered}/{d.total} 项）/ note: the draft is incomplete",
            file=sys.stderr,
        )
    return 0


def _import(db: Any, name: str, args: argparse.Namespace) -> int:
    from bot import services
    from knowledge.errors import BadInput

    path = Path(args.file)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise BadInput(f"找不到文件 {path}", f"file not found: {path}") from None
    except OSError as exc:
        raise BadInput(f"无法读取文件 {path}", f"cannot read {path}: {exc}") from None
    user = services.ensure_user(db, "terminal", name, name)
    reply = services.import_plan(db, user.id, data, filename=path.name)
    d = reply.draft
    assert d is not None
    state = "已填完" if d.complete else f"已填 {d.answered}/{d.total} 项"
    print(
        f"已导入为草稿 {d.id}（{d.kind_label}，{state}），运行 landbot chat 可继续填写。"
        f" / imported as draft {d.id}"
    )
    return 0


def _delete(db: Any, name: str, args: argparse.Namespace) -> int:
    from bot import services

    deleted = services.delete_draft(db, _owner_id(db, name, args.id), args.id)
    assert deleted is not None
    print(f"已删除草稿 {deleted.id} / deleted draft {deleted.id}")
    return 0


def _copy(db: Any, name: str, args: argparse.Namespace) -> int:
    from bot import services

    reply = services.copy_draft(db, _owner_id(db, name, args.id), args.id)
    d = reply.draft
    assert d is not None
    print(f"{reply.messages[0].text}运行 landbot chat 可继续填写。 / copied as draft {d.id}")
    return 0
