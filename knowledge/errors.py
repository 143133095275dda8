"""Errors that reach people: every message in Chinese and English, never a traceback."""

from __future__ import annotations


class LandbotError(Exception):
    """Base of the errors the CLI and channels turn into a clear message."""

    exit_code = 1

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"{zh} / {en}")
        self.zh = zh
        self.en = en

    def bilingual(self) -> str:
        """One line: the Chinese message, then the English one."""
        return f"{self.zh} / {self.en}"


class BadInput(LandbotError):
    """The input (a file, a key, a value) is not what the command expects: exit 2."""

    exit_code = 2


class ServiceUnavailable(LandbotError):
    """A component the command needs (database, converter) cannot be reached: exit 1."""

    exit_code = 1
