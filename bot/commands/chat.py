"""`landbot chat [--user NAME]`: the dialogues in a terminal (CONTRACT §2)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "chat",
        help="在终端中填写储备方案、供地方案 / fill in plans in the terminal",
        description="在终端中填写储备方案、供地方案；可交互，也可从标准输入逐行读取回答。"
        " / The plan dialogues in a terminal, interactive or with answers piped on stdin.",
    )
    p.add_argument(
        "--user",
        metavar="NAME",
        help="用户名（默认：操作系统用户名）/ user name (default: OS user)",
    )
    p.set_defaults(func=run)


def terminal_user(name: str | None) -> str:
    """The terminal user name: --user, else the OS login name; checked like any input."""
    from knowledge.errors import BadInput

    if name is None:
        import getpass

        try:
            name = getpass.getuser()
        except (KeyError, OSError):
            name = "user"
    name = name.strip()
    if not name or len(name) > 64 or not name.isprintable():
        raise BadInput(
            "用户名应为 1-64 个可打印字符", "the user name must be 1-64 printable characters"
        )
    return name


def run(args: argparse.Namespace) -> int:
    import contextlib
    import sys

    from bot import services
    from bot.channels.terminal import Console, run_chat
    from bot.settings import load_settings
    from storage.db import open_database

    name = terminal_user(args.user)
    db = open_database(load_settings())
    try:
        user = services.ensure_user(db, "terminal", name, name)
        console = Console(sys.stdin, sys.stdout, interactive=sys.stdin.isatty())
        if console.interactive:
            with contextlib.suppress(ImportError):  # line editing for input(), where available
                import readline  # noqa: F401
        console.say(f"您好，{user.display_name}。土地储备与供应方案助手（终端版）。")
        return run_chat(db, user.id, console)
    finally:
        db.dispose()
