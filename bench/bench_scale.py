"""Several webhook workers on one PostgreSQL (issue 12): simulated officials against the local
Bot API server, which delivers to a round-robin proxy in front of 1, 2 and 4 `landbot run
--webhook` workers, against the bare echo bot in the same run; then a fault phase: 2 workers
while one is killed with SIGKILL every 2 s and started again.

Printed per phase: updates/s, p50/p99 time from a message to its reply, lost and duplicated
replies, and CPU per update of the workers, of this process (Bot API server, proxy, officials)
and of PostgreSQL. SCALING.md reads the figures.

    python -m bench scale                          # 200 officials, PostgreSQL of its own
    BENCH_SCALE_USERS=500 python -m bench scale
    LANDBOT_BENCH_POSTGRES_URL=postgresql+psycopg://… python -m bench scale

Without LANDBOT_BENCH_POSTGRES_URL (or LANDBOT_TEST_POSTGRES_URL) it starts a throw-away
PostgreSQL cluster with Debian's initdb, as `.ci/run` does.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import os
import random
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from bench.bench_telegram import (
    ANSWERS,
    PHASE_LIMIT_S,
    Phase,
    _cpu_of,
    _echo_user,
    _landbot_user,
    _prepare_landbot,
    _run_phase,
)
from tests.conftest import postgres_schema
from tests.workers import free_port

USERS = int(os.environ.get("BENCH_SCALE_USERS", "200"))
WORKER_COUNTS = (1, 2, 4)
KILL_EVERY_S = 2.0


class _NoPostgres(Exception):
    pass


@contextlib.contextmanager
def _postgres() -> Iterator[tuple[str, Callable[[], None] | None]]:
    """The PostgreSQL to measure on, and how to restart it (the fault phase does once): the
    configured one (restarted by LANDBOT_TEST_PG_RESTART's command, if given), or a throw-away
    local cluster."""
    url = os.environ.get("LANDBOT_BENCH_POSTGRES_URL") or os.environ.get(
        "LANDBOT_TEST_POSTGRES_URL"
    )
    if url:
        command = os.environ.get("LANDBOT_TEST_PG_RESTART")
        yield url, (lambda: _shell(command)) if command else None
        return
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb")) or [shutil.which("initdb") or ""]
    if not found[-1]:
        raise _NoPostgres("bench scale needs PostgreSQL: set LANDBOT_BENCH_POSTGRES_URL or "
                          "install Debian's postgresql")  # fmt: skip
    pgbin = Path(found[-1]).parent
    tmp = Path(tempfile.mkdtemp(prefix="landbot-bench-pg-"))
    port = free_port()
    root = os.getuid() == 0

    def run(cmd: str) -> None:
        full = ["su", "postgres", "-s", "/bin/sh", "-c", cmd] if root else ["sh", "-c", cmd]
        subprocess.run(full, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    if root:
        shutil.chown(tmp, "postgres")
    run(f"'{pgbin}/initdb' -D '{tmp}/data' -U landbot --auth=trust -E UTF8 --locale=C.UTF-8")
    run(f"'{pgbin}/pg_ctl' -D '{tmp}/data' -l '{tmp}/log' -w start -o "
        f"'-p {port} -k {tmp} -c listen_addresses=127.0.0.1 -c max_connections=200'")  # fmt: skip
    try:
        subprocess.run([str(pgbin / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U",
                        "landbot", "bench"], check=True)  # fmt: skip
        yield (
            f"postgresql+psycopg://landbot@127.0.0.1:{port}/bench",
            lambda: run(f"'{pgbin}/pg_ctl' -D '{tmp}/data' -l '{tmp}/log' -m fast -w restart"),
        )
    finally:
        run(f"'{pgbin}/pg_ctl' -D '{tmp}/data' -m immediate stop")
        shutil.rmtree(tmp, ignore_errors=True)


def _shell(command: str) -> None:
    # no pipes: the restarted server would hold them open
    subprocess.run(shlex.split(command), check=True, timeout=120,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip


def _postgres_cpu() -> float:
    """CPU seconds PostgreSQL has used on this machine: its live processes, and through the
    postmaster's reaped-children counters the backends that have exited (a killed worker's
    connections close; their work still counts). 0 where /proc is missing."""
    procs: dict[int, list[str]] = {}
    for comm in glob.glob("/proc/[0-9]*/comm"):
        with contextlib.suppress(OSError):
            if Path(comm).read_text().strip() == "postgres":
                pid = int(comm.split("/")[2])
                procs[pid] = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    total = 0
    for fields in procs.values():
        total += int(fields[11]) + int(fields[12])
        if int(fields[1]) not in procs:  # the postmaster: add its children that have exited
            total += int(fields[13]) + int(fields[14])
    return total / os.sysconf("SC_CLK_TCK")


def _transactions(url: str) -> int:
    """Transactions committed or rolled back in the database so far (pg_stat_database; the
    backends report theirs within a second of going idle)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(
                "SELECT xact_commit + xact_rollback FROM pg_stat_database "
                "WHERE datname = current_database()"
            )).scalar_one())  # fmt: skip
    finally:
        engine.dispose()


@dataclass(frozen=True)
class Database:
    """What a workers phase cost PostgreSQL, and the kills of the fault phase."""

    cpu: float  # seconds
    transactions: int
    kills: int
    restarted: bool = False  # PostgreSQL restarted during the phase
    tracebacks: int = 0  # in the workers' logs

    def per_update(self, phase: Phase) -> str:
        n = max(1, phase.updates)
        cpu = "restarted" if self.restarted else f"{self.cpu * 1000 / n:.1f} ms"
        return f"PostgreSQL {cpu}, {self.transactions / n:.1f} transactions"


async def _workers_phase(name: str, base: str, n: int, users: list[int], root: Path,
                         kill: bool = False,
                         restart: Callable[[], None] | None = None) -> tuple[Phase, Database]:  # fmt: skip
    """One phase; with `kill`, a worker is killed every KILL_EVERY_S and started again, and
    after the third kill PostgreSQL is restarted with `restart`."""
    from tests.telegram.proc import BotProcess
    from tests.telegram.proxy import RoundRobinProxy
    from tests.telegram.server import AsyncFakeBotServer

    with postgres_schema(base, "bench") as url:
        data = root / name
        await asyncio.to_thread(_prepare_landbot, data, users, url)
        server = AsyncFakeBotServer()
        await server.start()
        server.max_attempts = 1000
        api = server.api
        assert api is not None
        for uid in users:
            api.user(uid, f"官员{uid}")
        ports = [free_port() for _ in range(n)]
        env = {**os.environ, **server.env(), "LANDBOT_DATABASE_URL": url,
               "LANDBOT_DATA_DIR": str(data), "LANDBOT_TELEGRAM_RATE_LIMIT": "0",
               "LANDBOT_TELEGRAM_PDF": "0"}  # fmt: skip
        phase = Phase(name)
        kills = 0
        restarted = False
        with RoundRobinProxy(ports) as proxy:
            starts = [0]

            def start(i: int) -> BotProcess:
                starts[0] += 1
                bot = BotProcess(["-m", "bot", "run", "--webhook", proxy.url("/tg"), "--port",
                                  str(ports[i])], env, root / f"{name}-{starts[0]}.log")  # fmt: skip
                bot.start()
                return bot

            bots = [start(i) for i in range(n)]
            try:
                deadline = time.monotonic() + 90
                while api.calls.get("setWebhook", 0) < n:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"{name}: workers did not start")
                    await asyncio.sleep(0.05)
                await asyncio.sleep(0.5)
                base_cpu = [_cpu_of(b.proc.pid) if b.proc else 0.0 for b in bots]
                used = 0.0  # CPU of the workers killed meanwhile
                own0, pg0 = time.process_time(), _postgres_cpu()
                xacts0 = await asyncio.to_thread(_transactions, url)
                started = time.monotonic()
                run = asyncio.gather(*(_landbot_user(api, uid, phase) for uid in users))
                if kill:
                    rnd = random.Random(3)
                    while not run.done():
                        with contextlib.suppress(asyncio.TimeoutError):
                            await asyncio.wait_for(asyncio.shield(run), KILL_EVERY_S)
                        if run.done():
                            break
                        i = rnd.randrange(n)
                        proc = bots[i].proc
                        used += (_cpu_of(proc.pid) if proc else 0.0) - base_cpu[i]
                        await asyncio.to_thread(bots[i].kill9)
                        kills += 1
                        bots[i], base_cpu[i] = start(i), 0.0
                        if kills == 3 and restart is not None:
                            await asyncio.to_thread(restart)
                            restarted = True
                await asyncio.wait_for(run, max(PHASE_LIMIT_S, len(users) * 0.5))
                phase.seconds = time.monotonic() - started - 0.5
                phase.bot_cpu = used + sum(
                    (_cpu_of(b.proc.pid) if b.proc else 0.0) - c
                    for b, c in zip(bots, base_cpu, strict=True)
                )
                phase.server_cpu = time.process_time() - own0
                pg_cpu = _postgres_cpu() - pg0
                await asyncio.sleep(1.5)  # the backends report their transactions when idle
                xacts = await asyncio.to_thread(_transactions, url) - xacts0
            finally:
                for b in bots:
                    await asyncio.to_thread(b.stop)
                await server.stop()
    tracebacks = sum(p.read_text(errors="replace").count("Traceback")
                     for p in root.glob(f"{name}-*.log"))  # fmt: skip
    # a restarted PostgreSQL starts its CPU counters again: not comparable
    return phase, Database(float("nan") if restarted else pg_cpu, xacts, kills, restarted,
                           tracebacks)  # fmt: skip


async def _main(base: str, restart: Callable[[], None] | None) -> None:
    users = list(range(20_001, 20_001 + USERS))
    with tempfile.TemporaryDirectory(prefix="landbot-bench-scale-") as tmp:
        root = Path(tmp)
        echo = await _run_phase(
            "echo", ["-m", "tests.telegram.echo_bot"], {}, users,
            lambda api, uid, ph: _echo_user(api, uid, 1 + len(ANSWERS), ph), root / "echo.log",
        )  # fmt: skip
        print(echo.line(), flush=True)
        rates: dict[int, float] = {}
        for n in WORKER_COUNTS:
            phase, db = await _workers_phase(f"{n} worker" + "s" * (n > 1), base, n, users, root)
            rates[n] = phase.rate
            print(f"{phase.line()}; {db.per_update(phase)} per update", flush=True)
            print(f"  {_ceiling(phase, db)}", flush=True)
        faults, db = await _workers_phase("faults", base, 2, users, root, kill=True,
                                          restart=restart)  # fmt: skip
        print(f"{faults.line()}; {db.per_update(faults)} per update; "
              f"{db.kills} workers killed with SIGKILL and restarted"
              + ("; PostgreSQL restarted once" if db.restarted else "")
              + f"; {db.tracebacks} tracebacks in the workers' logs", flush=True)  # fmt: skip
    ratios = ", ".join(f"{n} worker(s)/echo {r / echo.rate:.2f}" for n, r in rates.items())
    print(f"ratios: {ratios}; 2 workers/1 {rates[2] / rates[1]:.2f}, "
          f"4 workers/1 {rates[4] / rates[1]:.2f}")  # fmt: skip
    print(f"lost {faults.lost}, duplicated {faults.duplicated} under faults (target 0, 0)")


def _web(base: str) -> None:
    from bench.bench_web import ANSWERS as WEB_ANSWERS

    print(f"web: {USERS} officials signed in, {len(WEB_ANSWERS)} typed answers each, all at once, "
          f"`landbot web --workers N` on PostgreSQL", flush=True)  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="landbot-bench-scale-web-") as tmp:
        for n in WORKER_COUNTS:
            print(_web_phase(base, n, Path(tmp)), flush=True)


def _machine_busy() -> float:
    """CPU seconds the whole machine has been busy (all cores; /proc/stat), 0 elsewhere."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return 0.0
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _web_phase(base: str, n: int, root: Path) -> str:
    """`landbot web --workers n` on PostgreSQL: the officials of `bench web` answering at once."""
    from bench import bench_web
    from bot.services import users as user_service
    from bot.settings import load_settings
    from storage.db import open_database

    with postgres_schema(base, "bench") as url:
        env = {"LANDBOT_DATA_DIR": str(root / f"web{n}"), "LANDBOT_DATABASE_URL": url}
        db = open_database(load_settings(env))
        try:
            codes: list[str | None] = [
                user_service.invite(db, role="clerk", department="郑州市土地储备中心").code
                for _ in range(USERS)
            ]
        finally:
            db.dispose()
        port = free_port()
        proc = bench_web._start(["-m", "bot", "web", "--workers", str(n), "--port", str(port)],
                                env, root / f"web{n}.log", f"http://127.0.0.1:{port}/api/me")  # fmt: skip
        try:
            time.sleep(2.0 if n > 1 else 0.0)  # every uvicorn worker up, not only the first
            busy0, t0 = _machine_busy(), time.monotonic()
            phase = asyncio.run(bench_web._phase(f"web {n}", port, codes))
            busy = (_machine_busy() - busy0) / (time.monotonic() - t0) / (os.cpu_count() or 1)
        finally:
            bench_web._stop(proc)
    return f"{phase.line()}; machine {busy * 100:.0f} % busy"


def _ceiling(phase: Phase, db: Database) -> str:
    """The CPU of the whole machine per update, and the rate at which it would be used up."""
    n = max(1, phase.updates)
    cpu = (phase.bot_cpu + phase.server_cpu + db.cpu) / n
    cores = os.cpu_count() or 1
    return (f"machine CPU per update {cpu * 1000:.1f} ms (workers {phase.bot_cpu / n * 1000:.1f}"
            f" + harness {phase.server_cpu / n * 1000:.1f} + PostgreSQL {db.cpu / n * 1000:.1f})"
            f": {cores} cores are used up at {cores / cpu:.0f} updates/s")  # fmt: skip


def main() -> None:
    if str(Path.cwd()) not in sys.path:
        sys.path.insert(0, str(Path.cwd()))
    print(f"{USERS} simulated officials, {1 + len(ANSWERS)} messages each; "
          f"{os.cpu_count()} CPUs on this machine")  # fmt: skip
    try:
        with _postgres() as (base, restart):
            asyncio.run(_main(base, restart))
            _web(base)
    except _NoPostgres as exc:  # the other benchmarks of `python -m bench` still run
        print(exc)


if __name__ == "__main__":
    main()
