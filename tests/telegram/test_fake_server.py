"""The local Bot API server behaves like Telegram for what the bot uses."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from telegram import Bot, BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import BadRequest

from tests.telegram.proc import bot_process
from tests.telegram.server import FakeBotServer


@pytest.fixture
def server() -> Iterator[FakeBotServer]:
    with FakeBotServer() as srv:
        yield srv


def call(srv: FakeBotServer, method: str, **params: object) -> httpx.Response:
    return httpx.post(f"{srv.base_url}{srv.token}/{method}", data=params, timeout=10)


def test_get_me_and_wrong_token(server: FakeBotServer) -> None:
    r = call(server, "getMe")
    assert r.json()["result"]["is_bot"] is True
    r = httpx.post(f"{server.base_url}999:wrong/getMe", timeout=5)
    assert r.status_code == 401
    assert call(server, "noSuchMethod").status_code == 404


def test_updates_stay_until_an_offset_confirms_them(server: FakeBotServer) -> None:
    chat = server.chat(42)
    u1 = chat.say("一")
    u2 = chat.say("二")
    got = call(server, "getUpdates").json()["result"]
    assert [u["update_id"] for u in got] == [u1["update_id"], u2["update_id"]]
    # not confirmed yet: delivered again
    assert len(call(server, "getUpdates").json()["result"]) == 2
    got = call(server, "getUpdates", offset=u2["update_id"]).json()["result"]
    assert [u["message"]["text"] for u in got] == ["二"]
    assert call(server, "getUpdates", offset=u2["update_id"] + 1).json()["result"] == []


def test_long_poll_returns_when_an_update_arrives(server: FakeBotServer) -> None:
    chat = server.chat(43)
    started = time.monotonic()
    with httpx.Client(timeout=10) as client:
        threading.Timer(0.3, lambda: chat.say("你好")).start()
        r = client.post(f"{server.base_url}{server.token}/getUpdates", data={"timeout": 5})
    elapsed = time.monotonic() - started
    assert r.json()["result"][0]["message"]["text"] == "你好"
    assert 0.2 < elapsed < 3
    started = time.monotonic()
    r = call(server, "getUpdates", offset=r.json()["result"][0]["update_id"] + 1, timeout=0.5)
    assert r.json()["result"] == [] and time.monotonic() - started >= 0.4


def test_redelivered_update_comes_back_once(server: FakeBotServer) -> None:
    chat = server.chat(44)
    u = chat.say("一次")
    call(server, "getUpdates", offset=u["update_id"] + 1)  # confirmed
    chat.redeliver(u)
    got = call(server, "getUpdates", offset=u["update_id"] + 1).json()["result"]
    assert [x["update_id"] for x in got] == [u["update_id"]]
    assert call(server, "getUpdates", offset=u["update_id"] + 1).json()["result"] == []


def test_send_message_checks_like_telegram(server: FakeBotServer) -> None:
    server.chat(45)
    ok = call(
        server, "sendMessage", chat_id=45, text="<b>粗体</b> &amp; 1 &lt; 2", parse_mode="HTML"
    )
    assert ok.status_code == 200
    for bad_text in ("a < b", "<b>x", "<div>x</div>", "A & B"):
        r = call(server, "sendMessage", chat_id=45, text=bad_text, parse_mode="HTML")
        assert r.status_code == 400, bad_text
        assert "can't parse entities" in r.json()["description"]
    assert call(server, "sendMessage", chat_id=46, text="x").json()["description"] == (
        "Bad Request: chat not found"
    )
    too_long = '{"inline_keyboard": [[{"text": "x", "callback_data": "' + "地" * 22 + '"}]]}'
    r = call(server, "sendMessage", chat_id=45, text="x", reply_markup=too_long)
    assert r.json()["description"] == "Bad Request: BUTTON_DATA_INVALID"
    assert call(server, "sendMessage", chat_id=45, text="x" * 4097).status_code == 400
    (first, *_) = server.chat(45).sent
    assert first.text == "粗体 & 1 < 2"


async def test_python_telegram_bot_round_trip(server: FakeBotServer) -> None:
    chat = server.chat(47, "王科长")
    async with Bot(
        server.token, base_url=server.base_url, base_file_url=server.base_file_url
    ) as bot:
        assert (await bot.get_me()).username == "landbot_test_bot"
        await bot.set_my_commands([BotCommand("start", "开始"), BotCommand("help", "帮助")])
        assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
        kb = InlineKeyboardMarkup([[InlineKeyboardButton("挂牌出让", callback_data="c:1:2")]])
        msg = await bot.send_message(47, "选择<b>供地方式</b>", parse_mode="HTML", reply_markup=kb)
        sent = chat.sent[-1]
        assert sent.text == "选择供地方式" and sent.buttons == [[("挂牌出让", "c:1:2")]]
        update = chat.press(sent, "挂牌")
        (got,) = await bot.get_updates(offset=update["update_id"])
        assert got.callback_query is not None and got.callback_query.data == "c:1:2"
        assert got.callback_query.message is not None
        assert got.callback_query.message.message_id == msg.message_id
        await got.callback_query.answer("已选择")
        with pytest.raises(BadRequest, match=r"(?i)query is too old"):
            await got.callback_query.answer("again")
        await bot.edit_message_text("已选：挂牌出让", chat_id=47, message_id=msg.message_id)
        with pytest.raises(BadRequest, match=r"(?i)not modified"):
            await bot.edit_message_text("已选：挂牌出让", chat_id=47, message_id=msg.message_id)
        assert chat.sent[-1].text == "已选：挂牌出让" and chat.sent[-1].buttons == []
        doc = await bot.send_document(
            47, InputFile(b"PK\x03\x04 docx bytes", filename="供地方案.docx"), caption="方案"
        )
        assert doc.document is not None and doc.document.file_name == "供地方案.docx"
        assert chat.download(chat.sent[-1]) == b"PK\x03\x04 docx bytes"
        file = await bot.get_file(doc.document.file_id)
        assert bytes(await file.download_as_bytearray()) == b"PK\x03\x04 docx bytes"
        chat.upload("plan.yaml", b"kind: supply_plan\n")
        (up,) = await bot.get_updates(offset=update["update_id"] + 1)
        assert up.message is not None and up.message.document is not None
        f = await bot.get_file(up.message.document.file_id)
        assert bytes(await f.download_as_bytearray()) == b"kind: supply_plan\n"


@pytest.mark.slow
def test_bare_echo_bot_through_the_server(server: FakeBotServer, tmp_path: Path) -> None:
    with bot_process(["-m", "tests.telegram.echo_bot"], server.env(), tmp_path / "echo.log"):
        chats = [server.chat(100 + i) for i in range(3)]
        for chat in chats:
            chat.say(f"回声 {chat.user_id}")
        for chat in chats:
            (reply,) = chat.wait(1, timeout=20)
            assert reply.text == f"回声 {chat.user_id}"
        assert chats[0].quiet(0.3) == []
