"""Progress arithmetic of the supply ledger (pure): categories, milestones, period, curve."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.services.ledger_progress import UNCATEGORISED, compute, cuts
from knowledge.plan_figures import SupplyPlanFigures, zhengzhou_2024_supply_plan
from tests.ledgerkit import totals_of

PLAN = zhengzhou_2024_supply_plan()
PERIOD = (dt.date(2024, 1, 1), dt.date(2024, 12, 31))
Parcel = tuple[str, str, dt.date | None, float]


def run(
    parcels: list[Parcel], as_of: dt.date = dt.date(2024, 7, 15), *,
    plan: SupplyPlanFigures | None = PLAN, period: tuple[dt.date, dt.date] = PERIOD,
    curve: bool = False,
):  # fmt: skip
    totals = totals_of(parcels, period, cuts(plan, period, as_of, curve=curve))
    return compute(plan, totals, place="河南省郑州市", year=period[0].year, as_of=as_of,
                   period=period, curve=curve)  # fmt: skip


def supplied(use: str, m2: float, day: dt.date) -> Parcel:
    return (use, "supplied", day, m2)


def planned(use: str, m2: float, status: str = "planned") -> Parcel:
    return (use, status, None, m2)


def test_supplied_area_counts_in_the_plan_category_of_its_use() -> None:
    p = run([
        supplied("住宅用地", 871.73 * 10000 / 2, dt.date(2024, 3, 1)),
        supplied("工业用地", 100_000.0, dt.date(2024, 4, 1)),
        supplied("仓储用地", 50_000.0, dt.date(2024, 4, 2)),
        supplied("交通运输用地", 20_000.0, dt.date(2024, 5, 1)),
        supplied("特殊用地", 10_000.0, dt.date(2024, 5, 2)),
        supplied("综合用地", 30_000.0, dt.date(2024, 5, 3)),
    ])  # fmt: skip
    by = {c.name: c for c in p.categories}
    assert by["住宅用地"].supplied_ha == pytest.approx(435.865)
    assert by["住宅用地"].share_pct == 50.0
    assert by["工矿仓储用地"].supplied_ha == 15.0  # 工业用地 + 仓储用地
    assert by["其他用地"].supplied_ha == 3.0  # 交通运输用地 + 特殊用地
    assert by["商服用地"].supplied_ha == 0.0
    assert by[UNCATEGORISED].planned_ha is None and by[UNCATEGORISED].supplied_ha == 3.0
    assert p.supplied_ha == pytest.approx(435.865 + 15 + 3 + 3)
    assert p.supplied_parcels == 6
    j = p.to_json()
    assert j["supplied"]["by_use"]["工矿仓储用地"] == 15.0
    assert j["plan"]["by_use"] == {
        "住宅用地": 871.73, "商服用地": 186.52, "工矿仓储用地": 924.05, "其他用地": 1945.64,
    }  # fmt: skip
    assert j["plan"]["total_ha"] == 3927.94 and j["plan"]["jurisdiction"] == "郑州市市本级"
    assert j["plan"]["period"] == ["2024-01-01", "2024-12-31"]


def test_milestones_share_by_date_and_days_left() -> None:
    total_m2 = 3927.94 * 10000
    p = run(
        [
            supplied("住宅用地", total_m2 * 0.30, dt.date(2024, 6, 30)),  # on the day: counts
            supplied("商服用地", total_m2 * 0.25, dt.date(2024, 7, 1)),  # after 6月底
            supplied("工业用地", total_m2 * 0.25, dt.date(2024, 10, 8)),  # after today
        ],
        as_of=dt.date(2024, 8, 1),
    )
    m6, m9, m12 = p.milestones
    assert (m6.date, m6.target_pct, m6.actual_pct) == (dt.date(2024, 6, 30), 50, 30.0)
    assert m6.days_left == -32 and m6.met is False
    # later milestones: what is supplied by today (a parcel dated after today is not yet counted)
    assert (m9.actual_pct, m9.days_left, m9.met) == (55.0, 60, None)
    assert (m12.target_pct, m12.days_left) == (100, 152)
    assert [m.cite.article for m in p.milestones] == ["六（二）"] * 3
    assert p.completion_pct == 80.0  # the ledger total includes the parcel dated ahead


def test_a_milestone_reached_early_is_met() -> None:
    p = run([supplied("住宅用地", 3927.94 * 10000 * 0.6, dt.date(2024, 5, 1))])
    assert p.milestones[0].met is True and p.milestones[1].met is None


def test_supply_outside_the_period_and_pending_parcels() -> None:
    p = run([
        supplied("住宅用地", 10_000.0, dt.date(2023, 12, 31)),
        planned("住宅用地", 12_000.0),
        planned("住宅用地", 8_000.0),
        planned("商服用地", 5_000.0, "approved"),
        planned("工业用地", 15_000.0, "submitted"),
        planned("工业用地", 1_000.0, "returned"),
    ])  # fmt: skip
    assert p.supplied_ha == 0.0 and p.supplied_parcels == 0
    assert p.pending == {
        "planned": (2, 2.0), "submitted": (1, 1.5), "returned": (1, 0.1), "approved": (1, 0.5),
    }  # fmt: skip
    by = {c.name: c for c in p.categories}
    assert by["住宅用地"].pending_ha == 2.0 and by["工矿仓储用地"].pending_ha == 1.6


def test_an_exhausted_category() -> None:
    p = run([supplied("商服用地", 186.52 * 10000, dt.date(2024, 2, 1))])
    by = {c.name: c for c in p.categories}
    assert by["商服用地"].exhausted and not by["住宅用地"].exhausted


def test_without_a_plan_there_are_no_milestones() -> None:
    p = run(
        [supplied("住宅用地", 20_000.0, dt.date(2025, 3, 1))], dt.date(2025, 6, 1), plan=None,
        period=(dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
    )  # fmt: skip
    assert p.plan is None and p.milestones == () and p.completion_pct is None
    assert [(c.name, c.planned_ha, c.supplied_ha) for c in p.categories] == [
        ("住宅用地", None, 2.0)
    ]
    assert p.to_json()["plan"] is None


def test_the_curve_is_cumulative_by_month_end() -> None:
    p = run(
        [
            supplied("住宅用地", 10_000.0, dt.date(2024, 1, 15)),
            supplied("住宅用地", 30_000.0, dt.date(2024, 3, 31)),
        ],
        as_of=dt.date(2024, 4, 10),
        curve=True,
    )
    assert run([], dt.date(2024, 4, 10)).curve == ()  # the card does without it
    assert p.curve == (
        (dt.date(2023, 12, 31), 0.0),
        (dt.date(2024, 1, 31), 1.0),
        (dt.date(2024, 2, 29), 1.0),
        (dt.date(2024, 3, 31), 4.0),
        (dt.date(2024, 4, 10), 4.0),
    )
