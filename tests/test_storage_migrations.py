"""Alembic: the stairway (upgrade/downgrade/upgrade every revision) and models == migrations."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from storage import migrate
from storage.db import create_db_engine
from storage.models import Base


def test_migrations_are_package_data() -> None:
    assert migrate.MIGRATIONS_DIR.parent.name == "storage"
    assert (migrate.MIGRATIONS_DIR / "env.py").is_file()
    assert (migrate.MIGRATIONS_DIR / "script.py.mako").is_file()
    assert migrate.head_revision()


def test_stairway(database_url: str) -> None:
    """Every revision upgrades, downgrades to its predecessor and upgrades again."""
    revisions = list(reversed(list(migrate.script_directory().walk_revisions())))
    assert revisions, "no migrations found"
    engine = create_db_engine(database_url)
    try:
        for rev in revisions:
            down = rev.down_revision if isinstance(rev.down_revision, str) else "base"
            with engine.begin() as conn:
                migrate.upgrade(conn, rev.revision)
                assert migrate.current_revision(conn) == rev.revision
            with engine.begin() as conn:
                migrate.downgrade(conn, down)
                assert migrate.current_revision(conn) == (None if down == "base" else down)
            with engine.begin() as conn:
                migrate.upgrade(conn, rev.revision)
        with engine.begin() as conn:
            migrate.downgrade(conn, "base")
            assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()


def test_models_match_migrations(database_url: str) -> None:
    """Autogenerate finds nothing to do after `upgrade head`: no forgotten migration."""
    engine = create_db_engine(database_url)
    try:
        with engine.begin() as conn:
            migrate.upgrade(conn)
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
            assert migrate.current_revision(conn) == migrate.head_revision()
    finally:
        engine.dispose()
