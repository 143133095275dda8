"""A rolling upgrade: a new version migrates the schema while a worker of the previous version
keeps serving on the same database (README "Upgrades").

The old worker is an engine whose schema was at the previous revision when it started, with a
request in flight while the new version's `open_database` runs `upgrade head`. Its requests are
the repositories' reads and writes of the tables as they were at that revision (each migration
only adds tables or columns, or widens a CHECK, so those repositories are the old code's);
after the upgrade they must go on working on the same pooled connections, and the new version
must read what the old worker wrote.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass

import pytest

from bot.settings import load_settings
from storage import migrate
from storage.db import Database, UnitOfWork, create_db_engine, open_database
from storage.sqltypes import utcnow

PREVIOUS = [r.revision for r in reversed(list(migrate.script_directory().walk_revisions()))][:-1]


@dataclass(frozen=True)
class Served:
    user_id: int
    draft_id: int


def old_request(uow: UnitOfWork, revision: str, n: int) -> Served:
    """What a worker at `revision` writes for one message: a person, a draft with an answer,
    its history, audit event and document, the processed update (and, from the revision that
    brought them, the chat session, the inbox and a web session)."""
    user = uow.users.add("telegram", f"old-{revision}-{n}", f"旧版用户{n}", department="金水区")
    draft = uow.drafts.add(user.id, "supply_plan", {"answers": {}}, current_field="project_name")
    draft = uow.drafts.update(draft, state={"answers": {"project_name": f"地块{n}"}})
    uow.history.add(draft.id, user.id, "project_name", None, f"地块{n}")
    uow.audit.add(draft.id, user.id, "draft_created", {"n": n})
    uow.documents.add(
        draft.id, doc_type="supply_plan", filename=f"{n}.docx", media_type="application/docx",
        content=b"docx bytes", kb_version="kb", draft_version=draft.version, created_by=user.id,
    )  # fmt: skip
    assert uow.processed.claim("telegram", 10_000 + n)
    if revision >= "0002":
        uow.chat_sessions.set(user.id, active_draft_id=draft.id, mode="drafting")
        uow.chat_sessions.set_data(user.id, {"n": n})
    if revision >= "0003":
        assert uow.inbox.add("telegram", 20_000 + n, "{}")
        uow.inbox.done("telegram", 20_000 + n)
    if revision >= "0004":
        expires = utcnow() + dt.timedelta(days=1)
        uow.web_sessions.add(f"{revision}{n:060d}", user.id, "c" * 64, expires)
    return Served(user.id, draft.id)


def old_read(db: Database, revision: str, served: Served) -> None:
    with db.unit_of_work(readonly=True) as uow:
        user = uow.users.get(served.user_id)
        draft = uow.drafts.get(served.draft_id)
        assert user is not None and draft is not None and draft.owner_id == user.id
        assert [c.key for c in uow.history.for_draft(draft.id)] == ["project_name"]
        assert [e.action for e in uow.audit.for_draft(draft.id)] == ["draft_created"]
        (doc,) = uow.documents.for_draft(draft.id)
        assert uow.documents.content(doc.id) == b"docx bytes"
        assert [d.id for d in uow.drafts.list_for_owner(user.id)] == [draft.id]
        if revision >= "0002":
            assert uow.chat_sessions.active_draft_id(user.id) == draft.id


@pytest.mark.parametrize("previous", PREVIOUS)
def test_an_old_worker_keeps_serving_through_the_upgrade(database_url: str, previous: str) -> None:
    engine = create_db_engine(database_url)
    with engine.begin() as conn:
        migrate.upgrade(conn, previous)
    old = Database(engine)
    try:
        # warm: pooled connections, and (psycopg) statements prepared after five executions
        served = []
        for n in range(6):
            with old.unit_of_work() as uow:
                served.append(old_request(uow, previous, n))
                uow.commit()
        # a request in flight (written, not yet committed) when the new version starts
        in_flight = old.unit_of_work()
        uow = in_flight.__enter__()
        try:
            served.append(old_request(uow, previous, 6))
            failures: list[BaseException] = []

            def new_version_starts() -> None:
                try:
                    open_database(load_settings({"LANDBOT_DATABASE_URL": database_url})).dispose()
                except BaseException as exc:  # reported below, in the test's thread
                    failures.append(exc)

            upgrade = threading.Thread(target=new_version_starts)
            upgrade.start()
            upgrade.join(0.5)  # the upgrade waits for (or runs beside) the open transaction
            uow.commit()
        finally:
            in_flight.__exit__(None, None, None)
        upgrade.join(60)
        assert not upgrade.is_alive() and not failures, failures
        with engine.connect() as conn:
            assert migrate.current_revision(conn) == migrate.head_revision()
        # the old worker, on its old connections, goes on serving
        for n in range(7, 10):
            with old.unit_of_work() as uow:
                served.append(old_request(uow, previous, n))
                uow.commit()
        for one in served:
            old_read(old, previous, one)
    finally:
        old.dispose()
    # and the new version sees everything the old worker wrote
    new = open_database(load_settings({"LANDBOT_DATABASE_URL": database_url}))
    try:
        for one in served:
            old_read(new, previous, one)
        with new.unit_of_work(readonly=True) as uow:
            assert uow.ledger.by_draft(served[0].draft_id) is None  # old code kept no ledger
    finally:
        new.dispose()
