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
