"""`landbot run`: the Telegram bot, polling by default or serving a webhook."""

from __future__ import annotations

import argparse
import logging
import re


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="运行 Telegram 机器人 / run the Telegram bot")
    p.add_argument(
        "--webhook", metavar="URL", help="以 webhook 方式运行，如 https://bot.example.com/landbot"
    )
    p.add_argument("--listen", default="127.0.0.1", help="webhook 监听地址（默认 127.0.0.1）")
    p.add_argument("--port", type=int, default=8443, help="webhook 监听端口（默认 8443）")
    p.add_argument("--secret-token", help="webhook 密钥（Telegram 每次请求都会带上并被校验）")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from bot.channels.telegram.app import run_polling, run_webhook
    from bot.settings import load_settings
    from knowledge.errors import BadInput

    logging.getLogger("landbot").setLevel(logging.DEBUG if args.verbose else logging.INFO)
    settings = load_settings()
    if args.webhook is None:
        for flag in ("secret_token",):
            if getattr(args, flag):
                raise BadInput(
                    "--secret-token 只用于 webhook 模式", "--secret-token needs --webhook"
                )
        run_polling(settings)
        return 0
    if args.secret_token is not None and not re.fullmatch(
        r"[A-Za-z0-9_-]{1,256}", args.secret_token
    ):
        raise BadInput(
            "--secret-token 只能包含字母、数字、_ 和 -（1 至 256 个字符）",
            "--secret-token may only contain A-Z, a-z, 0-9, _ and - (1-256 characters)",
        )
    if not 0 < args.port < 65536:
        raise BadInput("--port 应在 1 至 65535 之间", "--port must be 1-65535")
    run_webhook(
        settings, args.webhook, listen=args.listen, port=args.port, secret_token=args.secret_token
    )
    return 0
