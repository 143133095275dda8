"""Plan files (CONTRACT §3): normalisation and bad input."""

from __future__ import annotations

import datetime as dt

import pytest

from knowledge.errors import BadInput
from knowledge.plan import dump_plan_yaml, parcel_from_mapping, plan_from_mapping


def test_units_and_choices_are_normalised() -> None:
    plan = plan_from_mapping(
        {
            "kind": "supply_plan",
            "fields": {"area_mu": 30, "land_use": "住宅", "prepared_date": "2026-03-01"},
        }
    )
    assert plan.fields["area_m2"] == pytest.approx(20000.0)
    assert plan.land_use == "住宅用地"
    assert plan.fields["prepared_date"] == dt.date(2026, 3, 1)


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"plot_ratio_max": 80}, "plot_ratio_max"),
        ({"area_m2": -5}, "area_m2"),
        ({"start_date": "1899-01-01"}, "start_date"),
        ({"supply_method": "赠送"}, "supply_method"),
        ({"unknown_key": 1}, "unknown_key"),
        ({"net_land": {"bogus": True}}, "bogus"),
        ({"term_years": "七十"}, "term_years"),
    ],
)
def test_bad_values_name_the_key(fields: dict[str, object], key: str) -> None:
    with pytest.raises(BadInput) as err:
        plan_from_mapping({"kind": "supply_plan", "fields": fields})
    assert key in err.value.zh and key in err.value.en


def test_reserve_only_key_is_unknown_in_supply_plan() -> None:
    with pytest.raises(BadInput, match="reserve_mode"):
        plan_from_mapping({"kind": "supply_plan", "fields": {"reserve_mode": "收回储备"}})


def test_parcel_needs_jurisdiction_and_reads_as_of() -> None:
    with pytest.raises(BadInput, match="jurisdiction"):
        parcel_from_mapping({"area_m2": 100})
    parcel, as_of = parcel_from_mapping({"jurisdiction": "新密市", "as_of": "2024-05-01"})
    assert as_of == dt.date(2024, 5, 1)
    assert parcel.fields["jurisdiction"] == "新密市"


def test_round_trip_through_yaml() -> None:
    import yaml

    plan = plan_from_mapping(
        {"kind": "reserve_plan", "fields": {"area_ha": 2, "five_checks": {"geohazard": True}}}
    )
    again = plan_from_mapping(yaml.safe_load(dump_plan_yaml(plan)))
    assert again == plan
