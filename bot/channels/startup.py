"""Opening the database at the start of a long-running channel (`landbot run`, `landbot web`):
a database server that is being restarted is waited for (LANDBOT_DB_WAIT_S, a line a try,
no traceback) instead of failing the start; still unreachable, `ServiceUnavailable` says
why. An SQLite file is not waited for: what fails there (a corrupt file) does not pass."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from bot.settings import Settings
from knowledge.errors import ServiceUnavailable
from storage.db import Database

log = logging.getLogger("landbot")
RETRY_S = 1.0


async def _inline(fn: Callable[..., Any], *args: Any) -> Any:
    return fn(*args)


async def open_waiting(
    settings: Settings, run: Callable[..., Awaitable[Any]] = _inline
) -> Database:
    """`open_database(settings)` (through `run`: inline, or on a thread), retried every RETRY_S
    for up to `settings.db_wait_s` while it raises ServiceUnavailable."""
    from storage.db import open_database

    server = not settings.database_url.startswith("sqlite")
    deadline = time.monotonic() + (settings.db_wait_s if server else 0.0)
    while True:
        try:
            db: Database = await run(open_database, settings)
            return db
        except ServiceUnavailable:
            if time.monotonic() >= deadline:
                raise
            log.warning("数据库暂不可用，%g 秒后重试 / database unavailable, retrying", RETRY_S)
            await asyncio.sleep(RETRY_S)
