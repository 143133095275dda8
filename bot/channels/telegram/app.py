"""The python-telegram-bot Application of landbot: polling or webhook (`landbot run`)."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import os
from typing import Any
from urllib.parse import urlsplit

from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, Defaults

from bot.channels.heap import settle
from bot.channels.telegram import texts
from bot.channels.telegram.handlers import register_all
from bot.channels.telegram.handlers.errors import on_error
from bot.channels.telegram.inbox import InboxQueue
from bot.channels.telegram.logsafe import protect_token
from bot.channels.telegram.processor import PerChatUpdateProcessor
from bot.channels.telegram.request import BoundedRequest
from bot.channels.telegram.runtime import RUNTIME_KEY, Runtime
from bot.services import engine
from bot.settings import Settings
from knowledge.errors import BadInput, ServiceUnavailable

log = logging.getLogger("landbot.telegram")
CONCURRENT_UPDATES = 32
# Bot API requests in flight, one pooled HTTP connection each (see request.py). httpcore
# checks every pooled connection on each request, so the pool is kept just big enough: a Bot
# API server on this machine answers within about a millisecond and 4 keep it busy (8 cost
# about 0.2 ms more CPU per update in `python -m bench telegram`); api.telegram.org, 100–300 ms
# away, needs 8 to carry Telegram's 30 messages a second.
IN_FLIGHT_LOCAL = 4
IN_FLIGHT_REMOTE = 8
DB_THREADS_SERVER = 4  # database threads with PostgreSQL (SQLite steps run on the loop)
# Telegram's limit is about 30 messages a second overall; LANDBOT_TELEGRAM_RATE_LIMIT=0
# switches the limiter off (a local Bot API test server or a benchmark has no such limit).
RATE_LIMIT_ENV = "LANDBOT_TELEGRAM_RATE_LIMIT"
PDF_ENV = "LANDBOT_TELEGRAM_PDF"  # 0: no LibreOffice, .docx only


def _rate_limit() -> float:
    raw = os.environ.get(RATE_LIMIT_ENV, "30")
    try:
        return max(0.0, float(raw))
    except ValueError:
        raise BadInput(
            f"{RATE_LIMIT_ENV} 应为每秒消息数（数字），0 表示不限速",
            f"{RATE_LIMIT_ENV} must be messages per second (a number); 0 disables it",
        ) from None


def _in_flight(base_url: str) -> int:
    """Bot API requests to keep in flight: fewer for a server on this machine (loopback)."""
    host = urlsplit(base_url).hostname or ""
    try:
        local = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        local = False
    return IN_FLIGHT_LOCAL if local else IN_FLIGHT_REMOTE


async def _post_init(app: Application) -> None:
    """Open the database, start the PDF converter, register the menu commands."""
    from bot.channels.startup import open_waiting
    from bot.channels.telegram.runtime import configure_executor, slow

    rt: Runtime = app.bot_data[RUNTIME_KEY]
    rt.db = await open_waiting(rt.settings, slow)  # a database being restarted is waited for
    configure_executor(0 if rt.db.dialect == "sqlite" else DB_THREADS_SERVER)
    await slow(engine.warm)  # the forms and rules before the first update, then
    settle()  # out of the collector's way (bot/channels/heap.py)
    if rt.inbox is not None:
        rt.inbox.attach(rt.db)
        if rt.db.dialect == "postgresql":
            # perhaps one of several workers: chats are handled in turn (shared.py), and what
            # a killed worker left is taken up by the sweep, starting now
            from bot.channels.telegram.shared import SharedChats

            processor: Any = app.update_processor
            shared = SharedChats(app, rt.db, rt.inbox, processor.locks)
            processor.shared = shared
            rt.extras["shared"] = shared
            shared.start()
        else:
            # before polling or the webhook start: what a killed run left is handled first
            await rt.inbox.replay(app.bot)
    rt.converter = _converter()
    if rt.converter is not None:
        # warm LibreOffice up in the background; the bot answers meanwhile
        rt.extras["warm_up"] = asyncio.get_running_loop().create_task(_warm_up(rt.converter))
    from bot.channels.telegram.notices import Notifier

    notifier = rt.extras["notifier"] = Notifier(app.bot, rt.db)
    notifier.start()  # what happened on the web page, for the people on Telegram
    await app.bot.set_my_commands(texts.COMMANDS)
    log.info("landbot Telegram bot @%s ready", app.bot.username)


def _converter() -> Any:
    """The PDF converter, or None (LANDBOT_TELEGRAM_PDF=0, or no LibreOffice)."""
    if os.environ.get(PDF_ENV, "1") == "0":
        log.info("%s=0: documents are sent as .docx only", PDF_ENV)
        return None
    try:
        from doc_templates.pdf import PdfConverter
    except ImportError:
        log.info("PDF converter not available: documents are sent as .docx only")
        return None
    converter = PdfConverter()
    if converter.mode == "none":
        log.info("LibreOffice not installed: documents are sent as .docx only")
        return None
    return converter


async def _warm_up(converter: Any) -> None:
    from bot.channels.telegram.runtime import slow

    try:
        await slow(converter.start)
    except Exception:  # a converter that fails only means: no PDF until it works
        log.warning("PDF converter could not start", exc_info=True)


async def _post_shutdown(app: Application) -> None:
    """Stop the converter and close the database."""
    rt: Runtime = app.bot_data[RUNTIME_KEY]
    notifier = rt.extras.get("notifier")
    if notifier is not None:
        await notifier.stop()
    shared = rt.extras.get("shared")
    if shared is not None:
        await shared.stop()
    if rt.converter is not None:
        try:
            rt.converter.stop()
        except Exception:
            log.warning("PDF converter did not stop cleanly", exc_info=True)
    from bot.channels.telegram.runtime import shutdown_executor

    shutdown_executor()
    if rt.db is not None:
        rt.db.dispose()


def build_application(settings: Settings, *, concurrency: int = CONCURRENT_UPDATES) -> Application:
    """The configured Application (no network until it is initialised)."""
    token = settings.telegram_token
    if not token:
        raise BadInput(
            "未设置 LANDBOT_TELEGRAM_TOKEN（在 BotFather 创建机器人后获得的令牌）",
            "LANDBOT_TELEGRAM_TOKEN is not set (the token BotFather gave you)",
        )
    protect_token(token)
    inbox = InboxQueue()
    builder: Any = (
        ApplicationBuilder()
        .token(token)
        .base_url(settings.telegram_base_url)
        .base_file_url(settings.telegram_base_file_url)
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .update_queue(inbox)
        .concurrent_updates(PerChatUpdateProcessor(concurrency, on_done=inbox.handled))
        .request(BoundedRequest(_in_flight(settings.telegram_base_url), pool_timeout=30))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    rate = _rate_limit()
    if rate > 0:
        builder = builder.rate_limiter(
            AIORateLimiter(overall_max_rate=rate, overall_time_period=1, max_retries=3)
        )
    app: Application = builder.build()
    app.bot_data[RUNTIME_KEY] = Runtime(settings=settings, inbox=inbox)
    register_all(app)
    app.add_error_handler(on_error)
    return app


def _run(start: Any, settings: Settings) -> None:
    """Run, turning Telegram start-up failures into one clear bilingual line."""
    from telegram.error import InvalidToken, NetworkError

    try:
        start()
    except InvalidToken:
        raise BadInput(
            "Telegram 拒绝了 LANDBOT_TELEGRAM_TOKEN（令牌无效或已被 BotFather 重置）",
            "Telegram rejected LANDBOT_TELEGRAM_TOKEN (invalid or revoked by BotFather)",
        ) from None
    except NetworkError as exc:
        raise ServiceUnavailable(
            f"无法连接 Telegram（{settings.telegram_base_url}）：{exc}",
            f"cannot reach Telegram at {settings.telegram_base_url}: {exc}",
        ) from None


def run_polling(settings: Settings) -> None:
    app = build_application(settings)
    log.info("polling for updates")
    _run(
        lambda: app.run_polling(allowed_updates=Update.ALL_TYPES, poll_interval=0.0, timeout=25),
        settings,
    )


def run_webhook(
    settings: Settings, url: str, *, listen: str, port: int, secret_token: str | None
) -> None:
    """Serve a webhook at `url` (the path of `url` is served on listen:port)."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise BadInput(
            f"--webhook 应为完整网址，如 https://bot.example.com/landbot（收到：{url}）",
            f"--webhook must be a full URL such as https://bot.example.com/landbot (got {url})",
        )
    app = build_application(settings)
    log.info("serving the webhook on %s:%s%s", listen, port, parts.path or "/")
    _run(
        lambda: app.run_webhook(
            listen=listen,
            port=port,
            url_path=parts.path.lstrip("/"),
            webhook_url=url,
            secret_token=secret_token,
            allowed_updates=Update.ALL_TYPES,
        ),
        settings,
    )
