"""Facts about a parcel that the data's conditions test, derived from the parcel keys.

A condition (`when:` in the YAML) is a mapping of fact → expected value (a list means any of).
A fact that is unknown makes the condition undecided: the item is left out and the parcel keys
that would decide it are recorded, so the advisor can ask for them instead of guessing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from knowledge.jurisdictions import Place

OPERATING_USES = frozenset({"住宅用地", "商服用地", "工业用地", "仓储用地", "综合用地"})
PUBLIC_USES = frozenset(
    {"公共管理与公共服务用地", "交通运输用地", "水域及水利设施用地", "特殊用地"}
)
# 焦作（十四）: 除住宅外的经营性用地、产业项目用地及公共管理与公共服务设施用地
FLEXIBLE_USES = frozenset({"商服用地", "工业用地", "仓储用地", "公共管理与公共服务用地"})


def _use_facts(use: str | None) -> dict[str, bool | None]:
    if use is None:
        return dict.fromkeys(
            ("operating", "residential", "industrial", "public_use", "flexible_use")
        )
    mixed = use == "综合用地"  # may contain housing (商住): left undecided where it matters
    return {
        "operating": use in OPERATING_USES,
        "residential": None if mixed else use == "住宅用地",
        "industrial": use == "工业用地",
        "public_use": use in PUBLIC_USES,
        "flexible_use": None if mixed else use in FLEXIBLE_USES,
    }


@dataclass
class Facts:
    """The values conditions test, and for each the parcel keys that decide it."""

    values: dict[str, Any]
    sources: dict[str, tuple[str, ...]]
    place: Place | None = None
    needed: set[str] = field(default_factory=set)  # keys whose absence left something out

    def get(self, key: str) -> Any:
        return self.values.get(key)


def derive(
    fields: Mapping[str, Any],
    place: Place | None,
    mode: str | None,
    acquisition: str | None,
    ground: str | None,
    mode_sources: tuple[str, ...],
    ownership: str | None,
    in_zone: bool | None,
) -> Facts:
    """Facts from the parcel fields and the reserve-mode decision."""
    use = fields.get("land_use") or fields.get("planned_use")
    values: dict[str, Any] = {
        "mode": mode,
        "acquisition": acquisition,
        "ground": ground,
        "ownership": ownership,
        "current_right": fields.get("current_right"),
        "use": use,
        "in_zone": in_zone,
        "existing": fields.get("existing_construction_land"),
    }
    values.update(_use_facts(use))
    existing = values["existing"]
    values["new_land"] = None if existing is None else not existing
    users = fields.get("intended_users")
    operating = values["operating"]
    competitive_sources: tuple[str, ...] = ()
    if operating is True or (users is not None and users >= 2):
        values["competitive"] = True
    elif operating is False and users is not None:
        values["competitive"] = False
    else:
        values["competitive"] = None
        competitive_sources = tuple(
            k for k, v in (("planned_use", use), ("intended_users", users)) if v is None
        )
    use_keys = ("planned_use",)
    sources: dict[str, tuple[str, ...]] = {
        "mode": mode_sources,
        "acquisition": mode_sources,
        "ground": mode_sources,
        "ownership": ("ownership",),
        "current_right": ("current_right",),
        "use": use_keys,
        "operating": use_keys,
        "residential": use_keys,
        "industrial": use_keys,
        "public_use": use_keys,
        "flexible_use": use_keys,
        "in_zone": ("in_designated_zone",),
        "existing": ("existing_construction_land",),
        "new_land": ("existing_construction_land",),
        "competitive": competitive_sources,
    }
    return Facts(values=values, sources=sources, place=place)


def evaluate(cond: Mapping[str, Any], facts: Facts) -> tuple[bool | None, set[str]]:
    """True / False, or None (undecided) with the parcel keys that would decide it."""
    unknown: set[str] = set()
    undecided = False
    for key, expected in cond.items():
        if key == "place_in":
            if not _place_in(facts.place, expected):
                return False, set()
            continue
        actual = facts.get(key)
        if actual is None:
            undecided = True
            unknown.update(facts.sources.get(key, ()))
            continue
        ok = actual in expected if isinstance(expected, list | tuple) else actual == expected
        if not ok:
            return False, set()
    return (None, unknown) if undecided else (True, set())


def _place_in(place: Place | None, tokens: Any) -> bool:
    if place is None:
        return False
    wanted = set(tokens if isinstance(tokens, list | tuple) else [tokens])
    return bool(wanted & (set(place.tags) | set(place.chain)))


def holds(when: Mapping[str, Any], unless: Mapping[str, Any], facts: Facts) -> bool:
    """Whether an item with these conditions is shown; undecided keys go to `facts.needed`.

    `when` undecided → not shown (ask instead); `unless` undecided → shown.
    """
    ok, keys = evaluate(when, facts)
    if ok is None:
        facts.needed.update(keys)
        return False
    if not ok:
        return False
    if unless:
        excluded, keys = evaluate(unless, facts)
        if excluded is None:
            facts.needed.update(keys)
            return True
        return not excluded
    return True
