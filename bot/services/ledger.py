"""The supply ledger (供应台账): parcels planned, approved and supplied against the annual plan.

Who sees what: a clerk or reviewer sees their own department's parcels, an admin every
department's; on the command line (user None) the operator sees all, or one `department`.
A 供地方案 enters the ledger when it is submitted and follows its review (`record_draft`, called
by bot/services/review.py in the same transaction); `record_supply` records the land actually
supplied (成交确认书, 出让合同 or 划拨决定书: date and final price). Imported lists:
bot/services/ledger_excel.py.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from typing import Any

from bot.services.ledger_columns import SUPPLY_BASES
from bot.services.ledger_progress import Progress, compute, cuts
from bot.services.transaction import load_user, transact
from knowledge.errors import BadInput
from knowledge.findings import Finding
from knowledge.jurisdictions import Place, all_places, resolve_place, within
from knowledge.plan import Plan
from knowledge.plan_figures import (
    SupplyPlanFigures,
    annual_supply_plans,
    supply_plan_covering,
    supply_plan_for_year,
)
from storage.db import Database, UnitOfWork
from storage.domain import Draft, LedgerParcel, User

MIN_YEAR, MAX_YEAR = 2000, 2100


class ParcelNotFound(BadInput):
    def __init__(self, parcel_id: object) -> None:
        super().__init__(
            f"台账中没有编号为 {parcel_id} 的地块（或不属于您的部门）",
            f"no ledger parcel {parcel_id} (or not of your department)",
        )


@dataclass(frozen=True)
class Viewer:
    """Whose rows a caller sees: one department's, or (`everyone`) all."""

    department: str | None
    everyone: bool

    def sees(self, parcel: LedgerParcel) -> bool:
        return self.everyone or parcel.department == self.department


def viewer(uow: UnitOfWork, user_id: int | None, department: str | None = None) -> Viewer:
    """The viewer of a user (None: the operator on the command line, optionally narrowed to a
    department)."""
    if user_id is None:
        return Viewer(department, everyone=department is None)
    user = load_user(uow, user_id)
    if user.role == "admin":
        return Viewer(department, everyone=department is None)
    return Viewer(user.department, everyone=False)


# ------------------------------------------------------------------------- where and when


@dataclass(frozen=True)
class Scope:
    """What a status or export is about: the plan (if any), its places, its year and period."""

    plan: SupplyPlanFigures | None
    place: Place | None
    place_name: str
    year: int
    place_ids: tuple[str, ...]
    period: tuple[dt.date, dt.date]
    notes: tuple[str, ...] = ()


def check_year(year: object) -> int:
    if isinstance(year, bool) or not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
        raise BadInput(
            f"年度「{year}」无效：应为 {MIN_YEAR}—{MAX_YEAR} 之间的四位年份，如 2024",
            f"year {year!r} is invalid: expected a four-digit year such as 2024",
        )
    return year


def resolve_scope(jurisdiction: str | None, year: int | None, today: dt.date) -> Scope:
    """The plan covering the place and year. Without a place: the newest plan (of `year` when
    given); without a year: the newest year a plan covers the place, else this year."""
    if year is not None:
        check_year(year)
    plans = annual_supply_plans()
    if not jurisdiction:
        chosen = [p for p in plans if year is None or p.year == year]
        current = [p for p in chosen if p.year <= today.year] or chosen or list(plans)
        if not current:
            raise BadInput("知识库中没有年度供应计划", "the knowledge base holds no annual plan")
        jurisdiction = _place_of_plan(current[-1]).name
    resolution = resolve_place(jurisdiction)
    if resolution.status == "unknown":
        raise BadInput(
            f"无法识别的行政区「{jurisdiction}」：应为行政区名称，如 郑州市、金水区",
            f"unrecognised place {jurisdiction!r}: expected a place such as 郑州市 or 金水区",
        )
    place = resolution.place if resolution.status == "local" else None
    if year is None:
        years = [p.year for p in plans if p.covers(place) and p.year <= today.year]
        year = max(years) if years else today.year
    plan = supply_plan_for_year(place, year)
    name = place.display if place is not None else jurisdiction
    notes: list[str] = []
    if plan is not None:
        ids = _covered_ids(plan)
        period = (plan.valid_from, plan.valid_to)
        if place is not None and place.id not in plan.scope:
            notes.append(f"进度按《{plan.jurisdiction}{plan.year}年度供应计划》的计划范围统计。")
    else:
        ids = tuple(p.id for p in all_places() if place is not None and within(p, place.id))
        period = (dt.date(year, 1, 1), dt.date(year, 12, 31))
        notes.append(f"知识库中没有覆盖{name}{year}年度的国有建设用地供应计划。")
    return Scope(plan, place, name, year, ids, period, tuple(notes))


def _place_of_plan(plan: SupplyPlanFigures) -> Place:
    from knowledge.jurisdictions import get_place

    return get_place(plan.scope[0])


@cache
def _covered_ids(plan: SupplyPlanFigures) -> tuple[str, ...]:
    return tuple(p.id for p in all_places() if plan.covers(p))


# ------------------------------------------------------------------------- status


def status(
    db: Database,
    user_id: int | None = None,
    *,
    jurisdiction: str | None = None,
    year: int | None = None,
    department: str | None = None,
    today: dt.date | None = None,
    with_parcels: bool = True,
    curve: bool = False,
) -> Progress:
    """The progress card of the place and year, over the parcels the caller may see (`curve`:
    with the monthly completion line of the chart)."""
    on = today or dt.date.today()
    scope = resolve_scope(jurisdiction, year, on)

    def work(uow: UnitOfWork) -> Progress:
        who = viewer(uow, user_id, department)
        return progress_in(uow, who, scope, on, with_parcels=with_parcels, curve=curve)

    return transact(db, work, readonly=True)


def progress_in(
    uow: UnitOfWork, who: Viewer, scope: Scope, on: dt.date, *, with_parcels: bool,
    curve: bool = False,
) -> Progress:  # fmt: skip
    totals = uow.ledger.totals(
        scope.place_ids, scope.year, scope.period, who.department, everyone=who.everyone,
        cuts=cuts(scope.plan, scope.period, on, curve=curve),
    )  # fmt: skip
    progress = compute(
        scope.plan, totals, place=scope.place_name, year=scope.year, as_of=on,
        period=scope.period, curve=curve,
    )  # fmt: skip
    parcels = None
    if with_parcels:
        parcels = tuple(
            uow.ledger.listing(
                scope.place_ids, scope.year, scope.period, who.department, everyone=who.everyone
            )
        )
    from dataclasses import replace

    return replace(progress, parcels=parcels, notes=scope.notes)


# ------------------------------------------------------------------------- from drafts


def _date_of(value: Any) -> dt.date | None:
    return value if isinstance(value, dt.date) else None


def values_from_plan(plan: Plan, on: dt.date) -> dict[str, Any] | None:
    """The ledger columns a 供地方案 gives (None when it lacks area, use or place)."""
    area = plan.get("area_m2")
    land_use = plan.get("land_use") or plan.land_use
    where = plan.get("jurisdiction")
    if not area or not land_use or not where:
        return None
    resolution = resolve_place(str(where))
    prepared = _date_of(plan.get("prepared_date"))
    return {
        "parcel_code": plan.get("parcel_code") or None,
        "project_name": str(plan.get("project_name") or "")[:200],
        "jurisdiction": str(where)[:128],
        "place_id": resolution.place.id
        if resolution.status == "local" and resolution.place
        else None,
        "land_use": str(land_use),
        "area_m2": float(area),
        "supply_method": plan.get("supply_method"),
        "in_plan": plan.get("in_annual_supply_plan"),
        "plan_year": (prepared or on).year,
    }


def record_draft(
    uow: UnitOfWork, draft: Draft, owner: User, event: str, on: dt.date | None = None
) -> LedgerParcel | None:
    """Enter or update the 供地方案's parcel: `event` is submitted, approved or returned."""
    from bot.dialogue import answers_to_plan
    from bot.services import engine

    if draft.kind != "supply_plan":
        return None
    day = on or dt.date.today()
    values = values_from_plan(answers_to_plan(engine.state_of(draft)), day)
    if values is None:
        return None
    values["project_name"] = values["project_name"] or draft.title or f"供地方案{draft.id}"
    code = values["parcel_code"]
    existing = uow.ledger.by_draft(draft.id)
    if existing is None and draft.parent_id is not None:
        existing = uow.ledger.by_draft(draft.parent_id)  # a new version of the same plan
    holder = uow.ledger.by_code(code) if code else None
    if holder is not None and holder.department not in (None, owner.department):
        # another department's parcel: never taken over; this plan gets a row of its own
        values["parcel_code"] = None
        values["note"] = f"宗地编号 {code} 已在其他部门的台账中"
        holder = None
    if existing is None:
        existing = holder
    elif holder is not None and holder.id != existing.id:
        values.pop("parcel_code")  # the code is another row's: keep this row's own
    dates = {"submitted": "submitted_date", "approved": "approved_date"}
    changes: dict[str, Any] = {**values, "draft_id": draft.id, "department": owner.department}
    if event in dates:
        changes[dates[event]] = day
    if existing is None:
        return uow.ledger.add(**changes, status=event, source="draft")
    for key in ("plan_year", "in_plan"):  # an imported plan list stays authoritative
        if getattr(existing, key) is not None:
            changes.pop(key, None)
    if existing.status != "supplied":
        changes["status"] = event
    return uow.ledger.update(existing, **changes)


# ------------------------------------------------------------------------- supplied


def record_supply(
    db: Database,
    user_id: int | None,
    parcel_id: object,
    *,
    supplied_date: dt.date,
    basis: str,
    final_price_yuan: float | None = None,
    today: dt.date | None = None,
) -> LedgerParcel:
    """Record that the land was supplied: the date of the 成交确认书 / 出让合同 / 划拨决定书 and
    the final price (yuan)."""
    if basis not in SUPPLY_BASES:
        raise BadInput(
            f"供应依据「{basis}」无效：应为 {'、'.join(SUPPLY_BASES)} 之一",
            f"supply basis {basis!r} is invalid: expected one of {', '.join(SUPPLY_BASES)}",
        )
    if supplied_date > (today or dt.date.today()) or supplied_date.year < MIN_YEAR:
        raise BadInput(
            f"供应日期 {supplied_date.isoformat()} 无效：不能晚于今天",
            f"supply date {supplied_date.isoformat()} is invalid: it cannot be in the future",
        )
    if final_price_yuan is not None and not final_price_yuan > 0:
        raise BadInput("成交价应为正数（元）", "the final price must be a positive amount in yuan")
    pid = _parcel_id(parcel_id)

    def work(uow: UnitOfWork) -> LedgerParcel:
        who = viewer(uow, user_id)
        parcel = uow.ledger.get(pid)
        if parcel is None or not who.sees(parcel):
            raise ParcelNotFound(pid)
        saved = uow.ledger.update(
            parcel,
            status="supplied",
            supplied_date=supplied_date,
            supply_basis=basis,
            final_price_yuan=final_price_yuan,
        )
        uow.commit()
        return saved

    return transact(db, work)


def _parcel_id(raw: object) -> int:
    text = str(raw).strip().lstrip("#")
    if isinstance(raw, bool) or not text.isascii() or not text.isdigit() or len(text) > 12:
        raise ParcelNotFound(str(raw)[:20])
    return int(text)


# ------------------------------------------------------------------------- findings


def ledger_findings(uow: UnitOfWork, plan: Plan, on: dt.date | None = None) -> list[Finding]:
    """Findings on a 供地方案 that need the ledger: its parcel is not among the annual plan's
    parcels (warning, 郑政〔2021〕4号 二（一）), or the plan's category for its use is already
    supplied in full (info). Only a plan whose scope and period cover the parcel applies."""
    if plan.kind != "supply_plan" or not plan.get("jurisdiction"):
        return []
    day = _date_of(plan.get("prepared_date")) or on or dt.date.today()
    resolution = resolve_place(str(plan.get("jurisdiction")))
    figures = supply_plan_covering(resolution.place, day) if resolution.status == "local" else None
    if figures is None:
        return []
    ids = _covered_ids(figures)
    found: list[Finding] = []
    code = plan.get("parcel_code")
    listed = uow.ledger.planned_codes(ids, figures.year)
    cite = figures.outside_plan_cite
    if (
        cite is not None
        and listed is not None
        and code not in listed
        and _governs(cite, resolution.place, day)
    ):
        what = f"宗地编号 {code} " if code else "本宗地（未填写宗地编号）"
        found.append(
            Finding(
                "ledger-outside-annual-plan",
                "warning",
                "parcel_code",
                f"{what}不在供应台账所列{figures.jurisdiction}{figures.year}年度供应计划地块中；"
                f"{figures.outside_plan_quote}，须说明理由或先按程序调整计划。",
                cite,
            )
        )
    land_use = plan.get("land_use") or plan.land_use
    category = figures.category(str(land_use)) if land_use else None
    if category is not None:
        period = (figures.valid_from, figures.valid_to)
        before, upto = figures.valid_from - dt.timedelta(days=1), min(day, figures.valid_to)
        totals = uow.ledger.totals(ids, figures.year, period, None, everyone=True,
                                   cuts=(before, upto))  # fmt: skip
        supplied = sum(
            t.supplied_by(upto) - t.supplied_by(before)
            for t in totals
            if t.status == "supplied" and figures.category(t.land_use) == category
        )
        if supplied / 10000 >= float(category.hectares):
            found.append(
                Finding(
                    "ledger-category-exhausted",
                    "info",
                    "land_use",
                    f"{figures.jurisdiction}{figures.year}年度计划{category.name}"
                    f"{category.hectares}公顷已全部供应（台账已供应 {supplied / 10000:.2f} 公顷），"
                    "本宗地将超出该类用地计划指标。",
                    category.cite,
                )
            )
    return found


def _governs(cite: Any, place: Place | None, day: dt.date) -> bool:
    from knowledge.corpus import load_corpus

    doc = load_corpus().document(cite.doc_id)
    return doc is not None and doc.governs(place) and doc.in_force(day)
