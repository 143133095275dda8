"""The advisor's knowledge as typed records: grounds, steps, method rules, preconditions.

The records are read from the YAML files in `knowledge/procedure/data/` by `loader.py`; every
record refers to the article that says it (CONTRACT §4 citation).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from knowledge.citation import Cite

Condition = Mapping[str, Any]

# Condition keys the data may use (see steps.yaml); anything else is a data error.
CONDITION_KEYS = frozenset(
    {
        "mode",
        "acquisition",
        "ground",
        "ownership",
        "current_right",
        "use",
        "operating",
        "residential",
        "industrial",
        "public_use",
        "flexible_use",
        "new_land",
        "in_zone",
        "existing",
        "competitive",
        "place_in",
    }
)
PHASES = ("reserve", "supply")
STAGES = ("entry", "expropriation", "supply")


@dataclass(frozen=True)
class CondCite:
    """A citation shown only when its condition holds (e.g. only for 划拨 land)."""

    cite: Cite
    when: Condition = field(default_factory=dict)


@dataclass(frozen=True)
class Ground:
    """A legal ground for reserving land, matched against the parcel's `reserve_basis`."""

    id: str
    label: str
    acquisition: str | None  # 征收 | 收回 | 收购 | None (already reserve land)
    reason: str
    cites: tuple[CondCite, ...]
    keywords: tuple[str, ...] = ()
    requires: Condition = field(default_factory=dict)


@dataclass(frozen=True)
class ZoneMode:
    """Government-led development (做地) inside zones a document designates."""

    doc_id: str
    mode: str
    inside_reason: str
    outside_reason: str
    unknown_reason: str
    cites: tuple[Cite, ...]


@dataclass(frozen=True)
class StepSpec:
    id: str
    phase: str  # reserve | supply
    order: float
    title: str
    actor: str
    cite: Cite
    see_also: tuple[Cite, ...] = ()
    when: Condition = field(default_factory=dict)
    unless: Condition = field(default_factory=dict)
    supersedes: tuple[str, ...] = ()


@dataclass(frozen=True)
class MethodRule:
    id: str
    reason: str
    cite: Cite
    allow: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    see_also: tuple[Cite, ...] = ()
    when: Condition = field(default_factory=dict)
    unless: Condition = field(default_factory=dict)


@dataclass(frozen=True)
class SupplyRule:
    id: str
    text: str
    cite: Cite
    when: Condition = field(default_factory=dict)
    unless: Condition = field(default_factory=dict)


@dataclass(frozen=True)
class PreconditionSpec:
    id: str
    stage: str  # entry | expropriation | supply
    item: str
    cite: Cite
    fact: str | None = None  # parcel key telling whether it is met
    when: Condition = field(default_factory=dict)
    unless: Condition = field(default_factory=dict)


@dataclass(frozen=True)
class ArchaeologySpec:
    cite: Cite
    exempt_facts: Mapping[str, str]  # parcel key → the exemption it triggers when true
    exempt_item: str  # with {reason}
    required_item: str
    unknown_item: str


@dataclass(frozen=True)
class Knowledge:
    grounds: tuple[Ground, ...]
    collective: Ground
    modes: Mapping[str, str]  # acquisition → reserve mode
    acquisition_cites: Mapping[str, tuple[Cite, ...]]
    zone_modes: tuple[ZoneMode, ...]
    steps: tuple[StepSpec, ...]
    methods: tuple[str, ...]
    method_rules: tuple[MethodRule, ...]
    rules: tuple[SupplyRule, ...]
    preconditions: tuple[PreconditionSpec, ...]
    archaeology: tuple[ArchaeologySpec, ...]
    questions: Mapping[str, str]  # parcel key → question, in asking order

    def all_cites(self) -> list[tuple[str, Cite]]:
        """Every citation in the data, with the entry it belongs to (for validation)."""
        out: list[tuple[str, Cite]] = []
        for g in (*self.grounds, self.collective):
            out += [(f"modes.yaml: ground {g.id}", c.cite) for c in g.cites]
        for acq, cites in self.acquisition_cites.items():
            out += [(f"modes.yaml: acquisition_cites {acq}", c) for c in cites]
        for z in self.zone_modes:
            out += [(f"modes.yaml: zone_modes {z.doc_id}", c) for c in z.cites]
        for s in self.steps:
            out += [(f"steps.yaml: step {s.id}", c) for c in (s.cite, *s.see_also)]
        for m in self.method_rules:
            out += [(f"supply.yaml: method_rules {m.id}", c) for c in (m.cite, *m.see_also)]
        out += [(f"supply.yaml: rules {r.id}", r.cite) for r in self.rules]
        out += [(f"preconditions.yaml: {p.id}", p.cite) for p in self.preconditions]
        out += [
            (f"preconditions.yaml: archaeology {a.cite.doc_id}", a.cite) for a in self.archaeology
        ]
        return out
