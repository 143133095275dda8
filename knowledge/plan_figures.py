"""Structured figures from the corpus, for computing: the 2024 supply plan of 郑州市市本级 and the
annex of 郑政〔2021〕4号. Data: knowledge/data/*.yaml (every figure cites its article).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

import yaml

from knowledge.citation import Cite

# CONTRACT §3 land_use values → the plan's use categories (四（二）); 综合用地 has no category.
_CATEGORY_OF_USE = {
    "住宅用地": "住宅用地",
    "商服用地": "商服用地",
    "工业用地": "工矿仓储用地",
    "仓储用地": "工矿仓储用地",
    "公共管理与公共服务用地": "其他用地",
    "交通运输用地": "其他用地",
    "水域及水利设施用地": "其他用地",
    "特殊用地": "其他用地",
}


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

    def category(self, name: str) -> UseCategory | None:
        """The category by its name (住宅用地) or by a CONTRACT land_use value (工业用地)."""
        wanted = _CATEGORY_OF_USE.get(name, name)
        return next((c for c in self.categories if c.name == wanted), None)

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
            Milestone(_date(m["by"]), _dec(m["min_completion_pct"]), Cite(doc_id, str(m["cite"])))
            for m in data.get("milestones") or ()
        ),
        adjustment_deadline=_date(data["adjustment_deadline"]["by"]),
        adjustment_cite=Cite(doc_id, str(data["adjustment_deadline"]["cite"])),
    )


@cache
def zhengzhou_2024_supply_plan() -> SupplyPlanFigures:
    """Total 3927.94 ha and the four use categories of the 2024 plan (四（二）)."""
    return supply_plan_figures_from(_load("zhengzhou_2024_supply_plan.yaml"))


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
    cites += [c.cite for c in plan.categories] + [m.cite for m in plan.milestones]
    return cites
