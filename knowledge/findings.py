"""What a check finds: the `Finding` type and its severities, below both the checks
(`knowledge.checks`) and the rules engine (`knowledge.rules_engine`) that produce findings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

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
