"""Filling in a plan: start a draft, answer its questions, resume it, start a new version
or a copy for a neighbouring parcel.

Every function is one transaction: claim the inbound update id (a re-delivery changes
nothing), load the user's draft row-locked, run the engine, save the state, the answer
history and the audit event, commit, and only then return the reply for the channel to
send. Ids from clients are untrusted: every draft is checked to be the caller's own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from bot.dialogue.types import DialogueState, Inbound, Outbound
from bot.services import engine
from bot.services.results import DraftSummary, Reply
from bot.services.transaction import (
    load_own_draft,
    load_user,
    load_user_and_active_draft_id,
    transact,
)
from knowledge.errors import BadInput
from knowledge.plan import KIND_LABELS, PLAN_KINDS
from storage.db import Database, UnitOfWork
from storage.domain import Draft, User

NO_ACTIVE = (
    "您当前没有正在填写的方案。请选择“新建储备方案”“新建供地方案”，或在“我的草稿”中继续一份草稿。"
)


@dataclass(frozen=True)
class Within:
    """A caller's unit of work in which `user` (active) and their active draft id were read."""

    uow: UnitOfWork
    user: User
    active_draft_id: int | None


def _claimed(uow: UnitOfWork, channel: str, update_id: int | None) -> bool:
    """Record the inbound update id; False when it was processed before."""
    return update_id is None or uow.processed.claim(channel, update_id)


def _save_step(
    uow: UnitOfWork, user: User, draft: Draft, out: Outbound, columns: dict[str, Any]
) -> Draft:
    saved = uow.drafts.update(draft, **columns)
    for change in out.changes:
        uow.history.add(draft.id, user.id, change.key, change.old, change.new)
    return saved


def _reply(draft: Draft, out: Outbound, state: DialogueState | None = None) -> Reply:
    return Reply(
        messages=list(out.messages),
        draft=engine.summary(draft, state),
        done=out.done,
        cancelled=out.cancelled,
        findings=list(out.findings),
    )


def start_draft(
    db: Database,
    user_id: int,
    kind: str,
    *,
    update_id: int | None = None,
    today: dt.date | None = None,
    claim_channel: str | None = None,
) -> Reply:
    """Create a new draft of `kind` (reserve_plan | supply_plan) and ask its first question.

    `update_id` is claimed under the user's channel, or under `claim_channel` (the web page's
    request ids); a repeat creates nothing and is `Reply(duplicate=True)`."""
    if kind not in PLAN_KINDS:
        raise BadInput(
            f"没有这种方案：{kind}（应为 reserve_plan 或 supply_plan）",
            f"unknown plan kind {kind!r}: expected reserve_plan or supply_plan",
        )

    def work(uow: UnitOfWork) -> Reply:
        user = load_user(uow, user_id)
        if not _claimed(uow, claim_channel or user.channel, update_id):
            return Reply(duplicate=True)
        state, out = engine.begin(kind, today=today)
        draft = uow.drafts.add(user.id, kind, **engine.columns(state))
        for change in out.changes:
            uow.history.add(draft.id, user.id, change.key, change.old, change.new)
        uow.audit.add(draft.id, user.id, "created", {"kind": kind})
        uow.chat_sessions.set(user.id, active_draft_id=draft.id, mode="drafting")
        uow.commit()
        return _reply(draft, out)

    return transact(db, work)


def new_version(
    db: Database,
    user_id: int,
    draft_id: object,
    *,
    update_id: int | None = None,
    today: dt.date | None = None,
) -> Reply:
    """Start a new draft from one of the user's drafts (e.g. an approved plan), answers copied."""

    def work(uow: UnitOfWork) -> Reply:
        user = load_user(uow, user_id)
        if not _claimed(uow, user.channel, update_id):
            return Reply(duplicate=True)
        parent = load_own_draft(uow, user, draft_id)
        answers = engine.state_of(parent).answers
        draft, out = _derived(uow, user, parent, answers, today, {"parent_id": parent.id})
        label = KIND_LABELS[parent.kind]
        intro = engine.info(f"已根据草稿 {parent.id} 新建{label}（新版本，编号 {draft.id}）。")
        out.messages.insert(0, intro)
        return _reply(draft, out)

    return transact(db, work)


def copy_draft(
    db: Database,
    user_id: int,
    draft_id: object,
    *,
    update_id: int | None = None,
    today: dt.date | None = None,
) -> Reply:
    """复制草稿: a new draft with the answers of one of the user's drafts (any status), except
    the fields that identify a parcel (`copied: false` in the form: 地块编号, 项目名称, 四至),
    for a neighbouring parcel that differs in a few fields. Someone else's is DraftNotFound."""

    def work(uow: UnitOfWork) -> Reply:
        user = load_user(uow, user_id)
        if not _claimed(uow, user.channel, update_id):
            return Reply(duplicate=True)
        source = load_own_draft(uow, user, draft_id)
        form = engine.form_for(source.kind)
        answers = engine.state_of(source).answers
        cleared = [f.label for f in form.fields if not f.copied and f.key in answers]
        kept = {k: v for k, v in answers.items() if not form.has(k) or form.field(k).copied}
        draft, out = _derived(uow, user, source, kept, today, {"copied_from": source.id})
        label = KIND_LABELS[source.kind]
        note = f"；{'、'.join(cleared)}已清空，请为新地块填写" if cleared else ""
        intro = engine.info(f"已复制草稿 {source.id}，新建{label}（编号 {draft.id}）{note}。")
        out.messages.insert(0, intro)
        return _reply(draft, out)

    return transact(db, work)


def _derived(uow: UnitOfWork, user: User, source: Draft, answers: dict[str, Any],
             today: dt.date | None, meta: dict[str, int]) -> tuple[Draft, Outbound]:  # fmt: skip
    """A new draft of the user's, of `source`'s kind, started with `answers`; now the active one."""
    state, out = engine.begin(source.kind, prefill=answers, today=today)
    parent_id = meta.get("parent_id")
    draft = uow.drafts.add(user.id, source.kind, parent_id=parent_id, **engine.columns(state))
    for key, value in state.answers.items():
        uow.history.add(draft.id, user.id, key, None, value)
    uow.audit.add(draft.id, user.id, "created", {"kind": source.kind, **meta})
    uow.chat_sessions.set(user.id, active_draft_id=draft.id, mode="drafting")
    uow.commit()
    return draft, out


def handle_message(
    db: Database,
    user_id: int,
    *,
    text: str | None = None,
    button: str | None = None,
    update_id: int | None = None,
    today: dt.date | None = None,
    within: Within | None = None,
    draft_id: object = None,
    claim_channel: str | None = None,
) -> Reply:
    """Apply one typed answer or pressed button to the user's active draft.

    `within`: run in the caller's unit of work, where the user and their active draft id were
    just read (nothing written yet; this commits it, and a `StaleDraftError` goes to the
    caller's `transact`, which retries the whole of it).
    `draft_id`: answer this draft of the user's (a channel that names the draft, like the web
    page) instead of the active one; someone else's is `DraftNotFound`, a locked one
    `DraftNotEditable`.
    `update_id` is claimed under the user's channel, or under `claim_channel` (the web page's
    answer ids, which are the page's own and not Telegram's).
    """
    if button is not None and (len(button) > 64 or not button.isascii()):
        button = ""  # callback data is untrusted; the engine answers an unknown button

    def work(uow: UnitOfWork) -> Reply:
        if within is not None and within.user.id == user_id:
            user, active_id = within.user, within.active_draft_id
        else:
            user, active_id = load_user_and_active_draft_id(uow, user_id)
        if not _claimed(uow, claim_channel or user.channel, update_id):
            return Reply(duplicate=True)
        if draft_id is not None:
            draft: Draft | None = load_own_draft(uow, user, draft_id, lock=True, editable=True)
        else:
            draft = _own_editable(uow, user, active_id, lock=True)
        if draft is None:
            uow.commit()  # the claimed update id; the chat mode is the channel's business
            return Reply(messages=[engine.info(NO_ACTIVE)])
        state, out = engine.advance(
            draft.kind, engine.state_of(draft), Inbound(text=text, button=button), today=today
        )
        columns = engine.columns(state)
        if columns["state"] != draft.state or out.changes:
            draft = _save_step(uow, user, draft, out, columns)
        if out.done:
            uow.audit.add(draft.id, user.id, "completed")
        if out.cancelled:
            uow.chat_sessions.set(user.id, active_draft_id=None)
            uow.audit.add(draft.id, user.id, "paused")
        elif draft_id is not None and active_id != draft.id:  # now the one they work on
            uow.chat_sessions.set(user.id, active_draft_id=draft.id, mode="drafting")
        uow.commit()
        return _reply(draft, out, state)

    return work(within.uow) if within is not None else transact(db, work)


def _active(uow: UnitOfWork, user: User, *, lock: bool = False) -> Draft | None:
    """The draft the user's messages go to: their own, editable, not deleted."""
    return _own_editable(uow, user, uow.chat_sessions.active_draft_id(user.id), lock=lock)


def _own_editable(uow: UnitOfWork, user: User, draft_id: int | None, *, lock: bool) -> Draft | None:
    if draft_id is None:
        return None
    draft = uow.drafts.get(draft_id, lock=lock)
    if draft is None or draft.owner_id != user.id or not draft.editable:
        return None
    return draft


def active_draft(db: Database, user_id: int) -> DraftSummary | None:
    """The draft the user was working on (to offer continuing it), or None."""

    def work(uow: UnitOfWork) -> DraftSummary | None:
        user = load_user(uow, user_id)
        draft = _active(uow, user)
        return engine.summary(draft) if draft else None

    return transact(db, work, readonly=True)


def standing(db: Database, user_id: int, note: str) -> Reply:
    """`note`, then the question the user's active draft waits for (nothing is changed).

    For a channel that must reassure the user without acting on their message again, e.g.
    after a restart when it cannot know whether its last reply went out.
    """

    def work(uow: UnitOfWork) -> Reply:
        user = load_user(uow, user_id)
        draft = _active(uow, user)
        if draft is None:
            return Reply(messages=[engine.info(note)])
        state = engine.state_of(draft)
        return Reply(
            messages=[engine.info(note), *engine.where_it_stands(draft.kind, state)],
            draft=engine.summary(draft, state),
        )

    return transact(db, work, readonly=True)


def resume_draft(
    db: Database, user_id: int, draft_id: object, *, update_id: int | None = None
) -> Reply:
    """Make one of the user's drafts the active one and repeat where it stands.

    A submitted or approved draft cannot change: its review card is shown instead.
    """

    def work(uow: UnitOfWork) -> Reply:
        user = load_user(uow, user_id)
        if not _claimed(uow, user.channel, update_id):
            return Reply(duplicate=True)
        draft = load_own_draft(uow, user, draft_id)
        state = engine.state_of(draft)
        summary = engine.summary(draft)
        if not draft.editable:
            uow.commit()
            note = engine.info(f"草稿 {draft.id} 当前状态为「{draft.status_label}」，只能查看。")
            return Reply(messages=[note, engine.card(draft.kind, state)], draft=summary)
        uow.chat_sessions.set(user.id, active_draft_id=draft.id, mode="drafting")
        uow.audit.add(draft.id, user.id, "resumed")
        uow.commit()
        title = f"《{draft.title}》" if draft.title else ""
        intro = engine.info(f"继续填写{summary.kind_label}{title}（编号 {draft.id}）。")
        return Reply(messages=[intro, *engine.where_it_stands(draft.kind, state)], draft=summary)

    return transact(db, work)


def leave_draft(db: Database, user_id: int) -> None:
    """Stop sending messages to the active draft (it stays saved and resumable)."""

    def work(uow: UnitOfWork) -> None:
        user = load_user(uow, user_id)
        uow.chat_sessions.set(user.id, active_draft_id=None)
        uow.commit()

    transact(db, work)
