"""The advisor's answer and its CONTRACT §4 `procedure` JSON object."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from knowledge.citation import Cite

PHASE_LABELS = {"reserve": "收储", "supply": "供应"}
STAGE_LABELS = {"entry": "入库前", "expropriation": "征收报批前", "supply": "供应前"}


def _see_also_json(see_also: list[Cite]) -> dict[str, Any]:
    """The optional `see_also` key: further articles to read, when there are any."""
    return {"see_also": [c.to_json() for c in see_also]} if see_also else {}


def _applicability_json(applicability: str) -> dict[str, Any]:
    """The optional `applicability` key: only a 参照执行 ("reference") item states it."""
    return {} if applicability == "binding" else {"applicability": applicability}


@dataclass
class Step:
    title: str
    actor: str
    cite: Cite
    phase: str  # reserve | supply
    applicability: str = "binding"  # or "reference" (参照执行)
    see_also: list[Cite] = field(default_factory=list)
    id: str = ""

    def to_json(self, no: int) -> dict[str, Any]:
        return {
            "no": no,
            "phase": PHASE_LABELS[self.phase],
            "title": self.title,
            "actor": self.actor,
            "cite": self.cite.to_json(),
            "applicability": self.applicability,
            **_see_also_json(self.see_also),
        }


@dataclass
class CitedText:
    text: str
    cite: Cite
    applicability: str = "binding"
    see_also: list[Cite] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "cite": self.cite.to_json(),
            **_applicability_json(self.applicability),
            **_see_also_json(self.see_also),
        }


@dataclass
class MethodVerdict:
    method: str
    reason: str
    cite: Cite
    see_also: list[Cite] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "reason": self.reason,
            "cite": self.cite.to_json(),
            **_see_also_json(self.see_also),
        }


@dataclass
class Precondition:
    item: str
    cite: Cite
    stage: str  # entry | expropriation | supply
    status: str = "待确认"  # 已满足 | 未满足 | 待确认 | 可免除 | 须办理
    key: str | None = None
    applicability: str = "binding"

    def to_json(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "cite": self.cite.to_json(),
            "stage": STAGE_LABELS[self.stage],
            "status": self.status,
            **({"key": self.key} if self.key else {}),
            **_applicability_json(self.applicability),
        }


@dataclass
class Document:
    doc_id: str
    title: str
    number: str | None
    applicability: str

    def to_json(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id,
            "title": self.title,
            "number": self.number,
            "applicability": self.applicability,
        }


@dataclass
class ProcedureResult:
    as_of: dt.date
    jurisdiction_name: str | None
    chain: list[str]
    jurisdiction_status: str  # local | outside | missing
    documents: list[Document]
    mode: str | None
    mode_determined: bool
    mode_provisional: bool
    mode_reason: str
    mode_cites: list[Cite]
    reserve_rules: list[CitedText]
    steps: list[Step]
    methods: list[str]
    method_reasons: list[MethodVerdict]
    excluded: list[MethodVerdict]
    not_addressed: list[str]
    supply_rules: list[CitedText]
    preconditions: list[Precondition]
    notes: list[str]
    missing: list[tuple[str, str]]
    inferred: dict[str, Any]
    titles: dict[str, str]  # doc_id → title, for rendering

    def all_citations(self) -> list[Cite]:
        """Every article the answer cites, once each, in the order the answer shows them."""
        cited: list[Cite] = [*self.mode_cites, *(r.cite for r in self.reserve_rules)]
        referring: list[Step | MethodVerdict] = [*self.steps, *self.method_reasons, *self.excluded]
        for x in referring:
            cited += [x.cite, *x.see_also]
        cited += [r.cite for r in self.supply_rules]
        cited += [p.cite for p in self.preconditions]
        return list(dict.fromkeys(cited))

    def to_json(self) -> dict[str, Any]:
        """The CONTRACT §4 `procedure` object (with extra keys documented in the README)."""
        reserve_steps = [s for s in self.steps if s.phase == "reserve"]
        supply_steps = [s for s in self.steps if s.phase == "supply"]
        return {
            "jurisdiction": {
                "name": self.jurisdiction_name,
                "chain": self.chain,
                "status": self.jurisdiction_status,
            },
            "as_of": self.as_of.isoformat(),
            "documents": [d.to_json() for d in self.documents],
            "reserve": {
                "mode": self.mode,
                "mode_determined": self.mode_determined,
                "mode_provisional": self.mode_provisional,
                "mode_reason": self.mode_reason,
                "mode_cites": [c.to_json() for c in self.mode_cites],
                "rules": [r.to_json() for r in self.reserve_rules],
                "steps": [s.to_json(i) for i, s in enumerate(self.steps, 1)],
                "reserve_steps": len(reserve_steps),
            },
            "supply": {
                "methods": self.methods,
                "method_reasons": [v.to_json() for v in self.method_reasons],
                "excluded_methods": [v.to_json() for v in self.excluded],
                "not_addressed_methods": self.not_addressed,
                "rules": [r.to_json() for r in self.supply_rules],
                "steps": [s.to_json(len(reserve_steps) + i) for i, s in enumerate(supply_steps, 1)],
            },
            "preconditions": [p.to_json() for p in self.preconditions],
            "notes": self.notes,
            "missing": [{"key": k, "question": q} for k, q in self.missing],
            "inferred": self.inferred,
            "citations": [c.to_json() for c in self.all_citations()],
        }
