"""A bare python-telegram-bot echo bot: the fake server's smoke test and the benchmark baseline.

    LANDBOT_TELEGRAM_TOKEN=... LANDBOT_TELEGRAM_BASE_URL=http://127.0.0.1:PORT/bot \\
        python -m tests.telegram.echo_bot [--concurrent N]
"""

from __future__ import annotations

import argparse
import os

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, filters


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the text back."""
    assert update.effective_message is not None and update.effective_message.text is not None
    await update.effective_message.reply_text(update.effective_message.text)


def build(token: str, base_url: str, base_file_url: str, concurrent: int = 1) -> Application:
    builder = ApplicationBuilder().token(token).base_url(base_url).base_file_url(base_file_url)
    if concurrent > 1:
        builder = builder.concurrent_updates(concurrent).connection_pool_size(concurrent)
    app = builder.build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--concurrent", type=int, default=1)
    args = parser.parse_args()
    app = build(
        os.environ["LANDBOT_TELEGRAM_TOKEN"],
        os.environ["LANDBOT_TELEGRAM_BASE_URL"],
        os.environ.get("LANDBOT_TELEGRAM_BASE_FILE_URL", ""),
        args.concurrent,
    )
    print("echo bot polling", flush=True)
    app.run_polling(poll_interval=0.0, timeout=10)


if __name__ == "__main__":
    main()
