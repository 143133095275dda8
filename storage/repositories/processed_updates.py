"""Inbound update ids already handled: what makes a re-delivered update harmless."""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite

from storage.models import ProcessedUpdateRow
from storage.repositories.base import Repository, table_of
from storage.sqltypes import utcnow

_UPDATES = table_of(ProcessedUpdateRow)
_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


@cache
def _claim_statement(dialect: str) -> Any:
    """INSERT … ON CONFLICT DO NOTHING RETURNING: a row back means the id was new."""
    if dialect not in _INSERTS:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise NotImplementedError(dialect)
    insert: Any = _INSERTS[dialect]
    return insert(_UPDATES).on_conflict_do_nothing().returning(_UPDATES.c.update_id)


class ProcessedUpdateRepository(Repository):
    """Inbound update ids already handled, claimed in the same transaction as their effect."""

    def claim(self, channel: str, update_id: int) -> bool:
        """Record the update; False when it was processed before (a re-delivery)."""
        conn = self.conn
        values = {"channel": channel, "update_id": update_id, "processed_at": utcnow()}
        return conn.execute(_claim_statement(conn.dialect.name), values).first() is not None

    def seen(self, channel: str, update_id: int) -> bool:
        return self.s.get(ProcessedUpdateRow, (channel, update_id)) is not None

    def prune(self, older_than: dt.datetime) -> int:
        """Forget ids processed before `older_than` (Telegram re-delivers only recent ones)."""
        result = self.s.execute(
            delete(ProcessedUpdateRow).where(ProcessedUpdateRow.processed_at < older_than)
        )
        return int(getattr(result, "rowcount", 0))
