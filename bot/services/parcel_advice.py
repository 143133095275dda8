"""程序判定 in a chat: ask only the parcel facts the procedure advisor still needs, then answer.

The facts collected so far live in the user's chat session (`chat_sessions.data`), so a
restart loses nothing. Answers are parsed with the dialogue engine's field parsers (the
same normalisation as the forms); the advisor (`knowledge.procedure`) decides which fact
matters next. Every call is one transaction with the update id claimed in it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from bot.dialogue.parsers import Ambiguous, ParseError, parse_answer
from bot.services.transaction import load_user, transact
from knowledge.plan import KeySpec, schema
from storage.db import Database, UnitOfWork

MODE = "procedure"
MAX_ROUNDS = 20  # more questions than the advisor has keys never happen; a hard stop anyway


@dataclass(frozen=True)
class Choice:
    label: str
    value: str  # short ASCII id: "1"/"0" for yes/no, the choice index otherwise


@dataclass(frozen=True)
class Turn:
    """What to say: an error line, the next question (with choices), or the checklist."""

    key: str | None = None
    question: str | None = None
    choices: list[Choice] = field(default_factory=list)
    error: str | None = None
    checklist: str | None = None
    duplicate: bool = False
    stale: bool = False


def _spec(key: str) -> KeySpec | None:
    return schema().keys.get(key)


def _choices(spec: KeySpec | None) -> list[Choice]:
    if spec is None:
        return []
    if spec.type == "bool":
        return [Choice("是", "1"), Choice("否", "0")]
    if spec.type == "choice":
        return [Choice(c, str(i)) for i, c in enumerate(spec.choices)]
    return []


def _next(fields: dict[str, Any], rounds: int, as_of: dt.date | None) -> Turn:
    from knowledge.procedure import advise_fields, render_checklist

    result = advise_fields(fields, as_of)
    if result.missing and rounds < MAX_ROUNDS:
        key, question = result.missing[0]
        return Turn(key=key, question=question, choices=_choices(_spec(key)))
    return Turn(checklist=render_checklist(result))


def _save(uow: UnitOfWork, user_id: int, fields: dict[str, Any], turn: Turn, rounds: int) -> None:
    keep = uow.chat_sessions.active_draft_id(user_id)
    if turn.checklist is not None:
        uow.chat_sessions.set(user_id, active_draft_id=keep, mode=None)
        uow.chat_sessions.set_data(user_id, None)
    else:
        uow.chat_sessions.set(user_id, active_draft_id=keep, mode=MODE)
        uow.chat_sessions.set_data(
            user_id,
            {"fields": fields, "asking": turn.key, "question": turn.question, "rounds": rounds},
        )


def begin(
    db: Database, user_id: int, *, update_id: int | None = None, as_of: dt.date | None = None
) -> Turn:
    """Start 程序判定: forget earlier facts, ask the first question."""

    def work(uow: UnitOfWork) -> Turn:
        user = load_user(uow, user_id)
        if update_id is not None and not uow.processed.claim(user.channel, update_id):
            return Turn(duplicate=True)
        turn = _next({}, 0, as_of)
        _save(uow, user.id, {}, turn, 0)
        uow.commit()
        return turn

    return transact(db, work)


def answer(
    db: Database,
    user_id: int,
    *,
    text: str | None = None,
    key: str | None = None,
    value: str | None = None,
    update_id: int | None = None,
    as_of: dt.date | None = None,
) -> Turn:
    """A typed answer to the question asked, or a pressed choice (`key`, `value` id)."""

    def work(uow: UnitOfWork) -> Turn:
        user = load_user(uow, user_id)
        if update_id is not None and not uow.processed.claim(user.channel, update_id):
            return Turn(duplicate=True)
        data = uow.chat_sessions.data(user.id) or {}
        if uow.chat_sessions.mode(user.id) != MODE or not isinstance(data.get("fields"), dict):
            return Turn(stale=True)
        fields: dict[str, Any] = dict(data["fields"])
        asking = data.get("asking")
        rounds = int(data.get("rounds", 0))
        spec = _spec(asking) if isinstance(asking, str) else None
        if spec is None or (key is not None and key != asking):
            return Turn(stale=True)
        if key is not None:
            parsed = _from_choice(spec, value or "")
            if parsed is None:
                return Turn(stale=True)
        else:
            try:
                result = parse_answer(spec, (text or "").strip())
            except ParseError as exc:
                return Turn(key=asking, error=exc.zh, choices=_choices(spec),
                            question=data.get("question"))  # fmt: skip
            if isinstance(result, Ambiguous):
                options = [Choice(o, str(spec.choices.index(o))) for o in result.options
                           if o in spec.choices]  # fmt: skip
                return Turn(key=asking, error="请确认您指的是哪一项：", choices=options)
            parsed = result.value
        fields[str(asking)] = parsed
        turn = _next(fields, rounds + 1, as_of)
        _save(uow, user.id, fields, turn, rounds + 1)
        uow.commit()
        return turn

    return transact(db, work)


def _from_choice(spec: KeySpec, value: str) -> Any:
    if spec.type == "bool" and value in ("0", "1"):
        return value == "1"
    if spec.type == "choice" and value.isdigit() and int(value) < len(spec.choices):
        return spec.choices[int(value)]
    return None
