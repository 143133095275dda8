"""The ASGI application of `landbot web` (Starlette): the page, the API, security headers.

`create_app()` (what uvicorn's workers call) opens the database and settings of `landbot
run`; tests pass an open `Database` instead. The PDF converter (LibreOffice) starts on the
first PDF asked for.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import threading
import time
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.channels.web import api, ledger_api, page
from bot.settings import Settings
from storage.db import Database

_LOGIN_TOKEN = re.compile(r"/login/[^/]*")
log = logging.getLogger("landbot.web")
access = logging.getLogger("landbot.web.access")
POLL_PATH = "/api/notices"
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; script-src 'self'; style-src 'self'; "
        b"base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    ),
]


def safe_path(path: str) -> str:
    """The path as the request log shows it: no login-link token (and never a query)."""
    return _LOGIN_TOKEN.sub("/login/…", path)


class Guard:
    """Security headers on every response, and a request log without secrets."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 0

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            ms = (time.perf_counter() - start) * 1000
            level = logging.DEBUG if _routine(scope, status) else logging.INFO
            access.log(level, "%s %s %s %.0fms", scope["method"], safe_path(scope["path"]),
                       status, ms)  # fmt: skip


def _routine(scope: Scope, status: int) -> bool:
    """The page's poll for notices (every 30 s per open page): logged at DEBUG when it
    succeeds, so that the request log shows what officials did, not that their page is open."""
    path = str(scope["path"]).removeprefix(str(scope.get("root_path") or ""))
    return scope["method"] == "GET" and path == POLL_PATH and status == 200


class Converters:
    """The PDF converter, started on first use (None when LibreOffice is missing)."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self._lock = threading.Lock()
        self._converter: Any = None
        self._tried = False

    def __call__(self) -> Any:
        with self._lock:
            if not self._tried and self.enabled:
                self._tried = True
                try:
                    from doc_templates.pdf import PdfConverter

                    converter = PdfConverter()
                    if converter.mode != "none":
                        self._converter = converter
                except Exception:  # no PDF is not a failure: the .docx is what counts
                    log.warning("PDF converter not available", exc_info=True)
            return self._converter

    def close(self) -> None:
        if self._converter is not None:
            with contextlib.suppress(Exception):
                self._converter.stop()


async def _open_waiting(settings: Settings) -> Database:
    """The database, waiting out one that is being restarted (bot/channels/startup.py).
    Still unreachable, the worker exits with the reason (exit 1, as the CLI does for an
    unreachable database) for its supervisor to restart it."""
    from bot.channels.startup import open_waiting
    from knowledge.errors import ServiceUnavailable

    try:
        return await open_waiting(settings)
    except ServiceUnavailable as exc:
        log.error("%s", exc)
        logging.shutdown()
        os._exit(exc.exit_code)  # not an exception: uvicorn would print a traceback


def create_app(database: Database | None = None, *, pdf: bool = True) -> Starlette:
    """The web app; without `database`, it opens the configured one at start-up."""
    converters = Converters(pdf)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        opened = None
        if app.state.database is None:
            from bot.settings import load_settings

            opened = app.state.database = await _open_waiting(load_settings())
            app.state.inline_db = opened.dialect == "sqlite"
        from bot.channels.heap import settle
        from bot.services import engine

        engine.warm()
        settle()
        log.info("landbot web ready")
        try:
            yield
        finally:
            converters.close()
            if opened is not None:
                opened.dispose()

    async def not_found(request: Request, exc: Exception) -> Response:
        from bot.channels.web.http import error

        return error(404, "没有这个页面", "not found")

    app = Starlette(
        routes=[*api.routes, *ledger_api.routes, *page.routes],
        lifespan=lifespan,
        exception_handlers={404: not_found, 405: not_found},
    )
    app.state.database = database
    app.state.inline_db = database is not None and database.dialect == "sqlite"
    app.state.converter = converters
    app.add_middleware(Guard)
    return app
