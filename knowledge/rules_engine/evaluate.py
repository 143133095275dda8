"""Run the compiled rules on one plan at one place and date.

Only rules whose document (and article) applies to the place on the date are evaluated
(`knowledge.corpus.applicability`). A rule whose article is only to be referred to there
("reference", 参照执行 — e.g. 郑政〔2021〕4号 六（四） for the counties) is reported as `info` with
a note saying so, whatever its own severity. Then `replaces` (a rule in force there takes the
place of another), `suppresses` (a rule that fires hides another) and `relaxes` (a local rule
relaxing a national one) are applied. A rule's `see_also` articles that apply here are quoted
at the end of its message (context only: the severity and the citation stay the rule's).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from knowledge.citation import Cite
from knowledge.findings import SEVERITY_ORDER, Finding
from knowledge.jurisdictions import Place
from knowledge.rules_engine.conditions import Context
from knowledge.rules_engine.loader import Names, Rule, RuleSet, names

Applicability = Callable[[str, Place | None, dt.date, str | None], str | None]
REFERENCE_SUFFIX = ("（该条款在", "为参照执行，仅作提示）")


@lru_cache(maxsize=8192)
def corpus_applicability(
    doc_id: str, place: Place | None, on: dt.date, article: str | None = None
) -> str | None:
    """`knowledge.corpus.applicability`, memoised (rules are checked on every dialogue turn)."""
    from knowledge.corpus import applicability

    return applicability(doc_id, place, on, article)


@dataclass
class Evaluation:
    findings: list[Finding] = field(default_factory=list)
    computed: dict[str, Any] = field(default_factory=dict)
    documents: set[str] = field(default_factory=set)  # documents with a rule in force here
    fired: set[str] = field(default_factory=set)  # rule ids that fired (before replacement)


def flatten(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Plan fields plus `map.sub_key` entries for the bool maps."""
    out = dict(fields)
    for key, value in fields.items():
        if isinstance(value, Mapping):
            for sub, v in value.items():
                out[f"{key}.{sub}"] = v
    return out


def _pending(values: Mapping[str, Any], ns: Names) -> dict[str, str]:
    out = {}
    for key, subs in ns.submaps.items():
        value = values.get(key)
        given = value if isinstance(value, Mapping) else {}
        out[key] = "、".join(ns.labels[f"{key}.{s}"] for s in subs if given.get(s) is not True)
    return out


def evaluate(
    ruleset: RuleSet,
    kind: str,
    fields: Mapping[str, Any],
    place: Place | None,
    on: dt.date,
    *,
    partial: bool = False,
    place_name: str = "该地",
    applicability: Applicability = corpus_applicability,
) -> Evaluation:
    ns = names()
    values = flatten(fields)
    derived_values = {}
    for name, d in ruleset.derived.items():
        if kind in d.kinds:
            derived_values[name] = d.compute(values)
    values.update(derived_values)
    ctx = Context(values, partial=partial, submaps=ns.submaps)
    result = Evaluation()

    here = _in_force_here(ruleset, kind, place, on, applicability)
    result.documents = set(here.documents)
    fired: list[Rule] = [r for r in here.rules if _fires(r, ctx)]
    result.fired = {r.id for r in fired}
    dropped: set[str] = set(here.replaced)
    for rule in fired:
        dropped.update(rule.suppresses)
    in_force, order = here.levels, here.order

    pending = _pending(values, ns)
    for rule in fired:
        if rule.id in dropped:
            continue
        message = rule.message.render(
            {**values, **rule.params, "_place": place_name}, pending=pending
        )
        for extra in rule.see_also:  # a local article quoted as context, where it applies
            if extra.when is not None and extra.when.eval(ctx) is not True:
                continue
            if applicability(extra.doc_id, place, on, extra.article) is not None:
                message += extra.text()
        severity = rule.severity
        if in_force[rule.id] == "reference":
            severity = "info"
            message += REFERENCE_SUFFIX[0] + place_name + REFERENCE_SUFFIX[1]
        result.findings.append(
            Finding(
                rule_id=rule.id,
                severity=severity,  # type: ignore[arg-type]
                field=rule.field,
                message=message,
                cite=Cite(rule.doc_id, rule.article),
            )
        )
    result.findings.sort(key=lambda f: (SEVERITY_ORDER[f.severity], order[f.rule_id]))

    for name, d in ruleset.derived.items():
        value = derived_values.get(name)
        if value is None:
            continue
        if name not in here.derived:
            continue
        if d.publish_if is not None and not d.publish_if(values):
            continue
        result.computed[name] = round(float(value), d.digits)
    return result


@dataclass(frozen=True)
class _InForce:
    """What of a rule set is in force for one kind of plan at one place and date."""

    rules: tuple[Rule, ...]  # the rules in force, in rule-set order
    levels: Mapping[str, str]  # rule id → applicability level ("binding", "reference", …)
    order: Mapping[str, int]  # rule id → position among all the kind's rules
    documents: frozenset[str]  # documents with a rule in force
    replaced: frozenset[str]  # rule ids replaced by a rule in force
    derived: frozenset[str]  # derived values whose source is in force (or that have none)


_IN_FORCE: dict[tuple[int, str, Place | None, dt.date], tuple[RuleSet, _InForce]] = {}
IN_FORCE_LIMIT = 1024


def _in_force_here(ruleset: RuleSet, kind: str, place: Place | None, on: dt.date,
                   applicability: Applicability) -> _InForce:  # fmt: skip
    """`_work_out_in_force`, remembered for the packaged corpus (a dialogue checks the same
    place and date on every turn); a caller's own applicability is asked every time."""
    if applicability is not corpus_applicability:
        return _work_out_in_force(ruleset, kind, place, on, applicability)
    key = (id(ruleset), kind, place, on)
    found = _IN_FORCE.get(key)
    if found is None or found[0] is not ruleset:
        if len(_IN_FORCE) >= IN_FORCE_LIMIT:
            _IN_FORCE.clear()
        found = (ruleset, _work_out_in_force(ruleset, kind, place, on, applicability))
        _IN_FORCE[key] = found
    return found[1]


def _work_out_in_force(ruleset: RuleSet, kind: str, place: Place | None, on: dt.date,
                       applicability: Applicability) -> _InForce:  # fmt: skip
    rules = ruleset.for_kind(kind)
    levels: dict[str, str] = {}
    for rule in rules:
        level = applicability(rule.doc_id, place, on, rule.article)
        if level is not None:
            levels[rule.id] = level
    replaced: set[str] = set()
    for rule in rules:
        if rule.id in levels:
            replaced.update(rule.replaces)
    derived = frozenset(
        name
        for name, d in ruleset.derived.items()
        if d.doc_id is None or applicability(d.doc_id, place, on, d.article) is not None
    )
    return _InForce(
        rules=tuple(r for r in rules if r.id in levels),
        levels=levels,
        order={r.id: i for i, r in enumerate(rules)},
        documents=frozenset(r.doc_id for r in rules if r.id in levels),
        replaced=frozenset(replaced),
        derived=derived,
    )


def _fires(rule: Rule, ctx: Context) -> bool:
    if rule.when is not None and rule.when.eval(ctx) is not True:
        return False
    if rule.require is None:  # an informational rule: fires whenever it applies
        return True
    return rule.require.eval(ctx) is False
