"""`landbot web` and `landbot run` started while their database server cannot be reached: they
wait (a line a try, no traceback), and give up after LANDBOT_DB_WAIT_S with the reason and
exit 1. That a worker then serves once the database is back is what tests/web/
test_web_workers.py shows, with workers restarted while PostgreSQL restarts."""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

import pytest

from tests.telegram.proc import BotProcess
from tests.telegram.server import FakeBotServer


def free_ports(n: int) -> list[int]:
    ports = []
    for _ in range(n):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            ports.append(s.getsockname()[1])
    return ports


@pytest.mark.parametrize("channel", ["web", "run"])
def test_an_unreachable_database_is_waited_for_then_a_clean_exit(
    tmp_path: Path, channel: str
) -> None:
    port, web_port = free_ports(2)  # nobody listens on the first (the database)
    env = {
        **os.environ,
        "LANDBOT_DATA_DIR": str(tmp_path / "data"),
        "LANDBOT_DATABASE_URL": f"postgresql+psycopg://landbot:geheim@127.0.0.1:{port}/landbot",
        "LANDBOT_DB_WAIT_S": "2",
    }
    args = ["-m", "bot", "web", "--port", str(web_port)]
    telegram = None
    if channel == "run":
        telegram = FakeBotServer()
        telegram.start()
        env.update(telegram.env())
        args = ["-m", "bot", "run"]
    proc = BotProcess(args, env, tmp_path / f"{channel}.log")
    started = time.monotonic()
    proc.start()
    assert proc.proc is not None
    try:
        status = proc.proc.wait(60)
    finally:
        if telegram is not None:
            telegram.stop()
    log = proc.log()
    assert status == 1, log
    assert time.monotonic() - started >= 2, log
    assert log.count("database unavailable, retrying") >= 2, log
    assert "cannot use the database" in log and "无法使用数据库" in log, log
    assert "Traceback" not in log and "geheim" not in log, log


@pytest.mark.parametrize("value", ["abc", "-5", "nan", "inf"])
def test_a_bad_wait_setting_is_refused_by_name(value: str) -> None:
    from bot.settings import load_settings
    from knowledge.errors import BadInput

    with pytest.raises(BadInput) as refused:
        load_settings({"LANDBOT_DATA_DIR": "/tmp/x", "LANDBOT_DB_WAIT_S": value})
    assert "LANDBOT_DB_WAIT_S" in refused.value.zh and repr(value) in refused.value.en


@pytest.mark.parametrize(("value", "seconds"), [(None, 60.0), ("", 60.0), ("0", 0.0), ("2.5", 2.5)])
def test_the_wait_setting_accepts_seconds(value: str | None, seconds: float) -> None:
    from bot.settings import load_settings

    env = {"LANDBOT_DATA_DIR": "/tmp/x"}
    if value is not None:
        env["LANDBOT_DB_WAIT_S"] = value
    assert load_settings(env).db_wait_s == seconds


@pytest.mark.parametrize("channel", ["web", "run"])
def test_a_bad_wait_setting_stops_the_start_with_one_line(tmp_path: Path, channel: str) -> None:
    """Before any worker or poller starts: the operator sees the variable named, exit 2."""
    import subprocess
    import sys

    env = {**os.environ, "LANDBOT_DATA_DIR": str(tmp_path), "LANDBOT_DB_WAIT_S": "一分钟"}
    args = ["web", "--port", str(free_ports(1)[0])] if channel == "web" else ["run"]
    done = subprocess.run([sys.executable, "-m", "bot", *args], env=env, capture_output=True,
                          text=True, timeout=60, stdin=subprocess.DEVNULL)  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "LANDBOT_DB_WAIT_S" in done.stderr and "Error:" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
