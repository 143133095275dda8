"""Configuration from environment variables and an optional `.env` (CONTRACT §2)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from knowledge.errors import BadInput
from storage.urls import redact_url

DEFAULT_TELEGRAM_BASE_URL = "https://api.telegram.org/bot"
DEFAULT_TELEGRAM_BASE_FILE_URL = "https://api.telegram.org/file/bot"


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    telegram_token: str | None
    telegram_base_url: str
    telegram_base_file_url: str
    web_url: str = "http://127.0.0.1:8080"  # how officials reach `landbot web` (login links)
    db_wait_s: float = 60.0  # `landbot run`/`web` wait this long at start for a database server

    def __repr__(self) -> str:  # never print the token
        token = "***" if self.telegram_token else None
        return (
            f"Settings(data_dir={self.data_dir!s}, database_url={redact_url(self.database_url)}, "
            f"telegram_token={token}, telegram_base_url={self.telegram_base_url})"
        )


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Read the settings; `.env` in the working directory fills unset variables."""
    if env is None:
        from dotenv import dotenv_values

        env = {k: v for k, v in dotenv_values(".env").items() if v is not None}
        env.update(os.environ)
    data_dir_raw = env.get("LANDBOT_DATA_DIR")
    if data_dir_raw:
        data_dir = Path(data_dir_raw).expanduser()
    else:
        from platformdirs import user_data_dir

        data_dir = Path(user_data_dir("landbot", appauthor=False))
    database_url = env.get("LANDBOT_DATABASE_URL") or f"sqlite:///{data_dir / 'landbot.sqlite3'}"
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        telegram_token=env.get("LANDBOT_TELEGRAM_TOKEN") or None,
        telegram_base_url=env.get("LANDBOT_TELEGRAM_BASE_URL") or DEFAULT_TELEGRAM_BASE_URL,
        telegram_base_file_url=(
            env.get("LANDBOT_TELEGRAM_BASE_FILE_URL") or DEFAULT_TELEGRAM_BASE_FILE_URL
        ),
        web_url=(env.get("LANDBOT_WEB_URL") or "http://127.0.0.1:8080").rstrip("/"),
        db_wait_s=_seconds("LANDBOT_DB_WAIT_S", env.get("LANDBOT_DB_WAIT_S"), 60.0),
    )


def _seconds(name: str, raw: str | None, default: float) -> float:
    """A number of seconds (0 or more) from the environment variable `name`; unset or empty:
    the default. Anything else is refused with the variable named, never quietly replaced."""
    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0.0 <= value < float("inf"):  # also refuses nan and inf
        raise BadInput(
            f"{name} 应为秒数（0 或正数），现为 {raw!r}",
            f"{name} must be a number of seconds (0 or more), not {raw!r}",
        )
    return value
