"""The review workflow: a clerk submits, a reviewer of the same department approves or returns.

    draft ──submit──▶ submitted ──approve──▶ approved (locked; a new version can start from it)
      ▲                    │
      └──── returned ◀─return (with a typed comment)

A draft can be submitted only when it is complete and has no error-level finding. Every
transition is one transaction (with the channel's update id claimed in it) and leaves an
audit event; the decision and the reviewer's comment are kept in `reviews`. Channels tell
the people concerned: `Submitted.reviewers` and `Decided.owner` say whom. The Telegram chat
tells its own users at once; everyone else concerned gets a notification row in the same
transaction (bot/services/notices.py): people on Telegram when it happened on the web page
(the bot sends it), and people on the web page whatever the channel (the page, which cannot
push, shows it when it is next open).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.dialogue import answers_to_plan
from bot.dialogue.display import show_value
from bot.services import engine, ledger
from bot.services.errors import DraftNotFound
from bot.services.results import DraftSummary
from bot.services.transaction import load_own_draft, load_user, parse_draft_id, transact
from bot.services.users import reviewers_of
from knowledge.errors import BadInput, LandbotError
from knowledge.plan import KIND_LABELS, schema
from storage.db import Database, UnitOfWork
from storage.domain import Draft, Review, User
from storage.sqltypes import utcnow

MAX_COMMENT = 1000
REVIEW_ROLES = frozenset({"reviewer", "admin"})
DECISION_LABELS = {"approved": "同意", "returned": "退回修改"}
SUMMARY_KEYS = (
    "jurisdiction", "area_m2", "land_use", "supply_method", "reserve_mode", "start_price_yuan",
    "compensation_cost_yuan", "handler",
)  # fmt: skip
COMMENT_MODE = "rc:"  # chat mode while a reviewer types the comment of a return
TELLS_AT_ONCE = frozenset({"telegram"})  # channels whose handlers message the people concerned
DELIVERING = frozenset({"telegram", "web"})  # channels that deliver notifications (not terminal)
WAITING, DECIDED = "review_waiting", "review_decided"  # the kinds of notification


def _notify(
    uow: UnitOfWork, recipients: list[User], draft: Draft, kind: str, origin: str | None
) -> None:
    """Notification rows for the recipients the transition's channel does not tell itself.
    `origin` None: the Telegram chat (or a test), which tells the people on Telegram."""
    channel = origin or "telegram"
    told = channel if channel in TELLS_AT_ONCE else None
    for r in recipients:
        if r.active and r.channel in DELIVERING and r.channel != told:
            uow.notifications.add(r.id, draft.id, kind, draft.version)


class ReviewRefused(LandbotError):
    """The transition is not allowed now; `.zh` says why, for the person."""

    exit_code = 1

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(zh, en)


@dataclass(frozen=True)
class Submitted:
    draft: DraftSummary
    owner: User
    reviewers: list[User]  # whom to notify (may be empty: nobody reviews this department)
    summary: str  # a few lines: what the plan is, for the notification
    warnings: int  # warning-level findings (errors block submission)
    duplicate: bool = False


@dataclass(frozen=True)
class Decided:
    draft: DraftSummary
    owner: User
    reviewer: User
    review: Review
    duplicate: bool = False


@dataclass(frozen=True)
class Pending:
    draft: DraftSummary
    owner: User


def summary_lines(draft: Draft) -> str:
    state = engine.state_of(draft)
    answers = state.answers
    label = KIND_LABELS.get(draft.kind, draft.kind)
    lines = [f"{label}《{draft.title or '未命名'}》（编号 {draft.id}）"]
    specs = schema().keys
    for key in SUMMARY_KEYS:
        if answers.get(key) not in (None, "") and key in specs:
            lines.append(f"{specs[key].label}：{show_value(specs[key], answers[key])}")
    return "\n".join(lines)


def check_for_review(uow: UnitOfWork, draft: Draft) -> tuple[int, int, list[str], list[str]]:
    """(errors, warnings, error messages, the ledger's lines) of the policy checks on the whole
    plan, with those that need the supply ledger's state (bot/services/ledger.py)."""
    from knowledge.checks import check_plan
    from knowledge.findings import SEVERITY_LABELS

    plan = answers_to_plan(engine.state_of(draft))
    from_ledger = ledger.ledger_findings(uow, plan)
    findings = check_plan(plan).findings + from_ledger
    errors = [f.message for f in findings if f.severity == "error"]
    warnings = sum(1 for f in findings if f.severity == "warning")
    lines = [
        f"供应台账{SEVERITY_LABELS[f.severity]}：{f.message}（{f.cite.doc_id} {f.cite.article}）"
        for f in from_ledger
    ]
    return len(errors), warnings, errors, lines


def submit(
    db: Database,
    user_id: int,
    draft_id: object,
    *,
    update_id: int | None = None,
    origin: str | None = None,
) -> Submitted:
    """Submit one of the user's complete drafts without error findings for review.
    `origin`: the channel it comes from (None: the Telegram chat), so that the reviewers it
    does not tell itself are told (`_notify`)."""

    def work(uow: UnitOfWork) -> Submitted:
        user = load_user(uow, user_id)
        claimed = update_id is None or uow.processed.claim(user.channel, update_id)
        draft = load_own_draft(uow, user, draft_id, lock=True)
        if not claimed:
            return Submitted(engine.summary(draft), user, [], "", 0, duplicate=True)
        if draft.status not in ("draft", "returned"):
            raise ReviewRefused(
                f"草稿 {draft.id} 当前状态为「{draft.status_label}」，不能再次提交",
                f"draft {draft.id} is {draft.status} and cannot be submitted",
            )
        if not engine.is_complete(engine.state_of(draft)):
            raise ReviewRefused(
                f"草稿 {draft.id} 还有必填项未填写，填完后才能提交审核",
                f"draft {draft.id} is not complete",
            )
        n_errors, n_warnings, errors, ledger_lines = check_for_review(uow, draft)
        if n_errors:
            listed = "；".join(errors[:3]) + ("……" if n_errors > 3 else "")
            raise ReviewRefused(
                f"政策核查发现 {n_errors} 项错误，修改后才能提交审核：{listed}",
                f"{n_errors} error finding(s) must be fixed before submission",
            )
        previous = draft.status
        saved = uow.drafts.update(draft, status="submitted", submitted_at=utcnow())
        if uow.chat_sessions.active_draft_id(user.id) == draft.id:
            uow.chat_sessions.set(user.id, active_draft_id=None)
        ledger.record_draft(uow, saved, user, "submitted")
        reviewers = [r for r in reviewers_of(uow, user.department) if r.id != user.id]
        _notify(uow, reviewers, saved, WAITING, origin)
        uow.audit.add(
            draft.id,
            user.id,
            "submitted",
            {"from": previous, "version": saved.version, "reviewers": [r.id for r in reviewers]},
        )
        uow.commit()
        summary = "\n".join([summary_lines(saved), *ledger_lines])
        return Submitted(engine.summary(saved), user, reviewers, summary, n_warnings)

    return transact(db, work)


def load_viewable_draft(uow: UnitOfWork, user: User, draft_id: object) -> Draft:
    """The user's own draft, or one of their department's drafts for a reviewer/admin."""
    did = parse_draft_id(draft_id)
    draft = uow.drafts.get(did)
    if draft is None:
        raise DraftNotFound(did)
    if draft.owner_id == user.id:
        return draft
    owner = uow.users.get(draft.owner_id)
    if user.role in REVIEW_ROLES and owner is not None and owner.department == user.department:
        return draft
    raise DraftNotFound(did)


def _load_for_review(
    uow: UnitOfWork, reviewer: User, draft_id: object, *, lock: bool = False
) -> tuple[Draft, User]:
    """A draft the reviewer may decide on: same department, not their own."""
    if reviewer.role not in REVIEW_ROLES:
        raise ReviewRefused("只有审核人或管理员可以审核方案", "only reviewers and admins review")
    did = parse_draft_id(draft_id)
    draft = uow.drafts.get(did, lock=lock)
    owner = uow.users.get(draft.owner_id) if draft else None
    if draft is None or owner is None or owner.department != reviewer.department:
        raise DraftNotFound(did)
    if owner.id == reviewer.id:
        raise ReviewRefused("不能审核自己提交的方案", "you cannot review your own plan")
    return draft, owner


def _check_pending(draft: Draft, version: int | None) -> None:
    if draft.status != "submitted" or (version is not None and draft.version != version):
        raise ReviewRefused(
            f"方案 {draft.id} 已不在待审核状态（当前：{draft.status_label}），无需再处理",
            f"draft {draft.id} is no longer waiting for review ({draft.status})",
        )


def check_reviewable(db: Database, reviewer_id: int, draft_id: object, version: int) -> Pending:
    """Raise unless the reviewer may decide on this draft at this version now."""

    def work(uow: UnitOfWork) -> Pending:
        reviewer = load_user(uow, reviewer_id)
        draft, owner = _load_for_review(uow, reviewer, draft_id)
        _check_pending(draft, version)
        return Pending(engine.summary(draft), owner)

    return transact(db, work, readonly=True)


def decide(
    db: Database,
    reviewer_id: int,
    draft_id: object,
    decision: str,
    *,
    comment: str | None = None,
    version: int | None = None,
    update_id: int | None = None,
    origin: str | None = None,
) -> Decided:
    """Approve (comment optional) or return (comment required) a submitted draft. `origin`:
    the channel it comes from (None: the Telegram chat), as for `submit`."""
    if decision not in DECISION_LABELS:
        raise BadInput(f"未知的审核结论：{decision}", f"unknown decision {decision!r}")
    text = (comment or "").strip()
    if len(text) > MAX_COMMENT:
        raise ReviewRefused(
            f"审核意见不能超过 {MAX_COMMENT} 字", f"the comment exceeds {MAX_COMMENT} characters"
        )
    if decision == "returned" and not text:
        raise ReviewRefused("退回时请写明修改意见", "a returned plan needs a comment")

    def work(uow: UnitOfWork) -> Decided:
        reviewer = load_user(uow, reviewer_id)
        claimed = update_id is None or uow.processed.claim(reviewer.channel, update_id)
        draft, owner = _load_for_review(uow, reviewer, draft_id, lock=True)
        if not claimed:
            reviews = uow.reviews.for_draft(draft.id)
            if not reviews:
                raise ReviewRefused("该操作已处理", "already processed")
            return Decided(engine.summary(draft), owner, reviewer, reviews[-1], duplicate=True)
        _check_pending(draft, version)
        review = uow.reviews.add(
            draft.id, reviewer.id, decision, text or None, draft_version=draft.version
        )
        saved = uow.drafts.update(draft, status=decision)
        ledger.record_draft(uow, saved, owner, decision)
        _notify(uow, [owner], saved, DECIDED, origin)
        if (uow.chat_sessions.mode(reviewer.id) or "").startswith(COMMENT_MODE):
            keep = uow.chat_sessions.active_draft_id(reviewer.id)
            uow.chat_sessions.set(reviewer.id, active_draft_id=keep, mode=None)
        uow.audit.add(
            draft.id,
            reviewer.id,
            decision,
            {"review_id": review.id, "comment": text or None, "version": saved.version},
        )
        uow.commit()
        return Decided(engine.summary(saved), owner, reviewer, review)

    return transact(db, work)


def await_comment(
    db: Database, reviewer_id: int, draft_id: object, version: int, *, update_id: int | None = None
) -> Pending | None:
    """The reviewer chose 退回: their next typed message is the comment (None: re-delivery)."""

    def work(uow: UnitOfWork) -> Pending | None:
        reviewer = load_user(uow, reviewer_id)
        if update_id is not None and not uow.processed.claim(reviewer.channel, update_id):
            return None
        draft, owner = _load_for_review(uow, reviewer, draft_id)
        _check_pending(draft, version)
        keep = uow.chat_sessions.active_draft_id(reviewer.id)
        mode = f"{COMMENT_MODE}{draft.id}:{draft.version}"
        uow.chat_sessions.set(reviewer.id, active_draft_id=keep, mode=mode)
        uow.commit()
        return Pending(engine.summary(draft), owner)

    return transact(db, work)


def comment_target(mode: str | None) -> tuple[int, int] | None:
    """(draft id, version) when `mode` says the user is typing a return comment."""
    if not mode or not mode.startswith(COMMENT_MODE):
        return None
    parts = mode[len(COMMENT_MODE) :].split(":")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        return None
    return int(parts[0]), int(parts[1])


def cancel_comment(db: Database, user_id: int) -> None:
    """Leave the comment mode without deciding."""

    def work(uow: UnitOfWork) -> None:
        if (uow.chat_sessions.mode(user_id) or "").startswith(COMMENT_MODE):
            keep = uow.chat_sessions.active_draft_id(user_id)
            uow.chat_sessions.set(user_id, active_draft_id=keep, mode=None)
            uow.commit()

    transact(db, work)


def pending_for(db: Database, reviewer_id: int) -> list[Pending]:
    """Drafts of the reviewer's department waiting for review, oldest first."""

    def work(uow: UnitOfWork) -> list[Pending]:
        reviewer = load_user(uow, reviewer_id)
        if reviewer.role not in REVIEW_ROLES:
            return []
        out: list[Pending] = []
        for draft in uow.drafts.list_by_status("submitted"):
            owner = uow.users.get(draft.owner_id)
            if owner and owner.department == reviewer.department and owner.id != reviewer.id:
                out.append(Pending(engine.summary(draft), owner))
        return out

    return transact(db, work, readonly=True)


@dataclass(frozen=True)
class ReviewRecord:
    """The latest decision on a draft, as the memo prints it."""

    reviewer: str
    decision: str  # 同意 | 退回修改
    opinion: str
    time: dt.datetime


def latest_review(uow: UnitOfWork, draft: Draft) -> ReviewRecord | None:
    """The decision of the latest review round (None while it is not yet decided)."""
    if draft.status not in ("approved", "returned"):
        return None
    reviews = uow.reviews.for_draft(draft.id)
    if not reviews:
        return None
    last = reviews[-1]
    who = uow.users.get(last.reviewer_id) if last.reviewer_id else None
    return ReviewRecord(
        reviewer=who.display_name if who else "",
        decision=DECISION_LABELS.get(last.decision, last.decision),
        opinion=last.comment or "",
        time=last.at,
    )
