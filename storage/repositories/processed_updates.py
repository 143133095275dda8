"""Inbound update ids already handled: what makes a re-delivered update harmless."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite

from storage.models import ProcessedUpdateRow
from storage.repositories.base import Repository
from storage.sqltypes import utcnow


class ProcessedUpdateRepository(Repository):
    """Inbound update ids already handled, claimed in the same transaction as their effect."""

    def claim(self, channel: str, update_id: int) -> bool:
        """Record the update; False when it was processed before (a re-delivery)."""
        dialect = self.s.get_bind().dialect.name
        values = {"channel": channel, "update_id": update_id, "processed_at": utcnow()}
        if dialect == "postgresql":
            stmt: Any = postgresql.insert(ProcessedUpdateRow).values(**values)
        elif dialect == "sqlite":
            stmt = sqlite.insert(ProcessedUpdateRow).values(**values)
        else:  # pragma: no cover - only SQLite and PostgreSQL are supported
            raise NotImplementedError(dialect)
        stmt = stmt.on_conflict_do_nothing().returning(ProcessedUpdateRow.update_id)
        return self.s.execute(stmt).first() is not None

    def seen(self, channel: str, update_id: int) -> bool:
        return self.s.get(ProcessedUpdateRow, (channel, update_id)) is not None

    def prune(self, older_than: dt.datetime) -> int:
        """Forget ids processed before `older_than` (Telegram re-delivers only recent ones)."""
        result = self.s.execute(
            delete(ProcessedUpdateRow).where(ProcessedUpdateRow.processed_at < older_than)
        )
        return int(getattr(result, "rowcount", 0))
