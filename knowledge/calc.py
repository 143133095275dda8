"""Calculators of the policy checks: small typed pure functions, each naming the article it
implements. They know nothing about plans or rules; `knowledge.rules_engine.derived` feeds them
plan values and the rule files compare the results (CONTRACT §4 `computed`).

Money is in yuan, prices per m² in 元/平方米, percentages as numbers (120 means 120%).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# ------------------------------------------------------------------------------ units

MU_M2 = 10000 / 15  # 1 亩 = 10000/15 m² (CONTRACT §3)
HA_M2 = 10000.0  # 1 公顷 = 10000 m²


def m2_to_mu(m2: float) -> float:
    """Square metres → 亩."""
    return m2 / MU_M2


def mu_to_m2(mu: float) -> float:
    """亩 → square metres."""
    return mu * MU_M2


def m2_to_ha(m2: float) -> float:
    """Square metres → 公顷."""
    return m2 / HA_M2


def ha_to_m2(ha: float) -> float:
    """公顷 → square metres."""
    return ha * HA_M2


def yuan_to_wan(yuan: float) -> float:
    """元 → 万元."""
    return yuan / 10000.0


def wan_to_yuan(wan: float) -> float:
    """万元 → 元."""
    return wan * 10000.0


# ------------------------------------------------------------------------------ bands


@dataclass(frozen=True)
class Band:
    """A closed interval [low, high]; `contains` tolerates float rounding at the ends."""

    low: float
    high: float

    def contains(self, value: float) -> bool:
        eps = 1e-9 * max(1.0, abs(self.low), abs(self.high), abs(value))
        return self.low - eps <= value <= self.high + eps


# ------------------------------------------------------------------------------ 郑政〔2021〕4号

RESIDUAL_FORMULA = "楼面价=销售参考房价—税费—财务成本—建安成本—合理利润"


def residual_floor_price(
    sale_reference_price: float,
    taxes: float,
    financial_cost: float,
    construction_cost: float,
    reasonable_profit: float,
) -> float:
    """剩余法 楼面价 (元/平方米楼面), 郑政〔2021〕4号 三（二）:
    "楼面价=销售参考房价—税费—财务成本—建安成本—合理利润". May be negative: the caller
    reports a non-positive result rather than hiding it."""
    return sale_reference_price - taxes - financial_cost - construction_cost - reasonable_profit


SALE_REFERENCE_FLOAT_PCT = 10.0


def sale_reference_band(surrounding_price: float) -> Band:
    """销售参考房价 band, 郑政〔2021〕4号 三（二）: "可按周边实际销售价格的10%浮动确定",
    i.e. the surrounding actual price ±10%."""
    f = SALE_REFERENCE_FLOAT_PCT / 100.0
    return Band(surrounding_price * (1 - f), surrounding_price * (1 + f))


CIRCUIT_BREAKER_PCT = Band(120.0, 130.0)


def circuit_breaker_pct_ok(pct: float) -> bool:
    """熔断 threshold, 郑政〔2021〕4号 四（二）: "报（竞）价首次达到出让起始价的120%—130%时
    熔断". 120 and 130 are inside the range."""
    return CIRCUIT_BREAKER_PCT.contains(pct)


def circuit_breaker_price_band(start_price: float) -> Band:
    """The bid amounts at which 熔断 may be set (郑政〔2021〕4号 四（二）): 120%–130% of the
    出让起始价."""
    return Band(
        start_price * CIRCUIT_BREAKER_PCT.low / 100, start_price * CIRCUIT_BREAKER_PCT.high / 100
    )


def circuit_breaker_price(start_price: float, pct: float) -> float:
    """The bid amount at which the plan's 熔断 fires: start price × pct / 100."""
    return start_price * pct / 100.0


SELF_HOLD_BASE_PCT = 50.0
SELF_HOLD_BASE_COEFFICIENT = 0.7
SELF_HOLD_STEP_PCT = 10.0
SELF_HOLD_STEP_DECAY = 0.04
SELF_HOLD_MIN_COEFFICIENT = 0.5


def self_hold_steps(self_hold_pct: float) -> int | None:
    """Full 10% steps of 自持比例 above 50% (郑政〔2021〕4号 三（二） "自持比例每增加10%"): a
    partial step does not count (65% → 1 step). None below 50%, where the text sets nothing."""
    if self_hold_pct < SELF_HOLD_BASE_PCT - 1e-9:
        return None
    return math.floor((self_hold_pct - SELF_HOLD_BASE_PCT) / SELF_HOLD_STEP_PCT + 1e-9)


def self_hold_coefficient_range(self_hold_pct: float) -> Band | None:
    """The admissible 修正系数 for 产业用地 by 物业自持比例, 郑政〔2021〕4号 三（二）:
    "物业自持比例50%的，按系数0.7修正，自持比例每增加10%，系数可衰减0.04，最低不小于0.5".

    At 50% the coefficient is 0.7. Each full further 10% *may* ("可") lower it by 0.04, so the
    range is [max(0.5, 0.7 − 0.04·n), 0.7] with n full steps; never below 0.5. None below 50%
    (the text gives no coefficient there)."""
    steps = self_hold_steps(self_hold_pct)
    if steps is None:
        return None
    low = max(SELF_HOLD_MIN_COEFFICIENT, SELF_HOLD_BASE_COEFFICIENT - SELF_HOLD_STEP_DECAY * steps)
    return Band(round(low, 4), SELF_HOLD_BASE_COEFFICIENT)


def corrected_price_floor(corrected_price: float, benchmark_price: float) -> float:
    """郑政〔2021〕4号 三（二）: the self-holding correction "不得低于基准地价": the price after
    correction, floored at the 基准地价."""
    return max(corrected_price, benchmark_price)


# ------------------------------------------------------------------------------ 嵩明县土地储备管理办法


def three_not_lower_floor(*prices: float) -> float:
    """三个不低于, 嵩明县土地储备管理办法 第十三条 7: the appraisal is "不低于片区综合价、审计成本、
    市场地价", so the floor is the highest of the three (of those known)."""
    if not prices:
        raise ValueError("three_not_lower_floor needs at least one price")
    return max(prices)


SONGMING_PROVISION_RATE = 0.285
SONGMING_RESERVE_FUND_RATE = 0.25
SONGMING_INSTALMENT_ADVANCE_RATE = 0.5


def songming_revenue_provision(land_sale_revenue: float) -> float:
    """嵩明 第三十三条: "土地出让收入计提部分共提取28.5%" (保障性住房建设资金、市级统筹、… 土地储备
    管理费等) — the provision on the land-sale revenue, counted as a land cost."""
    return land_sale_revenue * SONGMING_PROVISION_RATE


def songming_reserve_fund(infrastructure_fee: float, *, in_park: bool = False) -> float:
    """嵩明 第二十六条（二）: the 土地储备基金 is drawn at 25% from the 城市基础设施建设配套费 of the
    state land-sale revenue; "园区范围内出让土地的不计提" (nothing inside the 园区)."""
    return 0.0 if in_park else infrastructure_fee * SONGMING_RESERVE_FUND_RATE


def songming_instalment_cost_advance(paid_into_treasury: float) -> float:
    """嵩明 第二十九条: "对分期缴纳成交价款的宗地，财政部门按该宗地已缴入国库价款的50%预付成本费用"
    — the cost advance on a parcel paid by instalments, settled when all is paid."""
    return paid_into_treasury * SONGMING_INSTALMENT_ADVANCE_RATE


def songming_revenue_split(land_sale_revenue: float, cost: float) -> dict[str, float]:
    """嵩明 第三十三条: 土地出让收入 = 成本性支出 + 计提费用 + 政府收益. Given the revenue and the
    cost expenditure, the 28.5% provision and what remains as government income (may be negative
    when the price does not cover cost and provision)."""
    provision = songming_revenue_provision(land_sale_revenue)
    return {
        "cost": cost,
        "provision": provision,
        "government_income": land_sale_revenue - cost - provision,
    }
