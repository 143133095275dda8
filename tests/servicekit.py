"""Helpers for service, terminal and crash-resume tests: answer a form with its examples."""

from __future__ import annotations

from bot import services
from bot.dialogue import load_form
from bot.services import Reply
from storage.db import Database

MAX_TURNS = 200


def example_answer(kind: str, field: str) -> str:
    """The answer a test gives to `field`: the form's own example (是 for yes/no maps)."""
    f = load_form(kind).field(field)
    return "是" if f.is_map else f.example


def complete_dialogue(
    db: Database, user_id: int, reply: Reply, *, skip_optional: bool = False
) -> tuple[Reply, list[str]]:
    """Answer every question of the active draft with its example (or 跳过 for the optional
    ones with `skip_optional`) until the form is done."""
    assert reply.draft is not None
    kind = reply.draft.kind
    form = load_form(kind)
    asked: list[str] = []
    for _ in range(MAX_TURNS):
        if reply.done:
            return reply, asked
        assert reply.draft is not None and reply.draft.current_field, reply.text
        field = reply.draft.current_field
        asked.append(field)
        skip = skip_optional and form.field(field).optional
        reply = services.handle_message(
            db, user_id, text="跳过" if skip else example_answer(kind, field)
        )
    raise AssertionError(f"the {kind} dialogue did not finish in {MAX_TURNS} turns")


def answer_script(kind: str) -> list[str]:
    """The answers, in order, that complete a `kind` form with its examples (pure engine run,
    with the same checker as the services, so piping them into `landbot chat` completes it)."""
    from bot.dialogue import Inbound, make_checker, start, step

    form = load_form(kind)
    checker = make_checker()
    state, out = start(form, checker=checker)
    answers: list[str] = []
    while not out.done:
        assert state.current is not None and len(answers) < MAX_TURNS
        answers.append(example_answer(kind, state.current))
        state, out = step(form, state, Inbound(text=answers[-1]), checker=checker)
    return answers
