"""The inbox (bot/channels/telegram/inbox.py): an update is in the database before `put`
returns — the moment python-telegram-bot confirms it to Telegram (the next offset, the webhook's
200) — it leaves when handled, and what a killed run left is queued again in order."""

from __future__ import annotations

import asyncio

import pytest
from telegram import Bot, Update

from bot.channels.telegram import runtime as rt_mod
from bot.channels.telegram.inbox import InboxQueue
from bot.channels.telegram.processor import PerChatUpdateProcessor
from storage.db import Database

TOKEN = "123456:TEST-token_for_landbot"


def make_update(update_id: int, chat: int = 7, text: str = "30亩") -> Update:
    data = {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_700_000_000,
            "chat": {"id": chat, "type": "private"},
            "from": {"id": chat, "is_bot": False, "first_name": "经办"},
            "text": text,
        },
    }
    return Update.de_json(data, Bot(TOKEN))


def pending(db: Database) -> list[int]:
    with db.unit_of_work() as uow:
        return [update_id for update_id, _ in uow.inbox.pending("telegram")]


@pytest.fixture(autouse=True)
def inline_db_steps():
    rt_mod.configure_executor(0)
    yield
    rt_mod.configure_executor(0)


async def test_put_writes_the_update_down_before_it_is_queued(database: Database) -> None:
    inbox = InboxQueue()
    inbox.attach(database)
    await inbox.put(make_update(11))
    assert pending(database) == [11]
    assert inbox.qsize() == 1
    await inbox.put(make_update(11))  # re-delivered while the first copy waits: once only
    assert inbox.qsize() == 1 and pending(database) == [11]
    await inbox.handled(await inbox.get())
    assert pending(database) == []


async def test_a_failing_write_is_not_queued(database: Database) -> None:
    # the poller then neither confirms the update nor loses it: it fetches it again
    inbox = InboxQueue()
    inbox.attach(database)
    with database.engine.begin() as conn:  # the write fails (as with a database gone away)
        conn.exec_driver_sql("DROP TABLE inbox")
    with pytest.raises(Exception):  # noqa: B017 — any database error, not a lost update
        await inbox.put(make_update(12))
    assert inbox.qsize() == 0 and 12 not in inbox.queued


async def test_replay_queues_what_a_killed_run_left_in_order(database: Database) -> None:
    first = InboxQueue()
    first.attach(database)
    for update_id in (21, 22, 23):
        await first.put(make_update(update_id, chat=update_id % 2))
    with database.unit_of_work() as uow:  # 21's effect had committed, its reply unsure
        uow.processed.claim("telegram", 21)
        uow.commit()
    # ... kill -9: a new process, a new queue
    second = InboxQueue()
    second.attach(database)
    assert await second.replay(Bot(TOKEN)) == 3
    replayed = [second.get_nowait() for _ in range(second.qsize())]
    assert [u.update_id for u in replayed] == [21, 22, 23]
    assert replayed[1].message is not None and replayed[1].message.text == "30亩"
    assert second.resumed == {21}
    # Telegram delivers them again (the offset had not moved past them): not queued twice
    await second.put(make_update(22))
    assert second.qsize() == 0
    for update in replayed:
        await second.handled(update)
    assert pending(database) == [] and second.resumed == set()


async def test_the_processor_marks_done_after_handlers_and_failures_not_on_cancel() -> None:
    done: list[object] = []

    async def on_done(update: object) -> None:
        done.append(update)

    processor = PerChatUpdateProcessor(4, on_done=on_done)

    async def ok() -> None:
        return None

    async def broken() -> None:
        raise RuntimeError("handler bug")

    await processor.do_process_update("a", ok())
    with pytest.raises(RuntimeError):
        await processor.do_process_update("b", broken())
    assert done == ["a", "b"]

    started = asyncio.Event()

    async def slow() -> None:
        started.set()
        await asyncio.sleep(10)

    task = asyncio.create_task(processor.do_process_update("c", slow()))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert done == ["a", "b"]  # shut down mid-way: replayed at the next start
