"""The web API (CONTRACT §5) through the real ASGI stack (httpx → Starlette → services →
database), on SQLite and on PostgreSQL: sign-in, a whole 供地方案 by typed answers with a
finding and its correction, import, check, documents, the review, ask and procedure, and
what must be refused (bad input, another user's draft, forged requests, disabled users)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import logging
from pathlib import Path

import docx
import pytest
from sqlalchemy import event, text

from bot.cli import main
from bot.services import users, web_login
from knowledge.checks import check_plan
from knowledge.plan import load_plan_file
from storage.db import Database
from storage.sqltypes import utcnow
from tests.components import require_libreoffice
from tests.web.kit import (
    DEPARTMENT,
    answer,
    app_for,
    client,
    fill_in,
    invite,
    sign_in,
    signed_in,
)

PLANS = Path(__file__).resolve().parent.parent / "data" / "plans"
CLEAN_PLAN = PLANS / "zhengzhou-residential-supply.yaml"


def set_cookie_headers(response) -> list[str]:
    return response.headers.get_list("set-cookie")


async def test_sign_in_with_an_invitation_code(database: Database) -> None:
    app = app_for(database)
    code = invite(database, "clerk")
    async with client(app) as c:
        r = await c.post("/api/login", json={"code": "ABCD-2345"})
        assert r.status_code == 401 and "邀请码" in r.json()["error"] and r.json()["error_en"]
        assert (await c.get("/api/me")).status_code == 401
        r = await c.post("/api/login", json={"code": code.lower(), "name": "王五"})
        assert r.status_code == 200
        me = r.json()
        assert me == {"id": me["id"], "name": "王五", "role": "clerk", "role_label": "经办人",
                      "department": DEPARTMENT}  # fmt: skip
        cookies = {h.split("=", 1)[0]: h for h in set_cookie_headers(r)}
        session = cookies["landbot_session"].lower()
        assert "httponly" in session and "samesite=lax" in session and "path=/" in session
        assert "httponly" not in cookies["csrf"].lower()
        assert (await c.get("/api/me")).json()["id"] == me["id"]
        token = c.cookies["landbot_session"]
    with database.engine.connect() as conn:  # only the hash of the token is stored
        stored = [row[0] for row in conn.execute(text("SELECT token_hash FROM web_sessions"))]
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]
    async with client(app) as other:  # the code is spent
        r = await other.post("/api/login", json={"code": code})
        assert r.status_code == 401 and "已被使用" in r.json()["error"]


async def test_sign_out_ends_the_session_on_the_server(database: Database) -> None:
    app = app_for(database)
    async with client(app) as c:
        await sign_in(c, invite(database))
        token = c.cookies["landbot_session"]
        assert (await c.post("/api/logout")).status_code == 204
        c.cookies.set("landbot_session", token)  # replaying the old cookie does not work
        assert (await c.get("/api/me")).status_code == 401


async def test_login_link_signs_a_telegram_user_in_once(
    database: Database, settings, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    tg = users.create_admin(database, channel="telegram", external_id=4242,
                            display_name="赵六", department=DEPARTMENT)  # fmt: skip
    monkeypatch.setenv("LANDBOT_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("LANDBOT_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("LANDBOT_WEB_URL", "https://land.example.org/landbot")
    assert main(["users", "login-link", str(tg.id)]) == 0
    url = capsys.readouterr().out.splitlines()[0]
    assert url.startswith("https://land.example.org/landbot/login/")
    token = url.rsplit("/", 1)[1]
    app = app_for(database)
    async with client(app) as c:
        page = await c.get(f"/login/{token}")  # opening the page (a link preview) spends nothing
        assert page.status_code == 200 and "登录链接" in page.text
        assert page.headers["cache-control"] == "no-store"
        r = await c.post("/api/login", json={"login_token": token})
        assert r.status_code == 200 and r.json()["id"] == tg.id and r.json()["role"] == "admin"
    async with client(app) as c:
        r = await c.post("/api/login", json={"login_token": token})
        assert r.status_code == 401 and "登录链接" in r.json()["error"]
        r = await c.post("/api/login", json={"login_token": "x" * 43})
        assert r.status_code == 401


async def test_a_whole_supply_plan_by_typed_answers(database: Database) -> None:
    app = app_for(database)
    async with signed_in(database, app) as (c, _):
        r = await c.post("/api/drafts", json={"kind": "supply_plan"})
        assert r.status_code == 201
        draft_id, turn = r.json()["draft_id"], r.json()["turn"]
        assert set(turn) >= {"prompt", "field", "progress", "choices", "message", "findings",
                             "done"}  # fmt: skip
        assert turn["field"] == "project_name" and turn["progress"]["n"] == 1
        assert turn["prompt"].startswith(f"第 1/{turn['progress']['total']} 项")
        assert not turn["done"] and turn["findings"] == []
        turn = await answer(c, draft_id, "金水区某地块国有建设用地使用权出让")
        assert turn["field"] == "parcel_code" and "跳过" in turn["commands"]
        turn = await answer(c, draft_id, "跳过")
        assert turn["field"] == "jurisdiction" and turn["progress"]["n"] == 3
        turn = await answer(c, draft_id, "返回")  # back to the skipped one, and on again
        assert turn["field"] == "parcel_code"
        turn = await answer(c, draft_id, "跳过")
        assert turn["field"] == "jurisdiction"
        turn = await answer(c, draft_id, "明年六月")  # not a place the knowledge base knows
        assert turn["field"] == "jurisdiction"
        assert any(n["kind"] == "error" for n in turn["notices"])
        turn, seen = await fill_in(c, draft_id, turn)
        # the breaker ratio of 150% broke 郑政〔2021〕4号 四（二）, with the article quoted
        flagged = next(t for t in seen if any(f["field"] == "circuit_breaker_pct"
                                              for f in t["findings"]))  # fmt: skip
        finding = next(f for f in flagged["findings"] if f["field"] == "circuit_breaker_pct")
        assert finding["severity"] == "error" and finding["cite"]["article"] == "四（二）"
        assert "120%" in finding["source"]["text"] and finding["source"]["number"]
        assert "修改 熔断比例（占起始价）" in flagged["commands"]
        choice_turn = next(t for t in seen if t["field"] == "supply_method")
        assert "挂牌出让" in choice_turn["choices"]
        assert turn["done"] and turn["field"] is None
        assert turn["progress"]["n"] == turn["progress"]["total"]
        assert any(f["field"] == "circuit_breaker_pct" for f in turn["findings"])
        assert (await c.post(f"/api/drafts/{draft_id}/submit")).status_code == 409
        turn = await answer(c, draft_id, "修改 熔断比例")
        assert turn["field"] == "circuit_breaker_pct" and "当前答案：150%" in turn["prompt"]
        turn = await answer(c, draft_id, "125%")
        assert not any(f["field"] == "circuit_breaker_pct" for f in turn["findings"])
        assert "已消除" in turn["message"]
        turn = await answer(c, draft_id, "查看")
        assert any(n["kind"] == "review" and "熔断比例" in n["text"] for n in turn["notices"])
        detail = (await c.get(f"/api/drafts/{draft_id}")).json()
        assert detail["fields"]["circuit_breaker_pct"] == 125.0 and detail["status"] == "draft"
        assert detail["progress"]["answered"] == detail["progress"]["total"]
        checked = (await c.get(f"/api/drafts/{draft_id}/check")).json()
        assert checked["kind"] == "supply_plan" and checked["passed"] is True
        listed = (await c.get("/api/drafts")).json()["drafts"]
        assert [d["draft_id"] for d in listed] == [draft_id]
        assert set(listed[0]) >= {"draft_id", "kind", "title", "status", "progress", "updated_at"}

        r = await c.get(f"/api/drafts/{draft_id}/documents/supply_plan.docx")
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
        disposition = r.headers["content-disposition"]
        assert "filename*=UTF-8''" in disposition and "%E4%BE%9B%E5%9C%B0" in disposition  # 供地
        body = "\n".join(p.text for p in docx.Document(io.BytesIO(r.content)).paragraphs)
        assert "金水区某地块国有建设\n用地使用权出让供地方案" in body  # the title, in two lines
        memo = await c.get(f"/api/drafts/{draft_id}/documents/approval_memo.docx")
        assert memo.status_code == 200
        wrong = await c.get(f"/api/drafts/{draft_id}/documents/reserve_plan.docx")
        assert wrong.status_code == 404 and wrong.json()["error"]
        pdf = await c.get(f"/api/drafts/{draft_id}/documents/supply_plan.pdf")
        assert pdf.status_code == 503 and "PDF" in pdf.json()["error"]  # this app has no converter

        # the review: submit, a return with a comment, resubmit, approve
        r = await c.post(f"/api/drafts/{draft_id}/submit")
        assert r.status_code == 200 and r.json()["status"] == "submitted"
        assert (await c.post(f"/api/drafts/{draft_id}/approve", json={})).status_code == 409
        async with signed_in(database, app, "reviewer", "钱审核") as (rc, _):
            waiting = (await rc.get("/api/reviews")).json()["drafts"]
            assert [d["draft_id"] for d in waiting] == [draft_id] and waiting[0]["owner"] == "张三"
            seen_by_reviewer = await rc.get(f"/api/drafts/{draft_id}")
            assert (
                seen_by_reviewer.status_code == 200
                and "熔断比例" in seen_by_reviewer.json()["card"]
            )
            r = await rc.post(f"/api/drafts/{draft_id}/return", json={})
            assert r.status_code == 409 and "意见" in r.json()["error"]
            r = await rc.post(f"/api/drafts/{draft_id}/return", json={"comment": "请补充竞买条件"})
            assert r.json() == {"status": "returned"}
            returned = (await c.get(f"/api/drafts/{draft_id}")).json()  # the clerk sees why
            assert returned["review"]["comment"] == "请补充竞买条件"
            assert returned["review"]["decision"] == "退回修改"
            first = returned["turn"]["notices"][0]["text"]
            assert "退回修改" in first and "请补充竞买条件" in first
            assert (await c.post(f"/api/drafts/{draft_id}/submit")).json()["status"] == "submitted"
            r = await rc.post(f"/api/drafts/{draft_id}/approve", json={"comment": "同意"})
            assert r.json() == {"status": "approved"}
            assert (await rc.get("/api/reviews")).json()["drafts"] == []
        r = await c.post(f"/api/drafts/{draft_id}/answer", json={"text": "修改 熔断比例"})
        assert r.status_code == 409 and "已审核通过" in r.json()["error"]


async def test_pdf_download(database: Database) -> None:
    require_libreoffice()
    app = app_for(database, pdf=True)
    async with signed_in(database, app) as (c, _):
        r = await c.post("/api/drafts/import", content=CLEAN_PLAN.read_bytes(),
                         headers={"Content-Type": "application/yaml"})  # fmt: skip
        draft_id = r.json()["draft_id"]
        r = await c.get(f"/api/drafts/{draft_id}/documents/supply_plan.pdf")
        assert r.status_code == 200, r.text
        assert r.content.startswith(b"%PDF") and r.headers["content-type"] == "application/pdf"
        assert ".pdf" in r.headers["content-disposition"]
        app.state.converter.close()


async def test_import_and_check_as_the_cli_does(database: Database, capsys) -> None:
    app = app_for(database)
    async with signed_in(database, app) as (c, _):
        r = await c.post("/api/drafts/import", content=CLEAN_PLAN.read_bytes(),
                         headers={"Content-Type": "application/yaml"})  # fmt: skip
        assert r.status_code == 201
        draft_id = r.json()["draft_id"]
        checked = (await c.get(f"/api/drafts/{draft_id}/check")).json()
        assert main(["check", str(CLEAN_PLAN), "--json"]) == 0
        assert checked == json.loads(capsys.readouterr().out)
        as_json = json.dumps(load_plan_file(CLEAN_PLAN).to_file_dict(), ensure_ascii=False)
        r = await c.post("/api/drafts/import", content=as_json.encode(),
                         headers={"Content-Type": "application/json"})  # fmt: skip
        assert r.status_code == 201
        again = (await c.get(f"/api/drafts/{r.json()['draft_id']}/check")).json()
        assert again == check_plan(load_plan_file(CLEAN_PLAN)).to_json()

        before = len((await c.get("/api/drafts")).json()["drafts"])
        bad = CLEAN_PLAN.read_text(encoding="utf-8").replace("  area_m2:", "  area_sqm:")
        r = await c.post("/api/drafts/import", content=bad.encode(),
                         headers={"Content-Type": "application/yaml"})  # fmt: skip
        assert r.status_code == 400
        err = r.json()
        assert "area_sqm" in err["error"] and "area_sqm" in err["error_en"]
        assert "\n" not in err["error"]
        for junk in (b"\xff\xfe", b"kind: [", b"- just a list", b'{"kind": "house"}'):
            r = await c.post("/api/drafts/import", content=junk)
            assert r.status_code == 400 and r.json()["error"], junk
        assert len((await c.get("/api/drafts")).json()["drafts"]) == before


async def test_bad_requests_are_400_in_chinese(database: Database) -> None:
    app = app_for(database)
    async with signed_in(database, app) as (c, _):
        r = await c.post("/api/drafts", json={"kind": "house"})
        assert r.status_code == 400 and "方案" in r.json()["error"]
        draft_id = (await c.post("/api/drafts", json={"kind": "reserve_plan"})).json()["draft_id"]
        for body in (b"not json", b"[1, 2]", json.dumps({"text": 5}).encode(), b"{}"):
            r = await c.post(f"/api/drafts/{draft_id}/answer", content=body)
            assert r.status_code == 400 and r.json()["error"] and r.json()["error_en"], body
        r = await c.post("/api/drafts/abc/answer", json={"text": "1"})
        assert r.status_code == 404
        r = await c.post("/api/ask", json={"question": "熔断", "k": 99})
        assert r.status_code == 400
        r = await c.get("/api/nothing")
        assert r.status_code == 404 and r.json()["error"]


async def test_ask_and_procedure_as_the_cli_does(database: Database, tmp_path: Path,
                                                 capsys) -> None:  # fmt: skip
    app = app_for(database)
    async with signed_in(database, app) as (c, _):
        question = "储备地临时出租能租多久"
        r = await c.post("/api/ask", json={"question": question, "jurisdiction": "新密市"})
        assert r.status_code == 200
        assert main(["ask", question, "--json", "--jurisdiction", "新密市"]) == 0
        assert r.json() == json.loads(capsys.readouterr().out)
        assert r.json()["answers"] and r.json()["answers"][0]["text"]
        parcel = {"jurisdiction": "新密市", "ownership": "集体", "planned_use": "住宅用地"}
        r = await c.post("/api/procedure", json=parcel)
        assert r.status_code == 200
        path = tmp_path / "parcel.json"
        path.write_text(json.dumps(parcel, ensure_ascii=False), encoding="utf-8")
        assert main(["procedure", str(path), "--json"]) == 0
        assert r.json() == json.loads(capsys.readouterr().out)
        assert r.json()["reserve"]["mode"] == "征收储备"
        r = await c.post("/api/procedure", json={"ownership": "集体"})
        assert r.status_code == 400 and "jurisdiction" in r.json()["error"]


async def test_ask_for_the_users_own_place_when_the_question_names_none(
    database: Database, capsys
) -> None:
    """`"home": true` (what the page sends): a question that names no place is answered for
    the place of the user's department (郑州市 here), one that names a place for that place;
    without it, the answer is the CLI's."""
    app = app_for(database)
    async with signed_in(database, app, department="郑州市土地储备中心") as (c, _):
        question = "熔断后怎么确定竞得人"
        r = await c.post("/api/ask", json={"question": question, "home": True})
        assert r.json()["jurisdiction"]["name"] == "郑州市"
        assert r.json()["answers"][0]["doc_id"] == "zhengzhou-2021-4"
        assert main(["ask", question, "--json", "--jurisdiction", "郑州市"]) == 0
        assert r.json() == json.loads(capsys.readouterr().out)
        elsewhere = await c.post(
            "/api/ask", json={"question": "焦作的标准地怎么供应", "home": True}
        )
        assert elsewhere.json()["jurisdiction"]["name"] == "焦作市"
        assert elsewhere.json()["answers"][0]["doc_id"] == "jiaozuo-2025-1"
        plain = await c.post("/api/ask", json={"question": "储备地临时出租能租多久"})
        assert main(["ask", "储备地临时出租能租多久", "--json"]) == 0
        assert plain.json() == json.loads(capsys.readouterr().out)
        bad = await c.post("/api/ask", json={"question": question, "home": "yes"})
        assert bad.status_code == 400 and bad.json()["error"]


async def test_another_users_draft_is_404_and_unchanged(database: Database) -> None:
    app = app_for(database)
    other = "新密市自然资源局"  # a clerk and a reviewer of another department
    async with (
        signed_in(database, app, name="甲") as (owner, _),
        signed_in(database, app, "clerk", "乙", other) as (stranger, _),
        signed_in(database, app, "reviewer", "丙", other) as (reviewer, _),
    ):
        draft_id = (await owner.post("/api/drafts", json={"kind": "supply_plan"})).json()[
            "draft_id"
        ]
        before = (await owner.get(f"/api/drafts/{draft_id}")).json()
        for who in (stranger, reviewer):
            calls = [
                who.get(f"/api/drafts/{draft_id}"),
                who.post(f"/api/drafts/{draft_id}/answer", json={"text": "偷偷改名"}),
                who.get(f"/api/drafts/{draft_id}/check"),
                who.get(f"/api/drafts/{draft_id}/documents/supply_plan.docx"),
                who.post(f"/api/drafts/{draft_id}/submit"),
                who.post(f"/api/drafts/{draft_id}/approve", json={}),
            ]
            for pending in calls:
                r = await pending
                assert r.status_code in (404, 409), r.text
                assert r.json()["error"]
        assert (await owner.get(f"/api/drafts/{draft_id}")).json() == before


async def test_forged_and_replayed_requests_change_nothing(database: Database) -> None:
    app = app_for(database)
    async with signed_in(database, app) as (c, _):
        draft_id = (await c.post("/api/drafts", json={"kind": "supply_plan"})).json()["draft_id"]
        before = (await c.get(f"/api/drafts/{draft_id}")).json()
        url = f"/api/drafts/{draft_id}/answer"
        good = c.headers.pop("X-CSRF-Token")
        r = await c.post(url, json={"text": "伪造的项目"})  # no header: a cross-site form post
        assert r.status_code == 403 and r.json()["error"]
        r = await c.post(url, json={"text": "伪造的项目"}, headers={"X-CSRF-Token": "x" * 43})
        assert r.status_code == 403
        # an attacker who planted their own csrf cookie and header: not this session's token
        planted = "y" * 43
        c.cookies.set("csrf", planted)
        r = await c.post(url, json={"text": "伪造的项目"}, headers={"X-CSRF-Token": planted})
        assert r.status_code == 403
        c.cookies.set("csrf", good)
        r = await c.post(url, json={"text": "伪造的项目"},
                         headers={"X-CSRF-Token": good, "Origin": "https://evil.example"})  # fmt: skip
        assert r.status_code == 403
        r = await c.post("/api/login", json={"code": invite(database)},
                         headers={"Origin": "https://evil.example"})  # fmt: skip
        assert r.status_code == 403
        assert (await c.get(f"/api/drafts/{draft_id}")).json() == before
        r = await c.post(url, json={"text": "真的项目"},
                         headers={"X-CSRF-Token": good, "Origin": "http://landbot.test"})  # fmt: skip
        assert r.status_code == 200
    async with client(app) as anonymous:
        r = await anonymous.post(url, json={"text": "x"})
        assert r.status_code == 401


async def test_an_answer_is_one_transaction_with_its_session_check(database: Database) -> None:
    """The hot path: the session, the CSRF token and the answer in one unit of work. A bad
    body is refused only after the session is known (signed out 401, forged 403, then 400)."""
    app = app_for(database)
    async with signed_in(database, app) as (c, _):
        draft_id = (await c.post("/api/drafts", json={"kind": "supply_plan"})).json()["draft_id"]
        url = f"/api/drafts/{draft_id}/answer"
        begun: list[object] = []

        def on_begin(conn: object) -> None:
            begun.append(conn)

        event.listen(database.engine, "begin", on_begin)
        try:
            await answer(c, draft_id, "某某地块出让项目")
            assert len(begun) == 1
            r = await c.post(url, content=b"not json", headers={"X-CSRF-Token": "x" * 43})
            assert r.status_code == 403
        finally:
            event.remove(database.engine, "begin", on_begin)
        assert (await c.get(f"/api/drafts/{draft_id}")).json()["fields"]["project_name"]
    async with client(app) as anonymous:
        r = await anonymous.post(url, content=b"not json")
        assert r.status_code == 401 and r.json()["error"]


async def test_a_used_session_slides_its_expiry(database: Database) -> None:
    """A session in use is pushed to SESSION_DAYS from now (at most every TOUCH_EVERY): by a
    read and by an answer, which does it in its own transaction."""
    app = app_for(database)
    async with signed_in(database, app) as (c, _):
        draft_id = (await c.post("/api/drafts", json={"kind": "supply_plan"})).json()["draft_id"]
        token_hash = hashlib.sha256(c.cookies["landbot_session"].encode()).hexdigest()

        def age() -> None:
            aged = {
                "seen": utcnow() - dt.timedelta(hours=1),
                "until": utcnow() + dt.timedelta(days=1),
            }
            sql = "UPDATE web_sessions SET last_seen_at = :seen, expires_at = :until WHERE token_hash = :h"
            with database.engine.begin() as conn:
                conn.execute(text(sql), {**aged, "h": token_hash})

        def days_left() -> float:
            with database.unit_of_work(readonly=True) as uow:
                found = uow.web_sessions.with_user(token_hash)
            assert found is not None
            return (found[0].expires_at - utcnow()) / dt.timedelta(days=1)

        for request in (lambda: c.get("/api/me"), lambda: answer(c, draft_id, "某某项目")):
            age()
            assert days_left() < 2
            await request()
            assert days_left() > web_login.SESSION_DAYS - 1


async def test_an_answer_sent_again_with_its_id_is_applied_once(database: Database) -> None:
    """A page that lost the reply sends the same answer with the same answer_id: the draft
    takes it once, the repeat is told so and shown the question now due; another user's
    answer with the same id is theirs."""
    app = app_for(database)
    async with (
        signed_in(database, app, name="甲") as (c, _),
        signed_in(database, app, name="乙") as (other, _),
    ):
        draft_id = (await c.post("/api/drafts", json={"kind": "supply_plan"})).json()["draft_id"]
        url = f"/api/drafts/{draft_id}/answer"
        first = await c.post(url, json={"text": "金水区某地块", "answer_id": 2**53 - 1})
        assert first.status_code == 200 and "replayed" not in first.json()
        after_first = (await c.get(f"/api/drafts/{draft_id}")).json()
        again = await c.post(url, json={"text": "金水区某地块", "answer_id": 2**53 - 1})
        assert again.status_code == 200 and again.json()["replayed"] is True
        turn = again.json()["turn"]
        assert "已经保存过" in turn["message"] and turn["field"] == first.json()["turn"]["field"]
        assert turn["prompt"] and first.json()["turn"]["prompt"].endswith(turn["prompt"])
        assert (await c.get(f"/api/drafts/{draft_id}")).json() == after_first
        assert list(after_first["fields"].values()).count("金水区某地块") == 1
        # a new id is a new answer, to the next question
        nxt = await c.post(url, json={"text": "跳过", "answer_id": 7})
        assert nxt.status_code == 200 and nxt.json()["turn"]["field"] != turn["field"]
        # the same id in another user's namespace
        theirs = (await other.post("/api/drafts", json={"kind": "supply_plan"})).json()
        r = await other.post(f"/api/drafts/{theirs['draft_id']}/answer",
                             json={"text": "另一地块", "answer_id": 2**53 - 1})  # fmt: skip
        assert r.status_code == 200 and "replayed" not in r.json()
        # a repeat aimed at someone else's draft is still refused, and claims nothing
        r = await other.post(url, json={"text": "偷偷改名", "answer_id": 99})
        assert r.status_code == 404
        r = await c.post(url, json={"text": "规划条件", "answer_id": 99})
        assert r.status_code == 200 and "replayed" not in r.json()
        for bad in (0, -1, 2**53, "12", 1.5, True, [1]):
            r = await c.post(url, json={"text": "x", "answer_id": bad})
            assert r.status_code == 400 and r.json()["error"] and r.json()["error_en"], bad


async def test_a_new_draft_sent_again_with_its_id_is_made_once(database: Database) -> None:
    """A page that lost the reply to 新建 sends it again with the same request_id: one draft,
    and the repeat gets that draft's question; another user's same id makes their own."""
    app = app_for(database)
    async with (
        signed_in(database, app, name="甲") as (c, _),
        signed_in(database, app, name="乙") as (other, _),
    ):
        body = {"kind": "reserve_plan", "request_id": 2**53 - 1}
        first = await c.post("/api/drafts", json=body)
        assert first.status_code == 201 and "replayed" not in first.json()
        made = first.json()["draft_id"]
        await c.post(f"/api/drafts/{made}/answer", json={"text": "某收储项目", "answer_id": 1})
        again = await c.post("/api/drafts", json=body)
        assert again.status_code == 201 and again.json()["replayed"] is True
        assert again.json()["draft_id"] == made
        turn = again.json()["turn"]
        assert "已经新建" in turn["notices"][0]["text"] and turn["prompt"]
        mine = (await c.get("/api/drafts")).json()["drafts"]
        assert [d["draft_id"] for d in mine] == [made]
        assert (await c.get(f"/api/drafts/{made}")).json()["fields"]["project_name"] == "某收储项目"
        # a new id is a new draft; the same id is another user's own
        fresh = await c.post("/api/drafts", json={**body, "request_id": 5})
        assert fresh.status_code == 201 and fresh.json()["draft_id"] != made
        theirs = await other.post("/api/drafts", json=body)
        assert theirs.status_code == 201 and theirs.json()["draft_id"] not in (
            made,
            fresh.json()["draft_id"],
        )
        for bad in (0, -1, 2**53, "12", 1.5, True, [1]):
            r = await c.post("/api/drafts", json={"kind": "supply_plan", "request_id": bad})
            assert r.status_code == 400 and r.json()["error"] and r.json()["error_en"], bad
        assert len((await c.get("/api/drafts")).json()["drafts"]) == 2


async def test_a_disabled_user_is_refused_at_once(database: Database) -> None:
    app = app_for(database)
    async with signed_in(database, app) as (c, me):
        draft_id = (await c.post("/api/drafts", json={"kind": "supply_plan"})).json()["draft_id"]
        users.disable(database, me["id"])
        assert (await c.get("/api/me")).status_code == 401
        r = await c.post(f"/api/drafts/{draft_id}/answer", json={"text": "项目"})
        assert r.status_code == 401 and r.json()["error"]
        page = await c.get("/")
        assert page.status_code == 200 and "邀请码" in page.text


async def test_disabled_user_session_refused_even_if_it_survived(database: Database) -> None:
    """Even a session row left behind (e.g. disabled directly in the database) is refused."""
    app = app_for(database)
    async with signed_in(database, app) as (c, me):
        with database.unit_of_work() as uow:
            uow.users.update(me["id"], active=False)
            uow.commit()
        assert (await c.get("/api/me")).status_code == 401
        with pytest.raises(Exception, match="停用"):
            web_login.session_of(database, c.cookies["landbot_session"])


async def test_the_page_escapes_what_users_write(database: Database) -> None:
    app = app_for(database)
    async with signed_in(database, app, name="<b>张三</b>") as (c, _):
        draft_id = (await c.post("/api/drafts", json={"kind": "supply_plan"})).json()["draft_id"]
        await answer(c, draft_id, "<script>alert(1)</script>")
        page = await c.get("/")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert f'data-resume="{draft_id}"' in page.text  # a reload continues this draft
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
        assert "<script>alert(1)" not in page.text and "<b>张三</b>" not in page.text
        assert 'name="viewport"' in page.text and 'lang="zh-CN"' in page.text
        assert "script-src 'self'" in page.headers["content-security-policy"]
        js = await c.get("/static/app.js")
        assert js.status_code == 200 and "innerHTML" not in js.text


async def test_the_page_under_a_root_path(database: Database) -> None:
    import httpx

    app = app_for(database)
    code = invite(database)
    transport = httpx.ASGITransport(app=app, root_path="/landbot")
    async with httpx.AsyncClient(transport=transport, base_url="http://landbot.test") as c:
        r = await c.post("/landbot/api/login", json={"code": code})
        assert r.status_code == 200
        assert "path=/landbot/" in r.headers["set-cookie"].lower()
        page = await c.get("/landbot/")
        assert 'src="/landbot/static/app.js"' in page.text


async def test_request_logs_hold_no_secrets(database: Database, caplog) -> None:
    tg = users.create_admin(database, channel="telegram", external_id=777,
                            display_name="孙七", department=DEPARTMENT)  # fmt: skip
    link = web_login.create_login_link(database, tg.id)
    code = invite(database)
    app = app_for(database)
    with caplog.at_level(logging.DEBUG):
        async with client(app) as c:
            await c.get(f"/login/{link.token}")
            await c.post("/api/login", json={"login_token": link.token})
            await c.get("/api/me")
        async with client(app) as c:
            await sign_in(c, code)
            await c.get("/api/drafts")
            secrets = [c.cookies["landbot_session"], c.cookies["csrf"]]
    # what the server logs (the test's own httpx client logs its URLs: not the server's)
    logged = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("httpx"))
    assert "GET /login/… 200" in logged and "POST /api/login 200" in logged
    for secret in [link.token, code, code.replace("-", ""), *secrets]:
        assert secret not in logged


async def test_the_notices_poll_stays_out_of_the_info_log(database: Database, caplog) -> None:
    app = app_for(database)
    with caplog.at_level(logging.DEBUG, logger="landbot.web.access"):
        async with signed_in(database, app) as (c, _):
            assert (await c.get("/api/notices")).status_code == 200
            await c.get("/api/drafts")
        async with client(app) as anonymous:
            assert (await anonymous.get("/api/notices")).status_code == 401
    levels = {r.getMessage().rsplit(" ", 1)[0]: r.levelno for r in caplog.records
              if r.name == "landbot.web.access"}  # fmt: skip
    assert levels["GET /api/notices 200"] == logging.DEBUG  # every 30 s per open page
    assert levels["GET /api/drafts 200"] == logging.INFO
    assert levels["GET /api/notices 401"] == logging.INFO  # a refusal is worth seeing


def test_log_paths_hide_login_tokens_under_a_root_path() -> None:
    from bot.channels.web.app import safe_path

    assert safe_path("/landbot/login/abcDEF123") == "/landbot/login/…"
    assert safe_path("/login/abc") == "/login/…"
    assert safe_path("/api/drafts/3") == "/api/drafts/3"


async def test_a_multi_field_message_a_paste_and_a_copy(database: Database) -> None:
    app = app_for(database)
    async with (
        signed_in(database, app) as (c, _),
        signed_in(database, app, "clerk", "乙", "新密市自然资源局") as (stranger, _),
    ):
        draft_id = (await c.post("/api/drafts", json={"kind": "supply_plan"})).json()["draft_id"]
        turn = await answer(
            c, draft_id, "面积30亩，住宅用地，挂牌出让，出让年限70年，容积率不超过2.5"
        )
        assert turn["prompt"].startswith("识别到 5 项") and turn["choices"] == ["确认", "修改"]
        assert [p["field"] for p in turn["pending"]] == [
            "area_m2", "land_use", "plot_ratio_max", "supply_method", "term_years"]  # fmt: skip
        assert (await c.get(f"/api/drafts/{draft_id}")).json()["fields"] == {}
        turn = await answer(c, draft_id, "确认")
        assert turn["pending"] == [] and turn["field"] == "project_name"
        assert "已填入 5 项" in turn["message"] + turn["prompt"]
        block = "粘贴\n项目名称: 金水区一号地\n地块编号：郑政出〔2024〕12号"
        turn = await answer(c, draft_id, block)
        turn = await answer(c, draft_id, "确认")
        fields = (await c.get(f"/api/drafts/{draft_id}")).json()["fields"]
        assert fields["parcel_code"] == "郑政出〔2024〕12号" and fields["term_years"] == 70
        r = await stranger.post(f"/api/drafts/{draft_id}/copy")
        assert r.status_code == 404 and r.json()["error"]
        r = await c.post(f"/api/drafts/{draft_id}/copy")
        assert r.status_code == 201
        copy_id = r.json()["draft_id"]
        assert copy_id != draft_id and "已复制草稿" in r.json()["turn"]["message"]
        copied = (await c.get(f"/api/drafts/{copy_id}")).json()["fields"]
        assert "parcel_code" not in copied and copied["area_m2"] == 20000.0


async def test_news_of_a_plan_waits_on_the_page_until_it_is_seen(database: Database) -> None:
    """The page cannot push: what happened to a user's plans, or waits for them, is kept for
    them (GET /api/notices) until they have seen it (POST /api/notices/seen), whichever
    channel it happened on. Another user's notice ids change nothing."""
    from bot.services import review

    app = app_for(database)
    async with (
        signed_in(database, app, "clerk", "张三") as (c, clerk),
        signed_in(database, app, "reviewer", "钱审核") as (rc, _),
    ):
        r = await c.post("/api/drafts/import", content=CLEAN_PLAN.read_bytes(),
                         headers={"Content-Type": "application/yaml"})  # fmt: skip
        draft_id = r.json()["draft_id"]
        assert (await c.post(f"/api/drafts/{draft_id}/submit")).status_code == 200
        assert (await c.get("/api/notices")).json() == {"notices": []}
        (waiting,) = (await rc.get("/api/notices")).json()["notices"]
        assert waiting["kind"] == "review_waiting" and waiting["draft_id"] == draft_id
        assert "待审核" in waiting["text"] and "张三" in waiting["text"]
        assert (await rc.get("/api/notices")).json()["notices"] == [waiting]  # until seen
        assert (await c.post("/api/notices/seen", json={"ids": [waiting["id"]]})).json() == {
            "seen": 0
        }  # not the clerk's
        assert (await rc.get("/api/notices")).json()["notices"] == [waiting]

        comment = "请补充<b>竞买条件</b>"
        r = await rc.post(f"/api/drafts/{draft_id}/return", json={"comment": comment})
        assert r.status_code == 200
        assert (await rc.get("/api/notices")).json()["notices"] == []  # decided: no longer news
        (told,) = (await c.get("/api/notices")).json()["notices"]
        assert told["kind"] == "review_decided" and told["decision"] == "returned"
        assert "退回修改" in told["text"] and comment in told["text"] and "钱审核" in told["text"]
        r = await c.post("/api/notices/seen", json={"ids": [told["id"]]})
        assert r.json() == {"seen": 1}
        assert (await c.post("/api/notices/seen", json={"ids": [told["id"]]})).json()["seen"] == 0
        assert (await c.get("/api/notices")).json()["notices"] == []

        # decided in the Telegram chat (no origin): the web clerk hears of it here
        assert (await c.post(f"/api/drafts/{draft_id}/submit")).status_code == 200
        tg_reviewer = users.register(
            database, channel="telegram", external_id=9001, display_name="孙审核",
            code_text=invite(database, "reviewer"),
        ).user  # fmt: skip
        review.decide(database, tg_reviewer.id, draft_id, "approved")
        (approved,) = (await c.get("/api/notices")).json()["notices"]
        assert approved["decision"] == "approved" and "审核通过" in approved["text"]
        assert "孙审核" in approved["text"] and clerk["name"] == "张三"

        for bad in ({"ids": "1"}, {"ids": [0]}, {"ids": [True]}, {}, {"ids": list(range(1, 200))}):
            r = await c.post("/api/notices/seen", json=bad)
            assert r.status_code == 400 and r.json()["error"], bad
        del c.headers["X-CSRF-Token"]
        r = await c.post("/api/notices/seen", json={"ids": [approved["id"]]})
        assert r.status_code == 403
        assert (await c.get("/api/notices")).json()["notices"] == [approved]
    async with client(app) as anonymous:
        assert (await anonymous.get("/api/notices")).status_code == 401
