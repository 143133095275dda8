"""Services: whole dialogues, idempotency, ownership, optimistic locking (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml
from sqlalchemy import text

from bot import services
from bot.dialogue import DialogueState, answers_to_plan
from bot.services import AccessDenied, DraftConflict, DraftNotEditable, DraftNotFound
from knowledge.errors import BadInput
from knowledge.plan import plan_from_mapping
from storage.db import Database
from storage.repositories import DraftRepository
from tests.servicekit import complete_dialogue

HOSTILE = "<a>&{{x}}{% if %} 😀 '; DROP TABLE drafts; --"


def _user(db: Database, name: str = "alice") -> int:
    return services.ensure_user(db, "terminal", name, name).id


def _state(db: Database, draft_id: int) -> DialogueState:
    with db.unit_of_work() as uow:
        draft = uow.drafts.get(draft_id)
        assert draft is not None
        return DialogueState.from_json(draft.state)


def _version(db: Database, draft_id: int) -> int:
    with db.unit_of_work() as uow:
        draft = uow.drafts.get(draft_id)
        assert draft is not None
        return draft.version


@pytest.mark.parametrize("kind", ["reserve_plan", "supply_plan"])
def test_a_whole_dialogue_through_services(database: Database, kind: str) -> None:
    uid = _user(database)
    first = services.start_draft(database, uid, kind)
    assert first.draft is not None and first.draft.current_field == "project_name"
    assert "第 1/" in first.text
    done, asked = complete_dialogue(database, uid, first)
    assert done.done and done.draft is not None and done.draft.complete
    assert "已全部填写完毕" in done.text
    draft_id = done.draft.id
    state = _state(database, draft_id)
    assert state.current is None
    with database.unit_of_work() as uow:
        trail = uow.history.for_draft(draft_id)
        actions = [e.action for e in uow.audit.for_draft(draft_id)]
    assert {c.key for c in trail} == set(state.answers)
    assert all(c.user_id == uid for c in trail)
    first_change = {c.key: c for c in reversed(trail)}
    assert all(c.old_value is None for c in first_change.values())
    last_change = {c.key: c for c in trail}
    assert {k: c.new_value for k, c in last_change.items()} == state.answers
    assert actions == ["created", "completed"]
    assert len(set(asked)) >= 25
    exported = services.export_draft(database, uid, draft_id)
    assert exported.draft.complete and exported.filename.endswith(f"-{draft_id}.yaml")
    reread = plan_from_mapping(yaml.safe_load(exported.text))
    assert reread.kind == kind and reread.fields == answers_to_plan(state).fields
    [listed] = services.list_drafts(database, uid)
    assert listed.complete and listed.answered == listed.total and listed.title


def test_rejected_answer_changes_nothing(database: Database) -> None:
    uid = _user(database)
    reply = services.start_draft(database, uid, "reserve_plan")
    assert reply.draft is not None
    did = reply.draft.id
    services.handle_message(database, uid, text="某地块收储项目")
    before_version, before_state = _version(database, did), _state(database, did).to_json()
    for bad in ("x" * 5000, "", "   "):
        r = services.handle_message(database, uid, text=bad)
        assert r.messages and r.messages[0].kind == "error"
    assert _version(database, did) == before_version
    assert _state(database, did).to_json() == before_state
    with database.unit_of_work() as uow:
        assert len(uow.history.for_draft(did)) == 1


def test_hostile_text_is_stored_and_exported_verbatim(database: Database) -> None:
    uid = _user(database)
    services.start_draft(database, uid, "supply_plan")
    reply = services.handle_message(database, uid, text=HOSTILE)
    assert reply.draft is not None and reply.draft.title == HOSTILE
    assert HOSTILE in reply.text
    exported = services.export_draft(database, uid, reply.draft.id)
    assert exported.plan.fields["project_name"] == HOSTILE
    assert services.list_drafts(database, uid)[0].title == HOSTILE


def test_a_redelivered_update_changes_nothing(database: Database) -> None:
    uid = _user(database)
    first = services.start_draft(database, uid, "reserve_plan", update_id=100)
    again = services.start_draft(database, uid, "reserve_plan", update_id=100)
    assert again.duplicate and not again.messages
    assert len(services.list_drafts(database, uid)) == 1
    assert first.draft is not None
    did = first.draft.id
    r1 = services.handle_message(database, uid, text="第一个名字", update_id=101)
    assert not r1.duplicate
    version = _version(database, did)
    r2 = services.handle_message(database, uid, text="第二个名字", update_id=101)
    assert r2.duplicate and not r2.messages
    assert _version(database, did) == version
    assert _state(database, did).answers["project_name"] == "第一个名字"
    assert services.delete_draft(database, uid, did, update_id=101) is None
    assert services.list_drafts(database, uid)  # not deleted: the id was used before


def test_update_ids_are_per_channel(database: Database) -> None:
    alice = services.ensure_user(database, "terminal", "alice").id
    bob = services.ensure_user(database, "telegram", "5551234", "Bob").id
    assert not services.start_draft(database, alice, "reserve_plan", update_id=7).duplicate
    assert not services.start_draft(database, bob, "reserve_plan", update_id=7).duplicate


@pytest.mark.parametrize("bad_id", [-1, 0, "1 OR 1=1", "abc", 10**20, True, "", "１"])
def test_malformed_draft_ids_are_refused(database: Database, bad_id: object) -> None:
    uid = _user(database)
    services.start_draft(database, uid, "reserve_plan")
    with pytest.raises(DraftNotFound):
        services.resume_draft(database, uid, bad_id)


def test_nobody_sees_or_changes_another_users_draft(database: Database) -> None:
    alice, bob = _user(database, "alice"), _user(database, "bob")
    reply = services.start_draft(database, alice, "reserve_plan")
    assert reply.draft is not None
    did = reply.draft.id
    services.handle_message(database, alice, text="爱丽丝的项目")
    version = _version(database, did)
    for call in (
        lambda: services.resume_draft(database, bob, did),
        lambda: services.export_draft(database, bob, did),
        lambda: services.delete_draft(database, bob, did),
        lambda: services.show_draft(database, bob, did),
        lambda: services.get_draft(database, bob, did),
        lambda: services.draft_history(database, bob, did),
        lambda: services.new_version(database, bob, did),
        lambda: services.copy_draft(database, bob, did),
        lambda: services.resume_draft(database, bob, str(did)),
    ):
        with pytest.raises(DraftNotFound) as err:
            call()
        assert "不属于您" in err.value.zh
    assert services.list_drafts(database, bob) == []
    # Bob's messages never reach Alice's draft, even if it is "active" somewhere.
    r = services.handle_message(database, bob, text="鲍勃的名字")
    assert "没有正在填写的方案" in r.text
    assert _version(database, did) == version
    assert _state(database, did).answers["project_name"] == "爱丽丝的项目"


def test_a_concurrent_change_is_retried_once(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    uid = _user(database)
    reply = services.start_draft(database, uid, "reserve_plan")
    assert reply.draft is not None
    did = reply.draft.id
    real_get = DraftRepository.get
    bumps = {"left": 1}

    def get_then_someone_writes(self: DraftRepository, draft_id: int, **kw: bool) -> object:
        found = real_get(self, draft_id, **kw)
        if bumps["left"] > 0:
            bumps["left"] -= 1
            self.s.connection().execute(
                text("UPDATE drafts SET version = version + 1 WHERE id = :id"), {"id": draft_id}
            )
        return found

    monkeypatch.setattr(DraftRepository, "get", get_then_someone_writes)
    r = services.handle_message(database, uid, text="重试后保存的名字")
    assert r.draft is not None and r.draft.current_field != "project_name"
    assert _state(database, did).answers["project_name"] == "重试后保存的名字"
    with database.unit_of_work() as uow:
        assert len(uow.history.for_draft(did)) == 1  # the failed attempt left no trace

    bumps["left"] = 10  # keeps conflicting: refused clearly, nothing saved
    version = _version(database, did)
    with pytest.raises(DraftConflict) as err:
        services.handle_message(database, uid, text="50亩")
    assert "请重新发送" in err.value.zh
    monkeypatch.undo()
    assert "area_m2" not in _state(database, did).answers
    assert _version(database, did) == version  # unchanged by the refused message


def test_export_import_round_trip(database: Database) -> None:
    alice, bob = _user(database, "alice"), _user(database, "bob")
    done, _ = complete_dialogue(
        database, alice, services.start_draft(database, alice, "supply_plan")
    )
    assert done.draft is not None
    exported = services.export_draft(database, alice, done.draft.id)
    imported = services.import_plan(database, bob, exported.text.encode(), filename="p.yaml")
    assert imported.draft is not None and imported.draft.complete
    assert imported.draft.kind == "supply_plan"
    assert "已从文件导入供地方案" in imported.text
    assert _state(database, imported.draft.id).answers == _state(database, done.draft.id).answers
    again = services.export_draft(database, bob, imported.draft.id)
    assert again.text == exported.text
    with database.unit_of_work() as uow:
        actions = [e.action for e in uow.audit.for_draft(imported.draft.id)]
        trail = uow.history.for_draft(imported.draft.id)
    assert actions == ["imported", "exported"]
    assert len(trail) == len(exported.plan.fields)


@pytest.mark.parametrize("kind", ["reserve_plan", "supply_plan"])
def test_a_finished_draft_with_skipped_fields_is_finished_after_export_and_import(
    database: Database, kind: str
) -> None:
    """A plan file cannot record 跳过: what it leaves out of the optional fields stays skipped."""
    uid = _user(database)
    done, asked = complete_dialogue(
        database, uid, services.start_draft(database, uid, kind), skip_optional=True
    )
    assert done.draft is not None and done.draft.complete
    exported = services.export_draft(database, uid, done.draft.id)
    assert len(exported.plan.fields) < len(set(asked))  # some optional fields were skipped
    imported = services.import_plan(database, uid, exported.text.encode(), filename="p.yaml")
    assert imported.draft is not None and imported.draft.complete
    assert imported.done
    assert services.export_draft(database, uid, imported.draft.id).text == exported.text


def test_import_of_a_partial_plan_continues_the_dialogue(database: Database) -> None:
    uid = _user(database)
    data = "kind: reserve_plan\nfields:\n  project_name: 导入的项目\n  area_mu: 30\n"
    reply = services.import_plan(database, uid, data)
    assert reply.draft is not None and not reply.draft.complete
    assert reply.draft.current_field not in ("project_name", "area_m2")
    state = _state(database, reply.draft.id)
    assert state.answers["area_m2"] == pytest.approx(20000.0)
    nxt = services.handle_message(database, uid, text="跳过")
    assert nxt.draft is not None and nxt.draft.id == reply.draft.id


@pytest.mark.parametrize(
    ("data", "filename", "fragment"),
    [
        ("kind: supply_plan\nfields:\n  aera_m2: 5\n", "p.yaml", "aera_m2"),
        ("kind: tax_plan\nfields: {}\n", "p.yaml", "kind"),
        ("kind: [unclosed\n", "p.yaml", "YAML"),
        ('{"kind": "supply_plan", "fields": {"area_m2": -3}}', "p.json", "area_m2"),
        (b"\xff\xfe\x00garbage", "p.yaml", "UTF-8"),
        ("x" * 1_000_001, "p.yaml", "1 MB"),
        ("- just\n- a list\n", "p.yaml", "kind"),
    ],
)
def test_bad_plan_files_create_nothing(
    database: Database, data: str | bytes, filename: str, fragment: str
) -> None:
    uid = _user(database)
    with pytest.raises(BadInput) as err:
        services.import_plan(database, uid, data, filename=filename)
    assert fragment in err.value.zh
    assert services.list_drafts(database, uid) == []


def test_cancel_leaves_the_draft_resumable_at_its_field(database: Database) -> None:
    uid = _user(database)
    reply = services.start_draft(database, uid, "supply_plan")
    assert reply.draft is not None
    did = reply.draft.id
    services.handle_message(database, uid, text="暂停的项目")
    at = services.handle_message(database, uid, text="跳过").draft
    assert at is not None
    left = services.handle_message(database, uid, text="取消")
    assert left.cancelled and services.active_draft(database, uid) is None
    assert "没有正在填写" in services.handle_message(database, uid, text="50亩").text
    resumed = services.resume_draft(database, uid, did)
    assert resumed.draft is not None and resumed.draft.current_field == at.current_field
    assert "继续填写供地方案《暂停的项目》" in resumed.text
    active = services.active_draft(database, uid)
    assert active is not None and active.id == did


def test_delete(database: Database) -> None:
    uid = _user(database)
    keep = services.start_draft(database, uid, "reserve_plan").draft
    gone = services.start_draft(database, uid, "supply_plan").draft
    assert keep is not None and gone is not None
    deleted = services.delete_draft(database, uid, gone.id)
    assert deleted is not None and deleted.id == gone.id
    assert [d.id for d in services.list_drafts(database, uid)] == [keep.id]
    assert services.active_draft(database, uid) is None  # it was the active one
    for call in (services.delete_draft, services.resume_draft, services.export_draft):
        with pytest.raises(DraftNotFound):
            call(database, uid, gone.id)
    with database.unit_of_work() as uow:
        assert [e.action for e in uow.audit.for_draft(gone.id)] == ["created", "deleted"]


def test_submitted_and_approved_drafts_are_read_only(database: Database) -> None:
    uid = _user(database)
    reply = services.start_draft(database, uid, "reserve_plan")
    assert reply.draft is not None
    did = reply.draft.id
    services.handle_message(database, uid, text="已提交的项目")
    with database.unit_of_work() as uow:
        draft = uow.drafts.get(did)
        assert draft is not None
        uow.drafts.update(draft, status="submitted", submitted_at=dt.datetime.now(dt.UTC))
        uow.commit()
    assert "没有正在填写" in services.handle_message(database, uid, text="50亩").text
    with pytest.raises(DraftNotEditable):
        services.delete_draft(database, uid, did)
    shown = services.resume_draft(database, uid, did)
    assert "只能查看" in shown.text and "已提交的项目" in shown.text
    assert services.active_draft(database, uid) is None
    with database.unit_of_work() as uow:
        draft = uow.drafts.get(did)
        assert draft is not None
        uow.drafts.update(draft, status="approved")
        uow.commit()
    child = services.new_version(database, uid, did)
    assert child.draft is not None and child.draft.parent_id == did
    assert child.draft.status == "draft" and child.draft.title == "已提交的项目"
    assert f"已根据草稿 {did} 新建储备方案" in child.text


def test_deactivated_users_are_refused(database: Database) -> None:
    uid = _user(database)
    with database.unit_of_work() as uow:
        uow.users.update(uid, active=False)
        uow.commit()
    with pytest.raises(AccessDenied):
        services.start_draft(database, uid, "reserve_plan")
    with pytest.raises(AccessDenied):
        services.list_drafts(database, uid)


def test_ensure_user_registers_once(database: Database) -> None:
    a = services.ensure_user(database, "telegram", "123", "王\x07科长")
    b = services.ensure_user(database, "telegram", "123", "别的名字")
    assert a == b and a.display_name == "王科长" and a.role == "clerk"
    assert services.get_user(database, "telegram", "124") is None
    with pytest.raises(ValueError):
        services.ensure_user(database, "telegram", "x" * 65)


def test_unknown_kind_and_button_data_are_refused(database: Database) -> None:
    uid = _user(database)
    with pytest.raises(BadInput):
        services.start_draft(database, uid, "tax_plan")
    services.start_draft(database, uid, "reserve_plan")
    for data in ("o:land_use:999", "x" * 500, "删除:1", "cmd:drop"):
        r = services.handle_message(database, uid, button=data)
        assert r.messages[0].kind == "error"


def test_copy_draft_keeps_the_answers_but_not_the_parcel_identity(database: Database) -> None:
    uid = _user(database)
    first = services.start_draft(database, uid, "supply_plan")
    assert first.draft is not None
    did = first.draft.id
    services.handle_message(database, uid, text="金水区一号地")
    services.handle_message(database, uid, text="郑政出〔2024〕12号")
    services.handle_message(database, uid, text="面积30亩，住宅用地，挂牌出让，出让年限70年")
    card = services.handle_message(database, uid, text="确认")  # a restart may come between
    assert "已填入 4 项" in card.text
    copy = services.copy_draft(database, uid, did)
    assert copy.draft is not None and copy.draft.id != did and copy.draft.parent_id is None
    assert "已复制草稿" in copy.text and "地块编号" in copy.text
    state = _state(database, copy.draft.id)
    assert "parcel_code" not in state.answers and "project_name" not in state.answers
    assert state.answers["area_m2"] == 20000.0 and state.answers["term_years"] == 70
    assert state.current == "project_name"
    assert services.active_draft(database, uid).id == copy.draft.id  # type: ignore[union-attr]
    assert _state(database, did).answers["parcel_code"] == "郑政出〔2024〕12号"  # untouched
    with database.unit_of_work() as uow:
        audit = uow.audit.for_draft(copy.draft.id)
    assert audit[0].action == "created"


def test_a_pending_card_survives_a_restart_and_nothing_is_saved_before_it(
    database: Database,
) -> None:
    uid = _user(database)
    first = services.start_draft(database, uid, "supply_plan")
    assert first.draft is not None
    did = first.draft.id
    card = services.handle_message(database, uid, text="面积30亩，住宅用地")
    assert "识别到 2 项" in card.text
    assert _state(database, did).answers == {} and _state(database, did).pending
    with database.unit_of_work() as uow:
        assert uow.history.for_draft(did) == []
    resumed = services.resume_draft(database, uid, did)
    assert "识别到 2 项" in resumed.text
    done = services.handle_message(database, uid, text="确认")
    assert _state(database, did).answers == {"area_m2": 20000.0, "land_use": "住宅用地"}
    assert "已填入 2 项" in done.text
    with database.unit_of_work() as uow:
        assert [c.key for c in uow.history.for_draft(did)] == ["area_m2", "land_use"]


def test_warm_loads_what_the_first_answer_would_read() -> None:
    """`landbot web` and `landbot run` call `engine.warm()` at start-up: after it the rules and
    the places are loaded, so the first answer of a process does not read the rule files while
    every other request waits behind it. A fresh interpreter, so nothing is loaded before."""
    import subprocess
    import sys

    probe = (
        "from bot.services import engine\n"
        "from knowledge.rules_engine.loader import load_rules\n"
        "from knowledge import jurisdictions\n"
        "assert load_rules.cache_info().currsize == 0\n"
        "engine.warm()\n"
        "print(load_rules.cache_info().currsize, jurisdictions._gazetteer.cache_info().currsize)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1", "1"]
