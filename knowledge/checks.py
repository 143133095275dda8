"""Policy checks of a plan: findings with citations and computed values (CONTRACT §4).

The data types are fixed here so that the dialogue, the documents and the CLI can rely on
them; `check_plan` is filled in by issue 4 (rules as data in knowledge/rules/).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

from bot.plan import Plan
from knowledge.citation import Cite

Severity = Literal["error", "warning", "info"]
SEVERITY_ORDER: dict[str, int] = {"error": 0, "warning": 1, "info": 2}
SEVERITY_LABELS: dict[str, str] = {"error": "错误", "warning": "警示", "info": "提示"}


@dataclass(frozen=True)
class Finding:
    rule_id: str
    severity: Severity
    field: str | None
    message: str
    cite: Cite

    def to_json(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "severity": self.severity,
            "field": self.field,
            "message": self.message,
            "cite": self.cite.to_json(),
        }


@dataclass
class CheckResult:
    kind: str
    findings: list[Finding] = field(default_factory=list)
    computed: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "passed": self.passed,
            "findings": [f.to_json() for f in self.findings],
            "computed": self.computed,
            "notes": self.notes,
        }


def check_plan(plan: Plan, today: dt.date | None = None, *, partial: bool = False) -> CheckResult:
    """Check `plan` against every rule in force for its jurisdiction and date.

    `partial=True` is for a draft in the dialogue: rules about fields not yet answered
    stay silent. Placeholder until issue 4 lands: no rules yet.
    """
    return CheckResult(kind=plan.kind)
