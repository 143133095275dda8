"""Opening the database and the unit of work that services commit through.

SQLite (a file in LANDBOT_DATA_DIR) is the embedded default: WAL journal, foreign keys on,
a busy timeout, and real transactions (write transactions start with `BEGIN IMMEDIATE`,
so two writers queue instead of failing half-way). LANDBOT_DATABASE_URL selects
PostgreSQL (`postgresql+psycopg://…`). Opening migrates to the newest schema.

Every failure to reach or read the database becomes `ServiceUnavailable` with a clear
bilingual message; no traceback reaches the user.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from alembic.util.exc import CommandError
from sqlalchemy import create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from knowledge.errors import ServiceUnavailable
from storage import migrate
from storage.repositories import (
    AuditRepository,
    ChatSessionRepository,
    DocumentRepository,
    DraftRepository,
    HistoryRepository,
    InboxRepository,
    InvitationRepository,
    LedgerRepository,
    LoginTokenRepository,
    NotificationRepository,
    ProcessedUpdateRepository,
    ReviewRepository,
    UserRepository,
    WebSessionRepository,
)
from storage.urls import redact_url

log = logging.getLogger(__name__)


class DatabaseSettings(Protocol):
    """What opening the database needs of the settings (`bot.settings.Settings` has it)."""

    @property
    def database_url(self) -> str: ...


SQLITE_BUSY_TIMEOUT_S = 10.0
MIGRATION_LOCK = 7_305_163_251  # the advisory lock that serialises schema upgrades on PostgreSQL
# Errors that mean "the database cannot be used right now", as opposed to a bug or a
# constraint violation (IntegrityError), which callers handle themselves.
_UNAVAILABLE = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.InternalError,
    sqlite3.OperationalError,
    sqlite3.DatabaseError,
)


def _unavailable(url: str, exc: BaseException) -> ServiceUnavailable:
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    first = reason[0] if reason else type(exc).__name__
    shown = redact_url(url)
    return ServiceUnavailable(
        f"无法使用数据库 {shown}：{first}。请检查 LANDBOT_DATABASE_URL、数据库服务或数据库文件"
        "（已保存的数据不受影响）",
        f"cannot use the database {shown}: {first}. Check LANDBOT_DATABASE_URL, the database "
        "server or the database file (saved data is unaffected)",
    )


class UnitOfWork:
    """One transaction: the repositories over one session; nothing is saved until `commit()`."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.users = UserRepository(session)
        self.invitations = InvitationRepository(session)
        self.drafts = DraftRepository(session)
        self.reviews = ReviewRepository(session)
        self.chat_sessions = ChatSessionRepository(session)
        self.history = HistoryRepository(session)
        self.audit = AuditRepository(session)
        self.documents = DocumentRepository(session)
        self.processed = ProcessedUpdateRepository(session)
        self.inbox = InboxRepository(session)
        self.web_sessions = WebSessionRepository(session)
        self.login_tokens = LoginTokenRepository(session)
        self.ledger = LedgerRepository(session)
        self.notifications = NotificationRepository(session)

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()


class Database:
    """An engine and its sessions; `unit_of_work()` is the only way services touch data."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.url = engine.url.render_as_string(hide_password=False)
        self._sessions = sessionmaker(engine, expire_on_commit=False, autoflush=True)
        self._read_sessions = sessionmaker(
            engine.execution_options(landbot_readonly=True), expire_on_commit=False
        )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def unit_of_work(self, *, readonly: bool = False) -> Iterator[UnitOfWork]:
        """A transaction; it rolls back unless the caller commits. Read-only ones share locks."""
        session = (self._read_sessions if readonly else self._sessions)()
        try:
            yield UnitOfWork(session)
        except _UNAVAILABLE as exc:
            session.rollback()
            raise _unavailable(self.url, exc) from exc
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()


def _sqlite_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (see _on_begin)
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = NORMAL")  # with WAL: durable across process kills
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        readonly = conn.get_execution_options().get("landbot_readonly", False)
        conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")

    return engine


def create_db_engine(url: str) -> Engine:
    """An engine for `url` with the per-backend settings (no connection is made yet)."""
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    return create_engine(url, pool_pre_ping=True)


def _migrate(engine: Engine) -> None:
    """Upgrade to head in one transaction.

    On SQLite, foreign keys are off while migrating (batch migrations recreate tables, and
    dropping a parent table with them on would cascade into its children); the result is
    verified with `PRAGMA foreign_key_check` before the commit.
    """
    sqlite_db = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        raw: Any = conn.connection.dbapi_connection
        if sqlite_db:
            raw.execute("PRAGMA foreign_keys = OFF")  # outside a transaction, as SQLite needs
        try:
            with conn.begin():
                if not sqlite_db:  # several workers starting at once: one migrates, the rest wait
                    conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
                migrate.upgrade(conn)
                if sqlite_db and conn.exec_driver_sql("PRAGMA foreign_key_check").first():
                    raise ServiceUnavailable(
                        "数据库升级后发现数据关联错误，已撤销升级，请联系管理员",
                        "the schema upgrade left broken references; it was rolled back",
                    )
        finally:
            if sqlite_db:
                raw.execute("PRAGMA foreign_keys = ON")


def open_database(settings: DatabaseSettings, *, migrate_schema: bool = True) -> Database:
    """Open (and migrate to the newest schema) the configured database."""
    url = settings.database_url
    try:
        engine = create_db_engine(url)
    except (sa_exc.ArgumentError, sa_exc.NoSuchModuleError, ValueError) as exc:
        raise ServiceUnavailable(
            f"数据库地址 LANDBOT_DATABASE_URL 无效：{redact_url(url)}",
            f"invalid database URL in LANDBOT_DATABASE_URL: {redact_url(url)} ({exc})",
        ) from None
    except OSError as exc:
        raise ServiceUnavailable(
            f"无法创建数据目录：{exc.strerror or exc}",
            f"cannot create the data directory: {exc}",
        ) from None
    try:
        if migrate_schema:
            _migrate(engine)
        else:
            with engine.begin() as conn:
                conn.exec_driver_sql("SELECT 1")
    except CommandError as exc:
        engine.dispose()
        raise ServiceUnavailable(
            "数据库结构的版本比本程序新或无法识别，请升级 landbot 或联系管理员",
            f"the database schema is newer than this landbot or unknown ({exc})",
        ) from None
    except (*_UNAVAILABLE, sa_exc.DatabaseError) as exc:
        engine.dispose()
        log.debug("cannot open database", exc_info=True)
        raise _unavailable(url, exc) from None
    except BaseException:
        engine.dispose()
        raise
    return Database(engine)
