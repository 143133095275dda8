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


def test_the_supply_ledger_revision(database_url: str) -> None:
    """0005 adds ledger_parcels (after 0004) and takes it away again."""
    engine = create_db_engine(database_url)
    try:
        with engine.begin() as conn:
            migrate.upgrade(conn, "0005")
            columns = {c["name"] for c in inspect(conn).get_columns("ledger_parcels")}
            assert {
                "parcel_code",
                "place_id",
                "land_use",
                "area_m2",
                "status",
                "plan_year",
                "supplied_date",
                "final_price_yuan",
                "department",
                "draft_id",
            } <= columns
            uniques = {tuple(u["column_names"]) for u in inspect(conn).get_unique_constraints(
                "ledger_parcels")}  # fmt: skip
            assert {("parcel_code",), ("draft_id",)} <= uniques
        with engine.begin() as conn:
            migrate.downgrade(conn, "0004")
            assert "ledger_parcels" not in inspect(conn).get_table_names()
            assert "drafts" in inspect(conn).get_table_names()
    finally:
        engine.dispose()
