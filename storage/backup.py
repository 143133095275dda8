"""Backups of the whole database and restores from them (CONTRACT §7, `landbot db`).

SQLite is copied with SQLite's online backup API: one step under a read transaction, so the
copy is consistent while a bot keeps writing (WAL lets it); the copy is a single file in
rollback-journal mode. PostgreSQL goes through `pg_dump --format=custom` and `pg_restore`
(storage/backup_pg.py).

A backup is written to a temporary file beside FILE and renamed into place, so FILE is never
half-written. A restore checks the file (same backend, landbot's tables, a schema revision
this program knows, readable to the end) and the target (no rows unless `force`) before it
changes anything, and migrates the restored schema to the newest revision: on SQLite the copy
is migrated first and then copied into the target in one step.

Nothing here prints: refusals are `BadInput` (exit 2), an unusable database or tool is
`ServiceUnavailable` (exit 1).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import exc as sa_exc
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url

from knowledge.errors import BadInput, ServiceUnavailable
from storage import backup_pg, migrate
from storage.db import SQLITE_BUSY_TIMEOUT_S, DatabaseSettings, create_db_engine, open_database
from storage.models import Base
from storage.urls import redact_url

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"
BACKENDS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
# The tables that make a database landbot's (and a backup a backup of one).
REQUIRED_TABLES = frozenset({"alembic_version", "users", "drafts"})
LANDBOT_TABLES = frozenset(Base.metadata.tables)


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    backend: str
    revision: str
    size: int


@dataclass(frozen=True)
class RestoreInfo:
    source: Path
    backend: str
    from_revision: str  # the backup's schema revision
    revision: str  # the target's after the restore (the newest)
    replaced: dict[str, int] = field(default_factory=dict)  # tables that held rows → rows


@dataclass(frozen=True)
class _Url:
    database_url: str


def backend_of(url: str) -> str:
    """'sqlite' or 'postgresql' (ServiceUnavailable for anything else or a broken URL)."""
    try:
        name = make_url(url).get_backend_name()
    except sa_exc.ArgumentError:
        name = ""
    if name not in BACKENDS:
        shown = redact_url(url)
        raise ServiceUnavailable(
            f"无法备份或恢复数据库 {shown}：只支持 SQLite 和 PostgreSQL",
            f"cannot back up or restore {shown}: only SQLite and PostgreSQL are supported",
        )
    return name


def backup(settings: DatabaseSettings, output: Path, *, overwrite: bool = False) -> BackupInfo:
    """Write a consistent copy of the configured database to `output`."""
    url = settings.database_url
    backend = backend_of(url)
    _check_output(output, overwrite)
    if backend == "sqlite":
        source = _sqlite_file(url)
        if output.resolve() == source.resolve():
            raise BadInput(
                f"备份文件不能是数据库文件本身：{output}",
                f"the backup cannot be the database: {output}",
            )
        with _temp_beside(output) as tmp:
            revision = _sqlite_backup(source, tmp)
    else:
        engine = _engine(url)
        try:
            server = backup_pg.inspect_server(engine)
        finally:
            engine.dispose()
        if server.revision is None:
            raise _not_landbot(url)
        tools = backup_pg.find_tools(server.major)
        with _temp_beside(output) as tmp:
            backup_pg.dump(tools, engine.url, server.schema, tmp)
        revision = server.revision
    return BackupInfo(output, backend, revision, output.stat().st_size)


def restore(settings: DatabaseSettings, source: Path, *, force: bool = False) -> RestoreInfo:
    """Restore the backup `source` into the configured database and migrate it to the newest
    schema; a target with rows is refused unless `force`."""
    url = settings.database_url
    backend = backend_of(url)
    kind = _file_kind(source)
    if kind != backend:
        raise BadInput(
            f"文件 {source} 是 {BACKENDS[kind]} 备份，而当前数据库是 {BACKENDS[backend]}："
            "只能恢复同一种数据库的备份",
            f"{source} is a {BACKENDS[kind]} backup but the database is {BACKENDS[backend]}: "
            "only a backup of the same kind can be restored",
        )
    if backend == "sqlite":
        from_revision, replaced = _restore_sqlite(_sqlite_file(url), source, force)
    else:
        from_revision, replaced = _restore_postgres(url, source, force)
    open_database(_Url(url)).dispose()  # SQLite's copy is at head already: a no-op there
    return RestoreInfo(source, backend, from_revision, migrate.head_revision(), replaced)


# -- checks shared by both backends ------------------------------------------------------------


def _check_output(output: Path, overwrite: bool) -> None:
    if output.is_dir():
        raise BadInput(f"{output} 是目录，请给出文件名", f"{output} is a directory: name a file")
    if output.exists() and not overwrite:
        raise BadInput(
            f"文件 {output} 已存在；要覆盖请加 --force",
            f"{output} exists; add --force to overwrite",
        )
    if not output.parent.is_dir():
        raise BadInput(
            f"目录 {output.parent} 不存在", f"the directory {output.parent} does not exist"
        )


@contextlib.contextmanager
def _temp_beside(output: Path) -> Iterator[Path]:
    """A private temporary file beside `output`, renamed to `output` if the block succeeds."""
    try:
        fd, name = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.", suffix=".tmp")
    except OSError as exc:
        raise BadInput(f"无法写入 {output}", f"cannot write {output}: {exc.strerror}") from None
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.replace(tmp, output)
    finally:
        tmp.unlink(missing_ok=True)


def _file_kind(source: Path) -> str:
    """'sqlite' or 'postgresql' from the file's first bytes (BadInput for anything else)."""
    try:
        with source.open("rb") as f:
            head = f.read(len(SQLITE_MAGIC))
    except FileNotFoundError:
        raise BadInput(f"找不到文件 {source}", f"file not found: {source}") from None
    except OSError as exc:
        raise BadInput(f"无法读取文件 {source}", f"cannot read {source}: {exc.strerror}") from None
    if not head:
        raise BadInput(f"文件 {source} 是空的", f"{source} is empty")
    if head == SQLITE_MAGIC:
        return "sqlite"
    if head.startswith(PG_MAGIC):
        return "postgresql"
    raise BadInput(
        f"文件 {source} 不是数据库备份（应为 SQLite 数据库文件或 pg_dump 自定义格式）",
        f"{source} is not a database backup (expected a SQLite file or a pg_dump custom archive)",
    )


def _check_revision(revision: str, source: Path) -> None:
    known = {r.revision for r in migrate.script_directory().walk_revisions()}
    if revision not in known:
        raise BadInput(
            f"备份 {source} 的数据库结构版本「{revision}」比本程序新或无法识别，请升级 landbot",
            f"the backup {source} has schema revision {revision!r}, newer than this landbot "
            "or unknown: upgrade landbot",
        )


def _not_landbot_backup(source: Path) -> BadInput:
    return BadInput(
        f"文件 {source} 不是 landbot 数据库的备份（缺少 landbot 的表）",
        f"{source} is not a backup of a landbot database (landbot's tables are missing)",
    )


def _not_landbot(url: str) -> ServiceUnavailable:
    shown = redact_url(url)
    return ServiceUnavailable(
        f"数据库 {shown} 中没有 landbot 的表，无可备份（先运行 landbot 建立数据库）",
        f"{shown} holds no landbot tables: nothing to back up (run landbot once to create them)",
    )


def _refuse_filled(filled: dict[str, int], force: bool, target: str) -> None:
    if filled and not force:
        rows = "、".join(f"{t} {n} 行" for t, n in filled.items())
        rows_en = ", ".join(f"{t} {n} rows" for t, n in filled.items())
        raise BadInput(
            f"目标数据库 {target} 已有数据（{rows}），未做任何改动；确认要用备份替换请加 --force",
            f"the target database {target} holds data ({rows_en}) and was left unchanged; "
            "add --force to replace it with the backup",
        )


def _row_counts(count: Callable[[str], int], tables: set[str]) -> dict[str, int]:
    """The tables of `tables` that hold rows, with their row counts."""
    counts = {t: count(f'SELECT count(*) FROM "{t}"') for t in sorted(tables)}
    return {t: n for t, n in counts.items() if n}


def _engine(url: str) -> Engine:
    try:
        return create_db_engine(url)
    except (sa_exc.ArgumentError, sa_exc.NoSuchModuleError, ValueError) as exc:
        shown = redact_url(url)
        raise ServiceUnavailable(
            f"数据库地址无效：{shown}", f"invalid database URL: {shown} ({exc})"
        ) from None


# -- SQLite ------------------------------------------------------------------------------------


def _sqlite_file(url: str) -> Path:
    name = make_url(url).database
    if not name or name == ":memory:" or name.startswith("file:"):
        raise ServiceUnavailable(
            "内存中的 SQLite 数据库无法备份或恢复", "an in-memory SQLite database has no backup"
        )
    return Path(name).expanduser()


@contextlib.contextmanager
def _sqlite(database: str | Path, *, uri: bool = False) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(database, timeout=SQLITE_BUSY_TIMEOUT_S, uri=uri)
    try:
        yield conn
    finally:
        conn.close()


def _tables(conn: sqlite3.Connection) -> set[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {r[0] for r in rows if not r[0].startswith("sqlite_")}


def _revision(conn: sqlite3.Connection) -> str | None:
    if not _tables(conn) >= REQUIRED_TABLES:
        return None
    row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return str(row[0]) if row else None


def _sqlite_backup(source: Path, tmp: Path) -> str:
    if not source.is_file():
        raise ServiceUnavailable(
            f"数据库文件 {source} 不存在（先运行 landbot 建立数据库）",
            f"the database file {source} does not exist (run landbot once to create it)",
        )
    try:
        with _sqlite(source) as src, _sqlite(tmp) as dst:
            src.backup(dst)  # all pages in one step: one consistent snapshot
            dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
            revision = _revision(dst)
            check = dst.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.Error as exc:
        raise _sqlite_unusable(source, exc) from None
    if revision is None:
        raise _not_landbot(f"sqlite:///{source}")
    if check != "ok":
        raise _sqlite_unusable(source, check)
    return revision


def _sqlite_unusable(path: Path, reason: object) -> ServiceUnavailable:
    return ServiceUnavailable(
        f"无法使用数据库文件 {path}：{reason}", f"cannot use the database file {path}: {reason}"
    )


def _restore_sqlite(target: Path, source: Path, force: bool) -> tuple[str, dict[str, int]]:
    with tempfile.TemporaryDirectory(prefix="landbot-restore-") as tmp:
        copy = Path(tmp) / "restore.sqlite3"
        revision = _read_sqlite_backup(source, copy)
        _check_revision(revision, source)
        filled = _sqlite_filled(target)
        _refuse_filled(filled, force, str(target))
        open_database(_Url(f"sqlite:///{copy}")).dispose()  # migrate the copy, not the target
        _install(copy, target)
    return revision, filled


def _read_sqlite_backup(source: Path, copy: Path) -> str:
    """Copy `source` (opened read-only, as it is) to `copy`, checked whole (BadInput)."""
    uri = f"{source.resolve().as_uri()}?mode=ro&immutable=1"
    try:
        with _sqlite(uri, uri=True) as src, _sqlite(copy) as dst:
            src.backup(dst)
            check = dst.execute("PRAGMA quick_check").fetchone()[0]
            revision = _revision(dst)
    except sqlite3.DatabaseError as exc:
        check, revision = str(exc), None
    if check != "ok":
        raise BadInput(
            f"备份文件 {source} 已损坏或不完整：{check}",
            f"the backup {source} is damaged or incomplete: {check}",
        )
    if revision is None:
        raise _not_landbot_backup(source)
    return revision


def _sqlite_filled(target: Path) -> dict[str, int]:
    """The target's tables that hold rows (every table counts: the whole file is replaced)."""
    if not target.exists():
        return {}
    try:
        with _sqlite(target) as conn:
            return _row_counts(
                lambda sql: int(conn.execute(sql).fetchone()[0]),
                _tables(conn) - {"alembic_version"},
            )
    except sqlite3.Error as exc:
        raise _sqlite_unusable(target, exc) from None


def _install(copy: Path, target: Path) -> None:
    """Replace the target's content by the copy's in one step (other connections wait)."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with _sqlite(copy) as src, _sqlite(target) as dst:
            size = dst.execute("PRAGMA page_size").fetchone()[0]
            if src.execute("PRAGMA page_size").fetchone()[0] != size:
                src.execute(f"PRAGMA page_size = {int(size)}")  # a WAL target keeps its size
                src.execute("VACUUM")
            src.backup(dst)
    except (sqlite3.Error, OSError) as exc:
        raise _sqlite_unusable(target, exc) from None


# -- PostgreSQL --------------------------------------------------------------------------------


def _restore_postgres(url: str, source: Path, force: bool) -> tuple[str, dict[str, int]]:
    engine = _engine(url)
    try:
        server = backup_pg.inspect_server(engine)
        tools = backup_pg.find_tools(server.major)
        archive = backup_pg.read_archive(tools, engine.url, source)
        _check_revision(archive.revision, source)
        if archive.schema != server.schema:
            raise BadInput(
                f"备份 {source} 的表在模式 {archive.schema} 中，而目标数据库使用 {server.schema}",
                f"the backup {source} holds schema {archive.schema!r}, the target uses "
                f"{server.schema!r}",
            )
        try:
            with engine.connect() as conn:
                filled = _row_counts(
                    lambda sql: int(conn.execute(text(sql)).scalar_one()),
                    set(server.tables & LANDBOT_TABLES),
                )
        except sa_exc.SQLAlchemyError as exc:
            raise backup_pg.unusable(engine.url, exc) from None
        _refuse_filled(filled, force, redact_url(url))
        backup_pg.load(tools, engine, archive, server, source)
    finally:
        engine.dispose()
    return archive.revision, filled
