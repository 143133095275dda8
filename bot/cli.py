"""The `landbot` command line (CONTRACT §2).

Each command lives in its own module under `bot/commands/` with `register(subparsers)`;
heavy imports happen inside the command, so `landbot ask` starts fast. Errors reach the
user as one bilingual line and an exit status, never as a traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from typing import NoReturn

from bot.commands import COMMAND_MODULES
from knowledge.errors import LandbotError

log = logging.getLogger("landbot")


class _Parser(argparse.ArgumentParser):
    """argparse with usage errors as one bilingual line (CONTRACT §2), still exit 2."""

    def error(self, message: str) -> NoReturn:
        zh = f"命令行参数有误（{self.prog} -h 查看用法）：{message}"
        self.exit(2, f"错误：{zh} / Error: {message} (see {self.prog} -h)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="landbot",
        description="土地储备与供应方案助手 / land reserve and supply plan assistant",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="调试日志 / debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return the exit status."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(encoding="utf-8", errors="replace")
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: usage errors exit 2 with its own message
        return int(exc.code or 0)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        return int(args.func(args) or 0)
    except LandbotError as exc:
        zh, en = (" ".join(m.split()) for m in (exc.zh, exc.en))  # one line (CONTRACT §2)
        print(f"错误：{zh} / Error: {en}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(
            "\n已中断，已保存的内容不受影响。/ Interrupted; saved data is unaffected.",
            file=sys.stderr,
        )
        return 130
    except BrokenPipeError:
        return 0
    except Exception:  # the last line of defence: log the traceback, show one line
        log.exception("unexpected error in %s", args.command)
        print(
            "内部错误，请联系管理员（加 -v 查看详情）。/ Internal error; rerun with -v for details.",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
