"""Recognise a question that describes a parcel and answer it with the procedure advisor.

`landbot ask` (and the chat) call `procedure_for_question(question)`: the CONTRACT §4
`procedure` object when the question describes a parcel ("新密市城区一块30亩的集体土地，规划住宅，
在做地范围内，怎么走程序？"), else None (a pure policy question such as "熔断以后怎么定竞得人").
The object carries two extra keys: `facts` (what was read from the question, as parcel keys)
and `missing` (what the advisor still needs, each with its question).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from knowledge.errors import BadInput

if TYPE_CHECKING:
    from knowledge.procedure.result import ProcedureResult


def extract_parcel_facts(question: str) -> dict[str, Any] | None:
    """The parcel keys the question states (plus `as_of` when it names a date), or None when
    the question does not describe a parcel."""
    from knowledge.procedure.extract import extract_facts

    ex = extract_facts(question)
    if not ex.describes_parcel:
        return None
    out: dict[str, Any] = dict(ex.fields)
    if ex.as_of is not None:
        out["as_of"] = ex.as_of
    return out


def advice_for_question(
    question: str, as_of: dt.date | None = None
) -> tuple[ProcedureResult, dict[str, Any]] | None:
    """The advisor's result and the facts read from the question, or None when the question
    does not describe a parcel.

    A date in the question ("2024年") decides which rules were in force; otherwise `as_of`,
    otherwise today.
    """
    from knowledge.plan import normalise_fields
    from knowledge.procedure import advise_fields

    facts = extract_parcel_facts(question)
    if facts is None:
        return None
    when = facts.pop("as_of", None) or as_of
    try:
        fields = normalise_fields("parcel", facts)
    except BadInput:  # an extracted value out of range: drop the doubtful keys, keep the rest
        fields = {}
        for key, value in facts.items():
            try:
                fields.update(normalise_fields("parcel", {key: value}))
            except BadInput:
                continue
    try:
        result = advise_fields(fields, when)
    except BadInput:
        fields.pop("jurisdiction", None)
        result = advise_fields(fields, when)
    return result, fields


def procedure_for_question(question: str, as_of: dt.date | None = None) -> dict[str, Any] | None:
    """The `procedure` object of CONTRACT §4 when the question describes a parcel, else None."""
    advice = advice_for_question(question, as_of)
    if advice is None:
        return None
    return procedure_object(*advice)


def procedure_object(result: ProcedureResult, fields: dict[str, Any]) -> dict[str, Any]:
    """The advisor's JSON object plus the `facts` read from the question."""
    out = result.to_json()
    out["facts"] = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in fields.items()}
    return out
