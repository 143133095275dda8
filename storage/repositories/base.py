"""What every repository shares: the session, rows to domain objects, values to JSON data."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Column, Table, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

D = TypeVar("D", bound="DataclassInstance")


def to_jsonable(value: Any) -> Any:
    """A value as JSON data: dates become ISO strings, tuples lists, mappings plain dicts."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"cannot store a {type(value).__name__} as JSON")


def to_domain(domain: type[D], row: object) -> D:
    """The domain dataclass `domain` filled from the row's attributes of the same names.

    Every domain field is a column of its row under the same name; columns the domain
    object leaves out (a document's bytes) stay in the database.
    """
    return domain(**{f.name: getattr(row, f.name) for f in dataclasses.fields(domain)})


def table_of(row_type: type[Any]) -> Table:
    """The Core table of an ORM row class."""
    table = row_type.__table__
    assert isinstance(table, Table)
    return table


def domain_columns(table: Table, domain: type[DataclassInstance]) -> list[Column[Any]]:
    """The columns of `table` named like the fields of `domain`, in field order, so that a
    row selected with them fills the domain object positionally: `domain(*row)`."""
    return [table.c[f.name] for f in dataclasses.fields(domain)]


_CONNECTION = "landbot.connection"


class Repository:
    """Data access over one session: it flushes, the unit of work commits.

    The tables of the per-message path (users read, chat sessions, drafts, answer history,
    audit events, processed updates) are read and written with prepared Core statements on
    the session's connection: no ORM objects, so nothing in the session can go stale, and
    about a quarter of the CPU of an ORM round trip.
    """

    def __init__(self, session: Session) -> None:
        self.s = session

    @property
    def conn(self) -> Connection:
        """The connection of this unit of work's transaction (begun on first use).

        Kept in the session's `info` until the transaction ends (commit or rollback closes it):
        `Session.connection()` walks the session's state machine on every call, which was a
        tenth of a web answer's CPU at ~10 statements an answer.
        """
        found = self.s.info.get(_CONNECTION)
        if found is None or found.closed or found.invalidated:
            found = self.s.info[_CONNECTION] = self.s.connection()
        return found

    def _insert(self, row: object, domain: type[D]) -> D:
        """Add a new row and flush (the database assigns its id); return it as `domain`."""
        self.s.add(row)
        self.s.flush()
        return to_domain(domain, row)

    def _by_id(self, row_type: type[Any], domain: type[D], row_id: object) -> D | None:
        row = self.s.get(row_type, row_id)
        return to_domain(domain, row) if row else None

    def _of_draft(self, row_type: Any, domain: type[D], draft_id: int) -> list[D]:
        """The rows that belong to one draft, oldest first."""
        q = select(row_type).where(row_type.draft_id == draft_id).order_by(row_type.id)
        return [to_domain(domain, r) for r in self.s.scalars(q)]


def check_updatable(what: str, changes: Mapping[str, Any], allowed: frozenset[str]) -> None:
    """Refuse a change to a column that callers may not set directly."""
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"cannot update {what} fields {sorted(unknown)}")
