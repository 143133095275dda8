"""Progress of supply against an annual plan: pure arithmetic over the ledger's totals.

Supplied area counts in the plan's category of its land use (综合用地 has none: it counts in the
total only) when its supply date lies in the plan's period; the completion share at a milestone
is the area supplied by that date over the plan's total (六（二）: 6月底50%, 9月底75%, 12月底全面
完成). What is planned but not yet supplied is every parcel of the plan's year not supplied.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from knowledge.citation import Cite
from knowledge.plan_figures import SupplyPlanFigures
from storage.domain import LEDGER_STATUS_LABELS, LedgerParcel
from storage.repositories.ledger import UseTotal

M2_PER_HA = 10000.0
UNCATEGORISED = "未归类"  # a use the plan puts in no category (综合用地)
PENDING_STATUSES = ("planned", "submitted", "returned", "approved")


def ha(m2: float) -> float:
    """Square metres in hectares, rounded to the plan's precision (0.01 公顷) and a bit more."""
    return round(m2 / M2_PER_HA, 4)


@dataclass(frozen=True)
class CategoryProgress:
    name: str
    planned_ha: float | None  # None: the uncategorised remainder
    supplied_ha: float
    pending_ha: float  # planned for the year, not yet supplied
    cite: Cite | None

    @property
    def share_pct(self) -> float | None:
        if not self.planned_ha:
            return None
        return round(self.supplied_ha * 100 / self.planned_ha, 2)

    @property
    def exhausted(self) -> bool:
        return self.planned_ha is not None and self.supplied_ha >= self.planned_ha


@dataclass(frozen=True)
class MilestoneProgress:
    date: dt.date
    target_pct: float
    actual_pct: float  # supplied by that date (or by today, before it) over the plan's total
    days_left: int  # negative once the date has passed
    cite: Cite

    @property
    def met(self) -> bool | None:
        """True / False once decided (reached, or the date passed); None while still open."""
        if self.actual_pct >= self.target_pct:
            return True
        return False if self.days_left < 0 else None


@dataclass(frozen=True)
class Progress:
    plan: SupplyPlanFigures | None
    place: str  # the jurisdiction asked about, as resolved (河南省郑州市)
    year: int
    as_of: dt.date
    supplied_ha: float
    supplied_parcels: int
    categories: tuple[CategoryProgress, ...]
    milestones: tuple[MilestoneProgress, ...]
    pending: dict[str, tuple[int, float]]  # status → (parcels, hectares), not yet supplied
    parcels: tuple[LedgerParcel, ...] | None = None
    notes: tuple[str, ...] = field(default=())
    # Hectares supplied by the end of each month of the period so far (for the chart)
    curve: tuple[tuple[dt.date, float], ...] = ()

    @property
    def completion_pct(self) -> float | None:
        if self.plan is None or not self.plan.total_ha:
            return None
        return round(self.supplied_ha * 100 / float(self.plan.total_ha), 2)

    def to_json(self) -> dict[str, Any]:
        """`landbot ledger status --json` (CONTRACT §6)."""
        plan = self.plan
        plan_json = None
        if plan is not None:
            plan_json = {
                "doc_id": plan.doc_id,
                "jurisdiction": plan.jurisdiction,
                "period": [plan.valid_from.isoformat(), plan.valid_to.isoformat()],
                "total_ha": float(plan.total_ha),
                "by_use": {c.name: float(c.hectares) for c in plan.categories},
                "cite": plan.total_cite.to_json(),
            }
        by_use = {c.name: round(c.supplied_ha, 4) for c in self.categories}
        return {
            "plan": plan_json,
            "place": self.place,
            "year": self.year,
            "as_of": self.as_of.isoformat(),
            "supplied": {
                "total_ha": round(self.supplied_ha, 4),
                "parcels": self.supplied_parcels,
                "by_use": by_use,
                "completion_pct": self.completion_pct,
            },
            "milestones": [
                {
                    "date": m.date.isoformat(),
                    "target_pct": _num(m.target_pct),
                    "actual_pct": m.actual_pct,
                    "days_left": m.days_left,
                    "met": m.met,
                    "cite": m.cite.to_json(),
                }
                for m in self.milestones
            ],
            "pending": {
                s: {"label": LEDGER_STATUS_LABELS[s], "parcels": n, "area_ha": round(a, 4)}
                for s, (n, a) in self.pending.items()
            },
            "parcels": [parcel_json(p) for p in self.parcels or ()],
            "notes": list(self.notes),
        }


def _num(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def parcel_json(p: LedgerParcel) -> dict[str, Any]:
    return {
        "id": p.id,
        "parcel_code": p.parcel_code,
        "project_name": p.project_name,
        "jurisdiction": p.jurisdiction,
        "land_use": p.land_use,
        "area_ha": ha(p.area_m2),
        "status": p.status,
        "status_label": p.status_label,
        "plan_year": p.plan_year,
        "planned_quarter": p.planned_quarter,
        "in_plan": p.in_plan,
        "supply_method": p.supply_method,
        "submitted_date": _iso(p.submitted_date),
        "approved_date": _iso(p.approved_date),
        "supplied_date": _iso(p.supplied_date),
        "supply_basis": p.supply_basis,
        "final_price_yuan": p.final_price_yuan,
        "department": p.department,
        "draft_id": p.draft_id,
    }


def _iso(d: dt.date | None) -> str | None:
    return d.isoformat() if d else None


def compute(
    plan: SupplyPlanFigures | None,
    totals: Iterable[UseTotal],
    *,
    place: str,
    year: int,
    as_of: dt.date,
    period: tuple[dt.date, dt.date],
    curve: bool = False,
) -> Progress:
    """The progress of the year from the ledger's totals, which must have been taken at
    `cuts(plan, period, as_of, curve=curve)` (`LedgerRepository.totals`)."""
    before, end = period[0] - dt.timedelta(days=1), period[1]
    wanted = cuts(plan, period, as_of, curve=curve)
    supplied: dict[str, float] = {}
    by_cut = dict.fromkeys(wanted, 0.0)
    pending_by: dict[str, float] = {}
    pending: dict[str, list[float]] = {}
    n_supplied = 0
    for t in totals:
        name = _category_name(plan, t.land_use)
        if t.status == "supplied":
            base = t.supplied_by(before)
            supplied[name] = supplied.get(name, 0.0) + t.supplied_by(end) - base
            n_supplied += t.supplied_in_period
            for c in wanted:
                by_cut[c] += t.supplied_by(c) - base
        elif t.status in PENDING_STATUSES:
            pending_by[name] = pending_by.get(name, 0.0) + t.area_m2
            slot = pending.setdefault(t.status, [0, 0.0])
            slot[0] += t.parcels
            slot[1] += t.area_m2
    milestones: tuple[MilestoneProgress, ...] = ()
    if plan is not None and plan.total_ha:
        total_plan_m2 = float(plan.total_ha) * M2_PER_HA
        milestones = tuple(
            MilestoneProgress(
                date=m.by,
                target_pct=float(m.min_completion_pct),
                actual_pct=round(by_cut[_clip(min(m.by, as_of), period)] * 100 / total_plan_m2, 2),
                days_left=(m.by - as_of).days,
                cite=m.cite,
            )
            for m in plan.milestones
        )
    points = _curve_points(period, as_of) if curve else []
    return Progress(
        plan=plan,
        place=place,
        year=year,
        as_of=as_of,
        supplied_ha=ha(sum(supplied.values())),
        supplied_parcels=n_supplied,
        categories=_categories(plan, supplied, pending_by),
        milestones=milestones,
        pending={
            s: (int(pending[s][0]), ha(pending[s][1])) for s in PENDING_STATUSES if s in pending
        },
        curve=tuple((p, ha(by_cut[p])) for p in points),
    )


def _clip(day: dt.date, period: tuple[dt.date, dt.date]) -> dt.date:
    return min(max(day, period[0] - dt.timedelta(days=1)), period[1])


def cuts(
    plan: SupplyPlanFigures | None,
    period: tuple[dt.date, dt.date],
    as_of: dt.date,
    *,
    curve: bool = False,
) -> list[dt.date]:
    """The dates the totals must be taken at: the day before the period, its end, each
    milestone (or today, before it), and for the chart's curve each month end up to today."""
    out = {period[0] - dt.timedelta(days=1), period[1], _clip(as_of, period)}
    out.update(_clip(min(m.by, as_of), period) for m in (plan.milestones if plan else ()))
    if curve:
        out.update(_curve_points(period, as_of))
    return sorted(out)


def _month_ends(period: tuple[dt.date, dt.date]) -> list[dt.date]:
    out: list[dt.date] = []
    y, m = period[0].year, period[0].month
    while True:
        nxt = dt.date(y + (m == 12), m % 12 + 1, 1)
        end = min(nxt - dt.timedelta(days=1), period[1])
        out.append(end)
        if end >= period[1]:
            return out
        y, m = nxt.year, nxt.month


def _curve_points(period: tuple[dt.date, dt.date], as_of: dt.date) -> list[dt.date]:
    """The day before the period, each month end up to today, and today (inside the period)."""
    points = [period[0] - dt.timedelta(days=1)]
    points += [d for d in _month_ends(period) if d <= as_of]
    if period[0] <= as_of <= period[1] and points[-1] != as_of:
        points.append(as_of)
    return points


def _category_name(plan: SupplyPlanFigures | None, land_use: str) -> str:
    if plan is None:
        return land_use
    cat = plan.category(land_use)
    return cat.name if cat is not None else UNCATEGORISED


def _categories(
    plan: SupplyPlanFigures | None, supplied: dict[str, float], pending: dict[str, float]
) -> tuple[CategoryProgress, ...]:
    out: list[CategoryProgress] = []
    names: list[str] = []
    if plan is not None:
        for c in plan.categories:
            names.append(c.name)
            out.append(
                CategoryProgress(
                    c.name,
                    float(c.hectares),
                    ha(supplied.get(c.name, 0.0)),
                    ha(pending.get(c.name, 0.0)),
                    c.cite,
                )
            )
    for name in sorted((set(supplied) | set(pending)) - set(names)):
        out.append(
            CategoryProgress(
                name, None, ha(supplied.get(name, 0.0)), ha(pending.get(name, 0.0)), None
            )
        )
    return tuple(out)
