"""Compiles the raw YAML conditions of the rule files into `conditions` nodes, checking every
operator, name, type and choice value (see `knowledge.rules_engine.conditions` for the language)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from knowledge.rules_engine.conditions import (
    Absent,
    All,
    AllTrue,
    AnyOf,
    Between,
    Compare,
    Cond,
    CondError,
    In,
    IsTrue,
    Lit,
    Names,
    Near,
    Not,
    Operand,
    Present,
    Ref,
    is_number,
)

OPERATORS = (
    "all",
    "any",
    "not",
    "use",
    "present",
    "absent",
    "is_true",
    "all_true",
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "between",
    "near",
    "in",
    "not_in",
)
_ORDERED = ("number", "date")


class Compiler:
    """Compiles raw YAML conditions against the known names and named conditions."""

    def __init__(self, names: Names, defines: Mapping[str, Any] | None = None) -> None:
        self.names = names
        self.defines = dict(defines or {})
        self._compiled_defines: dict[str, Cond] = {}
        self._stack: list[str] = []

    def compile(self, raw: Any) -> Cond:
        if not isinstance(raw, Mapping) or len(raw) != 1:
            raise CondError(f"a condition is a mapping with one operator, got {raw!r}")
        op, arg = next(iter(raw.items()))
        if op not in OPERATORS:
            raise CondError(f"unknown operator '{op}' (known: {', '.join(OPERATORS)})")
        if op in ("all", "any"):
            if not isinstance(arg, list) or not arg:
                raise CondError(f"'{op}' needs a non-empty list of conditions")
            items = tuple(self.compile(c) for c in arg)
            return All(items) if op == "all" else AnyOf(items)
        if op == "not":
            return Not(self.compile(arg))
        if op == "use":
            return self._use(arg)
        if op in ("present", "absent", "is_true", "all_true"):
            ref = self._ref(arg)
            if op == "all_true" and self.names.family(ref.name) != "map":
                raise CondError(f"'all_true' needs a bool map (five_checks, net_land), got {arg!r}")
            if op == "is_true" and self.names.family(ref.name) not in ("bool", "flag"):
                raise CondError(f"'is_true' needs a yes/no field, got {arg!r}")
            if op == "present":
                return Present(ref)
            if op == "is_true":
                return IsTrue(ref)
            return Absent(ref) if op == "absent" else AllTrue(ref)
        if op in ("in", "not_in"):
            return self._membership(op, arg)
        args = self._list(op, arg)
        if op == "between":
            if len(args) != 3:
                raise CondError("'between' needs [value, low, high]")
            x, lo, hi = (self._operand(a) for a in args)
            self._same_family(op, x, lo, ordered=True)
            self._same_family(op, x, hi, ordered=True)
            return Between(x, lo, hi)
        if op == "near":
            if len(args) != 3 or not is_number(args[2]):
                raise CondError("'near' needs [a, b, tolerance-number]")
            a, b = self._operand(args[0]), self._operand(args[1])
            self._same_family(op, a, b, ordered=True)
            return Near(a, b, float(args[2]))
        if len(args) != 2:
            raise CondError(f"'{op}' needs exactly two operands")
        a, b = self._operand(args[0]), self._operand(args[1])
        self._same_family(op, a, b, ordered=op not in ("eq", "ne"))
        return Compare(op, a, b)

    # -- helpers

    def _use(self, name: Any) -> Cond:
        if not isinstance(name, str) or name not in self.defines:
            raise CondError(f"unknown named condition '{name}' in 'use'")
        if name in self._stack:
            raise CondError(f"named condition '{name}' refers to itself")
        if name not in self._compiled_defines:
            self._stack.append(name)
            try:
                self._compiled_defines[name] = self.compile(self.defines[name])
            finally:
                self._stack.pop()
        return self._compiled_defines[name]

    @staticmethod
    def _list(op: str, arg: Any) -> Sequence[Any]:
        if not isinstance(arg, list):
            raise CondError(f"'{op}' needs a list of operands, got {arg!r}")
        return arg

    def _ref(self, name: Any) -> Ref:
        if not isinstance(name, str) or self.names.family(name) is None:
            raise CondError(f"unknown field or computed value '{name}'")
        return Ref(name)

    def _operand(self, raw: Any) -> Operand:
        if isinstance(raw, str):
            return self._ref(raw)
        if isinstance(raw, Mapping):
            if set(raw) != {"value"}:
                raise CondError(f"a literal operand is written {{value: ...}}, got {raw!r}")
            return Lit(raw["value"])
        if isinstance(raw, bool | int | float | dt.date):
            return Lit(raw)
        raise CondError(f"cannot use {raw!r} as an operand")

    def _family(self, o: Operand) -> str:
        if isinstance(o, Ref):
            return self.names.family(o.name) or "?"
        v = o.value
        if isinstance(v, bool):
            return "bool"
        if is_number(v):
            return "number"
        if isinstance(v, dt.date):
            return "date"
        return "text"

    def _same_family(self, op: str, a: Operand, b: Operand, *, ordered: bool) -> None:
        fa, fb = self._family(a), self._family(b)
        if ordered and (fa not in _ORDERED or fb not in _ORDERED):
            raise CondError(f"'{op}' compares numbers or dates, got {fa} and {fb}")
        compatible = {fa, fb} <= {"choice", "text"} or fa == fb or "flag" in (fa, fb)
        if not compatible:
            raise CondError(f"'{op}' cannot compare a {fa} with a {fb}")
        for ref, lit in ((a, b), (b, a)):
            if isinstance(ref, Ref) and isinstance(lit, Lit) and self._family(ref) == "choice":
                self._check_choice(ref.name, lit.value)

    def _check_choice(self, name: str, value: Any) -> None:
        options = self.names.choices(name)
        if value not in options:
            raise CondError(f"'{value}' is not a value of {name} (one of {', '.join(options)})")

    def _membership(self, op: str, arg: Any) -> In:
        args = self._list(op, arg)
        if len(args) != 2 or not isinstance(args[1], list) or not args[1]:
            raise CondError(f"'{op}' needs [field, [value, ...]]")
        ref = self._ref(args[0])
        family = self.names.family(ref.name)
        if family not in ("choice", "text"):
            raise CondError(f"'{op}' needs a choice or text field, {ref.name} is {family}")
        if family == "choice":
            for v in args[1]:
                self._check_choice(ref.name, v)
        return In(ref, frozenset(args[1]), negate=op == "not_in")
