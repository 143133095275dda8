"""The condition language of the rule files: a small explicit operator set, no `eval`.

A condition is a mapping with exactly one operator key:

    all: [c, ...]   any: [c, ...]   not: c          use: <named condition>
    present: ref    absent: ref     is_true: ref     all_true: ref (a bool map: every item true)
    eq|ne|lt|le|gt|ge: [a, b]       between: [x, low, high]   (inclusive)
    near: [a, b, tolerance]         in|not_in: [ref, [value, ...]]

An operand is a number, true/false, a date, a name (a plan field, `map.sub_key`, or a computed
value) or `{value: <literal text>}`. Logic is three-valued (Kleene): a comparison with a value
that is not given is *unknown* (None), and a rule only fires on a definite result. Numbers are
compared with a relative tolerance of 1e-9 so that 120 == 1.2 × 100 at the boundaries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

Truth = bool | None


class CondError(ValueError):
    """A condition that does not compile: unknown operator, name or value."""


class Names(Protocol):
    """What the compiler needs to know about the names a condition may use."""

    def family(self, name: str) -> str | None:
        """number | date | bool | choice | text | flag | map, or None for an unknown name."""

    def choices(self, name: str) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class Context:
    values: Mapping[str, Any]
    partial: bool = False
    submaps: Mapping[str, tuple[str, ...]] | None = None  # bool map → its sub-keys


# ------------------------------------------------------------------------------ operands


@dataclass(frozen=True)
class Ref:
    name: str

    def get(self, ctx: Context) -> Any:
        return ctx.values.get(self.name)


@dataclass(frozen=True)
class Lit:
    value: Any

    def get(self, ctx: Context) -> Any:
        return self.value


Operand = Ref | Lit


def _eps(a: float, b: float) -> float:
    return 1e-9 * max(1.0, abs(a), abs(b))


def _is_num(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def _cmp(op: str, a: Any, b: Any) -> Truth:
    if a is None or b is None:
        return None
    if _is_num(a) and _is_num(b):
        e = _eps(float(a), float(b))
        table: dict[str, Callable[[float, float], bool]] = {
            "eq": lambda x, y: abs(x - y) <= e,
            "ne": lambda x, y: abs(x - y) > e,
            "lt": lambda x, y: x < y - e,
            "le": lambda x, y: x <= y + e,
            "gt": lambda x, y: x > y + e,
            "ge": lambda x, y: x >= y - e,
        }
        return table[op](float(a), float(b))
    if op == "eq":
        return bool(a == b)
    if op == "ne":
        return bool(a != b)
    if isinstance(a, dt.date) and isinstance(b, dt.date):
        return {"lt": a < b, "le": a <= b, "gt": a > b, "ge": a >= b}[op]
    return None


# ------------------------------------------------------------------------------ nodes


class Cond(Protocol):
    def eval(self, ctx: Context) -> Truth: ...

    def refs(self) -> set[str]: ...


@dataclass(frozen=True)
class All:
    items: tuple[Cond, ...]

    def eval(self, ctx: Context) -> Truth:
        unknown = False
        for c in self.items:
            r = c.eval(ctx)
            if r is False:
                return False
            unknown |= r is None
        return None if unknown else True

    def refs(self) -> set[str]:
        return set().union(*(c.refs() for c in self.items))


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Cond, ...]

    def eval(self, ctx: Context) -> Truth:
        unknown = False
        for c in self.items:
            r = c.eval(ctx)
            if r is True:
                return True
            unknown |= r is None
        return None if unknown else False

    def refs(self) -> set[str]:
        return set().union(*(c.refs() for c in self.items))


@dataclass(frozen=True)
class Not:
    item: Cond

    def eval(self, ctx: Context) -> Truth:
        r = self.item.eval(ctx)
        return None if r is None else not r

    def refs(self) -> set[str]:
        return self.item.refs()


def _given(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


@dataclass(frozen=True)
class Present:
    ref: Ref

    def eval(self, ctx: Context) -> Truth:
        if _given(self.ref.get(ctx)):
            return True
        return None if ctx.partial else False  # a draft: not answered yet is not a breach

    def refs(self) -> set[str]:
        return {self.ref.name}


@dataclass(frozen=True)
class IsTrue:
    """A yes/no field answered yes. Not answered: false on a finished plan (the plan must
    confirm it), unknown on a draft."""

    ref: Ref

    def eval(self, ctx: Context) -> Truth:
        value = self.ref.get(ctx)
        if value is None:
            return None if ctx.partial else False
        return value is True

    def refs(self) -> set[str]:
        return {self.ref.name}


@dataclass(frozen=True)
class Absent:
    ref: Ref

    def eval(self, ctx: Context) -> Truth:
        return not _given(self.ref.get(ctx))

    def refs(self) -> set[str]:
        return {self.ref.name}


@dataclass(frozen=True)
class AllTrue:
    ref: Ref

    def eval(self, ctx: Context) -> Truth:
        value = self.ref.get(ctx)
        if not isinstance(value, Mapping):  # not answered: as for a missing sub-item
            return None if ctx.partial else False
        subkeys = (ctx.submaps or {}).get(self.ref.name) or tuple(value)
        unknown = False
        for sub in subkeys:
            v = value.get(sub)
            if v is False:
                return False
            unknown |= v is None
        if unknown:
            return None if ctx.partial else False
        return True

    def refs(self) -> set[str]:
        return {self.ref.name}


@dataclass(frozen=True)
class Compare:
    op: str
    a: Operand
    b: Operand

    def eval(self, ctx: Context) -> Truth:
        return _cmp(self.op, self.a.get(ctx), self.b.get(ctx))

    def refs(self) -> set[str]:
        return {o.name for o in (self.a, self.b) if isinstance(o, Ref)}


@dataclass(frozen=True)
class Between:
    x: Operand
    low: Operand
    high: Operand

    def eval(self, ctx: Context) -> Truth:
        x = self.x.get(ctx)
        lo = _cmp("ge", x, self.low.get(ctx))
        hi = _cmp("le", x, self.high.get(ctx))
        return All((_Const(lo), _Const(hi))).eval(ctx)

    def refs(self) -> set[str]:
        return {o.name for o in (self.x, self.low, self.high) if isinstance(o, Ref)}


@dataclass(frozen=True)
class Near:
    a: Operand
    b: Operand
    tolerance: float

    def eval(self, ctx: Context) -> Truth:
        a, b = self.a.get(ctx), self.b.get(ctx)
        if a is None or b is None:
            return None
        return abs(float(a) - float(b)) <= self.tolerance + _eps(float(a), float(b))

    def refs(self) -> set[str]:
        return {o.name for o in (self.a, self.b) if isinstance(o, Ref)}


@dataclass(frozen=True)
class In:
    ref: Ref
    values: frozenset[Any]
    negate: bool = False

    def eval(self, ctx: Context) -> Truth:
        v = self.ref.get(ctx)
        if v is None:
            return None
        return (v in self.values) != self.negate

    def refs(self) -> set[str]:
        return {self.ref.name}


@dataclass(frozen=True)
class _Const:
    value: Truth

    def eval(self, ctx: Context) -> Truth:
        return self.value

    def refs(self) -> set[str]:
        return set()


# ------------------------------------------------------------------------------ compiler

OPERATORS = (
    "all", "any", "not", "use", "present", "absent", "is_true", "all_true",
    "eq", "ne", "lt", "le", "gt", "ge", "between", "near", "in", "not_in",
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
            if len(args) != 3 or not _is_num(args[2]):
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
        if _is_num(v):
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
