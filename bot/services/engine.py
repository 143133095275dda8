"""The one place services meet the dialogue engine: forms, checker, state, summaries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import cache
from typing import Any

from bot.dialogue import (
    Checker,
    DialogueState,
    Form,
    Inbound,
    Message,
    Outbound,
    load_form,
    make_checker,
    multi,
    resume,
    review_card,
    start,
    step,
)
from bot.dialogue import is_complete as form_complete
from bot.dialogue.form import FormField
from bot.services.results import DraftSummary
from knowledge.plan import KIND_LABELS, PLAN_KINDS
from storage.domain import Draft

TITLE_CHARS = 200


@cache
def checker(today: dt.date | None = None) -> Checker:
    """The policy checker the engine calls after every answer (one per `today`)."""
    return make_checker(today)


def form_for(kind: str) -> Form:
    return load_form(kind)


def warm() -> None:
    """Load the forms, the policy rules and the places now, at start-up, not on the first
    answer: the first answer of a process read the rule files (about half a second), and every
    request that came in meanwhile waited behind it (the slow tail of `bench web` paced)."""
    from knowledge.checks import preload

    for kind in PLAN_KINDS:
        form_for(kind)
    preload()


def state_of(draft: Draft) -> DialogueState:
    """The stored engine state of a draft."""
    return DialogueState.from_json(draft.state)


def begin(kind: str, *, prefill: dict[str, Any] | None = None, today: dt.date | None = None,
          from_file: bool = False) -> tuple[DialogueState, Outbound]:  # fmt: skip
    return start(form_for(kind), checker=checker(today), prefill=prefill, today=today,
                 from_file=from_file)  # fmt: skip


def advance(
    kind: str, state: DialogueState, inbound: Inbound, *, today: dt.date | None = None
) -> tuple[DialogueState, Outbound]:
    return step(form_for(kind), state, inbound, checker=checker(today), today=today)


def where_it_stands(kind: str, state: DialogueState) -> list[Message]:
    """The question a draft is waiting for, or that it is complete (for a resumed draft)."""
    return resume(form_for(kind), state).messages


def card(kind: str, state: DialogueState) -> Message:
    return review_card(form_for(kind), state)


def columns(state: DialogueState) -> dict[str, Any]:
    """The draft columns that mirror the state (for listing without the engine)."""
    title = state.answers.get("project_name")
    return {
        "state": state.to_json(),
        "current_field": state.current,
        "title": str(title)[:TITLE_CHARS] if title else None,
        "complete": is_complete(state),
    }


def is_complete(state: DialogueState) -> bool:
    return form_complete(form_for(state.kind), state)


def _answered(state: DialogueState, f: FormField) -> bool:
    """Answered or skipped (a map field: every sub-question of it)."""
    if f.key in state.skipped:
        return True
    value = state.answers.get(f.key)
    if f.is_map:
        return isinstance(value, Mapping) and all(sub in value for sub in f.spec.subkeys)
    return value is not None


def summary(draft: Draft, state: DialogueState | None = None) -> DraftSummary:
    """How a draft is listed: kind, title, status, progress (`state`: its parsed state)."""
    if state is None:
        state = state_of(draft)
    form = form_for(draft.kind)
    fields = form.applying(state.answers).fields
    answered = sum(1 for f in fields if _answered(state, f))
    current_label = form.field(state.current).label if state.current else None
    return DraftSummary(
        id=draft.id,
        kind=draft.kind,
        kind_label=KIND_LABELS.get(draft.kind, draft.kind),
        status=draft.status,
        status_label=draft.status_label,
        title=draft.title,
        current_field=state.current,
        current_label=current_label,
        answered=answered,
        total=len(fields),
        complete=draft.complete,
        editable=draft.editable,
        parent_id=draft.parent_id,
        created_at=draft.created_at,
        updated_at=draft.updated_at,
        version=draft.version,
        position=next((i for i, f in enumerate(fields, 1) if f.key == state.current), 0),
        pending=pending_shown(form, state),
    )


def pending_shown(form: Form, state: DialogueState) -> tuple[tuple[str, str, str], ...]:
    """The answers of a multi-field message waiting for 确认: (key or key.sub, label, value)."""
    out = []
    for item in multi.pending_items(state):
        if form.has(item.key):
            label, value = multi.shown(form, item)
            out.append((item.key + (f".{item.sub}" if item.sub else ""), label, value))
    return tuple(out)


def info(text: str) -> Message:
    return Message(text, "info")


def error(text: str) -> Message:
    return Message(text, "error")
