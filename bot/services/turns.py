"""A dialogue step as data (CONTRACT §5 `turn`), and a draft as data, for channels that
draw their own screens (the web page) instead of sending chat messages.

The turn is the same step the Telegram bot and the terminal show: the messages of one
`Reply` split into the question (`prompt`, its answer options as `choices`, the commands
it offers) and everything else (`message`), with the current findings, each with the
article it enforces quoted from the knowledge base.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from bot.dialogue import Message
from bot.services import drafting, engine, web_login
from bot.services.errors import DraftNotFound
from bot.services.notices import Notice
from bot.services.results import DraftSummary, Reply, local_minute
from bot.services.review import (
    DECIDED,
    WAITING,
    Pending,
    ReviewRecord,
    latest_review,
    load_viewable_draft,
)
from bot.services.transaction import load_user, transact
from bot.services.web_login import SessionInfo
from storage.db import Database, UnitOfWork

OPTION_KINDS = ("o", "b", "mc")  # button data of an answer option (a choice, 是/否, 确认/修改)
PROMPT_KINDS = ("question", "confirm")  # a question, or a multi-field card waiting for 确认


def _findings(findings: Iterable[Any], kind: str | None) -> list[dict[str, Any]]:
    """Findings as JSON with the cited document's title, number and the article verbatim,
    and `edit`: the command that changes the answer concerned (修改 熔断比例…), if any."""
    from knowledge.corpus import load_corpus

    corpus = load_corpus()
    form = engine.form_for(kind) if kind else None
    out = []
    for f in findings:
        d = dict(f) if isinstance(f, Mapping) else f.to_json()
        key = d.get("field")
        has = form is not None and isinstance(key, str) and form.has(key)
        d["edit"] = f"修改 {form.field(key).label}" if has and form and key else None
        cite = d.get("cite") or {}
        doc = corpus.document(str(cite.get("doc_id", "")))
        art = doc.article(str(cite.get("article", ""))) if doc is not None else None
        d["source"] = {
            "title": doc.title if doc else None,
            "number": doc.number if doc else None,
            "text": art.text if art else None,
        }
        out.append(d)
    return out


def progress(draft: DraftSummary | None) -> dict[str, int]:
    """第 n/N 项: the current field's place among the fields that apply (n = N when done)."""
    if draft is None:
        return {"n": 0, "total": 0}
    n = draft.position or (draft.total if draft.current_field is None else draft.answered)
    return {"n": n, "total": draft.total}


def turn(
    messages: list[Message], draft: DraftSummary | None, findings: Iterable[Any]
) -> dict[str, Any]:
    """The CONTRACT §5 turn, plus `commands` (the other buttons: 返回, 查看, 修改 熔断比例…),
    `notices` (the messages besides the question, each with its kind: error, finding…) and
    `pending` (a multi-field card's answers waiting for 确认, which `choices` then offers)."""
    question = next((m for m in reversed(messages) if m.kind in PROMPT_KINDS), None)
    choices: list[str] = []
    commands: list[str] = []
    for m in messages:
        for b in (b for row in m.buttons for b in row):
            option = b.data.split(":", 1)[0] in OPTION_KINDS
            if option and m is question:
                choices.append(b.label)
            elif not option and b.label not in commands:
                commands.append(b.label)
    return {
        "prompt": question.text if question else "",
        "field": draft.current_field if draft else None,
        "progress": progress(draft),
        "choices": choices,
        "commands": commands,
        "message": "\n\n".join(m.text for m in messages if m is not question),
        "notices": [{"kind": m.kind, "text": m.text} for m in messages if m is not question],
        "findings": _findings(findings, draft.kind if draft else None),
        "done": bool(draft and draft.complete and draft.current_field is None),
        "pending": [
            {"field": k, "label": label, "value": value}
            for k, label, value in (draft.pending if draft else ())
        ],
    }


def reply_turn(reply: Reply) -> dict[str, Any]:
    return turn(reply.messages, reply.draft, reply.findings)


REPLAYED = "这条回答已经保存过，没有再次填入。"
REPLAYED_NEW = "这个草稿刚才已经新建，没有再建一份。"
MAX_ANSWER_ID = 2**53 - 1  # the page's ids are JavaScript's safe integers


def answer_turn(
    db: Database,
    token: str | None,
    draft_id: object,
    text: str,
    answer_id: int | None = None,
    *,
    guard: Callable[[SessionInfo], None] | None = None,
) -> dict[str, Any]:
    """`POST /api/drafts/{id}/answer`: one answer of the session's user, applied once, in the
    unit of work that checks the session and `guard` (`web_login.in_session`). A page that
    did not see the reply (the connection dropped, a worker died) sends the same `answer_id`
    again; that is claimed in the answer's own transaction, so a repeat changes nothing and
    gets the draft's current turn with `replayed`."""

    def work(uow: UnitOfWork, info: SessionInfo) -> tuple[int, Reply]:
        uid = info.user.id
        reply = drafting.handle_message(
            db, uid, text=text, draft_id=draft_id, update_id=answer_id,
            claim_channel=f"web:{uid}",
            within=drafting.Within(uow, info.user, info.active_draft_id),
        )  # fmt: skip
        return uid, reply

    user_id, reply = web_login.in_session(db, token, work, guard=guard)
    if not reply.duplicate:
        return {"turn": reply_turn(reply)}
    current = draft_detail(db, user_id, draft_id)["turn"]
    current["message"] = "\n\n".join(filter(None, [REPLAYED, current["message"]]))
    current["notices"].insert(0, {"kind": "info", "text": REPLAYED})
    return {"turn": current, "replayed": True}


def start_turn(
    db: Database, user_id: int, kind: str, request_id: int | None = None
) -> dict[str, Any]:
    """`POST /api/drafts`: a new draft, created once per `request_id`. A page that did not see
    the reply sends the same id again and gets the draft that request made (the user's newest
    of that kind: the repeat comes seconds after the first) with `replayed`, not a second
    empty draft."""
    reply = drafting.start_draft(
        db, user_id, kind, update_id=request_id, claim_channel=f"web-new:{user_id}"
    )
    if not reply.duplicate:
        assert reply.draft is not None
        return {"draft_id": reply.draft.id, "turn": reply_turn(reply)}

    def newest(uow: UnitOfWork) -> int | None:
        load_user(uow, user_id)
        ids = [d.id for d in uow.drafts.list_for_owner(user_id) if d.kind == kind]
        return max(ids, default=None)

    draft_id = transact(db, newest, readonly=True)
    if draft_id is None:  # made and deleted since: a repeat makes nothing new
        raise DraftNotFound(request_id)
    current = draft_detail(db, user_id, draft_id)["turn"]
    current["notices"].insert(0, {"kind": "info", "text": REPLAYED_NEW})
    return {"draft_id": draft_id, "turn": current, "replayed": True}


def listed(d: DraftSummary) -> dict[str, Any]:
    """A draft as `GET /api/drafts` lists it."""
    return {
        "draft_id": d.id,
        "kind": d.kind,
        "kind_label": d.kind_label,
        "title": d.title,
        "status": d.status,
        "status_label": d.status_label,
        "progress": {"answered": d.answered, "total": d.total},
        "updated_at": d.updated_at.isoformat(),
    }


def pending_listed(p: Pending) -> dict[str, Any]:
    return {**listed(p.draft), "owner": p.owner.display_name}


def returned_note(decided: ReviewRecord) -> str:
    """What the clerk reads on a returned draft: who returned it, when, and the comment."""
    when = local_minute(decided.time)
    who = f"审核人{decided.reviewer}" if decided.reviewer else "审核人"
    return f"↩️ {who}于 {when} 退回修改。审核意见：{decided.opinion}\n请按意见修改后重新提交审核。"


def notice_json(n: Notice) -> dict[str, Any]:
    """A notification as the page shows it (`GET /api/notices`): what happened, to which
    draft, in plain text (the page's card colours it: no emoji, which not every phone font
    has). Only current notices come here (`notices.unseen`)."""
    if n.submitted is not None:
        s = n.submitted
        dept = f"（{s.owner.department}）" if s.owner.department else ""
        warn = f"另有 {s.warnings} 项政策核查提示，请留意。" if s.warnings else ""
        plan = f"{s.draft.kind_label}《{s.draft.title or '未命名'}》"
        text = f"待审核：{s.owner.display_name}{dept}提交了{plan}。{warn}"
        return {"id": n.id, "kind": WAITING, "draft_id": s.draft.id, "text": text}
    assert n.decided is not None
    d, r = n.decided.draft, n.decided.review
    approved = r.decision == "approved"
    plan = f"{d.kind_label}《{d.title or '未命名'}》"
    who = f"审核人{n.decided.reviewer.display_name}于 {local_minute(r.at)} "
    opinion = f"\n审核意见：{r.comment}" if r.comment else ""
    text = f"您的{plan}已由{who}{'审核通过' if approved else '退回修改'}。{opinion}"
    return {"id": n.id, "kind": DECIDED, "decision": r.decision, "draft_id": d.id, "text": text}


def review_json(decided: ReviewRecord | None) -> dict[str, Any] | None:
    """The latest decision on a draft (None while undecided)."""
    if decided is None:
        return None
    return {"decision": decided.decision, "reviewer": decided.reviewer,
            "comment": decided.opinion, "at": decided.time.isoformat()}  # fmt: skip


def draft_detail(db: Database, user_id: int, draft_id: object) -> dict[str, Any]:
    """`GET /api/drafts/{id}`: a draft the user may see (theirs, or one they review)."""

    def work(uow: UnitOfWork) -> dict[str, Any]:
        user = load_user(uow, user_id)
        draft = load_viewable_draft(uow, user, draft_id)
        state = engine.state_of(draft)
        summary = engine.summary(draft, state)
        own = draft.owner_id == user.id
        if own and draft.editable:
            shown = engine.where_it_stands(draft.kind, state)
        else:
            note = engine.info(f"草稿 {draft.id} 当前状态为「{draft.status_label}」，只能查看。")
            shown = [note] if own else []
        decided = latest_review(uow, draft)
        if own and decided is not None and draft.status == "returned":
            shown = [Message(returned_note(decided), "returned"), *shown]  # what to change, first
        return {
            "draft_id": draft.id,
            "kind": draft.kind,
            "title": draft.title,
            "status": draft.status,
            "status_label": draft.status_label,
            "own": own,
            "fields": state.answers,
            "progress": {"answered": summary.answered, "total": summary.total},
            "findings": _findings(state.findings, draft.kind),
            "card": engine.card(draft.kind, state).text,
            "review": review_json(decided),
            "turn": turn(shown, summary, state.findings),
        }

    return transact(db, work, readonly=True)


def check_draft(db: Database, user_id: int, draft_id: object) -> dict[str, Any]:
    """The `landbot check --json` object of a draft the user may see."""
    from bot.dialogue import answers_to_plan
    from knowledge.checks import check_plan

    def work(uow: UnitOfWork) -> dict[str, Any]:
        draft = load_viewable_draft(uow, load_user(uow, user_id), draft_id)
        return check_plan(answers_to_plan(engine.state_of(draft))).to_json()

    return transact(db, work, readonly=True)
