"""The review workflow and the documents of a draft, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest

from bot import services
from bot.services import documents, notices, review, users, web_login
from bot.services.errors import DraftNotFound
from storage.db import Database
from storage.domain import User
from storage.sqltypes import utcnow

PLANS = Path(__file__).parent / "data" / "plans"
DEPT = "郑州市土地储备中心"


def person(db: Database, ext: int, role: str, dept: str = DEPT, name: str = "") -> User:
    inv = users.invite(db, role=role, department=dept)
    return users.register(
        db, channel="telegram", external_id=ext, display_name=name or f"用户{ext}",
        code_text=inv.code,
    ).user  # fmt: skip


def imported(db: Database, user: User, name: str = "zhengzhou-residential-supply.yaml") -> int:
    reply = services.import_plan(db, user.id, (PLANS / name).read_bytes(), filename=name)
    assert reply.draft is not None and reply.draft.complete
    return reply.draft.id


def audit(db: Database, draft_id: int) -> list[str]:
    with db.unit_of_work(readonly=True) as uow:
        return [e.action for e in uow.audit.for_draft(draft_id)]


def test_submit_approve_lock_and_new_version(database: Database) -> None:
    clerk = person(database, 1, "clerk", name="李经办")
    rev = person(database, 2, "reviewer", name="王审核")
    person(database, 3, "reviewer", dept="别的中心")
    draft = imported(database, clerk)

    sub = review.submit(database, clerk.id, draft, update_id=10)
    assert sub.draft.status == "submitted" and [r.id for r in sub.reviewers] == [rev.id]
    assert "郑州市" in sub.summary
    # a re-delivered submission changes nothing
    assert review.submit(database, clerk.id, draft, update_id=10).duplicate
    with pytest.raises(review.ReviewRefused):
        review.submit(database, clerk.id, draft)  # already submitted
    # a submitted draft is no longer editable
    with pytest.raises(services.DraftNotEditable):
        services.delete_draft(database, clerk.id, draft)

    pending = review.pending_for(database, rev.id)
    assert [p.draft.id for p in pending] == [draft]
    version = pending[0].draft.version
    with pytest.raises(review.ReviewRefused):  # a clerk cannot decide
        review.decide(database, clerk.id, draft, "approved")
    decided = review.decide(
        database, rev.id, draft, "approved", comment="同意按此方案报批", version=version,
        update_id=11,
    )  # fmt: skip
    assert decided.draft.status == "approved" and decided.owner.id == clerk.id
    assert decided.review.comment == "同意按此方案报批"
    with pytest.raises(review.ReviewRefused):  # the old version: already decided
        review.decide(database, rev.id, draft, "returned", comment="x", version=version)
    assert audit(database, draft)[-2:] == ["submitted", "approved"]

    # locked: no new answers; a new version starts from it
    assert services.get_draft(database, clerk.id, draft).editable is False
    newer = services.new_version(database, clerk.id, draft)
    assert newer.draft is not None and newer.draft.parent_id == draft and newer.draft.editable

    # the memo records the reviewer's opinion and time
    files = documents.generate(database, clerk.id, draft, doc_types=("approval_memo",))
    (memo,) = files
    text = _docx_text(memo.content)
    assert "王审核" in text and "同意按此方案报批" in text
    assert memo.filename.endswith("审批呈报单.docx")
    again = documents.fetch(database, clerk.id, memo.document_id)
    assert again.content == memo.content


def test_return_needs_a_comment_and_the_clerk_can_resubmit(database: Database) -> None:
    clerk = person(database, 11, "clerk")
    rev = person(database, 12, "reviewer")
    draft = imported(database, clerk)
    sub = review.submit(database, clerk.id, draft)
    with pytest.raises(review.ReviewRefused, match="修改意见"):
        review.decide(database, rev.id, draft, "returned", comment="  ")
    pending = review.await_comment(database, rev.id, draft, sub.draft.version)
    assert pending is not None
    with database.unit_of_work(readonly=True) as uow:
        mode = uow.chat_sessions.mode(rev.id)
    assert review.comment_target(mode) == (draft, sub.draft.version)
    decided = review.decide(
        database, rev.id, draft, "returned", comment="起始价偏低，请复核", version=sub.draft.version
    )
    assert decided.draft.status == "returned" and decided.draft.editable
    with database.unit_of_work(readonly=True) as uow:
        assert uow.chat_sessions.mode(rev.id) is None  # the comment mode ended
    again = review.submit(database, clerk.id, draft)
    assert again.draft.status == "submitted"
    assert audit(database, draft)[-3:] == ["submitted", "returned", "submitted"]


def test_error_findings_and_incomplete_drafts_cannot_be_submitted(database: Database) -> None:
    clerk = person(database, 21, "clerk")
    draft = imported(database, clerk)
    # 熔断比例 150% breaks 郑政〔2021〕4号 四（二）
    services.resume_draft(database, clerk.id, draft)
    services.handle_message(database, clerk.id, text="修改 熔断比例")
    services.handle_message(database, clerk.id, text="150%")
    with pytest.raises(review.ReviewRefused, match="错误"):
        review.submit(database, clerk.id, draft)
    started = services.start_draft(database, clerk.id, "supply_plan")
    assert started.draft is not None
    with pytest.raises(review.ReviewRefused, match="必填项"):
        review.submit(database, clerk.id, started.draft.id)


def test_only_the_department_sees_and_decides(database: Database) -> None:
    clerk = person(database, 31, "clerk")
    outsider = person(database, 32, "reviewer", dept="别的中心")
    other_clerk = person(database, 33, "clerk")
    draft = imported(database, clerk)
    sub = review.submit(database, clerk.id, draft)
    assert sub.reviewers == []  # nobody reviews this department yet: the channel says so
    with pytest.raises(DraftNotFound):
        review.decide(database, outsider.id, draft, "approved", version=sub.draft.version)
    assert review.pending_for(database, outsider.id) == []
    with pytest.raises(DraftNotFound):
        documents.generate(database, other_clerk.id, draft)
    with pytest.raises(DraftNotFound):
        documents.list_documents(database, outsider.id, draft)
    admin = users.create_admin(
        database, channel="telegram", external_id=34, display_name="管理员", department=DEPT
    )
    with database.unit_of_work(readonly=True) as uow:
        assert [u.id for u in users.reviewers_of(uow, DEPT)] == [admin.id]
    assert [p.draft.id for p in review.pending_for(database, admin.id)] == [draft]


def _docx_text(content: bytes) -> str:
    import docx

    doc = docx.Document(io.BytesIO(content))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(c.text for c in row.cells)
    return "\n".join(parts)


def test_a_document_asked_again_is_the_stored_one_until_the_draft_changes(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The web page's download: the same file again while the draft is unchanged (nothing
    rendered or stored twice); a new one once the draft changed (here: approved, so the memo
    shows the decision) or after an upgrade (a process started later renders anew)."""
    clerk = person(database, 1, "clerk")
    rev = person(database, 2, "reviewer", name="王审核")
    outsider = person(database, 3, "clerk", dept="别的中心")
    draft = imported(database, clerk)
    first = documents.one_document(database, clerk.id, draft, "approval_memo")
    again = documents.one_document(database, clerk.id, draft, "approval_memo")
    assert (again.document_id, again.content) == (first.document_id, first.content)
    assert len(documents.list_documents(database, clerk.id, draft)) == 1
    with pytest.raises(DraftNotFound):  # someone else's draft, stored file or not
        documents.one_document(database, outsider.id, draft, "approval_memo")

    review.submit(database, clerk.id, draft)
    review.decide(database, rev.id, draft, "approved", comment="同意按此方案报批")
    decided = documents.one_document(database, clerk.id, draft, "approval_memo")
    assert decided.document_id != first.document_id
    assert "同意按此方案报批" in _docx_text(decided.content)
    assert "同意按此方案报批" not in _docx_text(first.content)
    assert documents.one_document(database, rev.id, draft, "approval_memo") == decided

    monkeypatch.setattr(documents, "RENDERED_SINCE", utcnow() + dt.timedelta(seconds=1))
    upgraded = documents.one_document(database, clerk.id, draft, "approval_memo")
    assert upgraded.document_id != decided.document_id


def web_person(db: Database, role: str, name: str, dept: str = DEPT) -> User:
    code = users.invite(db, role=role, department=dept).code
    return web_login.login_with_code(db, code, name=name).user


def test_what_happens_on_the_web_is_queued_for_people_on_telegram(database: Database) -> None:
    """A plan submitted on the web page: its reviewers get a notification, on Telegram and on
    the web page alike (nothing pushes to either from the web); the decision made there, its
    owner on Telegram. Each is claimed once; one no longer true is claimed but not current. A
    transition in the Telegram chat (origin None) queues nothing for people on Telegram (the
    chat tells them itself), only for those on the web page."""
    clerk = person(database, 1, "clerk", name="李经办")
    rev = person(database, 2, "reviewer", name="王审核")
    web_rev = web_person(database, "reviewer", "赵审核")
    person(database, 3, "reviewer", dept="别的中心")
    draft = imported(database, clerk)

    review.submit(database, clerk.id, draft, origin="web")
    (waiting,) = notices.due(database, "telegram")
    assert waiting.recipient is not None and waiting.recipient.id == rev.id and waiting.current
    assert waiting.submitted is not None and "郑州市" in waiting.submitted.summary
    (on_the_web,) = notices.due(database, "web")
    assert on_the_web.recipient is not None and on_the_web.recipient.id == web_rev.id
    assert notices.claim(database, waiting.id) and not notices.claim(database, waiting.id)
    assert notices.due(database, "telegram") == []

    review.decide(database, web_rev.id, draft, "returned", comment="起始价请复核", origin="web")
    (told,) = notices.due(database, "telegram")
    assert told.recipient is not None and told.recipient.id == clerk.id
    assert told.decided is not None and told.decided.review.comment == "起始价请复核"
    assert told.decided.reviewer.id == web_rev.id and told.current
    assert notices.claim(database, told.id)

    review.submit(database, clerk.id, draft, origin="web")  # again, and decided at once
    review.decide(database, web_rev.id, draft, "approved", origin="web")
    stale, decided = notices.due(database, "telegram")
    assert stale.recipient is not None and stale.recipient.id == rev.id and not stale.current
    assert decided.decided is not None and decided.decided.review.decision == "approved"

    other = imported(database, clerk)
    review.submit(database, clerk.id, other)  # from Telegram: it told the reviewers itself
    assert [n.id for n in notices.due(database, "telegram")] == [stale.id, decided.id]
    for_web = notices.due(database, "web")  # the web reviewer: the first plan twice, decided
    assert [n.current for n in for_web] == [False, False, True]  # since; the one from the chat
    assert for_web[2].submitted is not None and for_web[2].submitted.draft.id == other


def test_a_notification_is_sent_again_until_it_went_out(database: Database) -> None:
    """At least once: a claim keeps other workers off while it holds; released (the send
    failed for now) or run out (its worker died), the notice is due again; delivered, never."""
    clerk = person(database, 1, "clerk", name="李经办")
    person(database, 2, "reviewer", name="王审核")
    review.submit(database, clerk.id, imported(database, clerk), origin="web")
    (waiting,) = notices.due(database, "telegram")

    assert notices.claim(database, waiting.id)
    assert notices.due(database, "telegram") == [] and not notices.claim(database, waiting.id)
    notices.release(database, waiting.id)  # Telegram was unreachable
    assert [n.id for n in notices.due(database, "telegram")] == [waiting.id]

    with database.unit_of_work() as uow:  # a worker that claimed it and died: its claim ran out
        assert uow.notifications.claim(waiting.id, -dt.timedelta(seconds=1))
        uow.commit()
    assert [n.id for n in notices.due(database, "telegram")] == [waiting.id]
    assert notices.claim(database, waiting.id)

    notices.delivered(database, waiting.id)
    notices.release(database, waiting.id)  # a late release does not undo the delivery
    assert notices.due(database, "telegram") == [] and not notices.claim(database, waiting.id)
    with database.unit_of_work() as uow:
        assert uow.notifications.claim(waiting.id, -dt.timedelta(seconds=1)) is False
