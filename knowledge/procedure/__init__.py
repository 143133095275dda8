"""The procedure advisor (issue 5): which procedure applies to a parcel, every item cited.

    from knowledge.procedure import advise, missing_facts
    result = advise(parcel_plan, as_of)      # ProcedureResult
    result.to_json()                         # CONTRACT §4 `procedure` object
    missing_facts(fields)                    # [(key, question_zh), ...] still needed

The knowledge lives in `data/*.yaml` (grounds, steps, methods, preconditions, questions); see
`loader.py` for validation and `facts.py` for the condition keys.
"""

from knowledge.procedure.advisor import advise, advise_fields, missing_facts
from knowledge.procedure.loader import ProcedureDataError, load_knowledge, validate
from knowledge.procedure.render import render_checklist
from knowledge.procedure.result import ProcedureResult

__all__ = [
    "ProcedureDataError",
    "ProcedureResult",
    "advise",
    "advise_fields",
    "load_knowledge",
    "missing_facts",
    "render_checklist",
    "validate",
]
