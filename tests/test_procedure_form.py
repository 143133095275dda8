"""The 程序判定 form (bot/dialogue/forms/parcel_query.yaml) in the dialogue engine's format."""

from __future__ import annotations

from importlib import resources

import pytest
import yaml

import bot.dialogue.form as form_module
from bot.dialogue.form import Form, parse_form
from knowledge.plan import PLAN_KINDS
from knowledge.procedure import load_knowledge


@pytest.fixture
def form(monkeypatch: pytest.MonkeyPatch) -> Form:
    # the engine's loader knows the two plan kinds; the parcel form uses the parcel keys
    monkeypatch.setattr(form_module, "PLAN_KINDS", (*PLAN_KINDS, "parcel"))
    text = resources.files("bot.dialogue.forms").joinpath("parcel_query.yaml").read_text("utf-8")
    return parse_form(yaml.safe_load(text), "parcel_query.yaml")


def test_form_parses_and_covers_every_question_of_the_advisor(form: Form) -> None:
    keys = [f.key for f in form.fields]
    assert keys[0] == "jurisdiction"
    for key in load_knowledge().questions:
        assert key in keys, f"the advisor may ask {key} but the form lacks it"


def test_when_conditions_skip_what_is_irrelevant(form: Form) -> None:
    def asked(answers: dict[str, object]) -> set[str]:
        return {f.key for f in form.applicable(answers)}

    collective = asked({"jurisdiction": "嵩明县", "ownership": "集体"})
    assert "current_right" not in collective and "reserve_basis" not in collective
    assert "area_m2" in collective and "current_use" in collective
    state = asked({"jurisdiction": "嵩明县", "ownership": "国有"})
    assert "current_right" in state and "reserve_basis" in state and "area_m2" not in state
    assert "intended_users" not in asked({"planned_use": "住宅用地"})
    assert "intended_users" in asked({"planned_use": "公共管理与公共服务用地"})
    assert "archaeology_done" not in asked({"existing_construction_land": True})
    assert "archaeology_done" in asked({"existing_construction_land": False})
