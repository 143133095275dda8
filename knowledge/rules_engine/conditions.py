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
from collections.abc import Callable, Mapping
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


def is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def _cmp(op: str, a: Any, b: Any) -> Truth:
    if a is None or b is None:
        return None
    if is_number(a) and is_number(b):
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
