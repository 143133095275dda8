"""`landbot web` started while its database cannot be reached: it waits (a line a try, no
traceback), and gives up after LANDBOT_DB_WAIT_S with the reason and exit 1. That it then
serves once the database is back is what tests/web/test_web_workers.py shows, with workers
restarted while PostgreSQL restarts."""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

from tests.telegram.proc import BotProcess


def test_web_waits_for_an_unreachable_database_then_exits_cleanly(tmp_path: Path) -> None:
    ports = []
    for _ in range(2):  # one nobody listens on (the database), one to serve on
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            ports.append(s.getsockname()[1])
    port, web_port = ports
    env = {
        **os.environ,
        "LANDBOT_DATA_DIR": str(tmp_path / "data"),
        "LANDBOT_DATABASE_URL": f"postgresql+psycopg://landbot:geheim@127.0.0.1:{port}/landbot",
        "LANDBOT_DB_WAIT_S": "2",
    }
    proc = BotProcess(["-m", "bot", "web", "--port", str(web_port)], env, tmp_path / "web.log")
    started = time.monotonic()
    proc.start()
    assert proc.proc is not None
    status = proc.proc.wait(60)
    log = proc.log()
    assert status == 1, log
    assert time.monotonic() - started >= 2, log
    assert log.count("database unavailable, retrying") >= 2, log
    assert "cannot use the database" in log and "无法使用数据库" in log, log
    assert "Traceback" not in log and "geheim" not in log, log
