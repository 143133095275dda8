"""Logging that never shows the bot token (httpx logs request URLs, which contain it), and
no traceback of python-telegram-bot giving up at start-up (landbot says why in one line)."""

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


class OneLineGiveUp(logging.Filter):
    """python-telegram-bot logs "Network Retry Loop (…): Failed run number 0 of 0. Aborting."
    with the whole traceback when Telegram cannot be reached at start-up; the exception's
    own line stays, the traceback goes (the command then prints the bilingual reason)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and "Aborting" in str(record.msg) and "Failed run" in str(record.msg):
            exc = record.exc_info[1]
            record.msg = f"{record.msg} ({type(exc).__name__}: {exc})"
            record.exc_info, record.exc_text = None, None
        return True


GIVE_UP_FILTER = OneLineGiveUp()


def protect_token(token: str | None) -> None:
    """Redact `token` in every root handler and keep the URL-logging libraries at WARNING."""
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    ext = logging.getLogger("telegram.ext")
    if GIVE_UP_FILTER not in ext.filters:
        ext.addFilter(GIVE_UP_FILTER)
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
