"""Several `landbot web` workers on one PostgreSQL behind a round-robin proxy, under faults:
officials answer 供地方案 through the proxy while a random worker is killed with SIGKILL every
1–3 s and started again, and PostgreSQL itself is restarted once (issue 12, SCALING.md).

The page's rule is the officials' here: every answer carries an `answer_id`, and an answer
whose reply did not arrive (connection dropped, 502 because no worker answered, 503 while the
database restarts, 5 % of replies dropped by the proxy after the worker answered, as a
phone's network does) is sent again with the same id until it is acknowledged. The proxy too
re-sends a request to the next worker when the first dies while answering. Afterwards every
draft must equal the calm reference answer for answer and change for change (an answer lost
or applied twice moves the following ones into the wrong fields), every acknowledged reply
must ask what the reference was asked at that point, no request may have failed otherwise
(no 500), and every worker must have served requests."""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from storage.db import Database
from tests.components import require, require_postgres
from tests.conftest import postgres_schema
from tests.servicekit import MAX_TURNS, example_answer
from tests.web.kit import invite
from tests.workers import RESTART_ENV, Chaos, WorkerPool

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

WORKERS = 3
CLERKS = 6
ROUNDS = 3  # drafts per clerk
DROP_REPLIES = 0.05  # replies lost on the way back to the phone
KILLS = 10
RETRY_FOR_S = 90.0
TRANSIENT = (502, 503, 504)


class WebWorkers(WorkerPool):
    """N `landbot web` processes on one database, behind the proxy."""

    name = "web"

    def args(self, i: int) -> list[str]:
        return ["-m", "bot", "web", "--host", "127.0.0.1", "--port", str(self.ports[i])]

    def ready(self) -> None:
        deadline = time.monotonic() + 60
        for port in self.ports:
            while True:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/api/me").status_code == 401:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, self.logs()[-4000:]
                time.sleep(0.1)


@pytest.fixture
def web_workers(tmp_path: Path) -> Iterator[WebWorkers]:
    with postgres_schema(require_postgres(), "webworkers") as url:
        w = WebWorkers(url, tmp_path, WORKERS, {})
        with w.running():
            yield w


class Official:
    """A signed-in page: answers with ids, and sends an unacknowledged answer again."""

    def __init__(self, w: WebWorkers, name: str) -> None:
        self.w = w
        self.name = name
        self.http = httpx.AsyncClient(base_url=w.proxy.url(""), timeout=30)
        self.ids = random.Random(name)
        self.retries = 0
        self.replayed = 0

    async def sign_in(self) -> None:
        r = await self.http.post("/api/login", json={"code": invite(self.w.db), "name": self.name})
        assert r.status_code == 200, r.text
        self.http.headers["X-CSRF-Token"] = self.http.cookies["csrf"]

    async def new_draft(self) -> tuple[int, dict]:
        r = await self.http.post("/api/drafts", json={"kind": "supply_plan"})
        assert r.status_code == 201, r.text
        return r.json()["draft_id"], r.json()["turn"]

    async def until_answered(self, method: str, url: str, **kw: Any) -> httpx.Response:
        """The request, sent again while it meets no worker (connection error, 502) or the
        database restarting (503); the first other response."""
        deadline = time.monotonic() + RETRY_FOR_S
        while True:
            try:
                r = await self.http.request(method, url, **kw)
                if r.status_code not in TRANSIENT:
                    return r
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, (self.name, method, url, "never answered")
            self.retries += 1
            await asyncio.sleep(0.2)

    async def answer(self, draft_id: int, text: str) -> dict:
        body = {"text": text, "answer_id": self.ids.randrange(1, 2**53)}
        r = await self.until_answered("POST", f"/api/drafts/{draft_id}/answer", json=body)
        assert r.status_code == 200, (self.name, text, r.status_code, r.text)
        self.replayed += bool(r.json().get("replayed"))
        return r.json()["turn"]

    async def draft(self, draft_id: int) -> dict:
        r = await self.until_answered("GET", f"/api/drafts/{draft_id}")
        assert r.status_code == 200, r.text
        return r.json()

    async def close(self) -> None:
        await self.http.aclose()


async def calm(official: Official) -> tuple[list[tuple[str, str | None]], dict]:
    """The reference: the form's examples answered one by one; (answer, field asked after it)
    for every step, and the finished draft's fields."""
    draft_id, turn = await official.new_draft()
    steps: list[tuple[str, str | None]] = []
    for _ in range(MAX_TURNS):
        if turn["done"]:
            return steps, (await official.draft(draft_id))["fields"]
        text = example_answer("supply_plan", turn["field"])
        turn = await official.answer(draft_id, text)
        steps.append((text, turn["field"]))
    raise AssertionError("the reference dialogue did not finish")


async def under_faults(official: Official, drafts: list[int],
                       steps: list[tuple[str, str | None]]) -> None:  # fmt: skip
    typing = random.Random(official.name)
    for draft_id in drafts:
        for n, (text, field) in enumerate(steps):
            turn = await official.answer(draft_id, text)
            assert turn["field"] == field, (official.name, draft_id, n, text, turn)
            await asyncio.sleep(typing.uniform(0.0, 0.15))


def changes(db: Database, draft_id: int) -> list[tuple[str, object, object]]:
    with db.unit_of_work(readonly=True) as uow:
        return [(c.key, c.old_value, c.new_value) for c in uow.history.for_draft(draft_id)]


def test_web_workers_under_kills_and_a_database_restart_lose_nothing(
    web_workers: WebWorkers,
) -> None:
    restart = os.environ.get(RESTART_ENV, "")
    require(bool(restart), f"a command to restart the test PostgreSQL ({RESTART_ENV})")
    w = web_workers
    chaos = Chaos(w, KILLS, restart)

    async def run() -> tuple[list[Official], dict[int, list[int]], int, dict]:
        reference = Official(w, "参照")
        await reference.sign_in()
        steps, want_fields = await calm(reference)
        ref_draft = (await reference.http.get("/api/drafts")).json()["drafts"][0]["draft_id"]
        officials = [Official(w, f"经办{i}") for i in range(CLERKS)]
        drafts: dict[int, list[int]] = {}
        for i, o in enumerate(officials):
            await o.sign_in()
            drafts[i] = [(await o.new_draft())[0] for _ in range(ROUNDS)]
        w.proxy.drop_replies = DROP_REPLIES
        chaos.start()
        try:
            await asyncio.gather(*(under_faults(o, drafts[i], steps)
                                   for i, o in enumerate(officials)))  # fmt: skip
        finally:
            chaos.stop_event.set()
        await asyncio.to_thread(chaos.join, 120)
        w.proxy.drop_replies = 0.0
        for i, o in enumerate(officials):
            for draft_id in drafts[i]:
                assert (await o.draft(draft_id))["fields"] == want_fields, (o.name, draft_id)
        for o in [reference, *officials]:
            await o.close()
        return officials, drafts, ref_draft, want_fields

    officials, drafts, ref_draft, _ = asyncio.run(run())
    assert chaos.error is None, repr(chaos.error)
    assert chaos.done >= KILLS // 2 and chaos.restarted, (chaos.done, chaos.restarted)
    want = changes(w.db, ref_draft)
    for i in drafts:
        for draft_id in drafts[i]:
            assert changes(w.db, draft_id) == want, (i, draft_id)
    assert all(w.proxy.served), w.proxy.served
    retries = sum(o.retries for o in officials)
    replayed = sum(o.replayed for o in officials)
    print(f"{chaos.done} kills, {w.proxy.dropped} replies lost on the way, {retries} answers "
          f"sent again, {replayed} of them already saved, {w.proxy.failovers} proxy failovers, "
          f"served {w.proxy.served}")  # fmt: skip
    assert replayed > 0  # the replies lost after the answer was saved were put right
    assert "Traceback" not in w.logs(), w.logs()[-6000:]
