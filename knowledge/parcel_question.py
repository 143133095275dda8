"""Recognise a question that describes a parcel and answer it with the procedure advisor.

Placeholder: issue 5 fills it in. `landbot ask` and the chat call `procedure_for_question`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any


def procedure_for_question(question: str, as_of: dt.date | None = None) -> dict[str, Any] | None:
    """The `procedure` object of CONTRACT §4 when the question describes a parcel, else None."""
    return None
