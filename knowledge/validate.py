"""The knowledge base's own validators for `landbot kb validate`.

Each is a function without arguments returning a list of `knowledge.problems.Problem`; the
validators themselves live with their areas (knowledge/validate_corpus.py: corpus,
jurisdictions, plan figures; knowledge/rules_engine/validate.py; knowledge/procedure/loader.py)
and each is imported only when it runs. `VALIDATORS` lists them; the command
(bot/commands/kb.py) composes them with the layers above (the templates' check) and runs them
with `knowledge.problems.run_validators`.
"""

from __future__ import annotations

from knowledge.problems import Problem, Validator, run_validators

# ------------------------------------------------------------------------- the registry


def validate_corpus() -> list[Problem]:
    """Schema, labels, dates, scope ids of every corpus YAML."""
    from knowledge.validate_corpus import validate_corpus as run

    return run()


def validate_jurisdictions() -> list[Problem]:
    """The hierarchy loads, ids are unique, aliases point to one place each."""
    from knowledge.validate_corpus import validate_jurisdictions as run

    return run()


def validate_plan_figures() -> list[Problem]:
    """The structured data adds up and cites existing articles."""
    from knowledge.validate_corpus import validate_plan_figures as run

    return run()


def validate_supply_plans() -> list[Problem]:
    """The annual supply plans (issue 11): the figures by use add up to the total the text
    states, every figure and milestone is in its article, the scope names real places."""
    from knowledge.validate_supply_plans import validate_supply_plans as run

    return run()


def validate_rules() -> list[Problem]:
    """The policy rules of knowledge/rules (issue 4): they load and cite existing articles."""
    from knowledge.rules_engine.validate import validate_rules as run

    return run()


def validate_procedure() -> list[Problem]:
    """The procedure advisor's data (issue 5): well-formed, every citation resolves."""
    from knowledge.procedure.loader import locate, validate

    return [Problem(*locate(p)) for p in validate()]


VALIDATORS: list[Validator] = [
    validate_corpus,
    validate_jurisdictions,
    validate_plan_figures,
    validate_supply_plans,
    validate_rules,
    validate_procedure,
]


def run_all() -> list[Problem]:
    """Run the knowledge base's validators (without the templates, a layer above)."""
    return run_validators(VALIDATORS)
