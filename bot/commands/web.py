"""`landbot web`: the phone page and JSON API (CONTRACT §5), served by uvicorn."""

from __future__ import annotations

import argparse
import logging

from knowledge.errors import BadInput


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("web", help="运行手机网页版 / serve the mobile web page and API")
    p.add_argument("--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1）")
    p.add_argument("--port", type=int, default=8080, help="监听端口（默认 8080）")
    p.add_argument(
        "--root-path", default="", metavar="PREFIX", help="挂在反向代理的子路径下，如 /landbot"
    )
    p.add_argument("--workers", type=int, default=1, help="工作进程数（默认 1）")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from bot.channels.web.server import serve

    if not 0 < args.port < 65536:
        raise BadInput("--port 应在 1 至 65535 之间", "--port must be 1-65535")
    if not 1 <= args.workers <= 64:
        raise BadInput("--workers 应在 1 至 64 之间", "--workers must be 1-64")
    root = args.root_path.rstrip("/")
    if root and not root.startswith("/"):
        raise BadInput("--root-path 应以 / 开头，如 /landbot", "--root-path must start with /")
    from bot.settings import load_settings

    load_settings()  # a bad setting is refused here, as one line, not in each worker
    logging.getLogger("landbot").setLevel(logging.DEBUG if args.verbose else logging.INFO)
    serve(host=args.host, port=args.port, root_path=root, workers=args.workers)
    return 0
