"""The dialogue engine: forms as data, field parsers, pure `start`/`step` functions.

    form = load_form("supply_plan")
    state, out = start(form, checker=make_checker(today), today=today)
    state, out = step(form, state, Inbound(text="50亩"), checker=..., today=today)

No database, no Telegram, no clock it did not receive. Services store `state.to_json()`.
"""

from __future__ import annotations

from bot.dialogue.checking import Checker, current_findings, has_errors, make_checker
from bot.dialogue.display import review_card as _review_card
from bot.dialogue.engine import resume, start, step
from bot.dialogue.form import Form, FormError, FormField, load_form, load_form_text
from bot.dialogue.navigation import first_missing
from bot.dialogue.types import Button, Change, DialogueState, Inbound, Message, Outbound
from knowledge.findings import Finding
from knowledge.plan import Plan, normalise_fields


def review_card(
    form: Form, state: DialogueState, findings: tuple[Finding, ...] | list[Finding] = ()
) -> Message:
    """All answers grouped by section, what is missing, and the given findings."""
    return _review_card(form, state, findings)


def answers_to_plan(state: DialogueState) -> Plan:
    """The answers as a `Plan` with normalised values (dates as `datetime.date`)."""
    return Plan(state.kind, normalise_fields(state.kind, state.answers))


def is_complete(form: Form, state: DialogueState) -> bool:
    """Every applicable item is answered or skipped."""
    return first_missing(form, state) is None


__all__ = [
    "Button",
    "Change",
    "Checker",
    "DialogueState",
    "Form",
    "FormError",
    "FormField",
    "Inbound",
    "Message",
    "Outbound",
    "answers_to_plan",
    "current_findings",
    "has_errors",
    "is_complete",
    "load_form",
    "load_form_text",
    "make_checker",
    "resume",
    "review_card",
    "start",
    "step",
]
