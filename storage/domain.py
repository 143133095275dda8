"""Domain objects the repositories return: plain frozen dataclasses, detached from sessions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

ROLE_LABELS = {"clerk": "经办人", "reviewer": "审核人", "admin": "管理员"}
STATUS_LABELS = {
    "draft": "草稿",
    "submitted": "已提交",
    "approved": "已审核通过",
    "returned": "已退回",
}
# Which status may follow which (review workflow): returned drafts can be resubmitted.
STATUS_TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"submitted"}),
    "submitted": frozenset({"approved", "returned"}),
    "returned": frozenset({"submitted"}),
    "approved": frozenset(),
}
EDITABLE_STATUSES = frozenset({"draft", "returned"})


@dataclass(frozen=True)
class User:
    id: int
    channel: str
    external_id: str
    display_name: str
    role: str
    department: str | None
    active: bool
    created_at: dt.datetime

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)


@dataclass(frozen=True)
class Invitation:
    id: int
    code: str
    role: str
    department: str | None
    created_by: int | None
    created_at: dt.datetime
    expires_at: dt.datetime | None
    used_by: int | None
    used_at: dt.datetime | None


@dataclass(frozen=True)
class Draft:
    id: int
    owner_id: int
    kind: str
    status: str
    title: str | None
    state: dict[str, Any]
    current_field: str | None
    complete: bool
    parent_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime
    submitted_at: dt.datetime | None
    deleted_at: dt.datetime | None
    version: int

    @property
    def editable(self) -> bool:
        """Whether answers may still change (draft or returned, not deleted)."""
        return self.deleted_at is None and self.status in EDITABLE_STATUSES

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)


@dataclass(frozen=True)
class Review:
    id: int
    draft_id: int
    reviewer_id: int | None
    decision: str
    comment: str | None
    draft_version: int
    at: dt.datetime


@dataclass(frozen=True)
class AnswerChange:
    id: int
    draft_id: int
    user_id: int | None
    key: str
    old_value: Any
    new_value: Any
    at: dt.datetime


@dataclass(frozen=True)
class AuditEvent:
    id: int
    draft_id: int | None
    user_id: int | None
    action: str
    detail: dict[str, Any] | None
    at: dt.datetime


@dataclass(frozen=True)
class Document:
    id: int
    draft_id: int
    created_by: int | None
    doc_type: str
    filename: str
    media_type: str
    path: str | None
    size: int
    sha256: str
    kb_version: str
    draft_version: int
    created_at: dt.datetime


@dataclass(frozen=True)
class WebSession:
    """A signed-in browser (the token itself is never stored, only its hash)."""

    token_hash: str
    user_id: int
    csrf_hash: str
    created_at: dt.datetime
    last_seen_at: dt.datetime
    expires_at: dt.datetime


LEDGER_STATUS_LABELS = {
    "planned": "列入计划",
    "submitted": "方案已报",
    "returned": "方案退回",
    "approved": "方案已批",
    "supplied": "已供应",
}


@dataclass(frozen=True)
class LedgerParcel:
    """A parcel of the supply ledger (areas in m², prices in yuan)."""

    id: int
    parcel_code: str | None
    project_name: str
    jurisdiction: str
    place_id: str | None
    land_use: str
    area_m2: float
    plan_year: int | None
    planned_quarter: int | None
    in_plan: bool | None
    supply_method: str | None
    status: str
    submitted_date: dt.date | None
    approved_date: dt.date | None
    supplied_date: dt.date | None
    supply_basis: str | None
    final_price_yuan: float | None
    department: str | None
    draft_id: int | None
    source: str
    note: str | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @property
    def status_label(self) -> str:
        return LEDGER_STATUS_LABELS.get(self.status, self.status)

    @property
    def area_ha(self) -> float:
        return self.area_m2 / 10000


@dataclass(frozen=True)
class Notification:
    """What a user's channel must still tell them (see storage.models.NotificationRow)."""

    id: int
    user_id: int
    draft_id: int
    kind: str
    draft_version: int
    created_at: dt.datetime
    delivered_at: dt.datetime | None
