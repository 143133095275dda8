"""The policy-check hook of the dialogue: run the checker, report what changed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from bot.dialogue.display import finding_from_json, finding_line, sort_findings
from bot.dialogue.form import Form
from bot.dialogue.types import Button, DialogueState, Message
from knowledge.checks import CheckResult
from knowledge.findings import Finding

# (kind, answers, complete) → result. `complete` is True once every applicable field is answered
# or skipped: from then on the check is the full one `landbot check` runs on the exported plan.
Checker = Callable[[str, Mapping[str, Any], bool], CheckResult]


def make_checker(today: dt.date | None = None) -> Checker:
    """The checker services pass to the engine: `check_plan` on the answers, partial (silent
    about fields not answered yet) until the form is complete, then the full check."""

    def check(kind: str, answers: Mapping[str, Any], complete: bool) -> CheckResult:
        from knowledge.checks import check_plan
        from knowledge.plan import Plan, normalise_fields

        plan = Plan(kind, normalise_fields(kind, answers))
        return check_plan(plan, today, partial=not complete)

    return check


def current_findings(state: DialogueState) -> list[Finding]:
    """The findings stored in the state (as of the last check)."""
    return [finding_from_json(d) for d in state.findings]


def has_errors(source: DialogueState | Iterable[Finding]) -> bool:
    """Whether there is an error-level finding: such a plan cannot be submitted."""
    found = current_findings(source) if isinstance(source, DialogueState) else source
    return any(f.severity == "error" for f in found)


def _identity(d: Mapping[str, Any]) -> tuple[Any, ...]:
    cite = d.get("cite") or {}
    return (d.get("rule_id"), d.get("field"), d.get("message"), cite.get("doc_id"),
            cite.get("article"))  # fmt: skip


def run_checker(form: Form, state: DialogueState, checker: Checker | None) -> list[Message]:
    """Re-check the answers; store the findings; messages for the new and the gone ones."""
    if checker is None:
        return []
    from bot.dialogue.navigation import first_missing

    complete = first_missing(form, state) is None
    result = checker(state.kind, dict(state.answers), complete)
    new_json = [f.to_json() for f in sort_findings(result.findings)]
    before = {_identity(d) for d in state.findings}
    after = {_identity(d) for d in new_json}
    messages: list[Message] = []
    for d in new_json:
        if _identity(d) in before:
            continue
        f = finding_from_json(d)
        text = finding_line(f)
        btns: list[list[Button]] = []
        if f.field and form.has(f.field) and form.field(f.field).applies(state.answers):
            label = form.field(f.field).label
            if f.severity != "info":
                text += f"\n如需修改，请发送“修改 {label}”。"
            btns = [[Button(f"修改 {label}", f"e:{f.field}")]]
        messages.append(Message(text, "finding", btns))
    for d in state.findings:
        if _identity(d) not in after and d.get("severity") in ("error", "warning"):
            messages.append(Message(f"✅ 已消除：{d.get('message', '')}", "info"))
    state.findings = new_json
    return messages
