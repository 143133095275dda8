"""PostgreSQL backups through `pg_dump --format=custom` and `pg_restore` (used by storage.backup).

The client tools are looked up on PATH and in the usual per-version directories; one whose
major version is older than the server's cannot read its catalogue, so it is passed over. The
connection goes to the tools through libpq's environment (PGHOST, PGUSER, PGPASSWORD, …):
never a password on a command line, and every message shows the URL redacted.

Only the schema landbot lives in (the connection's `current_schema()`) is dumped. A restore
reads the archive's table of contents and all of its data before it touches the target, skips
the archive's `CREATE SCHEMA` (the target's schema is kept, with its owner and grants) and runs
in one transaction.
"""

from __future__ import annotations

import getpass
import glob
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import exc as sa_exc
from sqlalchemy import inspect, text
from sqlalchemy.engine import URL, Engine

from knowledge.errors import BadInput, ServiceUnavailable
from storage.urls import redact_url

# Where distributions install the versioned client tools (Debian/Ubuntu, RHEL, Homebrew).
PG_BIN_GLOBS = (
    "/usr/lib/postgresql/*/bin",
    "/usr/pgsql-*/bin",
    "/opt/homebrew/opt/postgresql@*/bin",
    "/usr/local/opt/postgresql@*/bin",
)
TOOL_TIMEOUT_S = 3600
# URL query parameters that libpq also reads from the environment.
_QUERY_ENV = {
    "host": "PGHOST",
    "port": "PGPORT",
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "options": "PGOPTIONS",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "application_name": "PGAPPNAME",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
}
# A line of `pg_restore --list`: "214; 1259 16391 TABLE public alembic_version landbot".
_TOC_TABLE = re.compile(r"^\d+; \d+ \d+ TABLE (\S+) (\S+) ")
_TOC_SCHEMA = re.compile(r"^\d+; \d+ \d+ (SCHEMA|COMMENT - SCHEMA) ")


@dataclass(frozen=True)
class Server:
    """What a restore or backup needs to know of the configured database."""

    major: int
    schema: str
    tables: frozenset[str]
    revision: str | None


@dataclass(frozen=True)
class Archive:
    """A custom-format archive as `pg_restore --list` describes it."""

    schema: str
    tables: frozenset[str]
    revision: str
    toc: tuple[str, ...]


@dataclass(frozen=True)
class Tools:
    pg_dump: str
    pg_restore: str


def inspect_server(engine: Engine) -> Server:
    """Version, schema, tables and Alembic revision of the database (ServiceUnavailable)."""
    try:
        with engine.connect() as conn:
            major = int(conn.execute(text("SHOW server_version_num")).scalar_one()) // 10000
            schema = str(conn.execute(text("SELECT current_schema()")).scalar_one())
            tables = frozenset(inspect(conn).get_table_names(schema=schema))
            revision = None
            if "alembic_version" in tables:
                revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except sa_exc.SQLAlchemyError as exc:
        raise unusable(engine.url, exc) from None
    return Server(major, schema, tables, revision)


def unusable(url: URL, exc: BaseException) -> ServiceUnavailable:
    reason = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or ["?"])[0]
    shown = redact_url(url.render_as_string(hide_password=False))
    return ServiceUnavailable(
        f"无法使用数据库 {shown}：{reason}", f"cannot use the database {shown}: {reason}"
    )


def _major(tool: str) -> int | None:
    try:
        out = subprocess.run(
            [tool, "--version"], capture_output=True, text=True, timeout=30, check=False
        ).stdout
    except OSError:
        return None
    found = re.search(r"\(PostgreSQL\) (\d+)", out)
    return int(found.group(1)) if found else None


def _find(name: str, server_major: int) -> str:
    candidates = [shutil.which(name)]
    for pattern in PG_BIN_GLOBS:
        candidates += sorted(glob.glob(os.path.join(pattern, name)), reverse=True)
    seen: set[str] = set()
    for tool in candidates:
        if tool is None or tool in seen:
            continue
        seen.add(tool)
        major = _major(tool)
        if major is not None and major >= server_major:
            return tool
    raise ServiceUnavailable(
        f"找不到可用的 {name}：需要 PostgreSQL {server_major} 或更新版本的客户端工具"
        f"（如 apt-get install postgresql-client-{server_major}）",
        f"no usable {name}: PostgreSQL {server_major} or newer client tools are needed "
        f"(e.g. apt-get install postgresql-client-{server_major})",
    )


def find_tools(server_major: int) -> Tools:
    """pg_dump and pg_restore of the server's major version or newer (ServiceUnavailable)."""
    return Tools(_find("pg_dump", server_major), _find("pg_restore", server_major))


def libpq_env(url: URL) -> dict[str, str]:
    """The environment that points libpq (and so the tools) at `url`, password included."""
    env = dict(os.environ)
    parts = {"PGHOST": url.host, "PGPORT": url.port, "PGUSER": url.username,
             "PGPASSWORD": url.password, "PGDATABASE": url.database}  # fmt: skip
    for key, value in url.query.items():
        if key in _QUERY_ENV:
            parts[_QUERY_ENV[key]] = value if isinstance(value, str) else value[0]
    env.update({k: str(v) for k, v in parts.items() if v is not None})
    return env


def _run(tool: str, args: list[str], url: URL) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            [tool, *args], env=libpq_env(url), capture_output=True, text=True,
            timeout=TOOL_TIMEOUT_S, check=False,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as exc:
        name = Path(tool).name
        raise ServiceUnavailable(f"无法运行 {name}：{exc}", f"cannot run {name}: {exc}") from None


def _reason(proc: subprocess.CompletedProcess[str], url: URL) -> str:
    """The tool's first error line, without its name and never with the password."""
    lines = [ln.strip() for ln in proc.stderr.splitlines() if ln.strip()]
    first = next((ln for ln in lines if "error" in ln), lines[0] if lines else "?")
    first = re.sub(r"^pg_(dump|restore): (error: )?", "", first)
    if url.password:
        first = first.replace(str(url.password), "***")
    return first


def dump(tools: Tools, url: URL, schema: str, output: Path) -> None:
    """`pg_dump --format=custom` of `schema` into `output` (ServiceUnavailable on failure)."""
    proc = _run(tools.pg_dump, ["--format=custom", f"--schema={schema}", f"--file={output}"], url)
    if proc.returncode != 0:
        reason = _reason(proc, url)
        raise ServiceUnavailable(f"pg_dump 失败：{reason}", f"pg_dump failed: {reason}")


def read_archive(tools: Tools, url: URL, source: Path) -> Archive:
    """The archive's schema, tables and revision, after reading all of it (BadInput if it is
    not a complete archive of landbot's tables)."""
    with source.open("rb") as f:
        head = f.read(9)  # "PGDMP", archive version major.minor.rev, int size
    if len(head) < 9 or head[5] != 1 or head[8] not in (4, 8):
        raise BadInput(
            f"备份文件 {source} 已损坏：不是有效的 pg_dump 自定义格式文件头",
            f"the backup {source} is damaged: not a valid pg_dump custom-format header",
        )
    listing = _run(tools.pg_restore, ["--list", str(source)], url)
    if listing.returncode != 0:
        _bad_archive(listing, url, source)
    toc = tuple(listing.stdout.splitlines())
    tables: dict[str, set[str]] = {}
    for line in toc:
        if found := _TOC_TABLE.match(line):
            tables.setdefault(found.group(1), set()).add(found.group(2))
    schemas = [s for s, names in tables.items() if {"alembic_version", "users", "drafts"} <= names]
    if len(schemas) != 1:
        raise BadInput(
            f"文件 {source} 是 PostgreSQL 备份，但不是 landbot 数据库的备份",
            f"{source} is a PostgreSQL archive but not of a landbot database",
        )
    schema = schemas[0]
    data = _run(tools.pg_restore, ["--data-only", f"--schema={schema}", "--table=alembic_version",
                                   "--file=-", str(source)], url)  # fmt: skip
    revision = _copied_value(data.stdout) if data.returncode == 0 else None
    whole = _run(tools.pg_restore, [f"--file={os.devnull}", str(source)], url)
    if data.returncode != 0 or whole.returncode != 0:
        _bad_archive(whole if whole.returncode else data, url, source)
    if revision is None:
        raise BadInput(
            f"备份 {source} 中没有数据库结构版本（alembic_version 为空）",
            f"the backup {source} holds no schema version (alembic_version is empty)",
        )
    return Archive(schema, frozenset(tables[schema]), revision, toc)


def _copied_value(script: str) -> str | None:
    """The first value of the first COPY block in a plain SQL script."""
    lines = script.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("COPY ") and i + 1 < len(lines) and lines[i + 1] != "\\.":
            return lines[i + 1].split("\t")[0]
    return None


def _bad_archive(proc: subprocess.CompletedProcess[str], url: URL, source: Path) -> None:
    reason = _reason(proc, url)
    if "unsupported version" in reason:  # a valid header of a newer pg_dump: tools too old
        raise ServiceUnavailable(
            f"pg_restore 版本过旧，无法读取备份 {source}：{reason}",
            f"pg_restore is too old to read {source}: {reason}",
        )
    raise BadInput(
        f"备份文件 {source} 已损坏或不完整：{reason}",
        f"the backup {source} is damaged or incomplete: {reason}",
    )


def _dbname(url: URL) -> str:
    """The database pg_restore writes to (libpq's default: the user's name)."""
    return url.database or url.username or os.environ.get("PGDATABASE") or getpass.getuser()


def load(tools: Tools, engine: Engine, archive: Archive, server: Server, source: Path) -> None:
    """Replace the target's landbot tables with the archive's, in one transaction when the
    target has the archive's revision (a target of another revision loses its tables first:
    a newer migration's tables or constraints would stand in the way of `--clean`)."""
    from storage.models import Base

    ours = (set(Base.metadata.tables) | {"alembic_version"}) & server.tables
    first = ours if server.revision != archive.revision else ours - archive.tables
    if first:
        q = engine.dialect.identifier_preparer
        names = ", ".join(f"{q.quote(server.schema)}.{q.quote(t)}" for t in sorted(first))
        try:
            with engine.begin() as conn:
                conn.exec_driver_sql(f"DROP TABLE IF EXISTS {names} CASCADE")
        except sa_exc.SQLAlchemyError as exc:
            raise unusable(engine.url, exc) from None
    with tempfile.TemporaryDirectory(prefix="landbot-restore-") as tmp:
        keep = Path(tmp) / "toc.list"  # the archive's entries but its schema's own
        keep.write_text("\n".join(ln for ln in archive.toc if not _TOC_SCHEMA.match(ln)) + "\n")
        proc = _run(
            tools.pg_restore,
            ["--clean", "--if-exists", "--single-transaction", "--no-owner", "--no-privileges",
             f"--use-list={keep}", f"--dbname={_dbname(engine.url)}", str(source)],
            engine.url,
        )  # fmt: skip
    if proc.returncode != 0:
        reason = _reason(proc, engine.url)
        left = "（目标数据库的表已清空，请修正后重新恢复）" if first else "（目标数据库未改动）"
        left_en = " (the target's tables were dropped: restore again)" if first else " (unchanged)"
        raise ServiceUnavailable(
            f"pg_restore 失败：{reason}{left}", f"pg_restore failed: {reason}{left_en}"
        )
