"""What the handlers share: the database, the PDF converter, the settings (no business data)."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from telegram.ext import CallbackContext

from bot.settings import Settings
from storage.db import Database

if TYPE_CHECKING:
    from bot.channels.telegram.inbox import InboxQueue

log = logging.getLogger(__name__)
T = TypeVar("T")
RUNTIME_KEY = "landbot_runtime"
CHANNEL = "telegram"


@dataclass
class Runtime:
    settings: Settings
    db: Database | None = None
    converter: Any = None  # doc_templates.pdf.PdfConverter once started, else None
    inbox: InboxQueue | None = None  # the update queue that writes updates down (inbox.py)
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def database(self) -> Database:
        if self.db is None:
            raise RuntimeError("the database is not open (post_init has not run)")
        return self.db

    def pdf_available(self) -> bool:
        """Whether the converter can make PDFs (LibreOffice is installed)."""
        conv = self.converter
        if conv is None:
            return False
        check = getattr(conv, "available", None)
        if callable(check):
            return bool(check())
        return getattr(conv, "mode", "none") != "none"


def runtime(context: CallbackContext[Any, Any, Any, Any]) -> Runtime:
    rt = context.application.bot_data.get(RUNTIME_KEY)
    if not isinstance(rt, Runtime):
        raise RuntimeError("landbot runtime missing from bot_data")
    return rt


_db_executor: ThreadPoolExecutor | None = None
_inline = False


def configure_executor(workers: int) -> None:
    """Where database steps run. 0: on the event loop itself — for SQLite, whose steps take a
    few milliseconds and never wait on a network (handing them to a thread costs more CPU
    than the step); N: on N threads — for PostgreSQL, where every query waits on the server."""
    global _db_executor, _inline
    old, _db_executor = _db_executor, None
    if old is not None:
        old.shutdown(wait=False)
    _inline = workers == 0
    if workers > 0:
        _db_executor = ThreadPoolExecutor(workers, thread_name_prefix="landbot-db")


def shutdown_executor() -> None:
    global _db_executor
    if _db_executor is not None:
        _db_executor.shutdown(wait=True)
        _db_executor = None


async def blocking(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a short database step (see `configure_executor`)."""
    if _inline:
        return fn(*args, **kwargs)
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_db_executor, functools.partial(fn, *args, **kwargs))


async def slow(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run long work (documents, PDF) on the default threads, never blocking dialogue turns."""
    return await asyncio.to_thread(fn, *args, **kwargs)
