"""Engine transcripts: each YAML file in tests/data/transcripts is a session.

A transcript names the form (`kind`), optionally `today`, `checker: fake` (a small checker
defined here, standing in for the policy rules) and `prefill`. Each step is `user: TEXT` or
`button: DATA` (the first may be `start: true`) with expectations:

    bot_contains: [fragments that must all appear in the replies]
    bot_not_contains: [fragments that must not appear]
    kinds: [message kinds that must all be among the replies]
    state: {current: KEY|null, current_sub: SUB, answers: {KEY: VALUE}, skipped: [KEYS],
            missing: [KEYS not in answers]}
    unchanged: true        # the state is exactly the one before the step
    done: true|false       # Outbound.done
    cancelled: true|false  # Outbound.cancelled
    changes: [KEYS]        # keys in Outbound.changes (exactly, in order)
    errors: true|false     # has_errors(state)
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.dialogue import (
    DialogueState,
    Inbound,
    Outbound,
    answers_to_plan,
    has_errors,
    load_form,
    start,
    step,
)
from knowledge.checks import CheckResult
from knowledge.citation import Cite
from knowledge.findings import Finding

HERE = Path(__file__).parent / "data" / "transcripts"
FILES = sorted(HERE.glob("*.yaml"))


def fake_checker(kind: str, answers: Mapping[str, Any], complete: bool = False) -> CheckResult:
    """Two stand-in rules so the transcripts can exercise the findings hook."""
    findings = []
    pct = answers.get("circuit_breaker_pct")
    if isinstance(pct, float) and not 120 <= pct <= 130:
        findings.append(
            Finding(
                "test-breaker",
                "error",
                "circuit_breaker_pct",
                "熔断比例应在起始价的120%—130%之间",
                Cite("zhengzhou-2021-4", "四（二）"),
            )
        )
    years = answers.get("temporary_use_years")
    if isinstance(years, float) and years > 2:
        findings.append(
            Finding(
                "test-temporary",
                "warning",
                "temporary_use_years",
                "储备土地的临时利用一般不超过两年",
                Cite("songming-reserve-measures", "第十九条"),
            )
        )
    return CheckResult(kind=kind, findings=findings)


def _check_state(expected: Mapping[str, Any], state: DialogueState, where: str) -> None:
    for key, want in expected.items():
        if key == "answers":
            for k, v in want.items():
                assert state.answers.get(k) == v, (
                    f"{where}: answers[{k}] = {state.answers.get(k)!r}"
                )
        elif key == "missing":
            for k in want:
                assert k not in state.answers, f"{where}: {k} should have no answer"
        elif key == "skipped":
            assert sorted(state.skipped) == sorted(want), f"{where}: skipped {state.skipped}"
        else:
            got = getattr(state, key)
            assert got == want, f"{where}: state.{key} = {got!r}, expected {want!r}"


def _check_out(
    step_def: Mapping[str, Any], out: Outbound, state: DialogueState, where: str
) -> None:
    text = out.text
    for frag in step_def.get("bot_contains", []):
        assert str(frag) in text, f"{where}: {frag!r} not in reply:\n{text}"
    for frag in step_def.get("bot_not_contains", []):
        assert str(frag) not in text, f"{where}: {frag!r} unexpectedly in reply:\n{text}"
    kinds = [m.kind for m in out.messages]
    for kind in step_def.get("kinds", []):
        assert kind in kinds, f"{where}: no {kind} message in {kinds}"
    for flag in ("done", "cancelled"):
        if flag in step_def:
            assert getattr(out, flag) is step_def[flag], f"{where}: {flag} = {getattr(out, flag)}"
    if "changes" in step_def:
        assert [c.key for c in out.changes] == step_def["changes"], f"{where}: {out.changes}"
    if "errors" in step_def:
        assert has_errors(state) is step_def["errors"], f"{where}: findings {state.findings}"
    for message in out.messages:
        for row in message.buttons:
            for b in row:
                assert b.data.isascii() and len(b.data.encode()) <= 40, f"{where}: {b.data!r}"


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_transcript(path: Path) -> None:
    script = yaml.safe_load(path.read_text("utf-8"))
    form = load_form(script["kind"])
    today = script.get("today")
    if isinstance(today, str):
        today = dt.date.fromisoformat(today)
    checker = fake_checker if script.get("checker") == "fake" else None
    steps = list(script["steps"])
    first = steps[0] if steps and "start" in steps[0] else {}
    if first:
        steps = steps[1:]
    state, out = start(form, checker=checker, prefill=script.get("prefill"), today=today)
    _check_out(first, out, state, f"{path.name} start")
    _check_state(first.get("state", {}), state, f"{path.name} start")
    for i, step_def in enumerate(steps, 1):
        where = f"{path.name} step {i} ({step_def.get('user', step_def.get('button'))!r})"
        before = json.dumps(state.to_json(), sort_keys=True, ensure_ascii=False)
        if "button" in step_def:
            inbound = Inbound(button=str(step_def["button"]))
        else:
            inbound = Inbound(text=str(step_def["user"]))
        new_state, out = step(form, state, inbound, checker=checker, today=today)
        # The state given to step is never modified, and the new one survives JSON.
        assert json.dumps(state.to_json(), sort_keys=True, ensure_ascii=False) == before
        round_trip = DialogueState.from_json(json.loads(json.dumps(new_state.to_json())))
        assert round_trip == new_state, where
        if step_def.get("unchanged"):
            after = json.dumps(new_state.to_json(), sort_keys=True, ensure_ascii=False)
            assert after == before, f"{where}: state changed"
            assert out.changes == [], where
        _check_out(step_def, out, new_state, where)
        _check_state(step_def.get("state", {}), new_state, where)
        state = new_state
    if script.get("plan"):
        plan = answers_to_plan(state)
        for key, want in script["plan"].items():
            got = plan.fields.get(key)
            got = got.isoformat() if isinstance(got, dt.date) else got
            assert got == want, f"{path.name}: plan[{key}] = {got!r}"


def test_transcripts_exist_for_both_forms() -> None:
    kinds = {yaml.safe_load(p.read_text("utf-8"))["kind"] for p in FILES}
    assert kinds == {"reserve_plan", "supply_plan"}
    assert resources.files("bot.dialogue.forms").joinpath("reserve_plan.yaml").is_file()
