"""Multi-field messages and 粘贴 blocks: read, confirmed on a card, filled as if one by one."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.dialogue import DialogueState, Inbound, load_form, load_form_text, start, step
from bot.dialogue.form import FormError
from bot.dialogue.multi import clash
from tests.test_transcripts import fake_checker

TODAY = dt.date(2026, 3, 1)
SUPPLY = load_form("supply_plan")
RESERVE = load_form("reserve_plan")


def _step(state: DialogueState, text: str | None = None, button: str | None = None,
          form: Any = SUPPLY) -> tuple[DialogueState, Any]:  # fmt: skip
    new, out = step(form, state, Inbound(text=text, button=button), checker=fake_checker,
                    today=TODAY)  # fmt: skip
    # the state survives a restart between the card and 确认
    assert DialogueState.from_json(json.loads(json.dumps(new.to_json()))) == new
    return new, out


def _fresh(form: Any = SUPPLY, prefill: dict[str, Any] | None = None) -> DialogueState:
    state, _ = start(form, checker=fake_checker, today=TODAY, prefill=prefill)
    return state


def test_the_planning_letter_sentence_is_read_as_four_fields() -> None:
    state = _fresh()
    state, out = _step(state, "面积30亩，住宅用地，挂牌出让，出让年限70年，容积率不超过2.5")
    assert "识别到 5 项" in out.text
    for shown in ("土地面积：20,000 平方米", "土地用途：住宅用地", "供应方式：挂牌出让",
                  "出让年限（年）：70 年", "容积率上限：2.5"):  # fmt: skip
        assert shown in out.text
    assert out.messages[-1].kind == "confirm"
    assert [b.data for b in out.messages[-1].buttons[0]] == ["mc:y", "mc:n"]
    assert state.answers == {} and out.changes == []  # nothing saved before 确认
    state, out = _step(state, "确认")
    assert state.answers == {"area_m2": 20000.0, "land_use": "住宅用地", "supply_method": "挂牌出让",
                             "term_years": 70, "plot_ratio_max": 2.5}  # fmt: skip
    assert [c.key for c in out.changes] == ["area_m2", "land_use", "plot_ratio_max",
                                            "supply_method", "term_years"]  # fmt: skip
    assert "已填入 5 项" in out.text and state.current == "project_name" and not state.pending


def test_a_field_waiting_for_its_condition_is_named_and_the_rest_offered() -> None:
    _, out = _step(_fresh(), "面积30亩，住宅用地，出让年限70年，容积率不超过2.5")
    assert "识别到 3 项" in out.text
    assert "“出让年限（年）”要等“供应方式”填写后才能填" in out.text


def test_a_bad_value_is_named_and_the_rest_still_offered() -> None:
    state, out = _step(_fresh(), "面积：很大，土地用途：住宅用地，绿地率：35%")
    assert "识别到 2 项" in out.text and "土地面积“很大”没有认出" in out.text
    state, out = _step(state, button="mc:y")
    assert state.answers == {"land_use": "住宅用地", "green_ratio_min_pct": 35.0}


def test_only_bad_values_change_nothing() -> None:
    state = _fresh()
    new, out = _step(state, "面积：很大，绿地率：很多")
    assert new == state and out.messages[0].kind == "error"
    assert "都没有填入" in out.text and "土地面积" in out.text and "绿地率下限" in out.text


@pytest.mark.parametrize("answer", ["修改", "取消", "mc:n"])
def test_discarding_the_card_fills_nothing(answer: str) -> None:
    state, _ = _step(_fresh(), "面积30亩，住宅用地")
    kw = {"button": answer} if answer.startswith("mc:") else {"text": answer}
    state, out = _step(state, **kw)
    assert state.answers == {} and not state.pending and not out.cancelled
    assert "都没有填入" in out.text and state.current == "project_name"


def test_another_message_drops_the_card_and_is_answered() -> None:
    state, _ = _step(_fresh(), "面积30亩，住宅用地")
    state, out = _step(state, "金水区某地块")
    assert state.answers == {"project_name": "金水区某地块"} and not state.pending
    state, out = _step(state, button="mc:y")  # the old card's button is stale now
    assert "已过期" in out.text


def test_review_keeps_the_card_waiting() -> None:
    state, _ = _step(_fresh(), "面积30亩，住宅用地")
    state, out = _step(state, "查看")
    assert state.pending and out.messages[-1].kind == "confirm"
    state, _ = _step(state, "确认")
    assert state.answers["area_m2"] == 20000.0


def test_answers_switched_off_are_cleared_as_one_by_one() -> None:
    prefill = {"land_use": "住宅用地", "supply_method": "挂牌出让", "circuit_breaker_pct": 125}
    state = _fresh(prefill=prefill)
    state, out = _step(state, "土地用途：工业用地，供应方式：划拨")
    state, out = _step(state, "确认")
    assert "circuit_breaker_pct" not in state.answers and "熔断比例" in out.text
    assert state.answers["land_use"] == "工业用地" and state.answers["supply_method"] == "划拨"


def test_free_text_before_the_names_answers_the_current_question() -> None:
    state = _fresh(prefill={"project_name": "某地块", "parcel_code": "X-1",
                            "jurisdiction": "郑州市金水区"})  # fmt: skip
    assert state.current == "location"
    state, out = _step(state, "金水路与经三路交叉口西南角，面积：30亩")
    assert "识别到 2 项" in out.text
    assert "坐落位置：金水路与经三路交叉口西南角" in out.text
    state, _ = _step(state, "确认")
    assert state.answers["location"] == "金水路与经三路交叉口西南角"


def test_a_named_free_text_value_keeps_its_commas() -> None:
    state, _ = _step(_fresh(), "四至：东至经三路，南至规划支路，西至经二路，北至金水路；面积30亩")
    state, _ = _step(state, "确认")
    assert state.answers["boundaries"] == "东至经三路，南至规划支路，西至经二路，北至金水路"
    assert state.answers["area_m2"] == 20000.0


ORDINARY = [
    ("parcel_code", "郑政出〔2024〕12号"),
    ("parcel_code", "郑政出〔2026〕15号（网）"),
    ("location", "金水路与经三路交叉口西南角，距地铁站500米"),
    ("boundaries", "东至经三路，南至规划支路，西至经二路，北至金水路"),
    ("land_status", "已完成拆迁，场地平整，无地上建筑物"),
    ("current_use", "厂房，面积较大，用途不明"),
    ("current_use", "用途住宅，面积很大"),
    ("bidder_qualifications", "中华人民共和国境内外的法人、自然人和其他组织均可参加，法律法规另有规定的除外"),
    ("notice_terms", "竞得人应在成交后10个工作日内签订出让合同，价款缴纳方式为一次性付清"),
    ("bundled_facilities", "配建一所 12 班幼儿园，建成后无偿移交"),
    ("handler", "李四，王五"),
    ("planned_use", "住宅用地"),
]  # fmt: skip


@pytest.mark.parametrize(("key", "text"), ORDINARY)
def test_ordinary_answers_are_unaffected(key: str, text: str) -> None:
    state = _fresh()
    state.current = key
    state, out = _step(state, text)
    assert not state.pending and "识别到" not in out.text
    assert state.answers.get(key) == text or key == "planned_use"


def test_paste_reads_one_field_a_line() -> None:
    block = "粘贴\n项目名称: 金水区某地块，二期\n地块编号：郑政出〔2024〕12号\n土地面积\t30亩\n备注：无\n"
    state, out = _step(_fresh(), block)
    assert "识别到 3 项" in out.text and "这一行没有认出是哪一项：备注：无" in out.text
    state, _ = _step(state, "确认")
    assert state.answers == {"project_name": "金水区某地块，二期", "parcel_code": "郑政出〔2024〕12号",
                             "area_m2": 20000.0}  # fmt: skip
    assert state.current == "jurisdiction"


def test_paste_alone_explains_itself() -> None:
    state = _fresh()
    new, out = _step(state, "粘贴")
    assert new == state and "每行写一项" in out.text


def test_a_multi_field_message_works_on_a_completed_form_too() -> None:
    state = _fresh(RESERVE)
    state.current = None
    state, out = _step(state, "面积30亩，收回储备", form=RESERVE)
    assert "识别到 2 项" in out.text
    state, _ = _step(state, "确认", form=RESERVE)
    assert state.answers["reserve_mode"] == "收回储备"


def test_user_text_is_never_a_template() -> None:
    state, out = _step(_fresh(), "项目名称：{{ 7*7 }}{% if x %}，面积30亩")
    assert "{{ 7*7 }}{% if x %}" in out.text
    state, _ = _step(state, "确认")
    assert state.answers["project_name"] == "{{ 7*7 }}{% if x %}"


def test_no_form_name_is_shared_by_two_fields() -> None:
    for form in (SUPPLY, RESERVE, load_form("parcel")):
        assert clash(form) == []


def test_the_loader_checks_bare_value() -> None:
    bad = """kind: parcel
title: t
sections:
  - title: s
    fields:
      - {key: jurisdiction, prompt: p, help: h, example: e, bare_value: true}
"""
    with pytest.raises(FormError, match="bare_value"):
        load_form_text(bad, "bad.yaml")
    with pytest.raises(FormError, match="copied"):
        load_form_text(bad.replace("bare_value: true", "copied: maybe"), "bad.yaml")


def test_the_forms_say_what_a_copy_leaves_empty() -> None:
    for form in (SUPPLY, RESERVE):
        assert [f.key for f in form.fields if not f.copied] == [
            "project_name", "parcel_code", "boundaries"]  # fmt: skip


# -- any subset of fields, in any order, gives the draft answering them one by one gives ----

POOL: list[tuple[str, str, list[str]]] = [
    ("project_name", "项目名称", ["金水区某地块", "新区三号地"]),
    ("parcel_code", "地块编号", ["郑政出〔2024〕12号", "XM-2025-017"]),
    ("area_m2", "面积", ["30亩", "2.5万平方米", "很大"]),
    ("ownership", "土地所有权性质", ["国有", "集体"]),
    ("land_use", "土地用途", ["住宅用地", "工业用地", "商服用地"]),
    ("in_designated_zone", "是否在做地范围内", ["是", "否"]),
    ("intended_users", "意向用地者数量", ["3", "0"]),
    ("plot_ratio_max", "容积率不超过", ["2.5", "1.8"]),
    ("green_ratio_min_pct", "绿地率", ["35%", "百分之三十"]),
    ("start_date", "开工日期", ["2027年6月1日", "明年六月"]),
    ("supply_method", "供应方式", ["挂牌出让", "划拨", "拍卖"]),
    ("term_years", "出让年限", ["70年", "50"]),
    ("circuit_breaker_pct", "熔断比例", ["125%", "150%"]),
    ("self_hold_pct", "自持比例", ["50%"]),
    ("handler", "经办人", ["李四"]),
]
PREFILLS = [None, {"land_use": "住宅用地", "supply_method": "挂牌出让", "circuit_breaker_pct": 125,
                   "term_years": 40}]  # fmt: skip


@st.composite
def message(draw: st.DrawFn) -> tuple[list[tuple[str, str, str]], str, int]:
    chosen = draw(st.lists(st.sampled_from(range(len(POOL))), min_size=1, max_size=8,
                           unique=True))  # fmt: skip
    parts = [(POOL[i][0], POOL[i][1], draw(st.sampled_from(POOL[i][2]))) for i in chosen]
    order = draw(st.permutations(parts))
    sep = draw(st.sampled_from(["，", ",", "；", ";", "\n"]))
    colon = draw(st.sampled_from(["：", ":", "为", " "]))
    text = sep.join(f"{name}{colon}{value}" for _key, name, value in order)
    return parts, text, draw(st.sampled_from(range(len(PREFILLS))))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(message())
def test_any_subset_in_any_order_equals_one_by_one(drawn: tuple[Any, str, int]) -> None:
    parts, text, which = drawn
    base = _fresh(prefill=PREFILLS[which])
    state, out = _step(base, text)
    if not state.pending:  # nothing parsed, or an answer to the current question only
        assert "识别到" not in out.text
        return
    multi_state, multi_out = _step(state, "确认")

    one = base
    changes: list[str] = []
    order = {f.key: i for i, f in enumerate(SUPPLY.fields)}
    for key, _name, value in sorted(parts, key=lambda p: order[p[0]]):
        label = SUPPLY.field(key).label
        one, out = _step(one, f"修改 {label} {value}")
        changes.extend(c.key for c in out.changes)
        if one.pending:  # never: a 修改 is one field
            pytest.fail(f"修改 {label} {value} opened a card")
    assert multi_state.answers == one.answers
    assert sorted(multi_state.skipped) == sorted(one.skipped)
    assert multi_state.current == one.current and multi_state.current_sub == one.current_sub
    assert multi_state.findings == one.findings
    assert [c.key for c in multi_out.changes] == changes
