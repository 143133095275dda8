"""Handler-level tests: updates built by hand, processed by the real Application in-process,
replies read from the local Bot API server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from telegram import Update
from telegram.ext import Application

from bot import services
from bot.channels.telegram import app as app_module
from bot.channels.telegram import texts
from bot.services import users
from bot.settings import load_settings
from storage.db import Database
from tests.telegram.fake_api import SentMessage
from tests.telegram.server import FakeBotServer

PLANS = Path(__file__).parent / "data" / "plans"
DEPT = "郑州市土地储备中心"


class Env:
    def __init__(self, app: Application, server: FakeBotServer) -> None:  # type: ignore[type-arg]
        self.app = app
        self.server = server

    @property
    def db(self) -> Database:
        return self.app.bot_data[app_module.RUNTIME_KEY].database  # type: ignore[no-any-return]

    async def _process(self, update: dict[str, Any]) -> None:
        await self.app.process_update(Update.de_json(update, self.app.bot))

    async def say(self, user_id: int, text: str) -> list[SentMessage]:
        before = len(self.sent(user_id))
        await self._process(self.server.call(lambda: self.server.api.send_text(user_id, text)))
        return self.sent(user_id)[before:]

    async def press(self, user_id: int, msg: SentMessage, label_or_data: str,
                    raw: bool = False) -> list[SentMessage]:  # fmt: skip
        data = label_or_data if raw else msg.button_data(label_or_data)
        before = len(self.sent(user_id))
        update = self.server.call(
            lambda: self.server.api.press(user_id, msg.chat_id, msg.message_id, data)
        )
        await self._process(update)
        return self.sent(user_id)[before:]

    def sent(self, user_id: int) -> list[SentMessage]:
        self.server.call(lambda: self.server.api.user(user_id))
        return self.server.call(lambda: list(self.server.api.chats[user_id].sent))

    def answers(self, user_id: int) -> list[str]:
        return self.server.call(
            lambda: [
                r["answer"]["text"] or ""
                for r in self.server.api.callbacks.values()
                if r["chat_id"] == user_id and r["answer"] is not None
            ]
        )

    def person(self, ext: int, role: str = "clerk", name: str = "") -> users.User:
        inv = users.invite(self.db, role=role, department=DEPT)
        self.server.call(lambda: self.server.api.user(ext, name or f"用户{ext}"))
        return users.register(
            self.db, channel="telegram", external_id=ext, display_name=name or f"用户{ext}",
            code_text=inv.code,
        ).user  # fmt: skip


@pytest.fixture
async def env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str
) -> AsyncIterator[Env]:
    """The Application on each backend (SQLite: steps on the loop; PostgreSQL: threads)."""
    monkeypatch.setattr(app_module, "protect_token", lambda token: None)  # keep pytest's logs
    monkeypatch.setenv("LANDBOT_TELEGRAM_RATE_LIMIT", "0")
    server = FakeBotServer()
    server.start()
    settings = load_settings(
        {"LANDBOT_DATA_DIR": str(tmp_path), "LANDBOT_DATABASE_URL": database_url, **server.env()}
    )
    application = app_module.build_application(settings)
    await application.initialize()
    assert application.post_init is not None
    await application.post_init(application)
    try:
        yield Env(application, server)
    finally:
        await application.shutdown()
        assert application.post_shutdown is not None
        await application.post_shutdown(application)
        server.stop()


async def test_procedure_asks_only_what_the_advisor_needs(env: Env) -> None:
    env.person(100)
    (first,) = await env.say(100, texts.PROCEDURE)
    assert "程序判定" in first.text and "哪个县" in first.text
    typed = {"哪个县": "新密市", "几个意向": "1", "面积": "30亩"}
    msgs = await env.say(100, "新密市")
    for _ in range(15):
        last = msgs[-1]
        if "地块程序判定" in last.text or "判定日期" in last.text:
            break
        if last.buttons:
            msgs = await env.press(100, last, last.buttons[0][0][0])
            assert any("已选" in m.text for m in env.sent(100)[-5:]) or msgs
        else:
            reply = next((v for k, v in typed.items() if k in last.text), "是")
            msgs = await env.say(100, reply)
    else:
        raise AssertionError("程序判定 did not finish: " + msgs[-1].text)
    checklist = "\n".join(m.text for m in msgs)
    assert "新密市" in checklist and "《" in checklist
    # the question's buttons are dead once 程序判定 is over
    pressed = [m for m in env.sent(100) if m.buttons]
    if pressed:
        assert await env.press(100, pressed[0], pressed[0].buttons[0][0][1], raw=True) == []
        assert "失效" in env.answers(100)[-1]


async def test_returned_plan_reaches_the_clerk_with_the_comment(env: Env) -> None:
    clerk = env.person(201, name="李经办")
    env.person(202, "reviewer", name="王审核")
    reply = services.import_plan(
        env.db, clerk.id, (PLANS / "jiaozuo-supply.yaml").read_bytes(), filename="p.yaml"
    )
    assert reply.draft is not None
    listing = await env.say(201, texts.MY_DRAFTS)
    entry = listing[-1]
    assert "提交审核" in [lbl for row in entry.buttons for lbl, _ in row]
    await env.press(201, entry, "提交审核")
    card = next(m for m in env.sent(202) if "待审核" in m.text)
    approve = card.button_data("通过")
    prompt = await env.press(202, card, "退回")
    assert "修改意见" in prompt[-1].text
    before = len(env.sent(201))
    recorded = await env.say(202, "起始价低于评估价，请复核")
    assert "退回修改" in recorded[0].text
    note = env.sent(201)[before:]
    assert "退回修改" in note[0].text and "起始价低于评估价" in note[0].text
    assert note[0].buttons == [[("继续填写", f"r:{reply.draft.id}")]]
    # the old card's buttons no longer decide anything
    await env.press(202, card, approve, raw=True)
    assert "不在待审核状态" in env.answers(202)[-1]
    assert services.get_draft(env.db, clerk.id, reply.draft.id).status == "returned"


async def test_a_parcel_question_also_gets_the_procedure(env: Env) -> None:
    env.person(800)
    msgs = await env.say(800, "新密市一宗集体土地，拟征收后用于住宅，应该走什么程序？")
    text = "\n".join(m.text for m in msgs)
    assert "地块程序判定" in text and "新密市" in text and "征收储备" in text
    assert "依据：《" in text  # every step names its source


async def test_a_plan_file_sent_as_a_document_becomes_a_draft(env: Env) -> None:
    clerk = env.person(700)
    data = (PLANS / "songming-supply.yaml").read_bytes()
    update = env.server.call(lambda: env.server.api.send_document(700, "嵩明供地.yaml", data))
    before = len(env.sent(700))
    await env._process(update)
    msgs = env.sent(700)[before:]
    assert "已从文件导入供地方案" in msgs[0].text
    assert [d.kind for d in services.list_drafts(env.db, clerk.id)] == ["supply_plan"]
    bad = env.server.call(lambda: env.server.api.send_document(700, "x.yaml", b"kind: [unclosed"))
    await env._process(bad)
    assert "YAML" in env.sent(700)[-1].text or "JSON" in env.sent(700)[-1].text
    pic = env.server.call(lambda: env.server.api.send_document(700, "photo.jpg", b"\xff\xd8"))
    await env._process(pic)
    assert ".yaml" in env.sent(700)[-1].text
    assert len(services.list_drafts(env.db, clerk.id)) == 1


async def test_disabled_user_and_strangers_get_no_menu(env: Env) -> None:
    person = env.person(300)
    users.disable(env.db, person.id)
    (msg,) = await env.say(300, "/start")
    assert "停用" in msg.text and msg.keyboard == []
    (msg,) = await env.say(301, texts.MY_DRAFTS)
    assert "邀请码" in msg.text
    assert await env.say(301, "<script>") != []  # answered with the prompt, no error


async def test_commands_help_cancel_and_unknown(env: Env) -> None:
    env.person(400)
    (msg,) = await env.say(400, "/help")
    assert "使用说明" in msg.text and msg.keyboard[0] == [texts.NEW_RESERVE, texts.NEW_SUPPLY]
    started = await env.say(400, "/new_reserve")
    assert any("第 1/" in m.text for m in started)
    (msg,) = await env.say(400, "/cancel")
    assert "已保存" in msg.text
    (msg,) = await env.say(400, "/nonsense")
    assert "没有这个命令" in msg.text
    (msg,) = await env.say(400, "/review")
    assert "审核人" in msg.text  # a clerk has nothing to review


async def test_delete_asks_first(env: Env) -> None:
    clerk = env.person(500)
    started = services.start_draft(env.db, clerk.id, "reserve_plan")
    assert started.draft is not None
    entry = (await env.say(500, texts.MY_DRAFTS))[-1]
    confirm = (await env.press(500, entry, "删除"))[-1]
    assert "确定删除" in confirm.text
    done = await env.press(500, confirm, "确定删除")
    assert "已删除" in done[-1].text
    assert services.list_drafts(env.db, clerk.id) == []
    # pressing 继续填写 of the deleted draft is refused politely
    await env.press(500, entry, "继续填写")
    assert "找不到" in env.answers(500)[-1]


async def test_a_failure_tells_the_user_their_answers_are_saved(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    env.person(600)
    await env.say(600, texts.NEW_SUPPLY)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(services.drafting, "handle_message", broken)
    from bot.channels.telegram.handlers import dialogue

    monkeypatch.setattr(dialogue.drafting, "handle_message", broken)
    msgs = await env.say(600, "某项目")
    assert msgs and "已填写的内容都已保存" in msgs[-1].text


def test_ask_reply_says_a_missing_plan_first_and_marks_weak_answers() -> None:
    """The Telegram answer puts the missing-plan notice before the articles, introduces
    low-confidence answers as 相关条文, and keeps the confident head for the others."""
    from bot.channels.telegram.handlers.ask import answer_question

    body, rows, _ = answer_question("郑州市2025年度住宅用地计划供应多少", None)
    assert body.startswith("知识库中没有郑州市2025年度供应计划；最近的是2024年度")
    assert rows and body.count("知识库中没有") == 1
    strong, _, _ = answer_question("熔断以后怎么定竞得人？", "郑州市金水区")
    assert strong.startswith("以下条文与您的问题最相关")
    none, rows, _ = answer_question("今天天气怎么样", None)
    assert none.startswith("未找到相关条文") and rows == []
    # an official in 郑州 asking about 焦作 is answered from 焦作's document, not 郑州's
    elsewhere, _, _ = answer_question("焦作的工业用地标准地怎么供应", "郑州市")
    assert "焦作市" in elsewhere and "标准地" in elsewhere


async def test_ledger_card_chart_and_workbook_of_the_department(env: Env) -> None:
    import io

    from openpyxl import load_workbook

    from bot.services.ledger_chart import cjk_family
    from bot.services.ledger_excel import import_workbook
    from tests.components import require
    from tests.ledgerkit import OTHER, ROWS_2024, workbook

    clerk = env.person(900)
    import_workbook(env.db, None, workbook(ROWS_2024), department=DEPT)
    other = [["HK-9", "港区商服地块", "航空港区", "商服用地", 5, 2024, None]]
    import_workbook(env.db, None, workbook(other), department=OTHER)
    assert clerk.department == DEPT
    (card,) = await env.say(900, texts.LEDGER)
    assert "供应台账：郑州市市本级2024年度国有建设用地供应计划" in card.text
    assert "已供应 10.00 公顷，完成 0.25%（1 宗）" in card.text
    assert "待供应：列入计划 1 宗 20.00 公顷" in card.text  # not the other department's 5 公顷
    assert f"本部门（{DEPT}）" in card.text
    assert card.buttons == [[("进度图", "lc:2024"), ("导出 Excel", "lx:2024")]]
    (again,) = await env.say(900, "/ledger")
    assert again.text == card.text
    # the workbook: only the department's parcels of the 市本级 plan
    (doc,) = await env.press(900, card, "导出 Excel")
    assert doc.document is not None and doc.document.file_name == "供应台账-河南省郑州市-2024.xlsx"
    assert "2 宗地块" in doc.text
    wb = load_workbook(io.BytesIO(doc.document.content))
    codes = [r[1] for r in wb["地块台账"].iter_rows(min_row=2, values_only=True)]
    assert codes == ["JS-1", "JK-2"]
    # the chart as a photo
    require(cjk_family() is not None, "a CJK font (fonts-noto-cjk)")
    (photo,) = await env.press(900, card, "进度图")
    assert "photo" in photo.raw and photo.raw["photo"][0]["width"] == 1080
    assert photo.document is not None and photo.document.content[:4] == b"\x89PNG"
    assert "郑州市市本级2024年度供应进度" in photo.text
    # a forged year is refused without an error
    assert await env.press(900, card, "lc:99", raw=True) == []
    assert "失效" in env.answers(900)[-1]


async def test_a_workbook_sent_as_a_document_goes_into_the_ledger(env: Env) -> None:
    from bot.services import ledger
    from tests.ledgerkit import ROWS_2024, workbook

    clerk = env.person(910)
    data = workbook(ROWS_2024)
    update = env.server.call(lambda: env.server.api.send_document(910, "台账.xlsx", data))
    before = len(env.sent(910))
    await env._process(update)
    (msg,) = env.sent(910)[before:]
    assert "已导入供应台账（工作表「地块台账」）：新增 3 宗，更新 0 宗" in msg.text
    rows = ledger.status(env.db, clerk.id, year=2024).parcels or ()
    assert {p.department for p in rows} == {DEPT} and len(rows) == 2  # the 新密 row: not 市本级
    # a re-delivered upload stores nothing again
    await env._process(update)
    assert len(env.sent(910)) == before + 1
    # bad rows: listed, nothing stored
    bad = [["K-1", "坏行", "金水区", "住宅用地", "十亩", 2024, None], *ROWS_2024]
    upd = env.server.call(lambda: env.server.api.send_document(910, "坏.xlsx", workbook(bad)))
    await env._process(upd)
    text = env.sent(910)[-1].text
    assert "1 行数据有误，未导入任何数据。请改正后重新发送" in text
    assert "第 2 行 E 列（面积（公顷））：「十亩」不是数字" in text
    upd = env.server.call(
        lambda: env.server.api.send_document(
            910, "旧.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 56
        )
    )
    await env._process(upd)
    assert "另存为” .xlsx" in env.sent(910)[-1].text
    assert len(ledger.status(env.db, clerk.id, year=2024).parcels or ()) == 2


async def test_supply_is_recorded_with_a_typed_command(env: Env) -> None:
    from bot.services import ledger
    from bot.services.ledger_excel import import_workbook
    from tests.ledgerkit import workbook

    clerk = env.person(920)
    rows = [["JS-7", "金水区七号地", "金水区", "住宅用地", 3.5, 2024, None]]
    import_workbook(env.db, None, workbook(rows), department=DEPT)
    (parcel,) = ledger.status(env.db, clerk.id, year=2024).parcels or ()
    with env.db.unit_of_work() as uow:
        uow.ledger.update(parcel, status="approved")
        uow.commit()
    (card,) = await env.say(920, texts.LEDGER)
    assert f"方案已批、待登记供应：\n· #{parcel.id} 金水区七号地（3.50 公顷）" in card.text
    assert "/supplied 12 2024年5月20日 出让合同 52000万元" in card.text
    (msg,) = await env.say(920, f"/supplied {parcel.id} 2024年5月20日 出让合同 52000万元")
    assert msg.text == (
        f"已登记供应：#{parcel.id} 金水区七号地，2024-05-20 出让合同，成交价 52,000.00 万元。"
    )
    progress = ledger.status(env.db, clerk.id, year=2024)
    assert progress.supplied_ha == 3.5
    (msg,) = await env.say(920, f"/supplied {parcel.id} 明年五月 成交")
    assert "具体的年月日" in msg.text
    (msg,) = await env.say(920, "/supplied")
    assert msg.text.startswith("格式：台账编号 供应日期 供应依据")
    (card,) = await env.say(920, "/ledger")
    assert "待登记供应" not in card.text and "已供应 3.50 公顷" in card.text


async def test_a_multi_field_message_is_confirmed_with_a_button(env: Env) -> None:
    clerk = env.person(700)
    await env.say(700, texts.NEW_SUPPLY)
    card = (await env.say(700, "面积30亩，住宅用地，挂牌出让，出让年限70年，容积率不超过2.5"))[-1]
    assert "识别到 5 项" in card.text and "出让年限（年）：70 年" in card.text
    assert [label for label, _ in card.buttons[0]] == ["确认", "修改"]
    draft = services.active_draft(env.db, clerk.id)
    assert draft is not None and draft.answered == 0  # nothing saved before 确认
    confirm = card.button_data("确认")
    assert confirm == f"d:{draft.id}:{draft.version}:mc:y"
    done = await env.press(700, card, confirm, raw=True)
    assert any("已填入 5 项" in m.text for m in done)
    assert services.active_draft(env.db, clerk.id).answered == 5  # type: ignore[union-attr]
    # the same card's button again is stale: nothing changes
    version = services.active_draft(env.db, clerk.id).version  # type: ignore[union-attr]
    await env.press(700, card, confirm, raw=True)
    assert "失效" in env.answers(700)[-1]
    assert services.active_draft(env.db, clerk.id).version == version  # type: ignore[union-attr]
    # 粘贴 a block, then 复制草稿 from the drafts list
    await env.say(700, "粘贴\n项目名称: 一号地\n地块编号: 郑政出〔2024〕12号")
    await env.say(700, "确认")
    entry = (await env.say(700, texts.MY_DRAFTS))[-1]
    copied = await env.press(700, entry, "复制草稿")
    assert any("已复制草稿" in m.text and "地块编号" in m.text for m in copied)
    mine = services.list_drafts(env.db, clerk.id)
    assert len(mine) == 2 and mine[0].id != draft.id and mine[0].title is None


def web_person(env: Env, role: str, name: str) -> users.User:
    from bot.services import web_login

    code = users.invite(env.db, role=role, department=DEPT).code
    return web_login.login_with_code(env.db, code, name=name).user


def submitted_on_the_web(env: Env, clerk: users.User) -> Any:
    """A 供地方案 `clerk` imported and submitted on the web page (its reviewers are told)."""
    from bot.services import review, web_login

    plan = (PLANS / "jiaozuo-supply.yaml").read_bytes()
    draft = services.import_plan(env.db, clerk.id, plan, filename="p.yaml").draft
    assert draft is not None
    review.submit(env.db, clerk.id, draft.id, origin=web_login.CHANNEL)
    return draft


async def test_the_web_pages_review_reaches_people_on_telegram(env: Env) -> None:
    """A plan submitted on the web page reaches the reviewer on Telegram as the chat's own
    待审核 card (通过 works); a decision made on the web page reaches the clerk on Telegram.
    Sent once, also when delivery runs again."""
    from bot.channels.telegram.notices import deliver_due
    from bot.services import review, web_login

    env.person(202, "reviewer", name="王审核")
    web_clerk = web_person(env, "clerk", "网页经办")
    draft = submitted_on_the_web(env, web_clerk)
    assert await deliver_due(env.app.bot, env.db) == 1
    assert await deliver_due(env.app.bot, env.db) == 0
    card = next(m for m in env.sent(202) if "待审核" in m.text)
    assert "网页经办" in card.text and "审批呈报单" in str(card.buttons)
    await env.press(202, card, "通过")
    assert services.get_draft(env.db, web_clerk.id, draft.id).status == "approved"

    clerk = env.person(201, name="李经办")
    web_rev = web_person(env, "reviewer", "网页审核")
    plan = (PLANS / "jiaozuo-supply.yaml").read_bytes()
    mine = services.import_plan(env.db, clerk.id, plan, filename="p.yaml").draft
    assert mine is not None
    review.submit(env.db, clerk.id, mine.id)  # from the chat: its own handler tells
    review.decide(env.db, web_rev.id, mine.id, "returned", comment="请补充附件",
                  origin=web_login.CHANNEL)  # fmt: skip
    before = len(env.sent(201))
    assert await deliver_due(env.app.bot, env.db) == 1
    (note,) = env.sent(201)[before:]
    assert "网页审核" in note.text and "退回修改" in note.text and "请补充附件" in note.text
    assert note.buttons == [[("继续填写", f"r:{mine.id}")]]


class FlakyBot:
    """A bot whose sends fail with `errors` in turn before they go through."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.sent: list[tuple[int, str]] = []

    async def send_message(self, chat: int, text: str, **kwargs: Any) -> None:
        if self.errors:
            raise self.errors.pop(0)
        self.sent.append((chat, text))


async def test_a_notification_telegram_could_not_take_is_sent_in_a_later_round(env: Env) -> None:
    """Telegram unreachable or busy for a while: the reviewer still gets the card, once it
    goes through. A user who blocked the bot: dropped, not tried for ever."""
    from telegram.error import Forbidden, NetworkError, TimedOut

    from bot.channels.telegram.notices import deliver_due
    from bot.services import notices

    env.person(202, "reviewer", name="王审核")
    web_clerk = web_person(env, "clerk", "网页经办")
    submitted_on_the_web(env, web_clerk)

    bot = FlakyBot(NetworkError("connection reset"), TimedOut())
    assert await deliver_due(bot, env.db) == 0
    assert await deliver_due(bot, env.db) == 0
    assert await deliver_due(bot, env.db) == 1
    assert await deliver_due(bot, env.db) == 0
    ((chat, text),) = bot.sent
    assert chat == 202 and "待审核" in text and "网页经办" in text
    assert notices.due(env.db, "telegram") == []

    submitted_on_the_web(env, web_clerk)
    blocked = FlakyBot(Forbidden("Forbidden: bot was blocked by the user"))
    assert await deliver_due(blocked, env.db) == 0
    assert notices.due(env.db, "telegram") == [] and blocked.sent == []
