"""Opening the database: automatic migration, SQLite settings and clear errors on faults."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from bot.settings import Settings, load_settings
from knowledge.errors import ServiceUnavailable
from storage.db import Database, open_database


def _settings(tmp_path: Path, url: str | None = None) -> Settings:
    env = {"LANDBOT_DATA_DIR": str(tmp_path / "data")}
    if url:
        env["LANDBOT_DATABASE_URL"] = url
    return load_settings(env)


def test_default_is_a_migrated_sqlite_file_in_the_data_dir(tmp_path: Path) -> None:
    db = open_database(_settings(tmp_path))
    try:
        assert (tmp_path / "data" / "landbot.sqlite3").is_file()
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000
    finally:
        db.dispose()
    again = open_database(_settings(tmp_path))  # a second start migrates nothing
    again.dispose()


def test_reopening_keeps_the_data(database: Database, settings: Settings) -> None:
    with database.unit_of_work() as uow:
        uow.users.add("terminal", "keep")
        uow.commit()
    database.dispose()
    reopened = open_database(settings)
    try:
        with reopened.unit_of_work() as uow:
            assert uow.users.by_external("terminal", "keep") is not None
    finally:
        reopened.dispose()


def test_corrupt_sqlite_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "data" / "landbot.sqlite3"
    path.parent.mkdir(parents=True)
    garbage = b"this is not a database, just some bytes " * 200
    path.write_bytes(garbage)
    with pytest.raises(ServiceUnavailable) as err:
        open_database(_settings(tmp_path))
    assert "数据库" in err.value.zh and "database" in err.value.en
    assert path.read_bytes() == garbage  # nothing was overwritten


def test_unreachable_postgres_is_a_clear_error(tmp_path: Path) -> None:
    url = "postgresql+psycopg://landbot:secret@127.0.0.1:1/landbot?connect_timeout=2"
    with pytest.raises(ServiceUnavailable) as err:
        open_database(_settings(tmp_path, url))
    assert "secret" not in err.value.bilingual()
    assert "127.0.0.1" in err.value.bilingual()


@pytest.mark.parametrize("url", ["nonsense://x", "not a url at all"])
def test_bad_database_url_is_a_clear_error(tmp_path: Path, url: str) -> None:
    with pytest.raises(ServiceUnavailable) as err:
        open_database(_settings(tmp_path, url))
    assert "LANDBOT_DATABASE_URL" in err.value.zh


def test_data_dir_that_is_a_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("not a directory")
    with pytest.raises(ServiceUnavailable):
        open_database(_settings(tmp_path))


def test_schema_newer_than_the_program_is_refused(database: Database, settings: Settings) -> None:
    with database.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'ffff_future'"))
    database.dispose()
    with pytest.raises(ServiceUnavailable) as err:
        open_database(settings)
    assert "版本" in err.value.zh
