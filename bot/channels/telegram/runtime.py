"""What the handlers share: the database, the PDF converter, the settings (no business data)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from telegram.ext import CallbackContext

from bot.settings import Settings
from storage.db import Database

log = logging.getLogger(__name__)
T = TypeVar("T")
RUNTIME_KEY = "landbot_runtime"
CHANNEL = "telegram"


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


async def blocking(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run database / document work off the event loop."""
    return await asyncio.to_thread(fn, *args, **kwargs)
