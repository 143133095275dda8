"""The policy rules engine: rule files as data, a small operator set, safe messages.

Public API:
- `load_rules()` → `RuleSet` (compiled once from `knowledge/rules/*.yaml`; `RuleError` names the
  file and rule of anything unknown), `load_rules_from([(name, text), ...])` for tests;
- `evaluate(ruleset, kind, fields, place, on, partial=...)` → `Evaluation` (findings, computed);
- `validate_rules()` → problems for `landbot kb validate` (citations resolve, names known).
"""

from knowledge.rules_engine.loader import (
    Rule,
    RuleError,
    RuleSet,
    load_rules,
    load_rules_from,
)

__all__ = ["Rule", "RuleError", "RuleSet", "load_rules", "load_rules_from"]
