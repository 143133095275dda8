"""Whose turn a chat is, across worker processes on one PostgreSQL: a session advisory lock per
chat, all held on one connection of this worker.

Advisory locks rather than a lease table: a worker killed with SIGKILL loses its connection, and
PostgreSQL frees its locks at once — no expiry to wait for, no clock to trust. Only `try`: a
worker that finds a chat taken does not wait (the holder handles every waiting update of that
chat before it lets go), so no connection sits blocked. One connection holds all of this
worker's locks (a session may hold many), so N workers cost N connections, whatever the number
of chats in hand. If that connection breaks (the database restarted), its locks are gone with
it: `try_lock` opens a new one, and a chat in hand at that moment may for a short while be
handled by two workers — the processed-update claims still apply each update once.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import threading

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)
_TRY = text("SELECT pg_try_advisory_lock(:k)")
_UNLOCK = text("SELECT pg_advisory_unlock(:k)")


def lock_id(key: str) -> int:
    """A stable signed 64-bit id for a chat key (PostgreSQL's advisory lock space)."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)


class ChatLocks:
    """try_lock / unlock of chat keys on one dedicated autocommit connection (thread-safe)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._conn: Connection | None = None
        self._guard = threading.Lock()
        self.held: set[str] = set()

    def _connection(self) -> Connection:
        if self._conn is None:
            self._conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            self.held.clear()  # a new session holds nothing
        return self._conn

    def _drop(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):  # already broken: nothing to give back
                self._conn.invalidate()
                self._conn.close()
        self._conn = None
        self.held.clear()

    def try_lock(self, key: str) -> bool:
        """Take the chat's turn; False when another worker has it."""
        with self._guard:
            for attempt in (1, 2):
                try:
                    got = bool(self._connection().execute(_TRY, {"k": lock_id(key)}).scalar())
                except DBAPIError:
                    self._drop()
                    if attempt == 2:
                        raise
                    log.warning("chat lock connection lost; reconnecting")
                    continue
                if got:
                    self.held.add(key)
                return got
        return False  # pragma: no cover - the loop returns or raises

    def unlock(self, key: str) -> None:
        with self._guard:
            if key not in self.held or self._conn is None:
                return  # never taken, or lost with a broken connection
            self.held.discard(key)
            try:
                self._conn.execute(_UNLOCK, {"k": lock_id(key)})
            except DBAPIError:
                self._drop()  # its locks are gone with it

    def close(self) -> None:
        with self._guard:
            if self._conn is not None:
                with contextlib.suppress(Exception):
                    self._conn.close()
            self._conn = None
            self.held.clear()
