"""The supply ledger (供应台账): one row per parcel, read and written with Core statements.

Queries take the place ids a plan covers (the caller resolves the scope) and an optional
department (None: every department). Bulk writes (an imported workbook of 10,000 parcels) are
one executemany each for inserts and updates.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, case, func, insert, or_, select, update

from storage.domain import LedgerParcel
from storage.models import LedgerParcelRow
from storage.repositories.base import Repository, check_updatable, domain_columns, table_of
from storage.sqltypes import utcnow

_T = table_of(LedgerParcelRow)
_COLUMNS = domain_columns(_T, LedgerParcel)
_ALL = select(*_COLUMNS)
# What callers may set (id, source and the stamps are the repository's).
FIELDS = frozenset(f.name for f in dataclasses.fields(LedgerParcel)) - {
    "id", "created_at", "updated_at",
}  # fmt: skip


@dataclasses.dataclass(frozen=True)
class UseTotal:
    """The parcels of one land use and status: their m², their number, how many were supplied
    within the period, and the m² supplied on or before each cut date."""

    land_use: str
    status: str
    area_m2: float
    parcels: int
    supplied_in_period: int
    cuts: tuple[dt.date, ...]
    by_cut: tuple[float, ...]

    def supplied_by(self, day: dt.date) -> float:
        """m² supplied on or before `day`, which must be one of the cuts."""
        return self.by_cut[self.cuts.index(day)]


class LedgerRepository(Repository):
    def add(self, **values: Any) -> LedgerParcel:
        check_updatable("ledger parcel", values, FIELDS)
        now = utcnow()
        row = self.conn.execute(
            insert(_T).returning(*_COLUMNS), {**values, "created_at": now, "updated_at": now}
        ).one()
        return LedgerParcel(*row)

    def get(self, parcel_id: int) -> LedgerParcel | None:
        row = self.conn.execute(_ALL.where(_T.c.id == parcel_id)).first()
        return LedgerParcel(*row) if row else None

    def by_draft(self, draft_id: int) -> LedgerParcel | None:
        row = self.conn.execute(_ALL.where(_T.c.draft_id == draft_id)).first()
        return LedgerParcel(*row) if row else None

    def by_code(self, parcel_code: str) -> LedgerParcel | None:
        row = self.conn.execute(_ALL.where(_T.c.parcel_code == parcel_code)).first()
        return LedgerParcel(*row) if row else None

    def update(self, parcel: LedgerParcel, **changes: Any) -> LedgerParcel:
        check_updatable("ledger parcel", changes, FIELDS)
        changes["updated_at"] = utcnow()
        self.conn.execute(update(_T).where(_T.c.id == parcel.id).values(**changes))
        return dataclasses.replace(parcel, **changes)

    def ids_of(self, codes: Collection[str], ids: Collection[int]) -> dict[str, int]:
        """Existing rows among the given parcel codes and ids: {"code:…"/"id:…": id}."""
        found: dict[str, int] = {}
        codes, ids = list(codes), list(ids)
        for chunk in _chunks(codes):
            q = select(_T.c.parcel_code, _T.c.id).where(_T.c.parcel_code.in_(chunk))
            found.update({f"code:{c}": i for c, i in self.conn.execute(q)})
        for id_chunk in _chunks(ids):
            q2 = select(_T.c.id).where(_T.c.id.in_(id_chunk))
            found.update({f"id:{i}": i for (i,) in self.conn.execute(q2)})
        return found

    def add_many(self, rows: Iterable[Mapping[str, Any]]) -> int:
        now = utcnow()
        batch = [{**_blank(), **r, "created_at": now, "updated_at": now} for r in rows]
        if batch:
            check_updatable("ledger parcel", dict.fromkeys(set(batch[0]) - _STAMPS), FIELDS)
            self.conn.execute(insert(_T), batch)
        return len(batch)

    def update_many(self, rows: Iterable[tuple[int, Mapping[str, Any]]]) -> int:
        """Update rows by id; every row must give the same columns (one executemany)."""
        now = utcnow()
        batch = [{**values, "w_id": pid, "updated_at": now} for pid, values in rows]
        if batch:
            check_updatable(
                "ledger parcel", dict.fromkeys(set(batch[0]) - _STAMPS - {"w_id"}), FIELDS
            )
            stmt = update(_T).where(_T.c.id == bindparam("w_id"))
            self.conn.execute(stmt, batch)
        return len(batch)

    def listing(
        self, place_ids: Collection[str] | None, year: int | None,
        period: tuple[dt.date, dt.date] | None, department: str | None, *, everyone: bool = False,
    ) -> list[LedgerParcel]:  # fmt: skip
        """Parcels in the places (None: anywhere) planned for `year` or supplied within `period`,
        of the department (`everyone`: of all departments), ordered by id."""
        where = _scope(place_ids, year, period, department, everyone)
        q = _ALL.where(*where).order_by(_T.c.id)
        return [LedgerParcel(*r) for r in self.conn.execute(q)]

    def totals(
        self, place_ids: Collection[str], year: int, period: tuple[dt.date, dt.date],
        department: str | None, *, everyone: bool = False, cuts: Sequence[dt.date] = (),
    ) -> list[UseTotal]:  # fmt: skip
        """Areas grouped by use and status, of the parcels `listing` would give, with the area
        supplied on or before each of `cuts` and the number supplied within `period`: one scan
        of the covering index, no sort (10,000 parcels: a few milliseconds)."""
        cuts = tuple(cuts)
        by_cut = [func.sum(case((_T.c.supplied_date <= d, _T.c.area_m2), else_=0.0)) for d in cuts]
        in_period = and_(_T.c.supplied_date >= period[0], _T.c.supplied_date <= period[1])
        q = (
            select(_T.c.land_use, _T.c.status, func.sum(_T.c.area_m2), func.count())
            .add_columns(func.sum(case((in_period, 1), else_=0)), *by_cut)
            .where(*_scope(place_ids, year, period, department, everyone))
            .group_by(_T.c.land_use, _T.c.status)
        )
        return [
            UseTotal(
                r[0],
                r[1],
                float(r[2] or 0),
                int(r[3]),
                int(r[4] or 0),
                cuts,
                tuple(float(v or 0) for v in r[5:]),
            )
            for r in self.conn.execute(q)
        ]

    def with_status(
        self, status: str, department: str | None, *, everyone: bool = False, limit: int = 10
    ) -> list[LedgerParcel]:
        """Parcels of one status (of the department, or `everyone`'s), oldest first."""
        where = [_T.c.status == status, *_scope(None, None, None, department, everyone)]
        q = _ALL.where(*where).order_by(_T.c.id).limit(limit)
        return [LedgerParcel(*r) for r in self.conn.execute(q)]

    def planned_codes(self, place_ids: Collection[str], year: int) -> set[str] | None:
        """Parcel codes listed as in the plan of `year` (None: no plan list was recorded)."""
        q = select(_T.c.parcel_code, _T.c.in_plan).where(
            _T.c.plan_year == year, _T.c.place_id.in_(list(place_ids)), _T.c.in_plan.is_(True)
        )
        rows = list(self.conn.execute(q))
        if not rows:
            return None
        return {c for c, _ in rows if c}


_STAMPS = frozenset({"created_at", "updated_at"})


def _blank() -> dict[str, Any]:
    return {name: None for name in FIELDS}


def _chunks(items: list[Any], size: int = 500) -> Iterable[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _scope(
    place_ids: Collection[str] | None, year: int | None,
    period: tuple[dt.date, dt.date] | None, department: str | None, everyone: bool,
) -> list[ColumnElement[bool]]:  # fmt: skip
    where: list[ColumnElement[bool]] = []
    if place_ids is not None:
        where.append(_T.c.place_id.in_(list(place_ids)))
    when: list[ColumnElement[bool]] = []
    if year is not None:
        when.append(_T.c.plan_year == year)
    if period is not None:
        when.append(and_(_T.c.supplied_date >= period[0], _T.c.supplied_date <= period[1]))
    if when:
        where.append(or_(*when))
    if not everyone:
        where.append(
            _T.c.department.is_(None) if department is None else _T.c.department == department
        )
    return where
