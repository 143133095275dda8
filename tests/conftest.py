"""Shared fixtures: a fresh database on SQLite and on PostgreSQL for every storage/service test.

PostgreSQL runs when LANDBOT_TEST_POSTGRES_URL is set (`.ci/run` starts a server); each
test gets its own schema (selected through the connection's search_path) that is dropped
afterwards, so tests never see each other's rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import hypothesis
import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from bot.settings import Settings, load_settings
from storage.db import Database, open_database
from tests.components import require_postgres

# Property tests judge results, not speed: on a loaded 2-core CI machine a slow first example
# must not fail a run (benchmarks live in bench/).
hypothesis.settings.register_profile("landbot", deadline=None)
hypothesis.settings.load_profile("landbot")

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def postgres_schema_url(base_url: str, schema: str) -> str:
    """`base_url` with every connection's search_path set to `schema`."""
    url = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database (not migrated) on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'db' / 'landbot.sqlite3'}"
        return
    with postgres_schema(require_postgres()) as url:
        yield url


@contextmanager
def postgres_schema(base: str, prefix: str = "test") -> Iterator[str]:
    """The URL of a new empty schema on the PostgreSQL at `base`, dropped afterwards."""
    schema = f"{prefix}_{uuid.uuid4().hex[:16]}"
    admin = create_engine(base, poolclass=NullPool)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield postgres_schema_url(base, schema)
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return load_settings(
        {"LANDBOT_DATA_DIR": str(tmp_path / "data"), "LANDBOT_DATABASE_URL": database_url}
    )


@pytest.fixture
def database(settings: Settings) -> Iterator[Database]:
    """An open, migrated `storage.db.Database` on each backend."""
    db = open_database(settings)
    try:
        yield db
    finally:
        db.dispose()
