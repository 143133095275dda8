"""The packaged forms, and the loader's errors naming the file and the field."""

from __future__ import annotations

import copy
from importlib import resources
from typing import Any

import pytest
import yaml

from bot.dialogue import FormError, load_form, load_form_text
from bot.dialogue import form as form_module
from bot.dialogue.parsers import Ambiguous, ParseContext, Parsed, parse_answer
from knowledge.plan import PLAN_KINDS, KeySpec, schema


def raw_form(kind: str) -> dict[str, Any]:
    text = resources.files("bot.dialogue.forms").joinpath(f"{kind}.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    return data


def load(data: dict[str, Any], name: str = "broken.yaml") -> None:
    load_form_text(yaml.safe_dump(data, allow_unicode=True), name)


def field_entry(data: dict[str, Any], key: str) -> dict[str, Any]:
    for section in data["sections"]:
        for f in section["fields"]:
            if f["key"] == key:
                return f
    raise KeyError(key)


@pytest.mark.parametrize("kind", PLAN_KINDS)
def test_forms_cover_every_canonical_key(kind: str) -> None:
    form = load_form(kind)
    keys = [f.key for f in form.fields]
    assert sorted(keys) == sorted(s.key for s in schema().keys_for(kind))
    assert len(keys) == len(set(keys))
    assert load_form(kind) is form  # cached


@pytest.mark.parametrize("kind", PLAN_KINDS)
def test_every_example_is_a_valid_answer(kind: str) -> None:
    """The example shown to the official must be accepted by the field's own parser."""
    from types import SimpleNamespace

    def resolver(text: str) -> SimpleNamespace:
        return SimpleNamespace(status="local", place=None, text=text)

    ctx = ParseContext(resolve_place=resolver)
    for f in load_form(kind).fields:
        spec = f.spec
        if f.is_map:
            spec = KeySpec(f.key, "bool", f.label, spec.kinds)
        result = parse_answer(spec, f.example, ctx)
        assert isinstance(result, Parsed), (f.key, f.example, result)
        assert not isinstance(result, Ambiguous)


def test_conditional_fields() -> None:
    supply = load_form("supply_plan")
    residential = {"land_use": "住宅用地", "supply_method": "挂牌出让"}
    industrial = {"land_use": "工业用地", "supply_method": "挂牌出让"}
    for key in ("circuit_breaker_pct", "post_breaker_rule", "taxes_yuan_m2",
                "sale_reference_price_yuan_m2", "floor_price_yuan_m2"):  # fmt: skip
        assert supply.field(key).applies(residential)
        assert not supply.field(key).applies(industrial)
        assert not supply.field(key).applies({})
    for key in ("self_hold_pct", "correction_coefficient", "benchmark_price_yuan", "standard_land"):
        assert supply.field(key).applies(industrial)
        assert not supply.field(key).applies(residential)
    allocation = {"land_use": "公共管理与公共服务用地", "supply_method": "划拨"}
    for key in ("term_years", "reserve_price_yuan", "start_price_yuan", "deposit_yuan"):
        assert not supply.field(key).applies(allocation)
        assert supply.field(key).applies(industrial)
    reserve = load_form("reserve_plan")
    years = reserve.field("temporary_use_years")
    assert years.applies({"temporary_use": "出租作停车场"})
    assert years.applies({"temporary_use": True})
    assert not years.applies({"temporary_use": False})
    assert not years.applies({})
    audited = reserve.field("audited_cost_yuan")
    assert audited.applies({"cost_audited": True}) and not audited.applies({"cost_audited": False})


def test_unknown_key_names_file_and_field() -> None:
    data = raw_form("reserve_plan")
    field_entry(data, "parcel_code")["key"] = "parcel_cod"
    with pytest.raises(FormError) as info:
        load(data, "reserve_plan.yaml")
    assert "reserve_plan.yaml" in info.value.zh and "parcel_cod" in info.value.zh
    assert "reserve_plan.yaml" in info.value.en and "parcel_cod" in info.value.en


def test_key_of_the_other_kind_is_refused() -> None:
    data = raw_form("reserve_plan")
    data["sections"][0]["fields"].append(copy.deepcopy(field_entry(data, "project_name")))
    data["sections"][0]["fields"][-1]["key"] = "circuit_breaker_pct"
    with pytest.raises(FormError, match=r"circuit_breaker_pct"):
        load(data)


def test_unknown_when_field_and_late_reference() -> None:
    data = raw_form("supply_plan")
    field_entry(data, "circuit_breaker_pct")["when"] = {"key": "land_usage", "equals": "住宅用地"}
    with pytest.raises(FormError) as info:
        load(data, "supply_plan.yaml")
    assert "circuit_breaker_pct" in info.value.zh and "land_usage" in info.value.zh
    data = raw_form("supply_plan")
    field_entry(data, "project_name")["when"] = {"key": "land_use", "equals": "住宅用地"}
    with pytest.raises(FormError, match=r"project_name.*land_use"):
        load(data)


def test_when_value_must_be_an_option() -> None:
    data = raw_form("supply_plan")
    field_entry(data, "circuit_breaker_pct")["when"] = {"key": "land_use", "equals": "住宅"}
    with pytest.raises(FormError, match=r"circuit_breaker_pct.*住宅"):
        load(data)


@pytest.mark.parametrize(
    "when",
    [{"key": "land_use", "matches": "住宅用地"}, {"key": "land_use"}, "land_use == 住宅用地",
     {"all": []}, {"key": "land_use", "in": "住宅用地"}, {"key": "land_use", "truthy": "yes"}],
)  # fmt: skip
def test_malformed_conditions(when: Any) -> None:
    data = raw_form("supply_plan")
    field_entry(data, "circuit_breaker_pct")["when"] = when
    with pytest.raises(FormError, match=r"circuit_breaker_pct"):
        load(data)


def test_unknown_type_names_the_field(monkeypatch: pytest.MonkeyPatch) -> None:
    registry = {k: v for k, v in form_module.REGISTRY.items() if k != "money_yuan"}
    monkeypatch.setattr(form_module, "REGISTRY", registry)
    with pytest.raises(FormError, match=r"compensation_cost_yuan.*money_yuan"):
        load(raw_form("reserve_plan"))


def test_missing_canonical_key_unknown_attribute_and_missing_text() -> None:
    data = raw_form("reserve_plan")
    data["sections"][0]["fields"] = [
        f for f in data["sections"][0]["fields"] if f["key"] != "location"
    ]
    with pytest.raises(FormError, match=r"location"):
        load(data)
    data = raw_form("reserve_plan")
    field_entry(data, "location")["promt"] = "typo"
    with pytest.raises(FormError, match=r"location.*promt"):
        load(data)
    data = raw_form("reserve_plan")
    del field_entry(data, "location")["example"]
    with pytest.raises(FormError, match=r"location.*example"):
        load(data)
    data = raw_form("reserve_plan")
    field_entry(data, "five_checks")["sub_prompts"].pop("geohazard")
    with pytest.raises(FormError, match=r"five_checks.*geohazard"):
        load(data)
    data = raw_form("reserve_plan")
    data["sections"][1]["fields"].append(copy.deepcopy(field_entry(data, "location")))
    with pytest.raises(FormError, match=r"location.*重复"):
        load(data)


@pytest.mark.parametrize("aliases", ["起拍价", [""], [3]])
def test_aliases_must_be_a_list_of_names(aliases: Any) -> None:
    data = raw_form("supply_plan")
    field_entry(data, "start_price_yuan")["aliases"] = aliases
    with pytest.raises(FormError, match=r"start_price_yuan.*aliases"):
        load(data)


def test_bad_yaml_and_bad_kind() -> None:
    with pytest.raises(FormError, match=r"x.yaml"):
        load_form_text("kind: [unclosed", "x.yaml")
    with pytest.raises(FormError, match=r"kind"):
        load_form_text("kind: parcels\ntitle: x\nsections: []\n", "x.yaml")
    with pytest.raises(FormError):
        load_form("nonsense")


def test_parcel_form_loads_by_kind() -> None:
    form = load_form("parcel")
    assert form.kind == "parcel" and form.fields[0].key == "jurisdiction"
    assert load_form("parcel") is form
