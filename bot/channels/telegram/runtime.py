"""What the handlers share: the database, the PDF converter, the settings (no business data)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from telegram.ext import CallbackContext

from bot.settings import Settings
from storage.db import Database

log = logging.getLogger(__name__)
T = TypeVar("T")
RUNTIME_KEY = "landbot_runtime"
CHANNEL = "telegram"


class Converter(Protocol):
    def available(self) -> bool: ...
    def convert(self, docx: bytes) -> bytes: ...


@dataclass
class Runtime:
    settings: Settings
    db: Database | None = None
    converter: Any = None  # doc_templates.pdf.PdfConverter once started, else None
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def database(self) -> Database:
        if self.db is None:
            raise RuntimeError("the database is not open (post_init has not run)")
        return self.db

    def pdf_available(self) -> bool:
        try:
            return bool(self.converter is not None and self.converter.available())
        except Exception:  # a broken converter only means: no PDF
            log.warning("PDF converter check failed", exc_info=True)
            return False


def runtime(context: CallbackContext[Any, Any, Any, Any]) -> Runtime:
    rt = context.application.bot_data.get(RUNTIME_KEY)
    if not isinstance(rt, Runtime):
        raise RuntimeError("landbot runtime missing from bot_data")
    return rt


async def blocking(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run database / document work off the event loop."""
    return await asyncio.to_thread(fn, *args, **kwargs)
