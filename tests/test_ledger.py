"""The supply ledger's services on SQLite and PostgreSQL: who sees which parcels, the scope of
the annual plan, a 供地方案 through review into the ledger, supply, and the ledger's findings."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot import services
from bot.services import ledger, review
from bot.services.ledger_excel import import_workbook
from knowledge.errors import BadInput
from knowledge.plan import Plan, plan_from_mapping
from storage.db import Database
from tests.ledgerkit import DEPT, OTHER, count, person, workbook

PLANS = Path(__file__).parent / "data" / "plans"
JULY = dt.date(2024, 7, 1)


def plan_text(**changes: object) -> bytes:
    """The clean 金水区 residential 供地方案, prepared in 2024 (the 2024 plan's year)."""
    text = (PLANS / "zhengzhou-residential-supply.yaml").read_text("utf-8")
    text = text.replace("prepared_date: 2026-10-15", "prepared_date: 2024-05-10")
    assert "prepared_date: 2024-05-10" in text
    for key, value in changes.items():
        lines = [ln for ln in text.splitlines() if ln.startswith(f"  {key}:")]
        assert lines, key
        text = text.replace(lines[0], f"  {key}: {value}")
    return text.encode("utf-8")


def seed(db: Database, dept: str, rows: list[list[object]]) -> None:
    import_workbook(db, None, workbook(rows), department=dept)


def test_a_clerk_sees_their_department_an_admin_all(database: Database) -> None:
    clerk = person(database, 1)
    rev = person(database, 2, "reviewer")
    admin = person(database, 3, "admin", dept=OTHER)
    other = person(database, 4, dept=OTHER)
    seed(database, DEPT, [["A-1", "甲", "金水区", "住宅用地", 10, 2024, dt.date(2024, 3, 1)]])
    seed(database, OTHER, [["B-1", "乙", "航空港区", "工业用地", 20, 2024, dt.date(2024, 4, 1)]])
    codes = {
        who.id: [p.parcel_code for p in ledger.status(database, who.id, today=JULY).parcels or ()]
        for who in (clerk, rev, admin, other)
    }
    assert codes == {clerk.id: ["A-1"], rev.id: ["A-1"], admin.id: ["A-1", "B-1"],
                     other.id: ["B-1"]}  # fmt: skip
    assert ledger.status(database, clerk.id, today=JULY).supplied_ha == 10.0
    assert ledger.status(database, admin.id, today=JULY).supplied_ha == 30.0
    # the command line is the operator's: all, or one department
    assert ledger.status(database, None, today=JULY).supplied_ha == 30.0
    assert ledger.status(database, None, department=OTHER, today=JULY).supplied_ha == 20.0


def test_a_county_parcel_is_not_counted_against_the_shi_benji_plan(database: Database) -> None:
    seed(database, DEPT, [
        ["A-1", "金水区地块", "郑州市金水区", "住宅用地", 10, 2024, dt.date(2024, 3, 1)],
        ["X-1", "新密地块", "新密市", "住宅用地", 30, 2024, dt.date(2024, 3, 1)],
        ["Z-1", "港区地块", "郑州航空港经济综合实验区", "商服用地", 5, 2024, None],
    ])  # fmt: skip
    city = ledger.status(database, None, jurisdiction="郑州市", year=2024, today=JULY)
    assert city.plan is not None and city.plan.jurisdiction == "郑州市市本级"
    assert city.supplied_ha == 10.0
    assert [p.parcel_code for p in city.parcels or ()] == ["A-1", "Z-1"]
    assert city.pending == {"planned": (1, 5.0)}
    # a district of the 市本级 gets the plan's progress (the plan is not split by district)
    district = ledger.status(database, None, jurisdiction="金水区", year=2024, today=JULY)
    assert district.plan is city.plan and district.supplied_ha == 10.0
    assert any("计划范围" in n for n in district.notes)
    county = ledger.status(database, None, jurisdiction="新密市", year=2024, today=JULY)
    assert county.plan is None and county.milestones == ()
    assert county.supplied_ha == 30.0 and [p.parcel_code for p in county.parcels or ()] == ["X-1"]
    assert any("没有覆盖" in n for n in county.notes)
    # another year: no plan covers it
    later = ledger.status(database, None, jurisdiction="郑州市", year=2025, today=JULY)
    assert later.plan is None and later.supplied_ha == 0.0


def test_defaults_are_the_newest_plan(database: Database) -> None:
    p = ledger.status(database, None, today=dt.date(2026, 12, 1))
    assert p.plan is not None and p.year == 2024 and p.place == "河南省郑州市"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"jurisdiction": "火星市"}, "无法识别的行政区"), ({"year": 1999}, "年度「1999」无效")],
)
def test_bad_place_or_year(database: Database, kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(BadInput) as exc:
        ledger.status(database, None, **kwargs)  # type: ignore[arg-type]
    assert message in exc.value.zh


def test_a_supply_plan_enters_the_ledger_through_review(database: Database) -> None:
    clerk = person(database, 11)
    rev = person(database, 12, "reviewer")
    reply = services.import_plan(database, clerk.id, plan_text(), filename="p.yaml")
    assert reply.draft is not None and reply.draft.complete
    draft_id = reply.draft.id
    review.submit(database, clerk.id, draft_id)
    (parcel,) = ledger.status(database, clerk.id, today=JULY).parcels or ()
    assert (parcel.status, parcel.parcel_code, parcel.department) == (
        "submitted",
        "JS-2026-05",
        DEPT,
    )
    assert parcel.area_m2 == 35200 and parcel.land_use == "住宅用地" and parcel.plan_year == 2024
    assert parcel.place_id == "河南省/郑州市/金水区" and parcel.draft_id == draft_id
    assert parcel.submitted_date == dt.date.today() and parcel.in_plan is True
    version = review.pending_for(database, rev.id)[0].draft.version
    review.decide(database, rev.id, draft_id, "approved", version=version)
    (parcel,) = ledger.status(database, clerk.id, today=JULY).parcels or ()
    assert parcel.status == "approved" and parcel.approved_date == dt.date.today()
    progress = ledger.status(database, clerk.id, today=JULY)
    assert progress.pending == {"approved": (1, 3.52)} and progress.supplied_ha == 0.0
    # the land is supplied: 出让合同 signed
    saved = ledger.record_supply(
        database, clerk.id, parcel.id, supplied_date=dt.date(2024, 6, 20), basis="出让合同",
        final_price_yuan=352_000_000, today=JULY,
    )  # fmt: skip
    assert saved.status == "supplied" and saved.final_price_yuan == 352_000_000
    progress = ledger.status(database, clerk.id, today=JULY)
    assert progress.supplied_ha == 3.52 and progress.pending == {}
    assert progress.milestones[0].actual_pct == round(3.52 * 100 / 3927.94, 2)
    assert count(database) == 1


def test_a_returned_plan_and_a_new_version_keep_one_row(database: Database) -> None:
    clerk = person(database, 21)
    rev = person(database, 22, "reviewer")
    draft_id = services.import_plan(database, clerk.id, plan_text(), filename="p.yaml").draft.id  # type: ignore[union-attr]
    review.submit(database, clerk.id, draft_id)
    version = review.pending_for(database, rev.id)[0].draft.version
    review.decide(database, rev.id, draft_id, "returned", comment="请复核", version=version)
    (parcel,) = ledger.status(database, clerk.id, today=JULY).parcels or ()
    assert parcel.status == "returned"
    review.submit(database, clerk.id, draft_id)
    version = review.pending_for(database, rev.id)[0].draft.version
    review.decide(database, rev.id, draft_id, "approved", version=version)
    new = services.new_version(database, clerk.id, draft_id)
    assert new.draft is not None and new.draft.complete
    review.submit(database, clerk.id, new.draft.id)
    rows = ledger.status(database, clerk.id, today=JULY).parcels or ()
    assert len(rows) == 1 and rows[0].draft_id == new.draft.id and rows[0].status == "submitted"


def test_an_imported_plan_row_is_joined_by_its_parcel_code(database: Database) -> None:
    clerk = person(database, 31)
    seed(database, DEPT, [["JS-2026-05", "计划中的地块", "金水区", "住宅用地", 3.52, 2024, None]])
    draft_id = services.import_plan(database, clerk.id, plan_text(), filename="p.yaml").draft.id  # type: ignore[union-attr]
    review.submit(database, clerk.id, draft_id)
    (parcel,) = ledger.status(database, clerk.id, today=JULY).parcels or ()
    assert parcel.status == "submitted" and parcel.draft_id == draft_id
    assert parcel.source == "import" and parcel.in_plan is True


def test_record_supply_refuses_bad_input_and_other_departments(database: Database) -> None:
    clerk = person(database, 41)
    seed(database, OTHER, [["B-1", "乙", "航空港区", "工业用地", 20, 2024, None]])
    (parcel,) = ledger.status(database, None, today=JULY).parcels or ()
    kwargs = {"supplied_date": dt.date(2024, 5, 1), "basis": "出让合同", "today": JULY}
    with pytest.raises(ledger.ParcelNotFound):
        ledger.record_supply(database, clerk.id, parcel.id, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(ledger.ParcelNotFound):
        ledger.record_supply(database, None, "x1", **kwargs)  # type: ignore[arg-type]
    with pytest.raises(Exception, match="供应依据"):
        ledger.record_supply(database, None, parcel.id, supplied_date=dt.date(2024, 5, 1),
                             basis="口头约定", today=JULY)  # fmt: skip
    with pytest.raises(Exception, match="不能晚于今天"):
        ledger.record_supply(database, None, parcel.id, supplied_date=dt.date(2024, 8, 1),
                             basis="划拨决定书", today=JULY)  # fmt: skip
    assert ledger.status(database, None, today=JULY).supplied_ha == 0.0


def _plan(**changes: object) -> Plan:
    import yaml

    return plan_from_mapping(yaml.safe_load(plan_text(**changes)))


def _findings(database: Database, **changes: object) -> list[tuple[str, str, str]]:
    plan = _plan(**changes)
    with database.unit_of_work(readonly=True) as uow:
        found = ledger.ledger_findings(uow, plan)
    return [(f.rule_id, f.severity, f"{f.cite.doc_id} {f.cite.article}") for f in found]


def test_a_parcel_outside_the_annual_plan_is_a_warning(database: Database) -> None:
    # no plan list in the ledger yet: nothing to say
    assert _findings(database) == []
    seed(database, DEPT, [["JS-2024-01", "计划地块", "金水区", "住宅用地", 5, 2024, None]])
    assert _findings(database) == [
        ("ledger-outside-annual-plan", "warning", "zhengzhou-2021-4 二（一）")
    ]
    assert _findings(database, parcel_code="JS-2024-01") == []
    # a county parcel: the 市本级 plan does not apply
    assert _findings(database, jurisdiction="新密市") == []
    # a 2026 plan: no annual plan covers that date
    assert _findings(database, prepared_date="2026-05-10") == []


def test_an_exhausted_category_is_an_info(database: Database) -> None:
    seed(database, OTHER, [
        ["JS-2024-01", "计划地块", "金水区", "住宅用地", 5, 2024, None],
        ["C-1", "商服地块", "郑东新区", "商服用地", 186.52, 2024, dt.date(2024, 2, 1)],
    ])  # fmt: skip
    found = _findings(database, parcel_code="JS-2024-01", land_use="商服用地")
    assert found == [("ledger-category-exhausted", "info", "zhengzhou-2024-supply-plan 四（二）")]
    assert _findings(database, parcel_code="JS-2024-01") == []  # 住宅用地 is not exhausted


def test_submission_counts_the_ledger_warning(database: Database) -> None:
    clerk = person(database, 51)
    person(database, 52, "reviewer")
    seed(database, DEPT, [["JS-2024-01", "计划地块", "金水区", "住宅用地", 5, 2024, None]])
    draft_id = services.import_plan(database, clerk.id, plan_text(), filename="p.yaml").draft.id  # type: ignore[union-attr]
    submitted = review.submit(database, clerk.id, draft_id)
    assert submitted.warnings >= 1
    # the reviewer's notification says so, with the article
    assert (
        "供应台账警示：宗地编号 JS-2026-05 不在供应台账所列郑州市市本级2024年度供应计划地块中"
        in (submitted.summary)
    )
    assert "（zhengzhou-2021-4 二（一））" in submitted.summary


def test_the_sql_totals_match_the_reference_arithmetic(database: Database) -> None:
    from bot.services.ledger_progress import cuts
    from knowledge.plan_figures import zhengzhou_2024_supply_plan
    from tests.ledgerkit import totals_of

    rows = [
        ["A-1", "甲", "金水区", "住宅用地", 1.5, 2024, dt.date(2024, 6, 30)],
        ["A-2", "乙", "金水区", "住宅用地", 2.25, 2024, dt.date(2024, 7, 1)],
        ["A-3", "丙", "中原区", "住宅用地", 4, 2024, dt.date(2023, 12, 31)],  # before the period
        ["A-4", "丁", "中原区", "工业用地", 8, 2024, dt.date(2025, 1, 1)],  # after it
        ["A-5", "戊", "经开区", "工业用地", 16, 2023, dt.date(2024, 2, 29)],  # planned 2023
        ["A-6", "己", "经开区", "仓储用地", 32, 2024, None],
        ["A-7", "庚", "新密市", "住宅用地", 64, 2024, dt.date(2024, 3, 1)],  # outside the scope
    ]
    seed(database, DEPT, rows)
    plan = zhengzhou_2024_supply_plan()
    period, today = (plan.valid_from, plan.valid_to), dt.date(2024, 8, 15)
    at = cuts(plan, period, today, curve=True)
    scope = ledger.resolve_scope("郑州市", 2024, today)
    with database.unit_of_work(readonly=True) as uow:
        got = uow.ledger.totals(scope.place_ids, 2024, period, None, everyone=True, cuts=at)
    shown = [r for r in rows if r[2] != "新密市" and (r[5] == 2024 or (
        r[6] is not None and period[0] <= r[6] <= period[1]))]  # fmt: skip
    records = [
        (r[3], "supplied" if r[6] else "planned", r[6], float(r[4]) * 10000)  # type: ignore[arg-type]
        for r in shown
    ]
    want = totals_of(records, period, at)  # type: ignore[arg-type]
    key = lambda t: (t.land_use, t.status)  # noqa: E731
    assert sorted(got, key=key) == sorted(want, key=key)
    progress = ledger.status(database, None, jurisdiction="郑州市", year=2024, today=today)
    assert progress.supplied_ha == 1.5 + 2.25 + 16 and progress.supplied_parcels == 3
    assert progress.milestones[0].actual_pct == round((1.5 + 16) * 100 / 3927.94, 2)


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("12 2024年5月20日 出让合同 52000万元", ("12", dt.date(2024, 5, 20), "出让合同", 5.2e8)),
        ("#3 2024-05-20 成交", ("3", dt.date(2024, 5, 20), "成交确认书", None)),
        ("3，划拨决定书，2024/5/20", ("3", dt.date(2024, 5, 20), "划拨决定书", None)),
        ("3 出让合同 2024年5月20日 壹亿元", ("3", dt.date(2024, 5, 20), "出让合同", 1e8)),
    ],
)
def test_a_typed_supply_line(text: str, parsed: tuple[object, ...]) -> None:
    from bot.services.ledger_record import parse_supply_line

    assert parse_supply_line(text, JULY) == parsed


@pytest.mark.parametrize(
    ("text", "zh"),
    [
        ("", "请写明要登记的地块"),
        ("甲 2024-05-20 成交", "「甲」不是台账编号"),
        ("3 2024-05-20", "未写明供应依据"),
        ("3 成交", "未写明供应日期"),
        ("3 明年五月 成交", "具体的年月日"),
        ("3 2024-05-20 成交 12万元 多余", "多余的内容「多余」"),
    ],
)
def test_a_bad_supply_line_says_what_is_expected(text: str, zh: str) -> None:
    from bot.services.ledger_record import parse_supply_line

    with pytest.raises(BadInput) as exc:
        parse_supply_line(text, JULY)
    assert zh in exc.value.zh and "例如 12 2024年5月20日 出让合同 52000万元" in exc.value.zh


def test_awaiting_supply_then_recorded_by_a_typed_line(database: Database) -> None:
    from bot.services import ledger_record

    clerk = person(database, 61)
    other = person(database, 62, dept=OTHER)
    rows = [["A-1", "甲", "金水区", "住宅用地", 10, 2024, None]]
    import_workbook(database, None, workbook(rows), department=DEPT)
    (parcel,) = ledger.status(database, None, today=JULY).parcels or ()
    with database.unit_of_work() as uow:
        uow.ledger.update(parcel, status="approved", approved_date=dt.date(2024, 4, 1))
        uow.commit()
    assert [p.id for p in ledger_record.awaiting_supply(database, clerk.id)] == [parcel.id]
    assert ledger_record.awaiting_supply(database, other.id) == []
    with pytest.raises(ledger.ParcelNotFound):
        ledger_record.record_supply_text(
            database, other.id, f"{parcel.id} 2024-05-20 成交", today=JULY
        )
    saved = ledger_record.record_supply_text(
        database, clerk.id, f"{parcel.id} 2024年5月20日 出让合同 5.2亿元", today=JULY
    )
    assert (saved.status, saved.supplied_date, saved.final_price_yuan) == (
        "supplied", dt.date(2024, 5, 20), 5.2e8,
    )  # fmt: skip
    assert ledger_record.awaiting_supply(database, clerk.id) == []


def test_another_departments_parcel_is_never_taken_over(database: Database) -> None:
    clerk = person(database, 71)
    seed(
        database, OTHER, [["JS-2026-05", "别的部门的地块", "金水区", "住宅用地", 3.52, 2024, None]]
    )
    draft_id = services.import_plan(database, clerk.id, plan_text(), filename="p.yaml").draft.id  # type: ignore[union-attr]
    review.submit(database, clerk.id, draft_id)
    rows = ledger.status(database, None, today=JULY).parcels or ()
    theirs = next(p for p in rows if p.department == OTHER)
    mine = next(p for p in rows if p.department == DEPT)
    assert (theirs.parcel_code, theirs.status, theirs.draft_id) == ("JS-2026-05", "planned", None)
    assert (
        mine.parcel_code is None and mine.draft_id == draft_id and "其他部门" in (mine.note or "")
    )
