"""Logging that never shows the bot token (httpx logs request URLs, which contain it)."""

from __future__ import annotations

import logging

QUIET_LOGGERS = ("httpx", "httpcore", "telegram.request", "apscheduler")


class RedactingFormatter(logging.Formatter):
    """Wrap a formatter; replace every secret in the formatted record (traceback included)."""

    def __init__(self, inner: logging.Formatter | None, secrets: list[str]) -> None:
        super().__init__()
        self.inner = inner or logging.Formatter()
        self.secrets = [s for s in secrets if s]

    def format(self, record: logging.LogRecord) -> str:
        text = self.inner.format(record)
        for secret in self.secrets:
            text = text.replace(secret, "<redacted>")
        return text


def protect_token(token: str | None) -> None:
    """Redact `token` in every root handler and keep the URL-logging libraries at WARNING."""
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    if not token:
        return
    # the whole token, and its secret half when it is long enough not to match ordinary text
    tail = token.split(":", 1)[-1]
    secrets = [token, tail] if len(tail) >= 16 else [token]
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=logging.WARNING)
    for handler in root.handlers:
        current = handler.formatter
        if isinstance(current, RedactingFormatter):
            current.secrets = sorted({*current.secrets, *secrets})
        else:
            handler.setFormatter(RedactingFormatter(current, secrets))
