"""Computed values the rules compare against and `landbot check` reports (`computed`).

Each entry names the calculator of `knowledge.calc` it uses and the article that calculator
implements; a value is reported only where that article applies to the plan (and only when its
inputs are given). Rule files may add lookup tables (`tables:`), which become entries too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from knowledge import calc


@dataclass(frozen=True)
class Derived:
    name: str
    label: str  # Chinese, for the human output
    inputs: tuple[str, ...]  # the plan fields it reads
    func: Callable[[Mapping[str, Any]], Any]
    doc_id: str | None = None  # the document whose article it implements (None: plain units)
    article: str | None = None
    kinds: frozenset[str] = frozenset({"reserve_plan", "supply_plan"})
    family: str = "number"
    unit: str = ""
    digits: int = 2  # rounding in `computed`
    publish_if: Callable[[Mapping[str, Any]], bool] | None = None  # extra condition to report it

    def compute(self, values: Mapping[str, Any]) -> Any:
        return self.func(values)


def _all(values: Mapping[str, Any], *names: str) -> list[float] | None:
    out: list[float] = []
    for n in names:
        v = values.get(n)
        if v is None:
            return None
        out.append(float(v))
    return out


def _area(conv: Callable[[float], float]) -> Callable[[Mapping[str, Any]], Any]:
    def f(v: Mapping[str, Any]) -> Any:
        return None if v.get("area_m2") is None else conv(float(v["area_m2"]))

    return f


def _reserve_cost(v: Mapping[str, Any]) -> Any:
    parts = [
        v.get(k) for k in ("compensation_cost_yuan", "development_cost_yuan", "other_cost_yuan")
    ]
    given = [float(p) for p in parts if p is not None]
    return sum(given) if given else None


def _residual(v: Mapping[str, Any]) -> Any:
    xs = _all(
        v,
        "sale_reference_price_yuan_m2",
        "taxes_yuan_m2",
        "financial_cost_yuan_m2",
        "construction_cost_yuan_m2",
        "reasonable_profit_yuan_m2",
    )
    return None if xs is None else calc.residual_floor_price(*xs)


def _band_end(
    key: str, band: Callable[[float], calc.Band | None], end: str
) -> Callable[[Mapping[str, Any]], Any]:
    """The low or high `end` of the band a calculator gives for the plan's value of `key`."""

    def f(v: Mapping[str, Any]) -> Any:
        x = v.get(key)
        b = None if x is None else band(float(x))
        if b is None:
            return None
        return b.low if end == "low" else b.high

    return f


def _breaker_price(v: Mapping[str, Any]) -> Any:
    xs = _all(v, "start_price_yuan", "circuit_breaker_pct")
    return None if xs is None else calc.circuit_breaker_price(*xs)


def _three_floor(v: Mapping[str, Any]) -> Any:
    prices = [
        v.get(k) for k in ("area_composite_price_yuan", "audited_cost_yuan", "market_price_yuan")
    ]
    given = [float(p) for p in prices if p is not None]
    return calc.three_not_lower_floor(*given) if given else None


def _provision(v: Mapping[str, Any]) -> Any:
    s = v.get("start_price_yuan")
    return None if s is None else calc.songming_revenue_provision(float(s))


def _breaker_plan(v: Mapping[str, Any]) -> bool:
    """熔断 figures concern residential land (郑政〔2021〕4号 四（二）) or a plan that sets one."""
    return v.get("land_use") == "住宅用地" or v.get("circuit_breaker_pct") is not None


ZZ4 = "zhengzhou-2021-4"
SONGMING = "songming-reserve-measures"
BOTH = frozenset({"reserve_plan", "supply_plan"})
SUPPLY = frozenset({"supply_plan"})
RESERVE = frozenset({"reserve_plan"})


def _band(
    name: str,
    labels: tuple[str, str],
    key: str,
    band: Callable[[float], calc.Band | None],
    article: str,
    **extra: Any,
) -> tuple[Derived, Derived]:
    """The low and high ends of a 郑政〔2021〕4号 band for supply plans, as `name` with min/max."""
    return (
        Derived(name.format("min"), labels[0], (key,), _band_end(key, band, "low"), ZZ4, article,
                SUPPLY, **extra),
        Derived(name.format("max"), labels[1], (key,), _band_end(key, band, "high"), ZZ4, article,
                SUPPLY, **extra),
    )  # fmt: skip


BUILTIN: tuple[Derived, ...] = (
    Derived(
        "area_ha", "土地面积（公顷）", ("area_m2",), _area(calc.m2_to_ha), unit="公顷", digits=4
    ),
    Derived("area_mu", "土地面积（亩）", ("area_m2",), _area(calc.m2_to_mu), unit="亩", digits=2),
    Derived(
        "reserve_cost_total_yuan",
        "已填收储成本合计",
        ("compensation_cost_yuan", "development_cost_yuan", "other_cost_yuan"),
        _reserve_cost,
        kinds=RESERVE,
        unit="元",
    ),
    Derived(
        "residual_floor_price_yuan_m2",
        "剩余法测算楼面价",
        (
            "sale_reference_price_yuan_m2",
            "taxes_yuan_m2",
            "financial_cost_yuan_m2",
            "construction_cost_yuan_m2",
            "reasonable_profit_yuan_m2",
        ),
        _residual,
        ZZ4,
        "三（二）",
        SUPPLY,
        unit="元/平方米",
    ),
    *_band(
        "sale_reference_price_{}_yuan_m2",
        ("销售参考房价下限（周边实际价格−10%）", "销售参考房价上限（周边实际价格+10%）"),
        "surrounding_price_yuan_m2",
        calc.sale_reference_band,
        "三（二）",
        unit="元/平方米",
    ),
    *_band(
        "correction_coefficient_{}",
        ("按自持比例可取的最低修正系数", "按自持比例可取的最高修正系数"),
        "self_hold_pct",
        calc.self_hold_coefficient_range,
        "三（二）",
        digits=4,
    ),
    *_band(
        "circuit_breaker_price_{}_yuan",
        ("熔断价下限（起始价×120%）", "熔断价上限（起始价×130%）"),
        "start_price_yuan",
        calc.circuit_breaker_price_band,
        "四（二）",
        unit="元",
        publish_if=_breaker_plan,
    ),
    Derived(
        "circuit_breaker_price_yuan",
        "方案熔断价（起始价×熔断比例）",
        ("start_price_yuan", "circuit_breaker_pct"),
        _breaker_price,
        ZZ4,
        "四（二）",
        SUPPLY,
        unit="元",
    ),
    Derived(
        "three_not_lower_floor_yuan",
        "三个不低于：片区综合价、审计成本、市场地价中的最高者",
        ("area_composite_price_yuan", "audited_cost_yuan", "market_price_yuan"),
        _three_floor,
        SONGMING,
        "第十三条 7",
        RESERVE,
        unit="元",
    ),
    Derived(
        "songming_revenue_provision_yuan",
        "按起始价测算的土地出让收入计提（28.5%）",
        ("start_price_yuan",),
        _provision,
        SONGMING,
        "第三十三条",
        BOTH,
        unit="元",
    ),
)


@dataclass(frozen=True)
class Table:
    """A lookup table of a rule file: value = values[key] looked up, e.g. max term by use."""

    name: str
    label: str
    key: str
    entries: Mapping[str, float]
    doc_id: str
    article: str
    kinds: frozenset[str] = BOTH
    unit: str = ""
    publish: bool = True
    source: str = field(default="", compare=False)

    def as_derived(self) -> Derived:
        entries = dict(self.entries)
        key = self.key

        def f(v: Mapping[str, Any]) -> Any:
            k = v.get(key)
            return None if k is None else entries.get(k)

        return Derived(
            self.name,
            self.label,
            (key,),
            f,
            self.doc_id,
            self.article,
            self.kinds,
            unit=self.unit,
            digits=4,
        )
