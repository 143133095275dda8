"""N landbot worker processes on one database behind the round-robin proxy, for the fault
tests of several workers (Telegram webhook workers, web workers): started, killed with
SIGKILL and started again by `Chaos`, their logs kept apart per start."""

from __future__ import annotations

import contextlib
import os
import random
import shlex
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from bot.settings import load_settings
from storage.db import Database, open_database
from tests.telegram.proc import BotProcess
from tests.telegram.proxy import RoundRobinProxy

RESTART_ENV = "LANDBOT_TEST_PG_RESTART"  # a shell command restarting the test PostgreSQL


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class WorkerPool:
    """`args(i)` is what worker i runs (`python -m bot …`); the database is migrated before
    any worker starts, so none of them races the others to create the schema."""

    name = "worker"

    def __init__(self, url: str, tmp: Path, n: int, env: dict[str, str]) -> None:
        self.tmp = tmp
        self.ports = [free_port() for _ in range(n)]
        self.proxy = RoundRobinProxy(self.ports)
        self.env = {**os.environ, **env, "LANDBOT_DATABASE_URL": url, "LANDBOT_DATA_DIR": str(tmp)}
        self.db: Database = open_database(load_settings(self.env))
        self.procs: list[BotProcess | None] = [None] * n
        self._starts = 0

    def args(self, i: int) -> list[str]:
        raise NotImplementedError

    def ready(self) -> None:
        """Wait until every worker serves (the fault run starts from all of them up)."""

    @contextlib.contextmanager
    def running(self) -> Iterator[WorkerPool]:
        """All workers behind the proxy for the block; their logs shown when it fails."""
        try:
            with self.proxy:
                for i in range(len(self.procs)):
                    self.start(i)
                self.ready()
                yield self
        except BaseException:
            sys.stderr.write(f"--- worker logs ---\n{self.logs()[-12000:]}\n")
            raise
        finally:
            self.stop()

    def start(self, i: int) -> None:
        self._starts += 1
        proc = BotProcess(self.args(i), self.env, self.tmp / f"{self.name}{i}-{self._starts}.log")
        proc.start()
        self.procs[i] = proc

    def logs(self) -> str:
        return "\n".join(
            p.read_text(errors="replace") for p in sorted(self.tmp.glob(f"{self.name}*.log"))
        )

    def stop(self) -> None:
        for p in self.procs:
            if p is not None:
                p.stop()
        self.db.dispose()


class Chaos(threading.Thread):
    """SIGKILL a random worker every 1–3 s and start it again; restart PostgreSQL once."""

    def __init__(self, workers: WorkerPool, kills: int, restart: str) -> None:
        super().__init__(daemon=True)
        self.w = workers
        self.kills = kills
        self.restart = restart
        self.done = 0
        self.restarted = False
        self.random = random.Random(12)
        self.stop_event = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            while self.done < self.kills and not self.stop_event.is_set():
                time.sleep(self.random.uniform(1.0, 3.0))
                if self.done == self.kills // 2 and not self.restarted:
                    # no pipes: the restarted server would hold them open
                    subprocess.run(shlex.split(self.restart), check=True, timeout=60,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
                    self.restarted = True
                i = self.random.randrange(len(self.w.procs))
                proc = self.w.procs[i]
                assert proc is not None
                proc.kill9()
                self.done += 1
                time.sleep(self.random.uniform(0.0, 1.0))
                self.w.start(i)
        except BaseException as exc:
            self.error = exc
