"""The engine's invariants, checked over random sessions, and its smaller contracts."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.dialogue import (
    DialogueState,
    Inbound,
    Outbound,
    answers_to_plan,
    current_findings,
    has_errors,
    is_complete,
    load_form,
    make_checker,
    resume,
    review_card,
    start,
    step,
)
from bot.dialogue.navigation import items
from knowledge.checks import CheckResult
from knowledge.citation import Cite
from knowledge.errors import BadInput
from knowledge.findings import Finding

TODAY = dt.date(2026, 3, 1)
ANSWERS = [
    "是", "否", "没有", "已完成", "三十亩", "2.5万平方米", "住宅", "工业用地", "划拨", "挂牌",
    "摇号", "125%", "百分之三十", "2.5", "七十年", "3", "叁仟万元整", "1.2亿元", "8000元/平方米",
    "2027年6月1日", "明年六月", "郑州市金水区", "新密市", "火星", "张三", "出租作停车场", "",
    "<a>&{{x}}{% if %}", "😀", "返回", "跳过", "查看", "帮助", "保持不变", "修改 土地用途",
    "修改 容积率", "修改 五项核查", "修改 文物", "修改 熔断比例", "修改", "取消", "商", "0",
]  # fmt: skip
BUTTONS = ["cmd:back", "cmd:review", "cmd:help", "cmd:cancel", "o:land_use:0", "o:land_use:2",
           "b:cost_audited:1", "s:parcel_code", "k:project_name", "e:land_use", "e:five_checks",
           "zzz", "o:land_use:99", "e:nope", "b:five_checks.soil_pollution:1"]  # fmt: skip

inbound = st.one_of(
    st.sampled_from(ANSWERS).map(lambda t: Inbound(text=t)),
    st.text(max_size=12).map(lambda t: Inbound(text=t)),
    st.sampled_from(BUTTONS).map(lambda b: Inbound(button=b)),
    st.text(max_size=45).map(lambda b: Inbound(button=b)),
)


def dump(state: DialogueState) -> str:
    return json.dumps(state.to_json(), sort_keys=True, ensure_ascii=False)


def check_invariants(form_kind: str, before: DialogueState, after: DialogueState,
                     out: Outbound) -> None:  # fmt: skip
    form = load_form(form_kind)
    # JSON round trip, and the plan can always be built from the answers.
    assert DialogueState.from_json(json.loads(json.dumps(after.to_json()))) == after
    answers_to_plan(after)
    # The current item is one of the applicable questions, or None only when complete.
    if after.current is None:
        assert is_complete(form, after)
    else:
        assert (after.current, after.current_sub) in items(form, after.answers)
    # A walk back is remembered only while it lasts.
    if after.mode != "revisit":
        assert after.return_to is None
    # Every answer belongs to an applicable field.
    applicable = {f.key for f in form.applicable(after.answers)}
    assert set(after.answers) <= applicable
    # The changes explain the difference between the answers exactly.
    replay = dict(before.answers)
    for c in out.changes:
        assert replay.get(c.key) == c.old
        if c.new is None:
            replay.pop(c.key, None)
        else:
            replay[c.key] = c.new
    assert replay == after.answers
    # The findings reported are the stored ones.
    assert [f.to_json() for f in out.findings] == after.findings
    # A refusal changes nothing.
    if out.messages and all(m.kind == "error" for m in out.messages):
        assert dump(after) == dump(before)
    for m in out.messages:
        assert m.text
        for row in m.buttons:
            for b in row:
                assert b.data.isascii() and len(b.data.encode()) <= 40 and b.label


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(["reserve_plan", "supply_plan"]), st.lists(inbound, max_size=25))
def test_random_sessions_keep_the_invariants(kind: str, steps: list[Inbound]) -> None:
    form = load_form(kind)

    def checker(kind: str, answers: Any, complete: bool = False) -> CheckResult:
        found = [_finding("error", "area_m2")] if answers.get("area_m2", 0) > 1e4 else []
        if len(answers) % 2:
            found.append(_finding("warning", "project_name"))
        return CheckResult(kind, found)

    state, out = start(form, today=TODAY, checker=checker)
    for action in steps:
        before_json = dump(state)
        new_state, out = step(form, state, action, today=TODAY, checker=checker)
        assert dump(state) == before_json  # the input state is never modified
        check_invariants(kind, state, new_state, out)
        state = new_state


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=60))
def test_unknown_button_data_is_refused_politely(data: str) -> None:
    form = load_form("supply_plan")
    state, _ = start(form, prefill={"project_name": "x"})
    new_state, out = step(form, state, Inbound(button=data))
    if re.fullmatch(r"cmd:(back|review|help|cancel)|s:parcel_code|e:[a-z_.]+", data):
        return
    assert dump(new_state) == dump(state)
    assert out.messages[0].kind == "error"
    assert "按钮已过期或无效" in out.messages[0].text


def test_every_button_offered_is_accepted() -> None:
    """Pressing any button of the last question never gets the stale-button refusal."""
    for kind in ("reserve_plan", "supply_plan"):
        form = load_form(kind)
        state, out = start(form, prefill={"land_use": "住宅用地"})
        for _ in range(len(form.fields) * 2):
            if state.current is None:
                break
            question = out.messages[-1]
            for row in question.buttons:
                for b in row:
                    _, reply = step(form, state, Inbound(button=b.data))
                    assert "按钮已过期" not in reply.text, (kind, state.current, b.data)
            f = form.field(state.current)
            text = "是" if f.is_map else f.example
            if f.key == "jurisdiction":
                text = "新密市"
            state, out = step(form, state, Inbound(text=text))
        assert state.current is None and out.done


def test_progress_counts_applicable_fields() -> None:
    form = load_form("supply_plan")
    _, out = start(form)
    total = len(form.applicable({}))
    assert f"第 1/{total} 项" in out.text
    _, out = start(form, prefill={"project_name": "x", "land_use": "住宅用地"})
    residential = len(form.applicable({"land_use": "住宅用地"}))
    assert residential > total
    assert f"第 2/{residential} 项" in out.text


def test_prefill_is_validated() -> None:
    form = load_form("reserve_plan")
    with pytest.raises(BadInput, match=r"circuit_breaker_pct"):
        start(form, prefill={"circuit_breaker_pct": 120})
    with pytest.raises(BadInput, match=r"area_m2"):
        start(form, prefill={"area_m2": -1})
    state, out = start(form, prefill={"prepared_date": dt.date(2026, 1, 2), "area_m2": 100})
    assert state.answers == {"prepared_date": "2026-01-02", "area_m2": 100.0}
    assert [c.key for c in out.changes] == ["prepared_date", "area_m2"]
    state, _ = start(form, prefill={"area_ha": 2, "land_use": "住宅", "handler": None})
    assert state.answers == {"area_m2": 20000.0, "land_use": "住宅用地"}


def test_overlong_input_and_wrong_form() -> None:
    form = load_form("reserve_plan")
    state, _ = start(form)
    new_state, out = step(form, state, Inbound(text="字" * 5001))
    assert new_state == state and out.messages[0].kind == "error" and "内容太长" in out.text
    with pytest.raises(ValueError, match="supply_plan"):
        step(load_form("supply_plan"), state, Inbound(text="x"))


def test_resume_repeats_the_current_question() -> None:
    form = load_form("reserve_plan")
    state, _ = start(form, prefill={"project_name": "x"})
    out = resume(form, DialogueState.from_json(state.to_json()))
    assert out.messages[-1].kind == "question" and "地块编号" in out.text


def test_state_of_an_older_form_is_reanchored() -> None:
    form = load_form("supply_plan")
    state, _ = start(form, prefill={"project_name": "x"})
    state.current = "circuit_breaker_pct"  # not applicable: no land use yet
    new_state, out = step(form, state, Inbound(text="125%"))
    assert new_state.current == "parcel_code"
    assert "circuit_breaker_pct" not in new_state.answers
    assert "表单已更新" in out.text


def test_from_json_rejects_malformed_states() -> None:
    for bad in ({}, {"kind": 1}, {"kind": "reserve_plan", "answers": []},
                {"kind": "reserve_plan", "mode": "fly"}, {"kind": "reserve_plan", "skipped": "x"}, []):  # fmt: skip
        with pytest.raises(ValueError):
            DialogueState.from_json(bad)  # type: ignore[arg-type]


def _finding(severity: str, field: str = "area_m2") -> Finding:
    return Finding(f"r-{severity}", severity, field, f"{severity} message", Cite("doc", "第一条"))  # type: ignore[arg-type]


def test_findings_reported_when_they_change_and_review_shows_all() -> None:
    form = load_form("reserve_plan")
    calls: list[dict[str, Any]] = []

    def checker(kind: str, answers: Any, complete: bool = False) -> CheckResult:
        calls.append(dict(answers))
        area = answers.get("area_m2")
        found = [_finding("error")] if area and area > 1e6 else []
        if area:
            found.append(_finding("info"))
        return CheckResult(kind, found)

    state, _ = start(form, checker=checker, prefill={"project_name": "x", "parcel_code": "y",
                                                     "jurisdiction": "新密市", "location": "l",
                                                     "boundaries": "b"})  # fmt: skip
    state, out = step(form, state, Inbound(text="2000公顷"), checker=checker)
    kinds = [m.kind for m in out.messages]
    assert kinds.index("finding") < kinds.index("question")  # reported before the next question
    assert "error message（依据：doc 第一条）" in out.text and "修改 土地面积" in out.text
    assert any(b.data == "e:area_m2" for m in out.messages for row in m.buttons for b in row)
    assert has_errors(state) and has_errors(out.findings) and len(out.findings) == 2
    # The same findings again are not repeated.
    state, out = step(form, state, Inbound(text="国有"), checker=checker)
    assert not any(m.kind == "finding" for m in out.messages)
    assert len(out.findings) == 2
    # 查看 shows them all.
    _, out = step(form, state, Inbound(text="查看"), checker=checker)
    assert "政策核查：错误 1 项、提示 1 项" in out.text
    # Correcting the answer makes the error go away.
    state, out = step(form, state, Inbound(text="修改 土地面积"), checker=checker)
    state, out = step(form, state, Inbound(text="20亩"), checker=checker)
    assert "已消除：error message" in out.text and not has_errors(state)
    assert [f.rule_id for f in current_findings(state)] == ["r-info"]
    assert all("area_m2" in c or not c.get("area_m2") for c in calls)


def test_review_card_groups_sections_and_lists_missing() -> None:
    form = load_form("supply_plan")
    state, _ = start(form, prefill={"project_name": "项目", "land_use": "住宅用地",
                                    "net_land": {"no_disputes": True}})  # fmt: skip
    card = review_card(form, state, [_finding("warning")])
    assert card.kind == "review"
    assert "【一、地块基本情况】" in card.text and "项目名称：项目" in card.text
    assert "无法律经济纠纷：是" in card.text and "拆迁安置已完成：（未填）" in card.text
    assert "尚未填写的必填项：" in card.text and "熔断比例（占起始价）" in card.text
    assert "警示：warning message" in card.text
    assert "自持比例" not in card.text  # not applicable to 住宅用地
    assert "【五、竞买规则】\n（尚未填写，共 " in card.text  # untouched sections are one line


def test_answers_to_plan_normalises() -> None:
    form = load_form("supply_plan")
    state, _ = start(form, prefill={"start_date": "2027-06-01", "area_m2": 100})
    plan = answers_to_plan(state)
    assert plan.kind == "supply_plan" and plan.fields["start_date"] == dt.date(2027, 6, 1)


def test_make_checker_runs_the_policy_checks() -> None:
    form = load_form("supply_plan")
    checker = make_checker(TODAY)
    state, _ = start(form, checker=checker, prefill={
        "project_name": "x", "jurisdiction": "郑州市金水区", "land_use": "住宅用地"})  # fmt: skip
    result = checker("supply_plan", state.answers, False)
    assert isinstance(result, CheckResult)
    assert not has_errors(state)


@pytest.mark.parametrize(
    ("plan_file", "broken"),
    [
        ("zhengzhou-residential-supply.yaml", "circuit_breaker_pct"),  # 熔断 140%
        ("songming-reserve.yaml", "temporary_use_years"),  # 3 years
        ("songming-supply.yaml", "notice_terms"),  # optional in the form, required by 嵩明
    ],
)
def test_a_completed_dialogue_shows_what_check_finds_on_its_export(
    plan_file: str, broken: str
) -> None:
    """Issue 4: `landbot check` on the exported plan gives the findings the dialogue showed."""
    import yaml

    from knowledge.checks import check_plan
    from knowledge.plan import dump_plan_yaml, plan_from_mapping

    data = yaml.safe_load((Path(__file__).parent / "data" / "plans" / plan_file).read_text())
    fields = dict(data["fields"])
    fields.pop("notice_terms", None)  # left unanswered: only the full check sees it
    if data["kind"] == "supply_plan":
        fields["circuit_breaker_pct"] = 140
    else:
        fields["temporary_use"] = True
        fields["temporary_use_years"] = 3
    form = load_form(data["kind"])
    checker = make_checker(TODAY)
    state, _ = start(form, checker=checker, prefill=fields)
    while state.current is not None and form.field(state.current).optional:
        state, _ = step(form, state, Inbound(text="跳过"), checker=checker)
    assert state.current is None, f"the plan file leaves a required field open: {state.current}"
    exported = plan_from_mapping(yaml.safe_load(dump_plan_yaml(answers_to_plan(state))))
    expected = check_plan(exported, TODAY).findings
    shown = current_findings(state)
    assert sorted(f.rule_id for f in shown) == sorted(f.rule_id for f in expected)
    assert any(f.field == broken and f.severity in ("error", "warning") for f in shown)
