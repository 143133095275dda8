"""The `when` condition language of forms: equality, membership, truthiness; no eval.

A condition is a mapping with exactly one form:

    {key: land_use, equals: 住宅用地}
    {key: land_use, in: [工业用地, 仓储用地]}
    {key: supply_method, not_in: [划拨]}
    {key: temporary_use, truthy: true}      # answered and not false/empty (false: the opposite)
    {all: [<condition>, ...]}  {any: [<condition>, ...]}  {not: <condition>}

A condition on a key that has no answer yet is false (except `not`, which negates it), so
a conditional field is asked only once what it depends on is known.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Union


class ConditionError(ValueError):
    """A malformed condition; the form loader adds the file and field."""


@dataclass(frozen=True)
class Compare:
    key: str
    op: str  # equals | in | not_in | truthy
    values: tuple[Any, ...]

    def holds(self, answers: Mapping[str, Any]) -> bool:
        if self.key not in answers or answers[self.key] is None:
            return False
        value = answers[self.key]
        if self.op == "truthy":
            truth = value is not False and value != "" and value != {} and value != 0
            return truth == bool(self.values[0])
        if self.op == "not_in":
            return value not in self.values
        return value in self.values

    def keys(self) -> set[str]:
        return {self.key}


@dataclass(frozen=True)
class Combine:
    op: str  # all | any | not
    parts: tuple[Condition, ...]

    def holds(self, answers: Mapping[str, Any]) -> bool:
        if self.op == "all":
            return all(p.holds(answers) for p in self.parts)
        if self.op == "any":
            return any(p.holds(answers) for p in self.parts)
        return not self.parts[0].holds(answers)

    def keys(self) -> set[str]:
        out: set[str] = set()
        for p in self.parts:
            out |= p.keys()
        return out


Condition = Union[Compare, Combine]  # noqa: UP007 - used at run time in a dataclass field


def parse_condition(raw: Any) -> Condition:
    """Build a condition from its YAML form; ConditionError says what is wrong."""
    if not isinstance(raw, Mapping):
        raise ConditionError(f"condition must be a mapping, got {raw!r}")
    keys = set(raw)
    for op in ("all", "any"):
        if keys == {op}:
            items = raw[op]
            if not isinstance(items, list) or not items:
                raise ConditionError(f"'{op}' needs a non-empty list of conditions")
            return Combine(op, tuple(parse_condition(x) for x in items))
    if keys == {"not"}:
        return Combine("not", (parse_condition(raw["not"]),))
    ops = keys - {"key"}
    if "key" not in keys or len(ops) != 1:
        raise ConditionError(
            "condition must be {key: K, equals|in|not_in|truthy: V} or all/any/not, "
            f"got keys {sorted(map(str, keys))}"
        )
    op = ops.pop()
    key = raw["key"]
    if not isinstance(key, str):
        raise ConditionError(f"condition key must be a string, got {key!r}")
    value = raw[op]
    if op == "equals":
        return Compare(key, "in", (value,))
    if op in ("in", "not_in"):
        if not isinstance(value, list) or not value:
            raise ConditionError(f"'{op}' needs a non-empty list")
        return Compare(key, op, tuple(value))
    if op == "truthy":
        if not isinstance(value, bool):
            raise ConditionError("'truthy' must be true or false")
        return Compare(key, "truthy", (value,))
    raise ConditionError(f"unknown condition operator '{op}' (equals, in, not_in, truthy)")


def compared_values(cond: Condition) -> list[tuple[str, Any]]:
    """Every (key, value) a condition compares against, for the loader to validate."""
    if isinstance(cond, Compare):
        if cond.op == "truthy":
            return []
        return [(cond.key, v) for v in cond.values]
    out: list[tuple[str, Any]] = []
    for p in cond.parts:
        out.extend(compared_values(p))
    return out
