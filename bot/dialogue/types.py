"""The engine's data: the stored dialogue state, what comes in and what goes out."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from knowledge.findings import Finding

STATE_VERSION = 1
MODES = ("normal", "revisit", "edit", "edit_all")
MESSAGE_KINDS = (
    "question", "confirm", "error", "finding", "review", "help", "info", "done", "cancelled",
)  # fmt: skip


@dataclass
class DialogueState:
    """Everything the engine needs between two messages; JSON-serialisable, stored by services.

    `answers` maps canonical keys to JSON-safe normalised values (dates as ISO strings,
    five_checks/net_land as dicts of the sub-keys answered so far). `current` is the field
    being asked (None when the form is complete) and `current_sub` the sub-key of a map
    field. `mode` says how the current field was reached: normal (next missing), revisit
    (after 返回: answering continues in order up to `return_to`, the item where the walk back
    began, or "$end" when it began at the completed form), edit (after 修改: return to the next missing field),
    edit_all (修改 of a whole map field: walk all its sub-keys). `findings` are the policy
    findings as of the last check (Finding.to_json()). `pending` holds the answers read from
    a multi-field message and waiting for 确认 (see `multi.py`): each {"key", "sub", "value",
    "note"}, JSON-safe; empty when nothing waits.
    """

    kind: str
    answers: dict[str, Any] = field(default_factory=dict)
    current: str | None = None
    current_sub: str | None = None
    skipped: list[str] = field(default_factory=list)
    mode: str = "normal"
    findings: list[dict[str, Any]] = field(default_factory=list)
    return_to: str | None = None
    version: int = STATE_VERSION
    pending: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "version": self.version,
            "kind": self.kind,
            "answers": copy.deepcopy(self.answers),
            "current": self.current,
            "current_sub": self.current_sub,
            "skipped": list(self.skipped),
            "mode": self.mode,
            "findings": copy.deepcopy(self.findings),
            "return_to": self.return_to,
        }
        if self.pending:  # only when something waits: older stored states stay as they were
            out["pending"] = copy.deepcopy(self.pending)
        return out

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> DialogueState:
        """Rebuild a state; a malformed mapping raises ValueError naming the problem."""
        if not isinstance(d, Mapping):
            raise ValueError("dialogue state must be a mapping")
        kind = d.get("kind")
        answers = d.get("answers", {})
        current = d.get("current")
        sub = d.get("current_sub")
        skipped = d.get("skipped", [])
        mode = d.get("mode", "normal")
        findings = d.get("findings", [])
        return_to = d.get("return_to")
        pending = d.get("pending", [])
        if not isinstance(pending, list) or not all(
            isinstance(p, Mapping) and isinstance(p.get("key"), str) for p in pending
        ):
            raise ValueError("dialogue state: 'pending' must be a list of {key, value} mappings")
        if return_to is not None and not isinstance(return_to, str):
            raise ValueError("dialogue state: 'return_to' must be a string or null")
        if not isinstance(kind, str):
            raise ValueError("dialogue state: 'kind' must be a string")
        if not isinstance(answers, Mapping) or not all(isinstance(k, str) for k in answers):
            raise ValueError("dialogue state: 'answers' must be a mapping of keys")
        if current is not None and not isinstance(current, str):
            raise ValueError("dialogue state: 'current' must be a string or null")
        if sub is not None and not isinstance(sub, str):
            raise ValueError("dialogue state: 'current_sub' must be a string or null")
        if not isinstance(skipped, list) or not all(isinstance(k, str) for k in skipped):
            raise ValueError("dialogue state: 'skipped' must be a list of keys")
        if mode not in MODES:
            raise ValueError(f"dialogue state: unknown mode {mode!r}")
        if not isinstance(findings, list) or not all(isinstance(f, Mapping) for f in findings):
            raise ValueError("dialogue state: 'findings' must be a list of mappings")
        return cls(
            kind=kind,
            answers=copy.deepcopy(dict(answers)),
            current=current,
            current_sub=sub,
            skipped=list(skipped),
            mode=mode,
            findings=copy.deepcopy([dict(f) for f in findings]),
            return_to=return_to,
            version=int(d.get("version", STATE_VERSION)),
            pending=copy.deepcopy([dict(p) for p in pending]),
        )

    def copy(self) -> DialogueState:
        """An independent, validated copy (`from_json` copies the answers and findings)."""
        return DialogueState.from_json(
            {
                "version": self.version,
                "kind": self.kind,
                "answers": self.answers,
                "current": self.current,
                "current_sub": self.current_sub,
                "skipped": self.skipped,
                "mode": self.mode,
                "findings": self.findings,
                "return_to": self.return_to,
                "pending": self.pending,
            }
        )


@dataclass
class Inbound:
    """One user action: typed text, or the data of a Button the engine produced (untrusted)."""

    text: str | None = None
    button: str | None = None


@dataclass
class Button:
    label: str
    data: str  # short ASCII id (≤ 40 bytes), never the label


@dataclass
class Message:
    text: str
    # question | confirm (a card waiting for 确认) | error | finding | review | help | info |
    # done | cancelled | returned (the web page: why a plan came back, with the comment)
    kind: str = "info"
    buttons: list[list[Button]] = field(default_factory=list)


@dataclass
class Change:
    """One answer changed (for the audit trail); `new` is None when an answer was removed."""

    key: str
    old: Any
    new: Any


@dataclass
class Outbound:
    """What one step produced.

    `findings` are all current findings after the step (messages report the ones that
    changed); `done` is True when this step completed the form (the 完成 message was sent);
    `cancelled` when the user left the dialogue (the draft stays).
    """

    messages: list[Message] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    done: bool = False
    cancelled: bool = False

    @property
    def text(self) -> str:
        """All message texts, one after the other (handy in tests and the terminal)."""
        return "\n\n".join(m.text for m in self.messages)
