"""Plan and parcel files (CONTRACT §3): the canonical keys, their types, loading and validation.

The schema is data (`plan_schema.yaml`); this module only reads it and checks values
against it. Values are normalised to Python types: float for areas, money, percentages
and ratios, int for counts, bool, `datetime.date`, the canonical Chinese label for
choices and `dict[str, bool]` for the fixed-key maps. Every problem raises `BadInput`
naming the key, the value and what was expected, in Chinese and English.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from knowledge.errors import BadInput
from knowledge.plan_files import MAX_NUMBER_DIGITS, Oversized, read_mapping_file

PLAN_KINDS = ("reserve_plan", "supply_plan")
KIND_LABELS = {"reserve_plan": "储备方案", "supply_plan": "供地方案", "parcel": "地块"}
MU_M2 = 10000 / 15
HA_M2 = 10000.0
MIN_DATE = dt.date(1949, 10, 1)
MAX_DATE = dt.date(2100, 12, 31)


@dataclass(frozen=True)
class KeySpec:
    """One canonical key: its type, label, range and the plan kinds that have it."""

    key: str
    type: str
    label: str
    kinds: frozenset[str]
    choices: tuple[str, ...] = ()
    synonyms: Mapping[str, str] = field(default_factory=dict)  # synonym → canonical
    subkeys: tuple[str, ...] = ()
    min: float | None = None
    min_excl: float | None = None
    max: float | None = None
    max_len: int | None = None


@dataclass(frozen=True)
class Schema:
    keys: Mapping[str, KeySpec]
    labels: Mapping[str, str]  # labels of sub-keys (five_checks, net_land)

    def keys_for(self, kind: str) -> list[KeySpec]:
        """The keys a plan (or parcel file) of this kind may have, in schema order."""
        return [s for s in self.keys.values() if kind in s.kinds or "parcel" in s.kinds]

    def label(self, key: str) -> str:
        if key in self.keys:
            return self.keys[key].label
        return self.labels.get(key, key)


@cache
def schema() -> Schema:
    """The canonical key schema, read once from the package data."""
    raw = yaml.safe_load(
        resources.files("knowledge").joinpath("plan_schema.yaml").read_text("utf-8")
    )
    choice_sets: dict[str, dict[str, list[str]]] = raw["choices"]
    maps: dict[str, list[str]] = raw["bool_maps"]
    specs: dict[str, KeySpec] = {}
    for key, d in raw["keys"].items():
        choices: tuple[str, ...] = ()
        synonyms: dict[str, str] = {}
        if d["type"] == "choice":
            options = choice_sets[d["choices"]]
            choices = tuple(options)
            for canonical, syns in options.items():
                for s in syns or []:
                    synonyms[str(s)] = canonical
        specs[key] = KeySpec(
            key=key,
            type=d["type"],
            label=d["label"],
            kinds=frozenset(d["kinds"]),
            choices=choices,
            synonyms=synonyms,
            subkeys=tuple(maps[d["map"]]) if d["type"] == "bool_map" else (),
            min=d.get("min"),
            min_excl=d.get("min_excl"),
            max=d.get("max"),
            max_len=d.get("max_len"),
        )
    return Schema(keys=specs, labels=dict(raw.get("labels", {})))


@dataclass
class Plan:
    """A plan (or parcel) with normalised values; `fields` holds only keys that were given."""

    kind: str  # reserve_plan | supply_plan | parcel
    fields: dict[str, Any]

    def get(self, key: str, default: Any = None) -> Any:
        return self.fields.get(key, default)

    @property
    def land_use(self) -> str | None:
        """The land use: `land_use`, else `planned_use`."""
        return self.fields.get("land_use") or self.fields.get("planned_use")

    def to_file_dict(self) -> dict[str, Any]:
        """The plan as a plan file mapping (CONTRACT §3), dates as ISO strings."""
        out: dict[str, Any] = {}
        for k, v in self.fields.items():
            out[k] = v.isoformat() if isinstance(v, dt.date) else v
        if self.kind == "parcel":
            return out
        return {"kind": self.kind, "fields": out}


MAX_CHOICE_CHARS = 100  # no option is longer; a longer value is not matched (fuzzily) at all


def _bad(key: str, value: Any, zh_expected: str, en_expected: str) -> BadInput:
    if isinstance(value, str):
        shown = value
    elif isinstance(value, dt.date):  # 1900-01-01, not datetime.date(1900, 1, 1)
        shown = value.isoformat()
    else:
        shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return BadInput(
        f"字段 {key} 的值「{shown}」无效：应为{zh_expected}",
        f"key '{key}' has an invalid value {shown!r}: expected {en_expected}",
    )


def _number(spec: KeySpec, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        if isinstance(value, str):
            digits = value.replace(",", "").strip()
            if len(digits) > MAX_NUMBER_DIGITS:  # also an Oversized literal of the file
                raise _bad(
                    spec.key,
                    value,
                    f"不超过 {MAX_NUMBER_DIGITS} 位的数字",
                    f"a number of at most {MAX_NUMBER_DIGITS} digits",
                )
            try:
                value = float(digits)
            except ValueError:
                raise _bad(spec.key, value, "数字", "a number") from None
        else:
            raise _bad(spec.key, value, "数字", "a number")
    try:
        number = float(value)
    except OverflowError:  # an int too large for a float
        raise _bad(spec.key, value, "有限的数字", "a finite number") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise _bad(spec.key, value, "有限的数字", "a finite number")
    lo_ok = (spec.min is None or number >= spec.min) and (
        spec.min_excl is None or number > spec.min_excl
    )
    hi_ok = spec.max is None or number <= spec.max
    if not (lo_ok and hi_ok):
        lo = spec.min if spec.min is not None else spec.min_excl
        lo_word = "大于" if spec.min_excl is not None else "不小于"
        lo_en = "greater than" if spec.min_excl is not None else "at least"
        raise _bad(
            spec.key,
            value,
            f"{lo_word} {lo:g}、不大于 {spec.max:g} 的数字" if spec.max is not None else "正数",
            f"a number {lo_en} {lo:g} and at most {spec.max:g}",
        )
    return number


def _bool(spec_key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip() in _TRUE | _FALSE:
        return value.strip() in _TRUE
    raise _bad(spec_key, value, "true 或 false（是/否）", "true or false")


_TRUE = {"是", "有", "已完成", "true", "True", "yes"}
_FALSE = {"否", "无", "没有", "未完成", "false", "False", "no"}


def match_choice(spec: KeySpec, text: str) -> str | None:
    """The canonical value for `text`: exact label, synonym, or a clear fuzzy match."""
    t = text.strip()
    if t in spec.choices:
        return t
    if t in spec.synonyms:
        return spec.synonyms[t]
    from rapidfuzz import fuzz, process

    pool = {**{c: c for c in spec.choices}, **spec.synonyms}
    best = process.extract(t, list(pool), scorer=fuzz.WRatio, limit=3)
    if not best or best[0][1] < 80:
        return None
    top = pool[best[0][0]]
    rivals = {pool[name] for name, score, _ in best if score >= best[0][1] - 5}
    return top if rivals == {top} else None


def normalise_value(spec: KeySpec, value: Any) -> Any:
    """Check one value against its key's spec and return it normalised."""
    t = spec.type
    if t in ("text", "place"):
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise _bad(spec.key, value, "文字", "text")
        text = str(value)
        if not text.strip():
            raise _bad(spec.key, value, "非空文字", "non-empty text")
        if spec.max_len is not None and len(text) > spec.max_len:
            raise _bad(
                spec.key, value, f"不超过 {spec.max_len} 字", f"at most {spec.max_len} characters"
            )
        return text
    if t == "flag_text":
        if isinstance(value, bool):
            return value
        return normalise_value(
            KeySpec(spec.key, "text", spec.label, spec.kinds, max_len=spec.max_len), value
        )
    if t in ("area_m2", "money_yuan", "price_yuan_m2", "pct", "ratio", "float"):
        return _number(spec, value)
    if t == "int":
        if isinstance(value, Oversized):
            return int(_number(spec, value))  # refused there, naming the key
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise _bad(spec.key, value, "整数", "an integer")
        return int(_number(spec, value))
    if t == "bool":
        return _bool(spec.key, value)
    if t == "date":
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, str):
            try:
                value = dt.date.fromisoformat(value.strip())
            except ValueError:
                raise _bad(spec.key, value, "日期 YYYY-MM-DD", "a date YYYY-MM-DD") from None
        if not isinstance(value, dt.date):
            raise _bad(spec.key, value, "日期 YYYY-MM-DD", "a date YYYY-MM-DD")
        if not MIN_DATE <= value <= MAX_DATE:
            raise _bad(spec.key, value, "1949-10-01 至 2100-12-31 之间的日期", "a date 1949–2100")
        return value
    if t == "choice":
        if (
            not isinstance(value, str)
            or len(value) > MAX_CHOICE_CHARS
            or (canonical := match_choice(spec, value)) is None
        ):
            options = "、".join(spec.choices)
            raise _bad(spec.key, value, f"以下之一：{options}", f"one of {', '.join(spec.choices)}")
        return canonical
    if t == "bool_map":
        if not isinstance(value, Mapping):
            raise _bad(spec.key, value, f"映射，键为 {', '.join(spec.subkeys)}", "a mapping")
        out: dict[str, bool] = {}
        for sub, v in value.items():
            if sub not in spec.subkeys:
                raise BadInput(
                    f"{spec.key} 中有未知的键 {sub}：应为 {', '.join(spec.subkeys)} 之一",
                    f"unknown key '{spec.key}.{sub}': expected one of {', '.join(spec.subkeys)}",
                )
            out[str(sub)] = _bool(f"{spec.key}.{sub}", v)
        return out
    raise AssertionError(f"unknown type {t} in plan_schema.yaml")


def normalise_fields(kind: str, raw: Mapping[str, Any]) -> dict[str, Any]:
    """Validate a mapping of canonical keys for `kind`; `area_mu`/`area_ha` become `area_m2`."""
    sch = schema()
    allowed = (
        {s.key for s in sch.keys_for(kind)}
        if kind != "parcel"
        else {s.key for s in sch.keys.values() if "parcel" in s.kinds}
    )
    out: dict[str, Any] = {}
    area_given = [k for k in ("area_m2", "area_mu", "area_ha") if raw.get(k) is not None]
    if len(area_given) > 1:
        raise BadInput(
            f"面积只能给出一种单位，收到 {', '.join(area_given)}",
            f"give the area once, got {', '.join(area_given)}",
        )
    for key, value in raw.items():
        if not isinstance(key, str):
            raise BadInput(f"键 {key!r} 必须是文字", f"key {key!r} must be a string")
        if key in ("area_mu", "area_ha"):
            if value is None:
                continue
            factor = MU_M2 if key == "area_mu" else HA_M2
            probe = KeySpec(key, "area_m2", "土地面积", frozenset(), min_excl=0, max=1e9 / factor)
            out["area_m2"] = _number(probe, value) * factor
            continue
        if key not in allowed:
            raise BadInput(
                f"未知的键 {key}（{KIND_LABELS.get(kind, kind)}中没有这个字段，请检查拼写）",
                f"unknown key '{key}' for {kind} (check the spelling)",
            )
        if value is None:
            continue
        out[key] = normalise_value(sch.keys[key], value)
    return out


def plan_from_mapping(data: Any) -> Plan:
    """A plan from a plan-file mapping `{kind, fields}`."""
    if not isinstance(data, Mapping):
        raise BadInput(
            "方案文件应为包含 kind 和 fields 的映射",
            "a plan file must be a mapping with kind and fields",
        )
    unknown = set(data) - {"kind", "fields"}
    if unknown:
        key = sorted(map(str, unknown))[0]
        raise BadInput(
            f"未知的键 {key}：方案文件只有 kind 和 fields",
            f"unknown key '{key}': a plan file has kind and fields",
        )
    kind = data.get("kind")
    if kind not in PLAN_KINDS:
        raise BadInput(
            f"kind 的值「{kind}」无效：应为 reserve_plan 或 supply_plan",
            f"key 'kind' has an invalid value {kind!r}: expected reserve_plan or supply_plan",
        )
    fields = data.get("fields") or {}
    if not isinstance(fields, Mapping):
        raise BadInput("fields 应为键值映射", "key 'fields' must be a mapping")
    return Plan(kind=kind, fields=normalise_fields(kind, fields))


def parcel_from_mapping(data: Any) -> tuple[Plan, dt.date | None]:
    """Parcel facts and the optional `as_of` date from a parcel-file mapping."""
    if not isinstance(data, Mapping):
        raise BadInput("地块文件应为键值映射", "a parcel file must be a mapping")
    data = dict(data)
    as_of_raw = data.pop("as_of", None)
    as_of = None
    if as_of_raw is not None:
        as_of = normalise_value(KeySpec("as_of", "date", "判定日期", frozenset()), as_of_raw)
    if not data.get("jurisdiction"):
        raise BadInput(
            "缺少 jurisdiction（所在行政区），这是唯一必填的键",
            "missing required key 'jurisdiction'",
        )
    return Plan(kind="parcel", fields=normalise_fields("parcel", data)), as_of


def load_plan_file(path: str | Path) -> Plan:
    return plan_from_mapping(read_mapping_file(path))


def load_parcel_file(path: str | Path) -> tuple[Plan, dt.date | None]:
    return parcel_from_mapping(read_mapping_file(path))


def dump_plan_yaml(plan: Plan) -> str:
    """A plan file in YAML with Chinese kept readable."""
    return yaml.safe_dump(plan.to_file_dict(), allow_unicode=True, sort_keys=False)
