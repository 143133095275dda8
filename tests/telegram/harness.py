"""End-to-end harness: the local Bot API server, a temp data dir, `landbot run` as a subprocess."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.services import users
from bot.settings import load_settings
from storage.db import Database, open_database
from tests.telegram.fake_api import SentMessage
from tests.telegram.proc import BotProcess, bot_process
from tests.telegram.server import ChatDriver, FakeBotServer

DEPARTMENT = "郑州市土地储备中心"
QUESTION = r"第 \d+/\d+ 项|填写完毕|填写情况"


class Harness:
    def __init__(self, server: FakeBotServer, data_dir: Path, extra_env: dict[str, str]) -> None:
        self.server = server
        self.data_dir = data_dir
        self.env = {**server.env(), "LANDBOT_DATA_DIR": str(data_dir), **extra_env}
        self.env.pop("LANDBOT_DATABASE_URL", None)
        self.db: Database = open_database(load_settings({"LANDBOT_DATA_DIR": str(data_dir)}))
        self.bot: BotProcess | None = None
        self._starts = 0

    def start(self, *args: str) -> BotProcess:
        self._starts += 1
        log = self.data_dir / f"bot-{self._starts}.log"
        self.bot = BotProcess(["-m", "bot", "run", *args], {**_base_env(), **self.env}, log)
        self.bot.start()
        return self.bot

    def stop(self) -> None:
        if self.bot is not None:
            self.bot.stop()

    def logs(self) -> str:
        return "\n".join(
            p.read_text(encoding="utf-8", errors="replace")
            for p in sorted(self.data_dir.glob("bot-*.log"))
        )

    def register(self, user_id: int, name: str, role: str = "clerk",
                 department: str = DEPARTMENT) -> ChatDriver:  # fmt: skip
        """A person who registers through the bot with a fresh invitation code."""
        code = users.invite(self.db, role=role, department=department).code
        chat = self.server.chat(user_id, name)
        chat.say(users.format_code(code))
        chat.wait_text("注册成功", timeout=30)
        return chat


def _base_env() -> dict[str, str]:
    import os

    return dict(os.environ)


@contextmanager
def running_bot(
    tmp: Path, extra_env: dict[str, str] | None = None, args: list[str] | None = None
) -> Iterator[Harness]:
    with FakeBotServer() as server:
        h = Harness(server, tmp, extra_env or {})
        try:
            h.start(*(args or []))
            yield h
        except BaseException:
            import sys

            sys.stderr.write(f"--- landbot logs ---\n{h.logs()[-10000:]}\n")
            raise
        finally:
            h.stop()
            h.db.dispose()


def last_question(msgs: list[SentMessage]) -> SentMessage:
    for m in reversed(msgs):
        if re.search(QUESTION, m.text):
            return m
    raise AssertionError("no question among: " + " | ".join(m.text for m in msgs))


def answer(chat: ChatDriver, question: SentMessage, reply: str,
           timeout: float = 20) -> list[SentMessage]:  # fmt: skip
    """Answer with the button labelled `reply` when the question has one, else type it."""
    labels = [label for row in question.buttons for label, _ in row]
    if reply in labels:
        chat.press(question, reply)
    else:
        chat.say(reply)
    return chat.until(f"{QUESTION}|^⚠️ ", timeout)  # a question, or an answer refused


def draft_id_of(msg: SentMessage) -> int:
    for row in msg.buttons:
        for _, data in row:
            m = re.match(r"d:(\d+):", data)
            if m:
                return int(m.group(1))
    raise AssertionError(f"no dialogue button in {msg.text!r}")


def wait_for(predicate, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.05)


__all__ = ["Harness", "answer", "bot_process", "draft_id_of", "last_question", "running_bot"]
