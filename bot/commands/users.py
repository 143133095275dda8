"""`landbot users`: invitations, the user list, disabling, and the first admin."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from storage.db import Database

ROLE_CHOICES = ("clerk", "reviewer", "admin")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("users", help="用户与邀请码 / users and invitation codes")
    cmds = p.add_subparsers(dest="users_command", metavar="ACTION")

    inv = cmds.add_parser("invite", help="生成一次性邀请码 / create a one-time invitation code")
    inv.add_argument("--role", required=True, choices=ROLE_CHOICES, help="角色 / role")
    inv.add_argument("--department", required=True, help="部门，如 郑州市土地储备中心")
    inv.add_argument("--days", type=int, default=7, help="有效天数（默认 7）/ days valid")
    inv.set_defaults(func=run_invite)

    ls = cmds.add_parser("list", help="列出用户 / list users")
    ls.add_argument("--invitations", action="store_true", help="同时列出邀请码 / also codes")
    ls.set_defaults(func=run_list)

    dis = cmds.add_parser("disable", help="停用用户 / disable a user")
    dis.add_argument("id", type=int, help="用户编号（见 users list）/ user id")
    dis.set_defaults(func=run_disable)

    link = cmds.add_parser(
        "login-link", help="一次性网页登录链接 / one-time login link for the web page"
    )
    link.add_argument("id", type=int, help="用户编号（见 users list）/ user id")
    link.add_argument("--hours", type=int, default=72, help="有效小时数（默认 72）/ hours valid")
    link.add_argument(
        "--base-url", help="网页版地址（默认 LANDBOT_WEB_URL），如 https://land.example.org/landbot"
    )
    link.set_defaults(func=run_login_link)

    adm = cmds.add_parser("create-admin", help="创建首位管理员 / create the first admin")
    adm.add_argument("--telegram-id", required=True, type=int, help="Telegram 用户数字 ID")
    adm.add_argument("--name", required=True, help="姓名 / name")
    adm.add_argument("--department", required=True, help="部门 / department")
    adm.set_defaults(func=run_create_admin)

    p.set_defaults(func=lambda args: (p.print_help(), 0)[1])


def _db() -> Database:
    from bot.settings import load_settings
    from storage.db import open_database

    return open_database(load_settings())


def run_invite(args: argparse.Namespace) -> int:
    from bot.services import users

    db = _db()
    try:
        inv = users.invite(db, role=args.role, department=args.department, valid_days=args.days)
    finally:
        db.dispose()
    from bot.services.results import local_minute

    expires = local_minute(inv.expires_at) if inv.expires_at else "-"
    print(users.format_code(inv.code))
    print(
        f"角色：{users.role_label(inv.role)}（{inv.role}）  部门：{inv.department}  "
        f"有效期至：{expires}\n请把邀请码交给本人，在 Telegram 中发给机器人或在手机网页版输入，即可注册（仅可使用一次）。",
    )
    return 0


def run_list(args: argparse.Namespace) -> int:
    from bot.services import users

    db = _db()
    try:
        people = users.list_users(db)
        codes = users.list_invitations(db) if args.invitations else []
    finally:
        db.dispose()
    if not people:
        print("还没有用户。/ no users yet.")
    else:
        print("编号\t渠道\t账号\t姓名\t角色\t部门\t状态")
        for u in people:
            state = "正常" if u.active else "已停用"
            print(
                f"{u.id}\t{u.channel}\t{u.external_id}\t{u.display_name}\t"
                f"{users.role_label(u.role)}\t{u.department or '-'}\t{state}"
            )
    if args.invitations:
        print("\n邀请码\t角色\t部门\t状态")
        for inv in codes:
            state = f"已由用户 {inv.used_by} 使用" if inv.used_by else "未使用"
            print(
                f"{users.format_code(inv.code)}\t{users.role_label(inv.role)}\t"
                f"{inv.department or '-'}\t{state}"
            )
    return 0


def run_disable(args: argparse.Namespace) -> int:
    from bot.services import users

    db = _db()
    try:
        user = users.disable(db, args.id)
    finally:
        db.dispose()
    print(f"已停用用户 {user.id}（{user.display_name}）。/ user {user.id} disabled.")
    return 0


def run_login_link(args: argparse.Namespace) -> int:
    from bot.services import web_login
    from bot.settings import load_settings
    from storage.db import open_database

    settings = load_settings()
    db = open_database(settings)
    try:
        link = web_login.create_login_link(db, args.id, hours=args.hours)
    finally:
        db.dispose()
    base = (args.base_url or settings.web_url).rstrip("/")
    from bot.services.results import local_minute

    expires = local_minute(link.expires_at)
    print(f"{base}/login/{link.token}")
    print(
        f"用户：{link.user.display_name}（编号 {link.user.id}）  有效期至：{expires}\n"
        "请只发给本人：在手机浏览器中打开并点“登录”即可（仅可使用一次）。"
    )
    return 0


def run_create_admin(args: argparse.Namespace) -> int:
    from bot.services import users

    db = _db()
    try:
        user = users.create_admin(
            db,
            channel="telegram",
            external_id=args.telegram_id,
            display_name=args.name,
            department=args.department,
        )
    finally:
        db.dispose()
    print(
        f"管理员已就绪：编号 {user.id}，Telegram ID {user.external_id}，{user.display_name}，"
        f"{user.department}。/ admin ready."
    )
    return 0
