"""What services hand back to channels: replies, draft summaries, exported plan files."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.dialogue.types import Message
    from knowledge.plan import Plan


def local_minute(t: dt.datetime) -> str:
    """A stored (UTC) time as people read it: the server's local time to the minute."""
    return t.astimezone().strftime("%Y-%m-%d %H:%M")


@dataclass(frozen=True)
class DraftSummary:
    """A draft as a list shows it (no engine state)."""

    id: int
    kind: str
    kind_label: str
    status: str
    status_label: str
    title: str | None
    current_field: str | None
    current_label: str | None
    answered: int
    total: int
    complete: bool
    editable: bool
    parent_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int
    position: int = 0  # 1-based place of the current field among the applying ones (0: none)
    # answers of a multi-field message waiting for 确认: (key, label, value as shown)
    pending: tuple[tuple[str, str, str], ...] = ()

    def describe(self) -> str:
        """One line: 【3】储备方案《某地块》 草稿 · 已填 5/23 项 · 11-21 23:50 更新."""
        title = f"《{self.title}》" if self.title else "（未命名）"
        progress = "已填完" if self.complete else f"已填 {self.answered}/{self.total} 项"
        when = local_minute(self.updated_at)
        return (
            f"【{self.id}】{self.kind_label}{title} {self.status_label} · {progress} · {when}更新"
        )


@dataclass(frozen=True)
class Reply:
    """The answer to one inbound message, returned only after its changes were committed.

    `duplicate` means the update was processed before: send nothing. `done` means this
    message completed the form; `cancelled` that the user left it (the draft stays).
    """

    messages: list[Message] = field(default_factory=list)
    draft: DraftSummary | None = None
    done: bool = False
    cancelled: bool = False
    duplicate: bool = False
    findings: list[Any] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n\n".join(m.text for m in self.messages)


@dataclass(frozen=True)
class ExportedPlan:
    """A draft as a plan file (CONTRACT §3)."""

    filename: str
    text: str
    plan: Plan
    draft: DraftSummary
