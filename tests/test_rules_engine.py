"""The rules engine: load-time errors, safe messages, three-valued logic, scope, partial drafts,
and the cross-rule mechanisms (reference, relax, replace, suppress)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import yaml
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from knowledge.checks import check_plan
from knowledge.errors import BadInput
from knowledge.plan import KeySpec, Plan, schema
from knowledge.rules_engine import RuleError, load_rules, load_rules_from
from knowledge.rules_engine.compiler import Compiler
from knowledge.rules_engine.conditions import Context
from knowledge.rules_engine.loader import Names
from knowledge.rules_engine.template import parse_template
from knowledge.rules_engine.validate import validate_rules, validate_ruleset
from tests.rule_case_helpers import CLEAN_PLANS, check, ids, plan_with

RULE = """
doc_id: civil-code
rules:
  - id: t-rule
    article: 第三百四十七条
    kinds: [supply_plan]
    severity: error
    require: {le: [term_years, 70]}
    message: "年限 {term_years}"
"""


SEE = "doc_id: jiaozuo-2025-1, article: （十四）"  # the start of a `see_also` entry
OWN = "doc_id: civil-code, article: 第三百四十八条"


def _load(text: str) -> None:
    load_rules_from([("t.yaml", text)])


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("le: [term_years, 70]", "lte: [term_years, 70]", "unknown operator 'lte'"),
        (
            "le: [term_years, 70]",
            "le: [term_yeras, 70]",
            "unknown field or computed value 'term_yeras'",
        ),
        ("年限 {term_years}", "年限 {term_yeras}", "placeholder {term_yeras}"),
        ("年限 {term_years}", "年限 {term_years:money}", "unknown format ':money'"),
        ("年限 {term_years}", "年限 {term_years", "stray '{'"),
        ("severity: error", "severity: fatal", "severity must be one of"),
        ("kinds: [supply_plan]", "kinds: [parcel]", "kinds must be among"),
        ("le: [term_years, 70]", "in: [land_use, [住宅]]", "'住宅' is not a value of land_use"),
        ("le: [term_years, 70]", "le: [land_use, 70]", "compares numbers or dates"),
        ("le: [term_years, 70]", "all_true: term_years", "needs a bool map"),
        ("le: [term_years, 70]", "use: nowhere", "unknown named condition 'nowhere'"),
        ("    message:", "    replaces: [no-such-rule]\n    message:", "unknown rule no-such-rule"),
        ("    message:", "    colour: red\n    message:", "unknown keys ['colour']"),
        ("    message:", "    see_also: jiaozuo-2025-1\n    message:", "'see_also' needs a list"),
        (
            "    message:",
            f"    see_also: [{{{SEE}, quote: x, colour: red}}]\n    message:",
            "['colour']",
        ),
        ("    message:", f"    see_also: [{{{SEE}}}]\n    message:", "needs 'quote'"),
        ("    message:", f"    see_also: [{{{OWN}, quote: x}}]\n    message:", "another document"),
        (
            "    message:",
            f"    see_also: [{{{SEE}, quote: x, when: {{lte: [a, 1]}}}}]\n    message:",
            "lte",
        ),
    ],
)
def test_a_broken_rule_file_names_file_rule_and_problem(old: str, new: str, expected: str) -> None:
    text = RULE.replace(old, new)
    assert text != RULE
    with pytest.raises(RuleError) as err:
        _load(text)
    assert "t.yaml" in str(err.value) and "t-rule" in str(err.value)
    assert expected in str(err.value)
    assert err.value.line == 4  # the line of the rule in the file


def test_duplicate_rule_ids_are_refused() -> None:
    doubled = RULE + RULE.split("rules:\n", 1)[1]
    with pytest.raises(RuleError, match="duplicate rule id"):
        _load(doubled)


def test_the_packaged_rules_validate_and_a_bad_citation_is_reported() -> None:
    assert validate_rules() == []
    ruleset = load_rules_from([("t.yaml", RULE.replace("第三百四十七条", "第九百九十九条"))])
    problems = validate_ruleset(ruleset)
    assert len(problems) == 1
    assert "第九百九十九条" in problems[0].message and problems[0].file.endswith("t.yaml")


def test_every_rule_field_and_name_is_canonical() -> None:
    keys = set(schema().keys)
    ruleset = load_rules()
    for rule in ruleset.rules:
        assert rule.field is None or rule.field in keys, rule.id
        for name in rule.refs():
            assert name.split(".")[0] in keys or name in ruleset.derived, (rule.id, name)


def test_messages_insert_user_text_literally() -> None:
    tpl = parse_template("项目 {project_name}，{{字面}}")
    text = tpl.render({"project_name": "{term_years}{{ x }}{% if %}<a>&"})
    assert text == "项目 {term_years}{{ x }}{% if %}<a>&，{字面}"
    assert parse_template("缺 {term_years}").render({}) == "缺 （未填写）"


def test_number_and_date_formatting() -> None:
    tpl = parse_template("{a} {b} {c} {d}")
    out = tpl.render({"a": 0.62, "b": 125000000.0, "c": 119.9, "d": dt.date(2026, 3, 1)})
    assert out == "0.62 125,000,000 119.9 2026年3月1日"


def test_three_valued_logic() -> None:
    names = Names(load_rules().derived)
    comp = Compiler(names)
    cond = comp.compile({"any": [{"absent": "supply_method"}, {"le": ["term_years", 70]}]})
    assert cond.eval(Context({})) is True
    assert cond.eval(Context({"supply_method": "划拨"})) is None
    assert cond.eval(Context({"supply_method": "划拨", "term_years": 71})) is False
    present = comp.compile({"present": "term_years"})
    assert present.eval(Context({}, partial=False)) is False
    assert present.eval(Context({}, partial=True)) is None
    rng = comp.compile({"between": ["circuit_breaker_pct", 120, 130]})
    assert [rng.eval(Context({"circuit_breaker_pct": v})) for v in (119.9, 120, 130, 130.1)] == [
        False,
        True,
        True,
        False,
    ]


@pytest.mark.parametrize("name", CLEAN_PLANS)
def test_clean_plans_pass_without_error(name: str) -> None:
    result = check(name)
    assert result.passed, [f.message for f in result.findings if f.severity == "error"]
    assert not [f for f in result.findings if f.severity == "warning"], result.findings


# keys a clean plan leaves out because they do not apply to its land use (the dialogue skips them)
NOT_APPLICABLE = {
    "zhengzhou-residential-supply": {
        "self_hold_pct",
        "correction_coefficient",
        "benchmark_price_yuan",
    },
    "xinmi-supply": {"self_hold_pct", "correction_coefficient", "benchmark_price_yuan"},
    "songming-supply": {"self_hold_pct", "correction_coefficient", "benchmark_price_yuan"},
    "zhengzhou-industrial-supply": {
        "sale_reference_price_yuan_m2",
        "surrounding_price_yuan_m2",
        "taxes_yuan_m2",
        "financial_cost_yuan_m2",
        "construction_cost_yuan_m2",
        "reasonable_profit_yuan_m2",
        "floor_price_yuan_m2",
        "circuit_breaker_pct",
        "post_breaker_rule",
    },
    "jiaozuo-supply": {
        "sale_reference_price_yuan_m2",
        "surrounding_price_yuan_m2",
        "taxes_yuan_m2",
        "financial_cost_yuan_m2",
        "construction_cost_yuan_m2",
        "reasonable_profit_yuan_m2",
        "floor_price_yuan_m2",
        "circuit_breaker_pct",
        "post_breaker_rule",
        "self_hold_pct",
        "correction_coefficient",
        "benchmark_price_yuan",
    },
    "jiaozuo-reserve": {"temporary_use_years"},  # no temporary use
}


@pytest.mark.parametrize("name", CLEAN_PLANS)
def test_clean_plans_fill_every_applicable_key(name: str) -> None:
    plan = plan_with(name)
    expected = {s.key for s in schema().keys_for(plan.kind)} - NOT_APPLICABLE.get(name, set())
    assert expected - set(plan.fields) == set()
    sub_maps = [k for k, s in schema().keys.items() if s.type == "bool_map" and k in expected]
    for key in sub_maps:
        assert set(plan.fields[key]) == set(schema().keys[key].subkeys)


def test_partial_draft_is_silent_about_unanswered_fields() -> None:
    fields = {"jurisdiction": "云南省昆明市嵩明县", "land_use": "住宅用地", "term_years": 75}
    draft = plan_with("songming-supply")
    draft.fields = {k: v for k, v in draft.fields.items() if k in ("prepared_date",)} | fields
    partial = check_plan(draft, partial=True)
    assert ids(partial) == {"sc55-term-max"}
    full = check_plan(draft)
    assert "sm-supply-plan-contents.deposit_yuan" in ids(full)
    assert "sc55-term-max" in ids(full)


def test_unanswered_yes_no_and_checklists_are_breaches_only_on_a_finished_plan() -> None:
    gaps = {
        "in_annual_supply_plan": None,
        "five_checks": None,
        "net_land": None,
        "archaeology_done": None,
        "existing_construction_land": None,
    }
    full = check("jiaozuo-supply", gaps)
    assert {"jz-five-checks-supply", "jz-net-land", "jz-archaeology-supply"} <= ids(full)
    msg = next(f.message for f in full.findings if f.rule_id == "jz-net-land")
    assert "拆迁安置已完成" in msg and "具备动工开发基本条件" in msg
    assert not ids(check("jiaozuo-supply", gaps, partial=True))


def test_reference_articles_are_info_in_the_counties_and_binding_in_the_city() -> None:
    xinmi = check("xinmi-supply", {"review_experts": 2})
    finding = next(f for f in xinmi.findings if f.rule_id == "zz4-review-experts")
    assert finding.severity == "info" and "参照执行" in finding.message
    assert xinmi.passed
    for place in ("上街区", "航空港区"):
        shangjie = check(
            "zhengzhou-residential-supply", {"review_experts": 2, "jurisdiction": place}
        )
        assert (
            next(f for f in shangjie.findings if f.rule_id == "zz4-review-experts").severity
            == "info"
        )
    city = check("zhengzhou-residential-supply", {"review_experts": 2})
    assert next(f for f in city.findings if f.rule_id == "zz4-review-experts").severity == "error"
    # price formation and bidding rules bind the counties too (六（四）)
    assert "zz4-circuit-breaker-range" in ids(check("xinmi-supply", {"circuit_breaker_pct": 135}))
    assert not check("xinmi-supply", {"circuit_breaker_pct": 135}).passed


def test_outside_the_knowledge_base_only_national_rules_apply() -> None:
    result = check(
        "songming-supply",
        {
            "jurisdiction": "北京市朝阳区",
            "circuit_breaker_pct": 200,
            "term_years": 80,
            "in_annual_supply_plan": False,
        },
    )
    docs = {f.cite.doc_id for f in result.findings}
    assert docs == {"state-council-55"}
    assert any("未载入该地的地方政策" in n for n in result.notes)
    assert result.place is None


def test_unknown_jurisdiction_is_bad_input_naming_the_key() -> None:
    with pytest.raises(BadInput) as err:
        check("songming-supply", {"jurisdiction": "qwertyuiop"})
    assert "jurisdiction" in err.value.zh and "jurisdiction" in err.value.en
    assert "qwertyuiop" in err.value.zh


def test_no_other_localitys_rule_ever_fires() -> None:
    local = {
        "zhengzhou-2021-4",
        "zhengzhou-2024-supply-plan",
        "xinmi-reserve-opinion",
        "songming-reserve-measures",
        "jiaozuo-2025-1",
    }
    allowed = {
        "zhengzhou-residential-supply": {"zhengzhou-2021-4", "zhengzhou-2024-supply-plan"},
        "songming-supply": {"songming-reserve-measures"},
        "jiaozuo-supply": {"jiaozuo-2025-1"},
        "xinmi-supply": {"xinmi-reserve-opinion", "zhengzhou-2021-4"},
    }
    broken = {
        "five_checks": {"soil_pollution": False},
        "in_annual_supply_plan": False,
        "appraisal_agencies": 1,
        "review_experts": 1,
        "net_land": {"no_disputes": False},
        "archaeology_done": False,
        "existing_construction_land": False,
        "circuit_breaker_pct": 150,
        "payment_deadline_days": 400,
        "bundled_facilities": None,
        "area_m2": 9e6,
    }
    for name, docs in allowed.items():
        fired: set[str] = set()
        for year in (2024, 2026):
            result = check(name, {**broken, "prepared_date": dt.date(year, 6, 1)})
            fired |= {f.cite.doc_id for f in result.findings} & local
        assert fired == docs, (name, fired)


def test_a_2026_plan_is_not_checked_against_the_2024_supply_plan_but_told_so() -> None:
    huge = {"area_m2": 9e6}
    y2026 = check("zhengzhou-residential-supply", huge)
    assert not any(f.cite.doc_id == "zhengzhou-2024-supply-plan" for f in y2026.findings)
    assert any("2026年度" in n and "供应计划" in n for n in y2026.notes)
    y2024 = check("zhengzhou-residential-supply", {**huge, "prepared_date": dt.date(2024, 6, 1)})
    assert "zz24-category-total" in ids(y2024)
    assert not any("年度的国有建设用地供应计划" in n for n in y2024.notes)
    assert "annual_plan_category_ha" in y2024.computed
    # a county is outside the 市本级 plan, in any year, and gets no such note
    xinmi = check("xinmi-supply", {**huge, "prepared_date": dt.date(2024, 6, 1)})
    assert "zz24-category-total" not in ids(xinmi)
    assert not any("供应计划" in n for n in check("xinmi-supply").notes)


def test_jiaozuo_relaxes_the_national_payment_deadline_and_says_so() -> None:
    relaxed = check("jiaozuo-supply", {"payment_deadline_days": 365})
    assert ids(relaxed) >= {"jz-payment-extension"}
    assert "sc55-payment-60-days" not in ids(relaxed)
    finding = next(f for f in relaxed.findings if f.rule_id == "jz-payment-extension")
    assert finding.severity == "warning" and relaxed.passed
    assert "六十日" in finding.message and "两年" in finding.message and "365" in finding.message
    too_late = check("jiaozuo-supply", {"payment_deadline_days": 800})
    assert {"jz-payment-two-years"} <= ids(too_late)
    assert not ids(too_late) & {"jz-payment-extension", "sc55-payment-60-days"}
    elsewhere = check("zhengzhou-residential-supply", {"payment_deadline_days": 365})
    assert "sc55-payment-60-days" in ids(elsewhere) and not elsewhere.passed


def test_a_local_rule_replaces_the_national_one_it_restates() -> None:
    songming = check("songming-reserve", {"temporary_use_years": 3})
    assert "sm-temporary-use" in ids(songming) and "lar-temporary-use" not in ids(songming)
    xinmi = check("xinmi-reserve", {"temporary_use_years": 3})
    assert "lar-temporary-use" in ids(xinmi)


def test_operating_land_by_allocation_reports_the_civil_code_only() -> None:
    commercial = {"supply_method": "划拨", "intended_users": 1, "land_use": "商服用地",
                  "planned_use": "商服用地"}  # fmt: skip
    result = check("zhengzhou-residential-supply", commercial)
    assert "cc-public-bidding-operating-land" in ids(result)
    assert "lal-allocation-scope" not in ids(result)


def test_housing_by_allocation_asks_for_the_legal_ground_instead_of_blocking() -> None:
    """民法典 第三百四十七条 names 商品住宅; housing the law lets be allocated is not barred."""
    result = check("zhengzhou-residential-supply", {"supply_method": "划拨", "intended_users": 1})
    assert "cc-public-bidding-operating-land" not in ids(result)
    warning = next(f for f in result.findings if f.rule_id == "lal-allocation-scope")
    assert warning.severity == "warning" and warning.cite.article == "第五十四条"


def test_findings_are_ordered_by_severity_and_deterministic() -> None:
    overrides = {
        "payment_deadline_days": 365,
        "bundled_facilities": None,
        "archaeology_done": False,
        "existing_construction_land": True,
    }
    a = check("jiaozuo-supply", overrides)
    b = check("jiaozuo-supply", overrides)
    assert a.findings == b.findings
    order = {"error": 0, "warning": 1, "info": 2}
    assert [order[f.severity] for f in a.findings] == sorted(order[f.severity] for f in a.findings)


def test_computed_values_appear_where_their_article_applies() -> None:
    res = check("zhengzhou-residential-supply").computed
    assert res["residual_floor_price_yuan_m2"] == 7500
    assert res["circuit_breaker_price_min_yuan"] == pytest.approx(792000000 * 1.2)
    assert res["max_term_years"] == 70
    ind = check("zhengzhou-industrial-supply").computed
    assert ind["correction_coefficient_min"] == pytest.approx(0.66)
    assert "circuit_breaker_price_min_yuan" not in ind
    sm = check("songming-reserve").computed
    assert sm["three_not_lower_floor_yuan"] == 41000000
    assert "residual_floor_price_yuan_m2" not in check("songming-supply").computed
    assert res["area_mu"] == pytest.approx(52.8)


def test_coefficient_message_states_requirement_and_value() -> None:
    result = check(
        "zhengzhou-industrial-supply", {"self_hold_pct": 70, "correction_coefficient": 0.55}
    )
    msg = next(f.message for f in result.findings if f.rule_id == "zz4-self-hold-coefficient-range")
    assert "按自持比例 70% 修正系数应在 0.62—0.7 之间，方案填写 0.55" in msg
    info = check(
        "zhengzhou-industrial-supply", {"self_hold_pct": 70, "correction_coefficient": 0.7}
    )
    msg = next(f.message for f in info.findings if f.rule_id == "zz4-self-hold-coefficient-decay")
    assert "可衰减至 0.62，方案填写 0.7" in msg


def test_rule_files_are_plain_yaml_data() -> None:
    from importlib import resources

    folder = resources.files("knowledge").joinpath("rules")
    for f in folder.iterdir():
        if f.name.endswith(".yaml"):
            assert isinstance(yaml.safe_load(f.read_text("utf-8")), dict), f.name


def test_coverage_lists_every_rule() -> None:
    from importlib import resources

    text = resources.files("knowledge").joinpath("rules/COVERAGE.md").read_text("utf-8")
    missing = sorted(
        {r.id.split(".")[0] for r in load_rules().rules if r.id.split(".")[0] not in text}
    )
    assert not missing, f"rules not in COVERAGE.md: {missing}"


def test_the_supply_plan_note_is_for_supply_plans_only() -> None:
    assert not any(
        "供应计划" in n for n in check("xinmi-reserve", {"jurisdiction": "郑州市金水区"}).notes
    )
    assert any(
        "供应计划" in n for n in check("xinmi-supply", {"jurisdiction": "郑州市金水区"}).notes
    )


def _value_strategy(spec: KeySpec) -> SearchStrategy[Any]:

    lo = spec.min if spec.min is not None else (spec.min_excl or 0) + 0.01
    hi = spec.max if spec.max is not None else 1e6
    if spec.type == "int":
        return st.integers(int(max(lo, 0)), int(min(hi, 1000)))
    if spec.type in ("area_m2", "money_yuan", "price_yuan_m2", "pct", "ratio", "float"):
        return st.floats(lo, min(hi, 1e9), allow_nan=False)
    if spec.type == "bool":
        return st.booleans()
    if spec.type == "date":
        return st.dates(dt.date(1985, 1, 1), dt.date(2030, 12, 31))
    if spec.type == "choice":
        return st.sampled_from(spec.choices)
    if spec.type == "bool_map":
        return st.dictionaries(st.sampled_from(spec.subkeys), st.booleans())
    if spec.type == "flag_text":
        return st.one_of(st.booleans(), st.text(min_size=1, max_size=5).filter(str.strip))
    return st.text(min_size=1, max_size=8).filter(str.strip)


def test_random_plans_never_crash_and_always_cite_existing_articles() -> None:
    from hypothesis import HealthCheck, given, settings

    from knowledge.corpus import load_corpus

    places = [
        "郑州市金水区",
        "新密市",
        "焦作市山阳区",
        "云南省昆明市嵩明县",
        "上街区",
        "北京市朝阳区",
    ]

    @st.composite
    def plans(draw: st.DrawFn) -> tuple[Plan, bool]:
        kind = draw(st.sampled_from(["reserve_plan", "supply_plan"]))
        specs = [s for s in schema().keys_for(kind) if s.key != "jurisdiction"]
        chosen = draw(st.lists(st.sampled_from(specs), unique_by=lambda s: s.key, max_size=25))
        fields = {s.key: draw(_value_strategy(s)) for s in chosen}
        fields["jurisdiction"] = draw(st.sampled_from(places))
        return Plan(kind, fields), draw(st.booleans())

    corpus = load_corpus()

    @settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(plans())
    def run(case: tuple[Plan, bool]) -> None:
        plan, partial = case
        result = check_plan(plan, partial=partial)
        for f in result.findings:
            assert corpus.article(f.cite.doc_id, f.cite.article) is not None
            assert "{" not in f.message
        assert result.passed == (not any(f.severity == "error" for f in result.findings))

    run()


def test_kb_validate_reports_a_rule_file_that_does_not_load(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from knowledge.rules_engine import validate as rv
    from knowledge.validate import run_all

    broken = RULE.replace("le: [term_years, 70]", "le: [term_yeras, 70]")
    monkeypatch.setattr(rv, "rule_files", lambda: [("broken.yaml", broken)])
    problems = [p for p in run_all() if "broken.yaml" in p.file]
    assert len(problems) == 1
    assert problems[0].line == 4 and "term_yeras" in problems[0].message
