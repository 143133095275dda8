"""Structured figures from the corpus, for computing: the annual supply plans (the 2024 plan of
郑州市市本级 is the first) and the annex of 郑政〔2021〕4号. Data: knowledge/data/*.yaml (every
figure cites its article).

An annual supply plan (`SupplyPlanFigures`) is its document, jurisdiction scope (places of
knowledge/jurisdictions.yaml with a scope tag), period, total and figures by use category (each
category lists the land_use values it counts) and milestones (date → minimum completion share).
`SUPPLY_PLAN_FILES` lists them; `supply_plan_covering(place, on)` is the one that applies.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import yaml

from knowledge.citation import Cite

if TYPE_CHECKING:
    from knowledge.jurisdictions import Place

# The annual supply plans, one YAML each under knowledge/data/ (the newest last).
SUPPLY_PLAN_FILES = ("zhengzhou_2024_supply_plan.yaml",)


@dataclass(frozen=True)
class UseCategory:
    name: str
    hectares: Decimal
    share_pct: Decimal
    includes: tuple[str, ...]
    cite: Cite


@dataclass(frozen=True)
class Milestone:
    by: dt.date
    min_completion_pct: Decimal
    cite: Cite
    quote: str = ""  # the article's own words, e.g. 6月底达到50%以上


@dataclass(frozen=True)
class SupplyPlanFigures:
    doc_id: str
    year: int
    valid_from: dt.date
    valid_to: dt.date
    scope_areas: tuple[str, ...]
    total_ha: Decimal
    total_cite: Cite
    categories: tuple[UseCategory, ...]
    milestones: tuple[Milestone, ...]
    adjustment_deadline: dt.date
    adjustment_cite: Cite
    jurisdiction: str = ""  # the name the plan gives its area, e.g. 郑州市市本级
    scope: tuple[str, ...] = ()  # place ids of knowledge/jurisdictions.yaml
    scope_tags: frozenset[str] = frozenset()  # if set: only places within scope with a tag
    scope_cite: Cite | None = None
    period_cite: Cite | None = None
    # The rule that a parcel outside the annual plan is in principle not supplied, with its words
    outside_plan_cite: Cite | None = None
    outside_plan_quote: str = ""

    def category(self, name: str) -> UseCategory | None:
        """The category by its name (住宅用地) or by a CONTRACT land_use value (工业用地);
        None for a use the plan puts in no category (综合用地)."""
        by_name = next((c for c in self.categories if c.name == name), None)
        return by_name or next((c for c in self.categories if name in c.includes), None)

    def covers(self, place: Place | None, on: dt.date | None = None) -> bool:
        """Whether the place (and date, when given) lies in the plan's scope and period: a 新密
        parcel is outside the 市本级 plan, a 2025 date outside the 2024 plan."""
        from knowledge.jurisdictions import within

        if place is None or not any(within(place, pid) for pid in self.scope):
            return False
        if self.scope_tags and not self.scope_tags & place.tags:
            return False
        return on is None or self.valid_from <= on <= self.valid_to

    def hectares_total(self) -> Decimal:
        return sum((c.hectares for c in self.categories), Decimal(0))

    def share_total(self) -> Decimal:
        return sum((c.share_pct for c in self.categories), Decimal(0))

    def computed_share_pct(self, name: str) -> Decimal | None:
        """A category's share recomputed from its hectares, rounded to 0.01 like the plan."""
        cat = self.category(name)
        if cat is None or not self.total_ha:
            return None
        return (cat.hectares * 100 / self.total_ha).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class Person:
    name: str
    position: str


@dataclass(frozen=True)
class CoordinationGroup:
    doc_id: str
    cite: Cite
    title: str
    group: str
    leader: Person
    deputy_leaders: tuple[Person, ...]
    members: tuple[Person, ...]
    office_location: str
    office_director: Person
    office_deputy_director: Person
    member_units: tuple[str, ...]
    member_units_cite: Cite


def _load(name: str) -> Any:
    text = resources.files("knowledge").joinpath(f"data/{name}").read_text("utf-8")
    return yaml.safe_load(text)


def _dec(value: Any) -> Decimal:
    return Decimal(str(value))


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def supply_plan_figures_from(data: dict[str, Any]) -> SupplyPlanFigures:
    doc_id = str(data["doc_id"])
    return SupplyPlanFigures(
        doc_id=doc_id,
        year=int(data["year"]),
        valid_from=_date(data["period"]["from"]),
        valid_to=_date(data["period"]["to"]),
        scope_areas=tuple(str(a) for a in data.get("scope_areas") or ()),
        total_ha=_dec(data["total_ha"]),
        total_cite=Cite(doc_id, str(data["total_cite"])),
        categories=tuple(
            UseCategory(
                name=str(c["name"]),
                hectares=_dec(c["hectares"]),
                share_pct=_dec(c["share_pct"]),
                includes=tuple(str(i) for i in c.get("includes") or ()),
                cite=Cite(doc_id, str(c["cite"])),
            )
            for c in data["categories"]
        ),
        milestones=tuple(
            Milestone(
                _date(m["by"]),
                _dec(m["min_completion_pct"]),
                Cite(doc_id, str(m["cite"])),
                str(m.get("quote") or ""),
            )
            for m in data.get("milestones") or ()
        ),
        adjustment_deadline=_date(data["adjustment_deadline"]["by"]),
        adjustment_cite=Cite(doc_id, str(data["adjustment_deadline"]["cite"])),
        jurisdiction=str(data.get("jurisdiction") or ""),
        scope=tuple(str(p) for p in data.get("scope") or ()),
        scope_tags=frozenset(str(t) for t in data.get("scope_tags") or ()),
        scope_cite=Cite(doc_id, str(data["scope_cite"])) if data.get("scope_cite") else None,
        period_cite=_cite_of({"doc_id": doc_id, "article": data["period"].get("cite")}),
        outside_plan_cite=_cite_of(data.get("outside_plan")),
        outside_plan_quote=str((data.get("outside_plan") or {}).get("quote") or ""),
    )


def _cite_of(node: Any) -> Cite | None:
    if not node or not node.get("article"):
        return None
    return Cite(str(node["doc_id"]), str(node["article"]))


@cache
def zhengzhou_2024_supply_plan() -> SupplyPlanFigures:
    """Total 3927.94 ha and the four use categories of the 2024 plan (四（二）)."""
    return supply_plan_figures_from(_load("zhengzhou_2024_supply_plan.yaml"))


@cache
def annual_supply_plans() -> tuple[SupplyPlanFigures, ...]:
    """Every annual supply plan of the knowledge base (SUPPLY_PLAN_FILES), in file order."""
    loaded = {"zhengzhou_2024_supply_plan.yaml": zhengzhou_2024_supply_plan()}
    return tuple(
        loaded.get(name) or supply_plan_figures_from(_load(name)) for name in SUPPLY_PLAN_FILES
    )


def supply_plan_covering(place: Place | None, on: dt.date) -> SupplyPlanFigures | None:
    """The annual supply plan whose scope and period cover the place on that date, or None."""
    return next((p for p in annual_supply_plans() if p.covers(place, on)), None)


def supply_plan_for_year(place: Place | None, year: int) -> SupplyPlanFigures | None:
    """The plan of that year whose scope covers the place, or None."""
    return next((p for p in annual_supply_plans() if p.year == year and p.covers(place)), None)


def _person(d: dict[str, Any]) -> Person:
    return Person(str(d["name"]), str(d["position"]))


@cache
def zhengzhou_2021_4_annex() -> CoordinationGroup:
    """The member list of 郑州市土地供应协调决策小组 (附件 of 郑政〔2021〕4号)."""
    data = _load("zhengzhou_2021_4_annex.yaml")
    doc_id = str(data["doc_id"])
    return CoordinationGroup(
        doc_id=doc_id,
        cite=Cite(doc_id, str(data["cite"])),
        title=str(data["title"]),
        group=str(data["group"]),
        leader=_person(data["leader"]),
        deputy_leaders=tuple(_person(p) for p in data["deputy_leaders"]),
        members=tuple(_person(p) for p in data["members"]),
        office_location=str(data["office"]["located_at"]),
        office_director=_person(data["office"]["director"]),
        office_deputy_director=_person(data["office"]["deputy_director"]),
        member_units=tuple(str(u) for u in data["member_units"]),
        member_units_cite=Cite(doc_id, str(data["member_units_cite"])),
    )


def all_citations() -> list[Cite]:
    """Every citation of the structured data (checked by `landbot kb validate`)."""
    plan = zhengzhou_2024_supply_plan()
    annex = zhengzhou_2021_4_annex()
    cites = [plan.total_cite, plan.adjustment_cite, annex.cite, annex.member_units_cite]
    for p in annual_supply_plans():
        cites += [c.cite for c in p.categories] + [m.cite for m in p.milestones]
        cites += [c for c in (p.scope_cite, p.period_cite, p.outside_plan_cite) if c is not None]
    return list(dict.fromkeys(cites))
