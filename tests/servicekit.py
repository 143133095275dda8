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


def complete_dialogue(db: Database, user_id: int, reply: Reply) -> tuple[Reply, list[str]]:
    """Answer every question of the active draft with its example until the form is done."""
    assert reply.draft is not None
    kind = reply.draft.kind
    asked: list[str] = []
    for _ in range(MAX_TURNS):
        if reply.done:
            return reply, asked
        assert reply.draft is not None and reply.draft.current_field, reply.text
        field = reply.draft.current_field
        asked.append(field)
        reply = services.handle_message(db, user_id, text=example_answer(kind, field))
    raise AssertionError(f"the {kind} dialogue did not finish in {MAX_TURNS} turns")
