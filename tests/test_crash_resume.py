"""Killing `landbot chat` (SIGKILL) mid-dialogue loses no answer whose reply was shown."""

from __future__ import annotations

import contextlib
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from bot.dialogue import DialogueState, load_form
from bot.settings import Settings
from storage.db import open_database
from tests.servicekit import answer_script

ROOT = Path(__file__).resolve().parent.parent
SHOWN_BEFORE_KILL = 8  # answers whose reply (the next question) was on screen before the kill
WAIT_S = 60.0

pytestmark = pytest.mark.slow


class ChatProcess:
    """`landbot chat` with a pipe for answers and a thread collecting what it prints."""

    def __init__(self, settings: Settings, user: str) -> None:
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "PYTHONUNBUFFERED": "1",
            "LANDBOT_DATA_DIR": str(settings.data_dir),
            "LANDBOT_DATABASE_URL": settings.database_url,
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "chat", "--user", user],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            text=True,
            encoding="utf-8",
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.reader = threading.Thread(target=self._pump, daemon=True)
        self.reader.start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def send(self, text: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()

    def wait_for_questions(self, count: int) -> None:
        """Block until `count` question headers (第 n/m 项) have been printed in total."""
        deadline = time.monotonic() + WAIT_S
        while sum(line.startswith("第 ") for line in self.seen) < count:
            try:
                self.seen.append(self.lines.get(timeout=max(0.1, deadline - time.monotonic())))
            except queue.Empty:
                raise AssertionError(f"no reply in time; last output: {self.seen[-5:]}") from None

    def finish(self) -> tuple[str, int]:
        """Close the input (EOF) and return everything printed and the exit status."""
        assert self.proc.stdin is not None and self.proc.stderr is not None
        self.proc.stdin.close()
        code = self.proc.wait(timeout=WAIT_S)
        self.reader.join(timeout=WAIT_S)
        self.seen.extend(self.lines.get() for _ in range(self.lines.qsize()))
        err = self.proc.stderr.read()
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()
        return "\n".join(self.seen) + err, code

    def kill(self) -> None:
        self.proc.kill()  # SIGKILL: no clean-up, no flush, no goodbye
        self.proc.wait(timeout=WAIT_S)
        self.reader.join(timeout=WAIT_S)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None:
                with contextlib.suppress(BrokenPipeError):
                    stream.close()


def _stored_state(settings: Settings) -> DialogueState:
    db = open_database(settings)
    try:
        with db.unit_of_work() as uow:
            user = uow.users.by_external("terminal", "crash")
            assert user is not None
            [draft] = uow.drafts.list_for_owner(user.id)
            return DialogueState.from_json(draft.state)
    finally:
        db.dispose()


def test_killed_chat_resumes_at_the_right_field_with_all_answers(settings: Settings) -> None:
    answers = answer_script("reserve_plan")
    form = load_form("reserve_plan")
    first = ChatProcess(settings, "crash")
    first.send("1")  # 新建储备方案
    first.wait_for_questions(1)
    for i, answer in enumerate(answers[:SHOWN_BEFORE_KILL], start=1):
        first.send(answer)
        first.wait_for_questions(i + 1)  # the reply to this answer is on screen
    first.send(answers[SHOWN_BEFORE_KILL])  # in flight: may or may not be saved
    first.kill()

    state = _stored_state(settings)
    in_order = [f.key for f in form.fields if f.key in state.answers or f.key in state.skipped]
    shown_keys = [f.key for f in form.fields][:SHOWN_BEFORE_KILL]
    assert in_order[:SHOWN_BEFORE_KILL] == shown_keys, "an answer whose reply was shown is lost"
    assert state.answers["project_name"] == answers[0]
    saved = len(in_order)
    assert saved in (SHOWN_BEFORE_KILL, SHOWN_BEFORE_KILL + 1)
    expected_field = form.fields[saved].key  # consistent: the next unanswered field
    assert state.current == expected_field

    second = ChatProcess(settings, "crash")
    second.send("1")  # 继续填写
    out, code = second.finish()
    assert code == 0, out
    assert "您有一份未完成的草稿" in out and f"已填 {saved}/" in out
    resumed = out.split("继续填写储备方案")[1]
    assert f"第 {saved + 1}/" in resumed and form.field(expected_field).label in resumed
    assert _stored_state(settings).answers == state.answers
