"""The database tables (SQLAlchemy 2.0 typed ORM). Alembic migrations mirror these exactly.

Times are stored in UTC (timezone-aware columns; SQLite drops the zone, `UtcDateTime`
restores it). Value columns that hold engine data or answers are JSON. Constraint names
come from the naming convention, so migrations (and SQLite batch migrations) can refer
to them.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.sqltypes import UtcDateTime, utcnow

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

CHANNELS = ("telegram", "terminal", "web")
ROLES = ("clerk", "reviewer", "admin")  # 经办人 / 审核人 / 管理员
DRAFT_KINDS = ("reserve_plan", "supply_plan")
DRAFT_STATUSES = ("draft", "submitted", "approved", "returned")
REVIEW_DECISIONS = ("approved", "returned")
# A parcel of the supply ledger: listed in the plan, its 供地方案 submitted / returned / approved,
# the land supplied (成交确认书, 出让合同 or 划拨决定书 signed).
LEDGER_STATUSES = ("planned", "submitted", "returned", "approved", "supplied")
LEDGER_SOURCES = ("draft", "import")


# Columns that mean the same thing in several tables, declared once (PEP 593 aliases):
IntPK = Annotated[int, mapped_column(Integer, primary_key=True)]
# A row that belongs to a draft: indexed, and deleted with the draft.
DraftChild = Annotated[int, mapped_column(ForeignKey("drafts.id", ondelete="CASCADE"), index=True)]
# Who did it: the record outlives the person's account (the reference becomes NULL).
UserRef = Annotated[int | None, mapped_column(ForeignKey("users.id", ondelete="SET NULL"))]
# When the row was written (UTC, set on insert).
Stamp = Annotated[dt.datetime, mapped_column(UtcDateTime, default=utcnow)]


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UserRow(Base):
    """A person using the bot on one channel (a Telegram account or a terminal login)."""

    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("channel", "external_id"),
        CheckConstraint(_in("channel", CHANNELS), name="channel"),
        CheckConstraint(_in("role", ROLES), name="role"),
    )

    id: Mapped[IntPK]
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(128), default="")
    role: Mapped[str] = mapped_column(String(16), default="clerk")
    department: Mapped[str | None] = mapped_column(String(128))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[Stamp]


class InvitationRow(Base):
    """A one-time code that lets a new person join with a role and department."""

    __tablename__ = "invitations"
    __table_args__ = (CheckConstraint(_in("role", ROLES), name="role"),)

    id: Mapped[IntPK]
    code: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    department: Mapped[str | None] = mapped_column(String(128))
    created_by: Mapped[UserRef]
    created_at: Mapped[Stamp]
    expires_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    used_by: Mapped[UserRef]
    used_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class DraftRow(Base):
    """One plan being drafted: the engine state as JSON, its status and its lineage."""

    __tablename__ = "drafts"
    __table_args__ = (
        CheckConstraint(_in("kind", DRAFT_KINDS), name="kind"),
        CheckConstraint(_in("status", DRAFT_STATUSES), name="status"),
        Index("ix_drafts_owner_id_updated_at", "owner_id", "updated_at"),
    )

    id: Mapped[IntPK]
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="draft")
    title: Mapped[str | None] = mapped_column(String(200))
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    current_field: Mapped[str | None] = mapped_column(String(64))
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("drafts.id", ondelete="SET NULL"))
    created_at: Mapped[Stamp]
    updated_at: Mapped[Stamp]
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class ReviewRow(Base):
    """One review decision on a submitted draft (a draft can be returned and resubmitted)."""

    __tablename__ = "reviews"
    __table_args__ = (CheckConstraint(_in("decision", REVIEW_DECISIONS), name="decision"),)

    id: Mapped[IntPK]
    draft_id: Mapped[DraftChild]
    reviewer_id: Mapped[UserRef]
    decision: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str | None] = mapped_column(Text)
    draft_version: Mapped[int] = mapped_column(Integer)
    at: Mapped[Stamp]


class ChatSessionRow(Base):
    """Which draft a user is working on right now (the draft their next message goes to)."""

    __tablename__ = "chat_sessions"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    active_draft_id: Mapped[int | None] = mapped_column(
        ForeignKey("drafts.id", ondelete="SET NULL")
    )
    mode: Mapped[str | None] = mapped_column(String(32))
    # What the current mode has collected so far (e.g. the facts of 程序判定), as JSON.
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    updated_at: Mapped[Stamp]


class AnswerHistoryRow(Base):
    """Every accepted change of an answer: who, when, old value → new value."""

    __tablename__ = "answer_history"

    id: Mapped[IntPK]
    draft_id: Mapped[DraftChild]
    user_id: Mapped[UserRef]
    key: Mapped[str] = mapped_column(String(64))
    old_value: Mapped[Any | None] = mapped_column(JSON)
    new_value: Mapped[Any | None] = mapped_column(JSON)
    at: Mapped[Stamp]


class AuditEventRow(Base):
    """A life-cycle event of a draft (created, submitted, approved, returned, deleted, …)."""

    __tablename__ = "audit_events"

    id: Mapped[IntPK]
    draft_id: Mapped[DraftChild | None]
    user_id: Mapped[UserRef]
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    at: Mapped[Stamp]


class DocumentRow(Base):
    """A generated document (.docx / .pdf) of a draft, with the knowledge-base version used."""

    __tablename__ = "documents"

    id: Mapped[IntPK]
    draft_id: Mapped[DraftChild]
    created_by: Mapped[UserRef]
    doc_type: Mapped[str] = mapped_column(String(32))
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(128))
    # loaded only when asked for (`DocumentRepository.content`): listing a draft's files
    # must not read every stored PDF
    content: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    path: Mapped[str | None] = mapped_column(String(1024))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    kb_version: Mapped[str] = mapped_column(String(64))
    draft_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[Stamp]


class ProcessedUpdateRow(Base):
    """An inbound update already handled (Telegram re-deliveries become harmless)."""

    __tablename__ = "processed_updates"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    processed_at: Mapped[Stamp] = mapped_column(index=True)


class InboxRow(Base):
    """An inbound update written down before it is confirmed to its sender (Telegram's offset,
    a webhook's 200), so a crash loses nothing fetched; deleted once it has been handled."""

    __tablename__ = "inbox"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    payload: Mapped[str] = mapped_column(Text)  # the update as the sender's JSON
    received_at: Mapped[Stamp]
    # the chat it belongs to ("chat:123"): several workers take a chat's updates in turn
    chat_key: Mapped[str | None] = mapped_column(String(64), nullable=True)

    __table_args__ = (Index("ix_inbox_chat", "channel", "chat_key", "update_id"),)


class WebSessionRow(Base):
    """A browser signed in to the web channel: only the SHA-256 of the cookie's token is kept."""

    __tablename__ = "web_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[Stamp]
    last_seen_at: Mapped[Stamp]
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class LoginTokenRow(Base):
    """A one-time link (`landbot users login-link`) that signs a registered user in on a phone."""

    __tablename__ = "login_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_by: Mapped[UserRef]
    created_at: Mapped[Stamp]
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class NotificationRow(Base):
    """A message a user's own channel must still deliver: what happened to a plan on another
    channel (a plan submitted on the web page tells the reviewers on Telegram). Written in the
    transaction of what it tells. A worker claims it until `claimed_until` (another may take
    it after that: the first died or could not send), and sets `delivered_at` once it is sent."""

    __tablename__ = "notifications"

    id: Mapped[IntPK]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    draft_id: Mapped[DraftChild]
    kind: Mapped[str] = mapped_column(String(32))
    draft_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[Stamp]
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, index=True)
    claimed_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class LedgerParcelRow(Base):
    """One parcel of the supply ledger (供应台账): planned, approved and supplied, with its dates.

    Created from a 供地方案 when it is submitted (then approved, then supplied) or from an
    imported list. `place_id` is the resolved jurisdiction (None outside the knowledge base);
    `department` decides who sees the row, as for drafts. Areas in m², prices in yuan.
    """

    __tablename__ = "ledger_parcels"
    __table_args__ = (
        CheckConstraint(_in("status", LEDGER_STATUSES), name="status"),
        CheckConstraint(_in("source", LEDGER_SOURCES), name="source"),
        CheckConstraint("area_m2 > 0", name="area_positive"),
        Index("ix_ledger_parcels_plan_year_place_id", "plan_year", "place_id"),
        # The progress query (plan year OR supply date in the period, grouped by use and status)
        # scans this covering index in its order: no table access, no sort.
        Index(
            "ix_ledger_parcels_progress",
            "land_use",
            "status",
            "place_id",
            "plan_year",
            "supplied_date",
            "area_m2",
            "department",
        ),
    )

    id: Mapped[IntPK]
    parcel_code: Mapped[str | None] = mapped_column(String(64), unique=True)
    project_name: Mapped[str] = mapped_column(String(200))
    jurisdiction: Mapped[str] = mapped_column(String(128))
    place_id: Mapped[str | None] = mapped_column(String(128))
    land_use: Mapped[str] = mapped_column(String(32))
    area_m2: Mapped[float] = mapped_column(Float)
    plan_year: Mapped[int | None] = mapped_column(Integer)
    planned_quarter: Mapped[int | None] = mapped_column(Integer)
    in_plan: Mapped[bool | None] = mapped_column(Boolean)
    supply_method: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    submitted_date: Mapped[dt.date | None] = mapped_column(Date)
    approved_date: Mapped[dt.date | None] = mapped_column(Date)
    supplied_date: Mapped[dt.date | None] = mapped_column(Date)
    supply_basis: Mapped[str | None] = mapped_column(String(32))
    final_price_yuan: Mapped[float | None] = mapped_column(Float)
    department: Mapped[str | None] = mapped_column(String(128), index=True)
    draft_id: Mapped[int | None] = mapped_column(
        ForeignKey("drafts.id", ondelete="SET NULL"), unique=True
    )
    source: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[Stamp]
    updated_at: Mapped[Stamp]
