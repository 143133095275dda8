"""Storage: repositories, transactions, optimistic locking, idempotency (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import text

from storage.db import Database
from storage.repositories import StaleDraftError

HOSTILE = "<a>&{{x}}{% if %}\x07 控制字符 😀 ' OR 1=1; --"


def _user_and_draft(db: Database) -> tuple[int, int]:
    with db.unit_of_work() as uow:
        user = uow.users.add("terminal", "alice", "Alice")
        draft = uow.drafts.add(
            user.id, "reserve_plan", {"answers": {}}, current_field="project_name"
        )
        uow.commit()
    return user.id, draft.id


def test_nothing_is_saved_without_commit(database: Database) -> None:
    with database.unit_of_work() as uow:
        uow.users.add("terminal", "bob")
    with database.unit_of_work() as uow:
        assert uow.users.by_external("terminal", "bob") is None


def test_users_are_unique_per_channel(database: Database) -> None:
    with database.unit_of_work() as uow:
        a = uow.users.add("terminal", "42", "终端用户")
        b = uow.users.add("telegram", "42", "电报用户", role="reviewer", department="储备科")
        uow.commit()
    assert a.id != b.id
    with database.unit_of_work() as uow:
        found = uow.users.by_external("telegram", "42")
        assert found == b
        assert found is not None and found.role_label == "审核人"
        assert found.created_at.tzinfo is dt.UTC
    with pytest.raises(sa_exc.IntegrityError), database.unit_of_work() as uow:
        uow.users.add("terminal", "42")
        uow.commit()


def test_check_constraints_refuse_unknown_roles_and_channels(database: Database) -> None:
    for channel, role in (("fax", "clerk"), ("terminal", "boss")):
        with pytest.raises(sa_exc.IntegrityError), database.unit_of_work() as uow:
            uow.users.add(channel, "1", role=role)
            uow.commit()


def test_foreign_keys_are_enforced(database: Database) -> None:
    with pytest.raises(sa_exc.IntegrityError), database.unit_of_work() as uow:
        uow.drafts.add(999, "supply_plan", {})
        uow.commit()


def test_draft_round_trip_keeps_state_verbatim(database: Database) -> None:
    _, draft_id = _user_and_draft(database)
    state = {"answers": {"project_name": HOSTILE, "prepared_date": dt.date(2026, 3, 1)}}
    with database.unit_of_work() as uow:
        draft = uow.drafts.get(draft_id, lock=True)
        assert draft is not None and draft.version == 1 and draft.editable
        saved = uow.drafts.update(draft, state=state, title=HOSTILE, current_field="area_m2")
        uow.commit()
    assert saved.version == 2
    with database.unit_of_work(readonly=True) as uow:
        again = uow.drafts.get(draft_id)
    assert again is not None
    assert again.state == {"answers": {"project_name": HOSTILE, "prepared_date": "2026-03-01"}}
    assert again.title == HOSTILE and again.current_field == "area_m2"
    assert again.updated_at >= again.created_at


def test_stale_draft_is_refused(database: Database) -> None:
    _, draft_id = _user_and_draft(database)
    with database.unit_of_work() as uow:
        old = uow.drafts.get(draft_id)
    assert old is not None
    with database.unit_of_work() as uow:
        uow.drafts.update(old, current_field="area_m2")
        uow.commit()
    with pytest.raises(StaleDraftError), database.unit_of_work() as uow:
        uow.drafts.update(old, current_field="location")
    with database.unit_of_work() as uow:
        now = uow.drafts.get(draft_id)
    assert now is not None and now.current_field == "area_m2" and now.version == 2


def test_concurrent_write_is_detected_at_flush(database: Database) -> None:
    """Someone else's UPDATE between our read and our write makes the version check fail."""
    _, draft_id = _user_and_draft(database)
    with pytest.raises(StaleDraftError), database.unit_of_work() as uow:
        draft = uow.drafts.get(draft_id)
        assert draft is not None
        uow.session.connection().execute(
            text("UPDATE drafts SET version = version + 1 WHERE id = :id"), {"id": draft_id}
        )
        uow.drafts.update(draft, current_field="location")


def test_status_follows_the_review_workflow(database: Database) -> None:
    _, draft_id = _user_and_draft(database)
    with database.unit_of_work() as uow:
        draft = uow.drafts.get(draft_id)
        assert draft is not None
        with pytest.raises(ValueError, match="cannot become approved"):
            uow.drafts.update(draft, status="approved")
    path = ["submitted", "returned", "submitted", "approved"]
    for status in path:
        with database.unit_of_work() as uow:
            draft = uow.drafts.get(draft_id)
            assert draft is not None
            draft = uow.drafts.update(draft, status=status)
            if status in ("approved", "returned"):
                uow.reviews.add(
                    draft_id, None, status, "意见：" + HOSTILE, draft_version=draft.version
                )
            uow.commit()
    with database.unit_of_work() as uow:
        draft = uow.drafts.get(draft_id)
        assert draft is not None and draft.status == "approved" and not draft.editable
        assert [r.decision for r in uow.reviews.for_draft(draft_id)] == ["returned", "approved"]
        with pytest.raises(ValueError):
            uow.drafts.update(draft, status="returned")


def test_soft_delete_hides_the_draft_but_keeps_its_trail(database: Database) -> None:
    user_id, draft_id = _user_and_draft(database)
    with database.unit_of_work() as uow:
        draft = uow.drafts.get(draft_id)
        assert draft is not None
        uow.history.add(draft_id, user_id, "project_name", None, "某项目")
        uow.drafts.update(draft, deleted_at=dt.datetime.now(dt.UTC))
        uow.audit.add(draft_id, user_id, "deleted")
        uow.commit()
    with database.unit_of_work() as uow:
        assert uow.drafts.get(draft_id) is None
        assert uow.drafts.list_for_owner(user_id) == []
        assert uow.drafts.get(draft_id, include_deleted=True) is not None
        assert [c.new_value for c in uow.history.for_draft(draft_id)] == ["某项目"]
        assert [e.action for e in uow.audit.for_draft(draft_id)] == ["deleted"]


def test_answer_history_records_old_and_new_values(database: Database) -> None:
    user_id, draft_id = _user_and_draft(database)
    with database.unit_of_work() as uow:
        uow.history.add(draft_id, user_id, "area_m2", None, 20000.0)
        uow.history.add(draft_id, user_id, "area_m2", 20000.0, 13333.5)
        uow.history.add(draft_id, user_id, "five_checks", None, {"soil_pollution": True})
        uow.history.add(draft_id, user_id, "start_date", None, dt.date(2027, 6, 1))
        uow.commit()
    with database.unit_of_work() as uow:
        trail = uow.history.for_draft(draft_id)
    assert [(c.key, c.old_value, c.new_value) for c in trail] == [
        ("area_m2", None, 20000.0),
        ("area_m2", 20000.0, 13333.5),
        ("five_checks", None, {"soil_pollution": True}),
        ("start_date", None, "2027-06-01"),
    ]
    assert all(c.user_id == user_id and c.at.tzinfo is dt.UTC for c in trail)


def test_processed_update_is_claimed_once_and_only_with_its_transaction(
    database: Database,
) -> None:
    with database.unit_of_work() as uow:
        assert uow.processed.claim("telegram", 10**12)
        # rolled back: the claim goes with it
    with database.unit_of_work() as uow:
        assert uow.processed.claim("telegram", 10**12)
        assert not uow.processed.claim("telegram", 10**12)
        assert uow.processed.claim("terminal", 10**12)
        uow.commit()
    with database.unit_of_work() as uow:
        assert not uow.processed.claim("telegram", 10**12)
        assert uow.processed.seen("terminal", 10**12)
        later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
        assert uow.processed.prune(later) == 2
        uow.commit()


def test_documents_keep_bytes_and_checksum(database: Database) -> None:
    user_id, draft_id = _user_and_draft(database)
    payload = b"PK\x03\x04" + bytes(range(256)) * 40
    with database.unit_of_work() as uow:
        doc = uow.documents.add(
            draft_id,
            doc_type="reserve_plan",
            filename="储备方案.docx",
            media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            content=payload,
            kb_version="kb-1",
            draft_version=1,
            created_by=user_id,
        )
        uow.commit()
    with database.unit_of_work() as uow:
        assert uow.documents.content(doc.id) == payload
        [again] = uow.documents.for_draft(draft_id)
    assert again.size == len(payload) and len(again.sha256) == 64
    assert again.filename == "储备方案.docx" and again.kb_version == "kb-1"


def test_invitation_is_used_once(database: Database) -> None:
    with database.unit_of_work() as uow:
        admin = uow.users.add("telegram", "1", role="admin")
        invite = uow.invitations.add(
            "ABC123",
            "reviewer",
            department="储备科",
            created_by=admin.id,
            expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=7),
        )
        uow.commit()
    with database.unit_of_work() as uow:
        found = uow.invitations.by_code("ABC123", lock=True)
        assert found == invite and found.used_by is None
        newcomer = uow.users.add("telegram", "2", role=found.role, department=found.department)
        used = uow.invitations.mark_used(found.id, newcomer.id)
        assert used.used_by == newcomer.id and used.used_at is not None
        with pytest.raises(ValueError):
            uow.invitations.mark_used(found.id, newcomer.id)
        uow.commit()


def test_chat_session_remembers_the_active_draft(database: Database) -> None:
    user_id, draft_id = _user_and_draft(database)
    with database.unit_of_work() as uow:
        assert uow.chat_sessions.active_draft_id(user_id) is None
        uow.chat_sessions.set(user_id, active_draft_id=draft_id, mode="drafting")
        uow.commit()
    with database.unit_of_work() as uow:
        assert uow.chat_sessions.active_draft_id(user_id) == draft_id
        assert uow.chat_sessions.mode(user_id) == "drafting"
        uow.chat_sessions.set(user_id, active_draft_id=None)
        uow.commit()
    with database.unit_of_work() as uow:
        assert uow.chat_sessions.active_draft_id(user_id) is None


def test_list_for_owner_is_newest_first_and_per_owner(database: Database) -> None:
    with database.unit_of_work() as uow:
        a = uow.users.add("terminal", "a")
        b = uow.users.add("terminal", "b")
        first = uow.drafts.add(a.id, "reserve_plan", {})
        second = uow.drafts.add(a.id, "supply_plan", {})
        uow.drafts.add(b.id, "supply_plan", {})
        uow.commit()
    with database.unit_of_work() as uow:
        uow.drafts.update(first, title="改过")
        uow.commit()
    with database.unit_of_work(readonly=True) as uow:
        assert [d.id for d in uow.drafts.list_for_owner(a.id)] == [first.id, second.id]
        assert {d.owner_id for d in uow.drafts.list_for_owner(b.id)} == {b.id}
