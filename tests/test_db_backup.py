"""`landbot db backup` and `landbot db restore` (CONTRACT §7) on SQLite and on PostgreSQL.

A database filled through the real services (people, drafts with answers, a review, generated
documents, the ledger, the audit trail) is backed up with the CLI and restored into a fresh
database, and every row of every table comes back. The refusals leave the target as it was.
"""

from __future__ import annotations

import contextlib
import glob
import shutil
import sqlite3
import threading
import uuid
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from bot import services
from bot.cli import main
from bot.services import documents, review, users
from bot.services.ledger_excel import import_workbook
from bot.settings import load_settings
from storage import backup_pg, migrate
from storage.db import create_db_engine, open_database
from storage.models import Base
from tests.components import require, require_postgres
from tests.ledgerkit import DEPT, ROWS_2024, person, workbook
from tests.servicekit import example_answer
from tests.test_ledger import plan_text

NewUrl = Callable[[], str]


def _pg_tools_present() -> bool:
    return bool(shutil.which("pg_dump") or glob.glob("/usr/lib/postgresql/*/bin/pg_dump"))


@contextlib.contextmanager
def _pg_databases() -> Iterator[NewUrl]:
    """Makes fresh PostgreSQL databases (whole databases, as in production), dropped after."""
    base = require_postgres()
    require(_pg_tools_present(), "pg_dump and pg_restore (postgresql-client)")
    admin = create_engine(base, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    made: list[str] = []

    def make() -> str:
        made.append(f"landbot_backup_{uuid.uuid4().hex[:12]}")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{made[-1]}"')
        return make_url(base).set(database=made[-1]).render_as_string(hide_password=False)

    try:
        yield make
    finally:
        with admin.connect() as conn:
            for name in made:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def new_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[NewUrl]:
    """Makes URLs of fresh, empty databases on each backend."""
    if request.param == "sqlite":
        names = iter(range(100))
        yield lambda: f"sqlite:///{tmp_path / f'db{next(names)}' / 'landbot.sqlite3'}"
        return
    with _pg_databases() as make:
        yield make


@pytest.fixture
def pg_url() -> Iterator[str]:
    with _pg_databases() as make:
        yield make()


@pytest.fixture(autouse=True)
def _workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no .env of the checkout
    monkeypatch.setenv("LANDBOT_DATA_DIR", str(tmp_path / "data"))


class Cli:
    def __init__(self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
        self.monkeypatch, self.capsys = monkeypatch, capsys
        self.out = self.err = ""

    def __call__(self, url: str, *args: str) -> int:
        self.monkeypatch.setenv("LANDBOT_DATABASE_URL", url)
        self.capsys.readouterr()
        code = main(["db", *args])
        self.out, self.err = self.capsys.readouterr()
        return code


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(monkeypatch, capsys)


def _open(url: str) -> Any:
    return open_database(load_settings({"LANDBOT_DATABASE_URL": url}))


def populate(url: str) -> None:
    """People, a reviewed 供地方案 with its document and ledger row, a 储备方案 half answered
    through the dialogue, and imported ledger parcels: every table that matters gets rows."""
    db = _open(url)
    try:
        clerk = person(db, 11)
        rev = person(db, 12, "reviewer")
        draft = services.import_plan(db, clerk.id, plan_text(), filename="p.yaml").draft
        assert draft is not None
        review.submit(db, clerk.id, draft.id)
        version = review.pending_for(db, rev.id)[0].draft.version
        review.decide(db, rev.id, draft.id, "approved", version=version)
        documents.generate(db, clerk.id, draft.id, doc_types=("supply_plan",))
        reply = services.start_draft(db, clerk.id, "reserve_plan")
        for _ in range(3):
            assert reply.draft is not None and reply.draft.current_field
            text = example_answer("reserve_plan", reply.draft.current_field)
            reply = services.handle_message(db, clerk.id, text=text)
        import_workbook(db, None, workbook(ROWS_2024), department=DEPT)
    finally:
        db.dispose()


def snapshot(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every landbot table, in primary-key order."""
    engine = create_db_engine(url)
    try:
        with engine.connect() as conn:
            return {
                name: [tuple(r) for r in conn.execute(select(t).order_by(*t.primary_key.columns))]
                for name, t in Base.metadata.tables.items()
            }
    finally:
        engine.dispose()


def revision(url: str) -> str | None:
    engine = create_db_engine(url)
    try:
        with engine.connect() as conn:
            return migrate.current_revision(conn)
    finally:
        engine.dispose()


def one_bilingual_line(text: str) -> None:
    assert text.count("\n") == 1 and text.startswith("错误：") and " / Error: " in text, text
    assert "Traceback" not in text


def test_a_backup_restores_every_row(new_url: NewUrl, cli: Cli, tmp_path: Path) -> None:
    source, target = new_url(), new_url()
    populate(source)
    before = snapshot(source)
    for table in ("users", "drafts", "answer_history", "audit_events", "documents",
                  "ledger_parcels", "reviews", "invitations"):  # fmt: skip
        assert before[table], f"{table} has no rows: the test would prove nothing"
    backup = tmp_path / "landbot.backup"
    assert cli(source, "backup", "-o", str(backup)) == 0, cli.err
    assert str(backup) in cli.out and migrate.head_revision() in cli.out
    assert cli(target, "restore", str(backup)) == 0, cli.err
    assert "已从" in cli.out and "restored from" in cli.out
    assert snapshot(target) == before
    assert revision(target) == migrate.head_revision()
    # the restored database works on: new rows get fresh ids (sequences came along)
    db = _open(target)
    try:
        newcomer = person(db, 99)
    finally:
        db.dispose()
    assert newcomer.id > max(row[0] for row in before["users"])


def test_a_non_empty_target_is_refused_without_force(
    new_url: NewUrl, cli: Cli, tmp_path: Path
) -> None:
    source, target = new_url(), new_url()
    populate(source)
    db = _open(target)
    try:
        person(db, 77)  # someone already works in the target
    finally:
        db.dispose()
    kept = snapshot(target)
    backup = tmp_path / "b.backup"
    assert cli(source, "backup", "-o", str(backup)) == 0, cli.err
    assert cli(target, "restore", str(backup)) == 2
    one_bilingual_line(cli.err)
    assert "--force" in cli.err and "users 1" in cli.err
    assert snapshot(target) == kept
    assert cli(target, "restore", str(backup), "--force") == 0, cli.err
    assert snapshot(target) == snapshot(source)


def test_an_older_schema_restores_and_is_migrated(
    new_url: NewUrl, cli: Cli, tmp_path: Path
) -> None:
    """A backup taken at 0004 (before the supply ledger) comes back and is upgraded to head,
    also into a target that is already at head."""
    source, target = new_url(), new_url()
    engine = create_db_engine(source)
    try:
        with engine.begin() as conn:
            migrate.upgrade(conn, "0004")
            conn.exec_driver_sql(
                "INSERT INTO users (channel, external_id, display_name, role, department, active,"
                " created_at) VALUES ('web', '7', '老用户', 'clerk', '郑州', true, CURRENT_TIMESTAMP)"
            )
    finally:
        engine.dispose()
    _open(target).dispose()  # an empty target at head: its ledger table must not get in the way
    backup = tmp_path / "old.backup"
    assert cli(source, "backup", "-o", str(backup)) == 0, cli.err
    assert "0004" in cli.out
    assert cli(target, "restore", str(backup)) == 0, cli.err
    assert "0004" in cli.out and migrate.head_revision() in cli.out
    assert revision(target) == migrate.head_revision()
    restored = snapshot(target)
    assert [(r[1], r[2], r[3]) for r in restored["users"]] == [("web", "7", "老用户")]
    assert restored["ledger_parcels"] == []


def _not_a_backup(tmp_path: Path, url_of_other_sqlite: str) -> dict[str, Path]:
    files = {"text": tmp_path / "notes.txt", "empty": tmp_path / "empty.backup",
             "docx": tmp_path / "方案.docx", "other app": tmp_path / "other.sqlite3",
             "fake archive": tmp_path / "fake.dump"}  # fmt: skip
    files["text"].write_text("这不是备份\n", encoding="utf-8")
    files["empty"].write_bytes(b"")
    with zipfile.ZipFile(files["docx"], "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    with sqlite3.connect(files["other app"]) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        conn.execute("INSERT INTO notes (body) VALUES ('hello')")
    conn.close()
    files["fake archive"].write_bytes(b"PGDMP" + b"\x00" * 200)
    return files


def _archive_of_another_database(url: str, tmp_path: Path) -> Path:
    engine = create_db_engine(url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE notes (id serial PRIMARY KEY, body text)")
            conn.exec_driver_sql("INSERT INTO notes (body) VALUES ('hello')")
        server = backup_pg.inspect_server(engine)
    finally:
        engine.dispose()
    path = tmp_path / "notes.dump"
    backup_pg.dump(backup_pg.find_tools(server.major), make_url(url), "public", path)
    assert path.read_bytes().startswith(b"PGDMP")
    return path


def test_wrong_files_are_refused_and_the_target_is_untouched(
    new_url: NewUrl, cli: Cli, tmp_path: Path
) -> None:
    source, target = new_url(), new_url()
    populate(source)
    backup = tmp_path / "good.backup"
    assert cli(source, "backup", "-o", str(backup)) == 0, cli.err
    truncated = tmp_path / "truncated.backup"
    truncated.write_bytes(backup.read_bytes()[: backup.stat().st_size // 2])
    db = _open(target)
    try:
        person(db, 5)
    finally:
        db.dispose()
    kept = snapshot(target)
    files = {**_not_a_backup(tmp_path, target), "truncated": truncated,
             "missing": tmp_path / "nowhere.backup"}  # fmt: skip
    if not target.startswith("sqlite"):  # a real archive, of another application's database
        files["other archive"] = _archive_of_another_database(new_url(), tmp_path)
    for what, path in files.items():
        assert cli(target, "restore", str(path), "--force") == 2, (what, cli.err)
        one_bilingual_line(cli.err)
        assert snapshot(target) == kept, what
    assert revision(target) == migrate.head_revision()


def test_a_backup_of_the_other_backend_is_refused(
    new_url: NewUrl, cli: Cli, tmp_path: Path
) -> None:
    target = new_url()
    _open(target).dispose()
    other = tmp_path / "other.backup"
    if target.startswith("sqlite"):
        other.write_bytes(b"PGDMP\x01\x0e\x00" + b"\x00" * 100)
        named = "PostgreSQL"
    else:
        with sqlite3.connect(other) as conn:
            conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY)")
        conn.close()
        named = "SQLite"
    assert cli(target, "restore", str(other)) == 2
    one_bilingual_line(cli.err)
    assert f"是 {named} 备份" in cli.err


def test_backup_does_not_overwrite_a_file_without_force(
    new_url: NewUrl, cli: Cli, tmp_path: Path
) -> None:
    url = new_url()
    _open(url).dispose()
    existing = tmp_path / "important.bin"
    existing.write_bytes(b"keep me")
    assert cli(url, "backup", "-o", str(existing)) == 2
    one_bilingual_line(cli.err)
    assert existing.read_bytes() == b"keep me"
    assert cli(url, "backup", "-o", str(existing), "--force") == 0, cli.err
    assert existing.read_bytes()[:5] in (b"SQLit", b"PGDMP")
    assert not list(tmp_path.glob(".important.bin.*"))  # no temporary file left behind


def test_a_database_that_cannot_be_used_exits_1(cli: Cli, tmp_path: Path) -> None:
    missing = f"sqlite:///{tmp_path / 'never' / 'landbot.sqlite3'}"
    assert cli(missing, "backup", "-o", str(tmp_path / "x.backup")) == 1
    one_bilingual_line(cli.err)
    assert not (tmp_path / "never").exists() and not (tmp_path / "x.backup").exists()
    unreachable = "postgresql+psycopg://landbot:s3cret-pw@127.0.0.1:1/landbot"
    assert cli(unreachable, "backup", "-o", str(tmp_path / "y.backup")) == 1
    one_bilingual_line(cli.err)
    assert "s3cret-pw" not in cli.err + cli.out


def test_sqlite_backup_is_consistent_while_the_bot_writes(cli: Cli, tmp_path: Path) -> None:
    """A writer keeps creating invitations (each with its audit event, in one transaction)
    while backups are taken: every backup is whole and holds both rows of each transaction."""
    url = f"sqlite:///{tmp_path / 'live' / 'landbot.sqlite3'}"
    db = _open(url)
    stop = threading.Event()
    made: list[int] = []

    def writer() -> None:
        while not stop.is_set():
            users.invite(db, role="clerk", department=DEPT)
            made.append(1)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        seen = []
        for i in range(4):
            while len(made) < 5 * (i + 1):
                stop.wait(0.01)
            path = tmp_path / f"live{i}.backup"
            assert cli(url, "backup", "-o", str(path)) == 0, cli.err
            with sqlite3.connect(path) as conn:
                assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
                invitations = conn.execute("SELECT count(*) FROM invitations").fetchone()[0]
                events = conn.execute(
                    "SELECT count(*) FROM audit_events WHERE action = 'invitation_created'"
                ).fetchone()[0]
            conn.close()
            assert invitations == events and invitations > 0
            seen.append(invitations)
    finally:
        stop.set()
        thread.join()
        db.dispose()
    assert seen == sorted(seen) and len(made) > seen[0]  # the writer ran during the backups


@pytest.mark.postgres
def test_postgres_tools_get_the_password_from_the_environment(
    pg_url: str, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = make_url(pg_url).set(password="pw-not-on-the-command-line")
    runs: list[tuple[list[str], dict[str, str]]] = []
    real_run = backup_pg.subprocess.run

    def spy(args: list[str], **kwargs: Any) -> Any:
        runs.append((list(args), dict(kwargs.get("env") or {})))
        return real_run(args, **kwargs)

    monkeypatch.setattr(backup_pg.subprocess, "run", spy)
    _open(url.render_as_string(hide_password=False)).dispose()  # trust auth ignores it
    assert cli(url.render_as_string(hide_password=False), "backup", "-o", str(tmp_path / "p")) == 0
    dumps = [(args, env) for args, env in runs if Path(args[0]).name == "pg_dump" and
             "--version" not in args]  # fmt: skip
    assert dumps
    for args, env in dumps:
        assert not any("pw-not-on-the-command-line" in a for a in args)
        assert env["PGPASSWORD"] == "pw-not-on-the-command-line"
        assert env["PGDATABASE"] == url.database


@pytest.mark.postgres
def test_missing_postgres_tools_exit_1(
    pg_url: str, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _open(pg_url).dispose()
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    monkeypatch.setattr(backup_pg, "PG_BIN_GLOBS", ())
    assert cli(pg_url, "backup", "-o", str(tmp_path / "x.backup")) == 1
    one_bilingual_line(cli.err)
    assert "pg_dump" in cli.err and not (tmp_path / "x.backup").exists()
