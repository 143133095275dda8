"""Several webhook workers on one PostgreSQL, under faults (issue 12): `landbot run --webhook`
three times behind a loopback round-robin proxy, the local Bot API server delivering to it up
to 40 updates at once (a chat's one at a time, as Telegram does) and re-delivering some that
were already confirmed; clerks type answers in bursts while a random worker is killed with
SIGKILL every few seconds and started again, and PostgreSQL itself is restarted once.

Afterwards every clerk's drafts must equal the drafts a calm run of the same answers gives (a
lost answer, one applied twice or one taken out of order puts answers into the wrong fields),
every message must have its reply, and nothing may come twice but the restart note."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.channels.telegram.handlers.resume import NOTE
from bot.services import users
from tests.components import require, require_postgres
from tests.conftest import postgres_schema
from tests.telegram.harness import DEPARTMENT, last_question
from tests.telegram.server import ChatDriver, FakeBotServer
from tests.test_telegram_kill9 import ROUNDS, _replies, calm_run, drafts_of, stream
from tests.workers import RESTART_ENV, Chaos, WorkerPool

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

WORKERS = 3
CLERKS = int(os.environ.get("LANDBOT_WORKERS_CLERKS", "6"))
KILLS = int(os.environ.get("LANDBOT_WORKERS_KILLS", "12"))


class Workers(WorkerPool):
    """N `landbot run --webhook` processes on one database, behind the proxy."""

    def __init__(self, server: FakeBotServer, url: str, tmp: Path, n: int) -> None:
        self.server = server
        env = {**server.env(), "LANDBOT_TELEGRAM_PDF": "0", "LANDBOT_TELEGRAM_RATE_LIMIT": "0"}
        super().__init__(url, tmp, n, env)

    def args(self, i: int) -> list[str]:
        return ["-m", "bot", "run", "--webhook", self.proxy.url("/tg"), "--listen", "127.0.0.1",
                "--port", str(self.ports[i])]  # fmt: skip

    def register(self, user_id: int, name: str) -> ChatDriver:
        code = users.invite(self.db, role="clerk", department=DEPARTMENT).code
        chat = self.server.chat(user_id, name)
        chat.say(users.format_code(code))
        chat.wait_text("注册成功", timeout=60)
        return chat


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Workers]:
    with postgres_schema(require_postgres(), "workers") as url, FakeBotServer() as server:
        server.inner.redeliver = 0.1
        server.inner.max_attempts = 100  # as Telegram, keep trying while workers restart
        w = Workers(server, url, tmp_path, WORKERS)
        with w.running():
            yield w


def test_workers_under_kills_and_a_database_restart_lose_nothing(workers: Workers) -> None:
    restart = os.environ.get(RESTART_ENV, "")
    require(bool(restart), f"a command to restart the test PostgreSQL ({RESTART_ENV})")
    reference = workers.register(5100, "参照")
    answers = calm_run(reference)
    for _ in range(ROUNDS - 1):
        assert calm_run(reference) == answers
    calm = drafts_of(workers, reference)  # type: ignore[arg-type]
    want_answers, want_changes = calm[0]
    assert calm == [calm[0]] * ROUNDS
    reference.quiet(1.0)
    want = _replies(reference.sent)  # what a calm run of ROUNDS drafts replied

    clerks = [workers.register(5101 + i, f"经办{i}") for i in range(CLERKS)]
    errors: list[BaseException] = []
    chaos = Chaos(workers, KILLS, restart)
    threads = [threading.Thread(target=stream, args=(c, answers, i, errors), daemon=True)
               for i, c in enumerate(clerks)]  # fmt: skip
    for t in threads:
        t.start()
    chaos.start()
    for t in threads:
        t.join(900)
    chaos.stop_event.set()
    chaos.join(120)
    assert chaos.error is None, repr(chaos.error)
    assert not errors, "\n".join(repr(e) for e in errors)
    assert chaos.done >= KILLS // 2 and chaos.restarted, (chaos.done, chaos.restarted)
    assert workers.server.inner.undelivered == []
    assert workers.server.inner.redelivered > 0 and workers.proxy.failovers >= 0
    assert all(workers.proxy.served), workers.proxy.served  # every worker took updates

    for chat in clerks:
        chat.quiet(1.0)
        drafts = drafts_of(workers, chat)  # type: ignore[arg-type]
        assert len(drafts) == ROUNDS, f"chat {chat.user_id}: {len(drafts)} drafts"
        for got_answers, got_changes in drafts:
            assert got_answers == want_answers, f"chat {chat.user_id}: answers differ"
            assert got_changes == want_changes, f"chat {chat.user_id}: an answer applied twice"
        notes = sum(NOTE in m.text for m in chat.sent)
        replies = _replies(chat.sent)
        assert want <= replies <= want + notes, (chat.user_id, replies, notes)
        assert (
            "填写完毕" in last_question(chat.sent).text
            or "填写情况" in last_question(chat.sent).text
        )
    with workers.db.unit_of_work() as uow:
        assert uow.inbox.pending("telegram") == []  # nothing left behind
