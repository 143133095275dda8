"""Helpers of the web tests: the app on a test database, signed-in clients, a whole plan."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import httpx

from bot.channels.web.app import create_app
from bot.dialogue import load_form
from bot.services import users
from storage.db import Database
from tests.servicekit import MAX_TURNS, example_answer

BASE = "http://landbot.test"
DEPARTMENT = "郑州市土地储备中心"
# answers that differ from the form's examples: a breaker ratio outside 120%–130% (an error
# finding of 郑政〔2021〕4号 四（二）, corrected afterwards) and the 3 experts the rules want
SPECIAL = {"circuit_breaker_pct": "150%", "review_experts": "3"}


def client(app: object) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=transport, base_url=BASE)


def invite(db: Database, role: str = "clerk", department: str = DEPARTMENT) -> str:
    return users.format_code(users.invite(db, role=role, department=department).code)


async def sign_in(c: httpx.AsyncClient, code: str, name: str = "张三") -> dict:
    r = await c.post("/api/login", json={"code": code, "name": name})
    assert r.status_code == 200, r.text
    c.headers["X-CSRF-Token"] = c.cookies["csrf"]
    return r.json()


@contextlib.asynccontextmanager
async def signed_in(
    db: Database,
    app: object,
    role: str = "clerk",
    name: str = "张三",
    department: str = DEPARTMENT,
) -> AsyncIterator[tuple[httpx.AsyncClient, dict]]:
    """A client signed in as a new user with `role` in `department`, and its /api/me."""
    async with client(app) as c:
        me = await sign_in(c, invite(db, role, department), name)
        yield c, me


async def answer(c: httpx.AsyncClient, draft_id: int, text: str) -> dict:
    r = await c.post(f"/api/drafts/{draft_id}/answer", json={"text": text})
    assert r.status_code == 200, r.text
    return r.json()["turn"]


async def fill_in(c: httpx.AsyncClient, draft_id: int, turn: dict, kind: str = "supply_plan",
                  special: dict[str, str] | None = None) -> tuple[dict, list[dict]]:  # fmt: skip
    """Answer with the form's examples (and `special`) until done; every turn is returned."""
    special = SPECIAL if special is None else special
    load_form(kind)
    seen = []
    for _ in range(MAX_TURNS):
        if turn["done"]:
            return turn, seen
        field = turn["field"]
        assert field, turn
        turn = await answer(c, draft_id, special.get(field) or example_answer(kind, field))
        seen.append(turn)
    raise AssertionError("the dialogue did not finish")


def app_for(db: Database, *, pdf: bool = False):
    return create_app(db, pdf=pdf)
