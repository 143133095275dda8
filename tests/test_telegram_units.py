"""The Telegram channel's small parts: callback data, message chunks, per-chat order, logs."""

from __future__ import annotations

import asyncio
import io
import logging

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.channels.telegram import callbacks, render
from bot.channels.telegram.logsafe import RedactingFormatter, protect_token
from bot.channels.telegram.processor import KeyedLocks
from bot.dialogue.types import Button, Message


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_callback_parse_never_trusts_anything(data: str) -> None:
    cb = callbacks.parse(data)
    if cb is not None:
        assert len(data.encode("utf-8")) <= 64
        assert callbacks.make(cb.kind, *cb.parts) == data


def test_callback_data_roundtrip_and_limits() -> None:
    assert callbacks.parse("d:12:3:o:land_use:0") == callbacks.Callback(
        "d", ("12", "3", "o:land_use:0")
    )
    assert callbacks.parse("rv:5:7:a") is not None
    for bad in ("d:x:1:cmd:back", "rv:5:7:z", "d:1:1:" + "o:" + "a" * 60, "zz:1", "", "g:",
                "g:1:2", "dl:-1", "g:１"):  # fmt: skip
        assert callbacks.parse(bad) is None, bad
    assert callbacks.fits("fa", 3, "第十三条")
    assert not callbacks.fits("fa", 3, "条" * 30)  # 90 bytes: too long for Telegram
    with pytest.raises(ValueError):
        callbacks.make("g", "not-a-number")


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.sampled_from("地块面积\n<>&ab "), max_size=9000))
def test_chunks_cover_the_text_within_the_limit(text: str) -> None:
    pieces = render.chunks(text, limit=500)
    assert all(len(p) <= 500 for p in pieces)
    if text.strip():
        assert "".join(pieces).replace("\n", "") == text.replace("\n", "")


def test_dialogue_messages_escape_and_wrap_buttons() -> None:
    msgs = [
        Message(
            "第 1/3 项 · 项目名称\n<b>不是标签</b> & 符号",
            "question",
            [[Button("返回", "cmd:back"), Button("查看", "cmd:review")]],
        ),
        Message("错误的回答", "error"),
    ]
    outs = render.dialogue_messages(msgs, 7, 4, [[("生成文件", "g:7")]], [("修改", "m:7")])
    assert (
        outs[0].html.startswith("第 1/3 项") and "&lt;b&gt;不是标签&lt;/b&gt; &amp;" in outs[0].html
    )
    assert outs[0].keyboard is not None
    row = [(b.text, b.callback_data) for b in outs[0].keyboard.inline_keyboard[0]]
    assert row == [("返回", "d:7:4:cmd:back"), ("查看", "d:7:4:cmd:review"), ("修改", "m:7")]
    assert outs[1].html.startswith("⚠️ ")
    assert outs[1].keyboard is not None
    assert outs[1].keyboard.inline_keyboard[-1][0].callback_data == "g:7"


async def test_keyed_locks_keep_order_per_key_and_run_keys_concurrently() -> None:
    locks = KeyedLocks()
    log: list[str] = []

    async def job(name: str, delay: float) -> None:
        log.append(f"start {name}")
        await asyncio.sleep(delay)
        log.append(f"end {name}")

    await asyncio.gather(
        locks.run("a", job("a1", 0.05)),
        locks.run("a", job("a2", 0.0)),
        locks.run("b", job("b1", 0.0)),
    )
    assert log.index("end a1") < log.index("start a2")  # same chat: one after the other
    assert log.index("end b1") < log.index("end a1")  # other chats do not wait
    assert len(locks) == 0  # nothing kept once idle


def test_token_never_reaches_the_log(monkeypatch: pytest.MonkeyPatch) -> None:
    token = "123456:SECRET-token_value"
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(name)s %(message)s"))
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [handler])
    protect_token(token)
    assert isinstance(handler.formatter, RedactingFormatter)
    assert logging.getLogger("httpx").level == logging.WARNING
    log = logging.getLogger("landbot.test")
    log.warning("calling https://api.telegram.org/bot%s/getMe", token)
    try:
        raise RuntimeError(f"boom at /bot{token}/sendMessage")
    except RuntimeError:
        log.exception("failed")
    out = stream.getvalue()
    assert "SECRET-token_value" not in out and "<redacted>" in out
    assert "getMe" in out and "boom at" in out


def test_python_telegram_bot_giving_up_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """Its network retry loop logs the give-up with a traceback; the line and the reason
    stay, the traceback goes. Other errors keep theirs."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    monkeypatch.setattr(logging.getLogger(), "handlers", [handler])
    protect_token(None)
    ext = logging.getLogger("telegram.ext")
    for _ in range(2):
        try:
            raise ConnectionError("All connection attempts failed")
        except ConnectionError:
            ext.exception(
                "%s Failed run number %s of %s. Aborting.", "Network Retry Loop (x):", 0, 0
            )
            ext.exception("something else")
    out = stream.getvalue()
    assert out.count("Aborting. (ConnectionError: All connection attempts failed)") == 2
    assert out.count("Traceback") == 2 and out.count("something else") == 2
