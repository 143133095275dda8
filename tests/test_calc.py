"""The calculators of knowledge/calc.py: exact examples from the texts and properties."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from knowledge import calc

money = st.floats(min_value=0, max_value=1e12, allow_nan=False, allow_infinity=False)
price = st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False)
pct = st.floats(min_value=0, max_value=100, allow_nan=False, allow_infinity=False)
FAST = settings(max_examples=60, deadline=None)


def test_self_hold_coefficient_examples() -> None:
    assert calc.self_hold_coefficient_range(49.9) is None
    assert calc.self_hold_coefficient_range(50) == calc.Band(0.7, 0.7)
    assert calc.self_hold_coefficient_range(59.9) == calc.Band(0.7, 0.7)  # no full step yet
    assert calc.self_hold_coefficient_range(60) == calc.Band(0.66, 0.7)
    assert calc.self_hold_coefficient_range(65) == calc.Band(0.66, 0.7)  # partial step ignored
    assert calc.self_hold_coefficient_range(70) == calc.Band(0.62, 0.7)
    assert calc.self_hold_coefficient_range(90) == calc.Band(0.54, 0.7)
    assert calc.self_hold_coefficient_range(100) == calc.Band(0.5, 0.7)
    assert calc.self_hold_steps(100) == 5


@FAST
@given(pct, pct)
def test_self_hold_coefficient_properties(a: float, b: float) -> None:
    ra, rb = calc.self_hold_coefficient_range(a), calc.self_hold_coefficient_range(b)
    assert (ra is None) == (a < 50)
    if ra is None or rb is None:
        return
    assert 0.5 <= ra.low <= ra.high == 0.7
    if a <= b:
        assert rb.low <= ra.low  # more self-holding never raises the floor
    steps = calc.self_hold_steps(a)
    assert steps is not None and ra.low == pytest.approx(max(0.5, 0.7 - 0.04 * steps))


def test_circuit_breaker_boundaries() -> None:
    assert [calc.circuit_breaker_pct_ok(v) for v in (119.9, 120, 125, 130, 130.1)] == [
        False,
        True,
        True,
        True,
        False,
    ]
    band = calc.circuit_breaker_price_band(1e8)
    assert (band.low, band.high) == (pytest.approx(1.2e8), pytest.approx(1.3e8))
    assert calc.circuit_breaker_price(1e8, 125) == pytest.approx(1.25e8)


@FAST
@given(money, st.floats(min_value=120, max_value=130))
def test_breaker_price_lies_in_band(start: float, p: float) -> None:
    assert calc.circuit_breaker_price_band(start).contains(calc.circuit_breaker_price(start, p))


@FAST
@given(price)
def test_sale_reference_band_is_symmetric_ten_percent(surrounding: float) -> None:
    band = calc.sale_reference_band(surrounding)
    assert band.contains(surrounding)
    assert band.high - surrounding == pytest.approx(surrounding - band.low, abs=1e-6)
    assert band.high == pytest.approx(surrounding * 1.1)
    assert not band.contains(surrounding * 1.1 + 1) and not band.contains(surrounding * 0.9 - 1)


def test_sale_reference_band_exact_edges() -> None:
    band = calc.sale_reference_band(15500)
    assert band.contains(13950) and band.contains(17050)
    assert not band.contains(13949.99) and not band.contains(17050.01)


@FAST
@given(price, price, price, price, price, st.floats(min_value=0, max_value=1e5))
@example(s=1e-05, t=0.0, f=0.0, c=1.0, p=32767.00001, d=32768.0)  # a result of 0 from 3e4s
def test_residual_method_is_linear(
    s: float, t: float, f: float, c: float, p: float, d: float
) -> None:
    # floating point: the error scales with the operands, not with the (possibly 0) result
    tol = 1e-12 * (s + t + f + c + p + d + 1)
    base = calc.residual_floor_price(s, t, f, c, p)
    assert base == pytest.approx(s - t - f - c - p, abs=tol)
    assert calc.residual_floor_price(s + d, t, f, c, p) == pytest.approx(base + d, abs=tol)
    assert calc.residual_floor_price(s, t + d, f, c, p) == pytest.approx(base - d, abs=tol)


def test_residual_example() -> None:
    assert calc.residual_floor_price(16000, 1800, 600, 4200, 1900) == 7500


@FAST
@given(st.lists(money, min_size=1, max_size=3))
def test_three_not_lower_floor_is_the_highest(prices: list[float]) -> None:
    floor = calc.three_not_lower_floor(*prices)
    assert floor in prices and all(floor >= p for p in prices)


def test_three_not_lower_needs_a_price() -> None:
    with pytest.raises(ValueError):
        calc.three_not_lower_floor()


@FAST
@given(money)
def test_songming_deductions(revenue: float) -> None:
    assert calc.songming_revenue_provision(revenue) == pytest.approx(revenue * 0.285)
    assert calc.songming_reserve_fund(revenue) == pytest.approx(revenue * 0.25)
    assert calc.songming_reserve_fund(revenue, in_park=True) == 0
    assert calc.songming_instalment_cost_advance(revenue) == pytest.approx(revenue / 2)
    split = calc.songming_revenue_split(revenue, revenue * 0.3)
    assert sum(split.values()) == pytest.approx(revenue)


@FAST
@given(st.floats(min_value=0.01, max_value=1e9))
def test_unit_conversions_round_trip(m2: float) -> None:
    assert calc.mu_to_m2(calc.m2_to_mu(m2)) == pytest.approx(m2)
    assert calc.ha_to_m2(calc.m2_to_ha(m2)) == pytest.approx(m2)
    assert calc.m2_to_mu(m2) == pytest.approx(m2 * 15 / 10000)
    assert calc.wan_to_yuan(calc.yuan_to_wan(m2)) == pytest.approx(m2)


def test_corrected_price_never_below_benchmark() -> None:
    assert calc.corrected_price_floor(80, 100) == 100
    assert calc.corrected_price_floor(120, 100) == 120
