"""`landbot kb validate` for the rule files: they load (known operators, fields, computed values,
formats, rule ids — else the file and rule are named), every rule and calculator cites an article
that exists in the corpus, every `see_also` quotes an existing article verbatim, and the lookup
tables agree with the structured plan figures."""

from __future__ import annotations

from importlib import resources

from knowledge.problems import Problem, check_cite, display_path
from knowledge.rules_engine.loader import Rule, RuleError, RuleSet, load_rules_from, rule_files


def _path(name: str) -> str:
    return display_path(resources.files("knowledge").joinpath("rules").joinpath(name))


def validate_rules() -> list[Problem]:
    """Problems of the packaged rule files (empty when all is well)."""
    try:
        ruleset = load_rules_from(rule_files())
    except RuleError as exc:
        return [Problem(_path(exc.file), exc.line, f"规则无法加载 / rule does not load: {exc}")]
    return validate_ruleset(ruleset)


def validate_ruleset(ruleset: RuleSet) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    for rule in ruleset.rules:
        key = (rule.doc_id, rule.article)
        problem = check_cite(rule.doc_id, rule.article, _path(rule.source), rule.line)
        if problem is not None and key not in seen:
            problems.append(Problem(problem.file, problem.line, f"{rule.id}: {problem.message}"))
        seen.add(key)
        problems.extend(_check_see_also(rule))
    for d in ruleset.derived.values():
        if d.doc_id is None:
            continue
        problem = check_cite(d.doc_id, d.article, "knowledge/rules_engine/derived.py", None)
        if problem is not None:
            problems.append(Problem(problem.file, problem.line, f"{d.name}: {problem.message}"))
    problems.extend(_check_plan_figures(ruleset))
    return problems


def _check_see_also(rule: Rule) -> list[Problem]:
    """Each `see_also` entry names an existing article and quotes it verbatim."""
    from knowledge.corpus import load_corpus

    problems = []
    for extra in rule.see_also:
        problem = check_cite(extra.doc_id, extra.article, _path(rule.source), rule.line)
        if problem is not None:
            problems.append(
                Problem(problem.file, problem.line, f"{rule.id} see_also: {problem.message}")
            )
            continue
        article = load_corpus().article(extra.doc_id, extra.article)
        if article is not None and extra.quote not in article.text:
            problems.append(
                Problem(
                    _path(rule.source),
                    rule.line,
                    f"{rule.id} see_also: 引文不是 {extra.doc_id} {extra.article} 的原文 / "
                    f"the quote is not verbatim in the article: {extra.quote!r}",
                )
            )
    return problems


def _check_plan_figures(ruleset: RuleSet) -> list[Problem]:
    """The 2024 supply plan table must repeat the plan's own figures (knowledge/data)."""
    table = ruleset.derived.get("annual_plan_category_ha")
    if table is None:
        return []
    from knowledge import plan_figures

    figures = plan_figures.zhengzhou_2024_supply_plan()
    known = {float(c.hectares) for c in figures.categories}
    problems = []
    for use in (
        "住宅用地",
        "商服用地",
        "工业用地",
        "仓储用地",
        "公共管理与公共服务用地",
        "特殊用地",
        "交通运输用地",
        "水域及水利设施用地",
    ):
        value = table.compute({"land_use": use})
        if value is not None and float(value) not in known:
            problems.append(
                Problem(
                    _path("zhengzhou-2024-supply-plan.yaml"),
                    None,
                    f"annual_plan_category_ha[{use}] = {value} 不是计划四（二）中的数字",
                )
            )
    return problems
