"""Field parsers: examples from officials, and hypothesis round trips for every parser."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.dialogue.parsers import REGISTRY, Ambiguous, ParseContext, Parsed, ParseError, parse_answer
from bot.dialogue.parsers.numerals import parse_number
from bot.dialogue.parsers.simple import NO, YES
from knowledge.plan import MU_M2, KeySpec, schema

S = schema().keys
PROPS = settings(max_examples=100, deadline=None)


def value(key: str, text: str, ctx: ParseContext | None = None) -> object:
    result = parse_answer(S[key], text, ctx)
    assert isinstance(result, Parsed), result
    return result.value


def rejected(key: str, text: str, ctx: ParseContext | None = None) -> str:
    with pytest.raises(ParseError) as info:
        parse_answer(S[key], text, ctx)
    message = info.value.zh
    assert "\n" not in message and message
    return message


# --- Chinese numerals written independently of the parser, for the round trips -----------

LOWER = ("零一二三四五六七八九", ("", "十", "百", "千"), ("", "万", "亿"))
UPPER = ("零壹贰叁肆伍陆柒捌玖", ("", "拾", "佰", "仟"), ("", "万", "亿"))


def _group(n: int, style: tuple) -> str:
    digits, units, _ = style
    out, zero = "", False
    for pos in (3, 2, 1, 0):
        d = n // 10**pos % 10
        if d == 0:
            zero = bool(out)
            continue
        if zero:
            out += digits[0]
            zero = False
        out += digits[d] + units[pos]
    return out


def chinese(n: int, style: tuple = LOWER) -> str:
    """n ≥ 0 in Chinese numerals: 12005 → 一万二千零五."""
    if n == 0:
        return style[0][0]
    groups = []
    while n:
        groups.append(n % 10000)
        n //= 10000
    out = ""
    for i in range(len(groups) - 1, -1, -1):
        g = groups[i]
        if g == 0:
            continue
        if out and g < 1000:
            out += style[0][0]
        out += _group(g, style) + style[2][i]
    return out


def chinese_decimal(d: Decimal) -> str:
    whole, _, frac = format(d, "f").partition(".")
    text = chinese(int(whole))
    if frac.strip("0"):
        text += "点" + "".join(LOWER[0][int(c)] for c in frac.rstrip("0"))
    return text


def dec(x: Decimal) -> str:
    text = format(x, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


cents = st.integers(min_value=1, max_value=10**12).map(lambda c: Decimal(c) / 100)
whole = st.integers(min_value=1, max_value=10**11)


@PROPS
@given(st.integers(min_value=0, max_value=10**12 - 1))
def test_chinese_integers_round_trip(n: int) -> None:
    assert parse_number(chinese(n)) == n
    assert parse_number(chinese(n, UPPER)) == n
    assert parse_number(f"{n:,}") == n
    assert parse_number(str(n)) == n


@PROPS
@given(st.text(max_size=30))
def test_parse_number_never_raises(text: str) -> None:
    result = parse_number(text)
    assert result is None or isinstance(result, float)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("两百五", 250), ("一万五", 15000), ("三千五", 3500), ("十二万五千", 125000),
     ("一点五", 1.5), ("1.5万", 15000), ("2亿3000万", 230_000_000), ("一万零五", 10005),
     ("壹仟贰佰万", 12_000_000), ("１２３", 123), ("零点五", 0.5), ("十", 10)],
)  # fmt: skip
def test_numeral_examples(text: str, expected: float) -> None:
    assert parse_number(text) == expected


# --- area -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "m2"),
    [("三十亩", 20000.0), ("1.5万平方米", 15000.0), ("2公顷", 20000.0), ("25000", 25000.0),
     ("25,000㎡", 25000.0), ("约50亩左右", 33333.33), ("0.5平方公里", 500000.0),
     ("1200平米", 1200.0), ("３０亩", 20000.0), ("三十亩地", 20000.0), ("30亩。", 20000.0)],
)  # fmt: skip
def test_area_examples(text: str, m2: float) -> None:
    assert value("area_m2", text) == m2


@PROPS
@given(cents.filter(lambda d: d <= 10**8))
def test_area_round_trip(m2: Decimal) -> None:
    expected = float(m2)
    for text in (f"{dec(m2)}平方米", f"{m2:,}㎡", f"{dec(m2 / 10000)}万平方米",
                 f"{dec(m2 / 10000)}公顷", f"{dec(m2)}m²", f"{chinese_decimal(m2)}平方米"):  # fmt: skip
        assert value("area_m2", text) == pytest.approx(expected, abs=0.006), text


@PROPS
@given(st.integers(min_value=1, max_value=10**7).map(lambda c: Decimal(c) / 100))
def test_area_mu_round_trip(mu: Decimal) -> None:
    expected = round(float(mu) * MU_M2, 2)
    assert value("area_m2", f"{dec(mu)}亩") == expected
    assert value("area_m2", f"{chinese_decimal(mu)}亩") == expected


def test_area_rejections_name_units_and_example() -> None:
    for text in ("很大", "三十亩地吧", "-5亩", "0", "亩"):
        message = rejected("area_m2", text)
        assert "例如" in message
    assert "平方米" in rejected("area_m2", "很大")


# --- money ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "yuan"),
    [("壹仟贰佰万元整", 12_000_000.0), ("1,234.5万元", 12_345_000.0), ("3.2亿元", 320_000_000.0),
     ("5000000", 5_000_000.0), ("壹佰贰拾叁元肆角伍分", 123.45), ("人民币叁仟万元整", 30_000_000.0),
     ("￥1,000,000.00", 1_000_000.0), ("450万", 4_500_000.0), ("两千万元", 20_000_000.0),
     ("贰亿零伍佰万元整", 205_000_000.0)],
)  # fmt: skip
def test_money_examples(text: str, yuan: float) -> None:
    assert value("compensation_cost_yuan", text) == yuan


@PROPS
@given(cents.filter(lambda d: d <= 10**12))
def test_money_round_trip(yuan: Decimal) -> None:
    expected = float(yuan)
    for text in (f"{dec(yuan)}元", f"{yuan:,}元", f"{dec(yuan / 10000)}万元",
                 f"{dec(yuan / 10**8)}亿元", f"￥{yuan:,.2f}"):  # fmt: skip
        assert value("compensation_cost_yuan", text) == pytest.approx(expected, abs=0.006), text


@PROPS
@given(whole)
def test_money_capitals_round_trip(yuan: int) -> None:
    assert value("compensation_cost_yuan", f"{chinese(yuan, UPPER)}元整") == yuan
    assert value("compensation_cost_yuan", f"{chinese(yuan)}元") == yuan


def test_money_rejections() -> None:
    assert "单价" in rejected("compensation_cost_yuan", "8000元/平方米")
    assert "例如" in rejected("compensation_cost_yuan", "很多钱")
    assert "不小于 0" in rejected("compensation_cost_yuan", "-5万元")


# --- price per m², percent, ratio, integer, float -------------------------------------


@PROPS
@given(st.integers(min_value=0, max_value=10**9).map(lambda c: Decimal(c) / 100))
def test_price_round_trip(price: Decimal) -> None:
    expected = float(price)
    for text in (f"{dec(price)}元/平方米", f"{dec(price)}元/㎡", f"{dec(price)}元每平方米",
                 f"{dec(price / 10000)}万元/平方米", dec(price)):  # fmt: skip
        assert value("floor_price_yuan_m2", text) == pytest.approx(expected, abs=0.006), text


@PROPS
@given(st.integers(min_value=0, max_value=10000).map(lambda c: Decimal(c) / 100))
def test_percent_round_trip(pct: Decimal) -> None:
    expected = float(pct)
    for text in (f"{dec(pct)}%", f"{dec(pct)}％", dec(pct), f"百分之{chinese_decimal(pct)}"):
        assert value("green_ratio_min_pct", text) == pytest.approx(expected), text


def test_percent_examples_and_range() -> None:
    assert value("green_ratio_min_pct", "百分之二十五") == 25.0
    assert value("green_ratio_min_pct", "25") == 25.0
    assert value("circuit_breaker_pct", "120%") == 120.0
    assert "不大于 100%" in rejected("green_ratio_min_pct", "120%")
    fraction = parse_answer(S["green_ratio_min_pct"], "0.35")
    assert isinstance(fraction, Parsed) and fraction.value == 0.35
    assert fraction.note and "35%" in fraction.note
    assert parse_answer(S["green_ratio_min_pct"], "0.35%") == Parsed(0.35)


@PROPS
@given(st.integers(min_value=0, max_value=2000).map(lambda c: Decimal(c) / 100))
def test_ratio_round_trip(ratio: Decimal) -> None:
    for text in (dec(ratio), chinese_decimal(ratio), f"不大于{dec(ratio)}"):
        assert value("plot_ratio_max", text) == float(ratio), text


@PROPS
@given(st.integers(min_value=0, max_value=100))
def test_int_round_trip(n: int) -> None:
    for text in (str(n), chinese(n), f"{n}家", f"{chinese(n)}家"):
        assert value("appraisal_agencies", text) == n, text
    assert value("payment_deadline_days", f"{n}天") == n


def test_int_rejections() -> None:
    assert "整数" in rejected("appraisal_agencies", "3.5")
    assert "例如" in rejected("appraisal_agencies", "几家")
    assert value("term_years", "七十年") == 70


@PROPS
@given(st.integers(min_value=1, max_value=100000).map(lambda c: Decimal(c) / 100))
def test_float_round_trip(height: Decimal) -> None:
    for text in (f"{dec(height)}米", f"{dec(height)}m", dec(height)):
        assert value("height_limit_m", text) == float(height), text


# --- dates ----------------------------------------------------------------------------

CN_DIGITS = "〇一二三四五六七八九"


@PROPS
@given(st.dates(min_value=dt.date(1949, 10, 1), max_value=dt.date(2100, 12, 31)))
def test_date_round_trip(d: dt.date) -> None:
    cn_year = "".join(CN_DIGITS[int(c)] for c in str(d.year))
    for text in (f"{d.year}年{d.month}月{d.day}日", d.isoformat(), f"{d.year}/{d.month}/{d.day}",
                 f"{d.year}.{d.month}.{d.day}", f"{d.year}年{d.month}月{d.day}号",
                 f"{cn_year}年{chinese(d.month)}月{chinese(d.day)}日", d.strftime("%Y%m%d")):  # fmt: skip
        assert value("prepared_date", text) == d.isoformat(), text


@pytest.mark.parametrize("text", ["明年六月", "下个月", "今天", "年底前", "6月1日", "2027年6月"])
def test_relative_or_partial_dates_rejected_with_example(text: str) -> None:
    assert "2027年6月1日" in rejected("prepared_date", text)


def test_impossible_dates() -> None:
    assert "没有这一天" in rejected("start_date", "2027-02-30")
    assert "1949" in rejected("start_date", "1900-01-01")


@pytest.mark.parametrize(
    ("text", "m2"),
    [("30亩（20000平方米）", 20000.0), ("20000㎡(30亩)", 20000.0), ("30亩（约）", 20000.0),
     ("15亩3分", 10200.0), ("二十亩零五分", 13666.67)],
)  # fmt: skip
def test_area_in_two_units_and_mu_fen(text: str, m2: float) -> None:
    """How areas are written in files: both units (when they agree) and 亩 with 分."""
    assert value("area_m2", text) == m2


def test_area_in_two_units_that_disagree_is_refused() -> None:
    assert "不一致" in rejected("area_m2", "30亩（3公顷）")


def test_future_prepared_date_is_noted() -> None:
    result = parse_answer(S["prepared_date"], "2030-01-01", ParseContext(today=dt.date(2026, 1, 1)))
    assert isinstance(result, Parsed) and result.note and "晚于今天" in result.note


# --- yes/no, choices, text, places ----------------------------------------------------


@PROPS
@given(st.sampled_from(sorted(YES)), st.sampled_from(["", "。", "了", "！", " "]))
def test_yes_words(word: str, tail: str) -> None:
    assert value("cost_audited", word + tail) is True


@PROPS
@given(st.sampled_from(sorted(NO)), st.sampled_from(["", "。", "了", "！", " "]))
def test_no_words(word: str, tail: str) -> None:
    assert value("cost_audited", word + tail) is False


def test_yes_no_rejection() -> None:
    assert "是" in rejected("cost_audited", "也许吧")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("已经审计", True), ("已审计过了", True), ("已经办完了", True), ("没有审计", False),
     ("还没审计", False), ("尚未开展", False), ("尚未", False), ("没做完", False)],
)  # fmt: skip
def test_yes_no_echoing_the_verb(text: str, expected: bool) -> None:
    """Officials answer 是否已审计 with 已经审计 / 还没审计, not only 是 / 否."""
    assert value("cost_audited", text) is expected


@pytest.mark.parametrize("text", ["没有纠纷", "已有纠纷", "还不知道", "未必", "已否决"])
def test_yes_no_does_not_guess_statements(text: str) -> None:
    """没有纠纷 is about disputes (a yes to 纠纷已排除?), not a no: asked again, not guessed."""
    assert "是" in rejected("cost_audited", text)


CHOICE_KEYS = [k for k, spec in S.items() if spec.type == "choice"]


@PROPS
@given(st.sampled_from(CHOICE_KEYS), st.data())
def test_choice_labels_and_synonyms(key: str, data: st.DataObject) -> None:
    spec = S[key]
    label = data.draw(st.sampled_from(spec.choices))
    assert value(key, label) == label
    assert value(key, str(spec.choices.index(label) + 1)) == label
    if spec.synonyms:
        synonym = data.draw(st.sampled_from(sorted(spec.synonyms)))
        assert value(key, synonym) == spec.synonyms[synonym]


def test_choice_fuzzy_and_ambiguous() -> None:
    assert value("land_use", "二类住宅用地") == "住宅用地"
    assert value("land_use", "产业用地") == "工业用地"
    result = parse_answer(S["land_use"], "商")
    assert isinstance(result, Ambiguous) and "商服用地" in result.options
    assert "国有、集体" in rejected("ownership", "不知道")


@pytest.mark.parametrize(
    ("key", "typo", "meant"),
    [("supply_method", "租凭", "租赁"), ("supply_method", "划钵", "划拨"),
     ("ownership", "集休", "集体"), ("post_breaker_rule", "摇好", "摇号")],
)  # fmt: skip
def test_choice_one_character_typo_is_offered_to_confirm(key: str, typo: str, meant: str) -> None:
    """Short words one character off score too low for the fuzzy match: ask, never reject."""
    result = parse_answer(S[key], typo)
    assert isinstance(result, Ambiguous) and result.options == (meant,)


TEXT = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp", "Cf")), max_size=60)


@PROPS
@given(TEXT.filter(lambda t: t.strip() != ""))
def test_text_stored_verbatim(text: str) -> None:
    assert value("project_name", text) == text.strip()


def test_text_markup_and_emoji_verbatim_controls_removed() -> None:
    raw = "<a>&{{x}}{% if %}😀"
    assert value("location", raw) == raw
    result = parse_answer(S["location"], "东至\x00\x1b甲路")
    assert isinstance(result, Parsed) and result.value == "东至甲路" and result.note
    assert "最多 50 字" in rejected("handler", "张" * 51)
    assert "不能为空" in rejected("handler", " \x07 ")


def test_flag_text() -> None:
    assert value("temporary_use", "没有") is False
    assert value("temporary_use", "有") is True
    assert value("temporary_use", "出租作停车场") == "出租作停车场"


def fake_resolver(text: str) -> SimpleNamespace:
    table = {"金水区": ("local", ("河南省", "郑州市", "金水区")), "朝阳区": ("outside", None)}
    status, chain = table.get(text, ("unknown", None))
    place = SimpleNamespace(chain=chain) if chain else None
    return SimpleNamespace(status=status, place=place, text=text)


def test_place_with_resolver() -> None:
    ctx = ParseContext(resolve_place=fake_resolver)
    assert value("jurisdiction", "金水区", ctx) == "郑州市金水区"
    outside = parse_answer(S["jurisdiction"], "朝阳区", ctx)
    assert isinstance(outside, Parsed) and outside.value == "朝阳区"
    assert outside.note and "国家规定" in outside.note
    assert "例如" in rejected("jurisdiction", "火星", ctx)


def test_province_only_is_accepted_with_a_note() -> None:
    result = parse_answer(S["jurisdiction"], "河南省")
    assert isinstance(result, Parsed) and result.value == "河南省"
    assert result.note and "县" in result.note


def test_place_names_stored_resolve_to_the_same_place() -> None:
    from knowledge.jurisdictions import all_places, resolve_place

    for place in all_places():
        stored = value("jurisdiction", place.display)
        again = resolve_place(str(stored))
        assert again.place is not None and again.place.id == place.id, (place.id, stored)


# --- every parser: garbage is rejected cleanly, never anything else -------------------

GARBAGE = st.one_of(
    st.text(max_size=40),
    st.text(alphabet="0123456789.,，万亿元亩%百分之点零一二三四五六七八九十年月日-/", max_size=20),
)


@PROPS
@given(st.sampled_from(sorted({s.type for s in S.values()})), GARBAGE)
def test_garbage_never_raises_anything_but_rejection(type_name: str, text: str) -> None:
    spec = next(s for s in S.values() if s.type == type_name)
    if spec.type == "bool_map":
        spec = KeySpec("five_checks.soil_pollution", "bool", "土壤污染", spec.kinds)
    ctx = ParseContext(resolve_place=fake_resolver, today=dt.date(2026, 1, 1))
    try:
        result = parse_answer(spec, text, ctx)
    except ParseError as exc:
        assert exc.zh and "\n" not in exc.zh
        return
    assert isinstance(result, Parsed | Ambiguous)


def test_registry_covers_every_schema_type() -> None:
    assert {s.type for s in S.values()} <= set(REGISTRY)
