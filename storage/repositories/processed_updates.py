"""Inbound update ids already handled: what makes a re-delivered update harmless."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import bindparam, delete, select, text

from storage.models import ProcessedUpdateRow
from storage.repositories.base import Repository, table_of
from storage.sqltypes import utcnow

_UPDATES = table_of(ProcessedUpdateRow)
# INSERT … ON CONFLICT DO NOTHING RETURNING: a row back means the id was new. Written out
# because SQLAlchemy never caches the dialects' `insert().on_conflict_do_nothing()` (it was
# compiled anew for every update); the SQL is the same on SQLite and PostgreSQL.
_CLAIM = text(
    f"INSERT INTO {_UPDATES.name} (channel, update_id, processed_at) "
    "VALUES (:channel, :update_id, :processed_at) "
    "ON CONFLICT DO NOTHING RETURNING update_id"
).bindparams(
    bindparam("channel", type_=_UPDATES.c.channel.type),
    bindparam("update_id", type_=_UPDATES.c.update_id.type),
    bindparam("processed_at", type_=_UPDATES.c.processed_at.type),
)
_SEEN = select(_UPDATES.c.update_id).where(
    _UPDATES.c.channel == bindparam("channel"), _UPDATES.c.update_id == bindparam("update_id")
)  # Core on the unit of work's connection, like `claim` (no ORM identity lookup)


class ProcessedUpdateRepository(Repository):
    """Inbound update ids already handled, claimed in the same transaction as their effect."""

    def claim(self, channel: str, update_id: int) -> bool:
        """Record the update; False when it was processed before (a re-delivery)."""
        values = {"channel": channel, "update_id": update_id, "processed_at": utcnow()}
        return self.conn.execute(_CLAIM, values).first() is not None

    def seen(self, channel: str, update_id: int) -> bool:
        params = {"channel": channel, "update_id": update_id}
        return self.conn.execute(_SEEN, params).first() is not None

    def prune(self, older_than: dt.datetime) -> int:
        """Forget ids processed before `older_than` (Telegram re-delivers only recent ones)."""
        result = self.s.execute(
            delete(ProcessedUpdateRow).where(ProcessedUpdateRow.processed_at < older_than)
        )
        return int(getattr(result, "rowcount", 0))
