"""The web channel under load (issue 10): simulated officials over HTTP on loopback against
`landbot web` (one uvicorn worker, SQLite) versus a bare Starlette endpoint returning fixed
JSON, in the same run, with the same client.

Each simulated official signs in with an invitation code, creates a 供地方案 and types the
first answers, one after the other (each waits for its turn). Printed: answers/s, p50/p99
latency of an answer, for both servers, the throughput ratio (target ≥ 0.5), p99 against its
target (≤ 50 ms) and lost answers (a refused answer, or one missing from the draft afterwards;
target 0).

    python -m bench web                 # 200 officials
    BENCH_WEB_USERS=50 python -m bench web
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import socket
import statistics
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.bench_telegram import ANSWERS as TELEGRAM_ANSWERS

USERS = int(os.environ.get("BENCH_WEB_USERS", "200"))
PHASE_LIMIT_S = 180.0
TARGET_RATIO = 0.5
TARGET_P99_MS = 50.0
THINK_S = 1.0  # the paced phases: an official thinks 0–2 s before each answer
# the first answers of a 供地方案 (those of the Telegram bench) and the field each one fills
KEYS = ("project_name", "parcel_code", "jurisdiction", "location", "boundaries", "area_m2",
        "ownership", "current_right")  # fmt: skip
ANSWERS = list(zip(KEYS, TELEGRAM_ANSWERS, strict=True))
FIXED_TURN = {
    "turn": {"prompt": "第 2/37 项 · 地块编号", "field": "parcel_code",
             "progress": {"n": 2, "total": 37}, "choices": [], "message": "", "findings": [],
             "done": False},
}  # fmt: skip


def bare_app() -> Any:
    """The baseline: Starlette answering every POST with a fixed turn (no database)."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def answer(request: Request) -> JSONResponse:
        await request.body()
        return JSONResponse(FIXED_TURN)

    return Starlette(routes=[Route("/api/drafts/{draft_id}/answer", answer, methods=["POST"])])


@dataclass
class Phase:
    name: str
    latencies: list[float] = field(default_factory=list)
    lost: int = 0
    seconds: float = 0.0
    ready: int = 0  # officials signed in with their new draft, waiting for the start

    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def p(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    def line(self) -> str:
        p50 = statistics.median(self.latencies) * 1000 if self.latencies else float("nan")
        return (
            f"{self.name:8s} {len(self.latencies):5d} answers in {self.seconds:6.2f} s = "
            f"{self.rate():7.1f} answers/s   p50 {p50:6.1f} ms   p99 {self.p(0.99):6.1f} ms   "
            f"lost {self.lost}"
        )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(args: list[str], env: dict[str, str], log: Path, probe: str) -> Any:
    import subprocess

    with open(log, "ab") as out:
        proc = subprocess.Popen([sys.executable, *args], env={**os.environ, **env},
                                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited:\n{log.read_text(errors='replace')[-2000:]}")
        try:
            urllib.request.urlopen(probe, timeout=2)
            break
        except urllib.error.HTTPError:
            break  # it answers (401 / 405)
        except OSError:
            time.sleep(0.2)
    return proc


def _stop(proc: Any) -> int | None:
    import signal
    import subprocess

    proc.send_signal(signal.SIGTERM)
    try:
        return int(proc.wait(40))
    except subprocess.TimeoutExpired:
        proc.kill()
        return None


class Conn:
    """A minimal HTTP/1.1 keep-alive client (one connection, one request at a time, cookies):
    light enough that 200 of them in one process measure the server, not the client."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        data = json.dumps(body, ensure_ascii=False).encode() if body is not None else b""
        head = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(data)}",
                "Content-Type: application/json"]  # fmt: skip
        if self.cookies:
            head.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
            if "csrf" in self.cookies:
                head.append(f"X-CSRF-Token: {self.cookies['csrf']}")
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + data)
        status_line = await self.reader.readline()
        status = int(status_line.split()[1])
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "set-cookie":
                k, _, v = value.strip().split(";", 1)[0].partition("=")
                self.cookies[k] = v
        payload = await self.reader.readexactly(length) if length else b""
        return status, json.loads(payload) if payload else None

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def _official(port: int, code: str | None, phase: Phase, start: asyncio.Event,
                    think: float) -> None:  # fmt: skip
    c = Conn(port)
    rng = random.Random(code)
    try:
        draft_id = 1
        if code is not None:
            status, _ = await c.request("POST", "/api/login", {"code": code, "name": "压测"})
            if status != 200:
                phase.lost += len(ANSWERS)
                return
            status, created = await c.request("POST", "/api/drafts", {"kind": "supply_plan"})
            draft_id = created["draft_id"]
        phase.ready += 1
        await start.wait()
        for _key, text in ANSWERS:
            if think:
                await asyncio.sleep(rng.uniform(0, 2 * think))
            t0 = time.perf_counter()
            status, got = await c.request("POST", f"/api/drafts/{draft_id}/answer", {"text": text})
            if status == 200 and got and "turn" in got:
                phase.latencies.append(time.perf_counter() - t0)
            else:
                phase.lost += 1
        if code is not None:  # every answer is in the draft afterwards
            _, detail = await c.request("GET", f"/api/drafts/{draft_id}")
            missing = [k for k, t in ANSWERS if t != "跳过" and k not in detail["fields"]]
            phase.lost += len(missing)
    finally:
        c.close()


async def _phase(name: str, port: int, codes: list[str | None], think: float = 0.0) -> Phase:
    phase = Phase(name)
    start = asyncio.Event()
    tasks = [asyncio.create_task(_official(port, code, phase, start, think)) for code in codes]
    # the sign-ins and new drafts come first (not timed), then everyone answers at once
    deadline = time.monotonic() + PHASE_LIMIT_S
    while time.monotonic() < deadline:
        if phase.ready + sum(1 for t in tasks if t.done()) >= len(codes):
            break
        await asyncio.sleep(0.05)
    t0 = time.perf_counter()
    start.set()
    await asyncio.wait_for(asyncio.gather(*tasks), PHASE_LIMIT_S)
    phase.seconds = time.perf_counter() - t0
    return phase


def _run(args: list[str], env: dict[str, str], log: Path, probe_path: str,
         phases: list[tuple[str, list[str | None], float]]) -> tuple[list[Phase], int | None]:  # fmt: skip
    port = _free_port()
    proc = _start([*args, "--port", str(port)], env, log, f"http://127.0.0.1:{port}{probe_path}")
    try:
        return [asyncio.run(_phase(n, port, c, t)) for n, c, t in phases], None
    finally:
        status = _stop(proc)
        if status not in (0, None):
            print(f"server exited {status}:\n{log.read_text(errors='replace')[-2000:]}")


def main() -> None:
    from bot.services import users
    from bot.settings import load_settings
    from storage.db import open_database

    with tempfile.TemporaryDirectory(prefix="landbot-bench-web-") as tmp:
        root = Path(tmp)
        env = {"LANDBOT_DATA_DIR": str(root), "LANDBOT_DATABASE_URL": f"sqlite:///{root / 'b.db'}"}
        db = open_database(load_settings(env))
        codes: list[str | None] = [
            users.invite(db, role="clerk", department="郑州市土地储备中心").code
            for _ in range(USERS)
        ]
        more: list[str | None] = [
            users.invite(db, role="clerk", department="郑州市土地储备中心").code
            for _ in range(USERS)
        ]
        db.dispose()
        (landbot, paced), _ = _run(["-m", "bot", "web"], env, root / "web.log", "/api/me",
                                   [("landbot", codes, 0.0), ("paced", more, THINK_S)])  # fmt: skip
        (baseline, bare_paced), _ = _run(
            ["-m", "uvicorn", "bench.bench_web:bare_app", "--factory", "--no-access-log",
             "--log-level", "warning"], {}, root / "bare.log", "/api/drafts/1/answer",
            [("bare", [None] * USERS, 0.0), ("bare-pace", [None] * USERS, THINK_S)],
        )  # fmt: skip
    ratio = landbot.rate() / baseline.rate() if baseline.rate() else 0.0
    print(f"{USERS} officials, {len(ANSWERS)} typed answers each, one uvicorn worker on SQLite")
    print(landbot.line())
    print(baseline.line())
    print(f"throughput ratio landbot/bare {ratio:.2f} (target ≥ {TARGET_RATIO})")
    print(
        f"paced: each official thinks 0–{2 * THINK_S:.0f} s (mean {THINK_S:.0f} s) before an answer:"
    )
    print(paced.line())
    print(bare_paced.line())
    print(
        f"landbot p99 {paced.p(0.99):.1f} ms paced (target ≤ {TARGET_P99_MS:.0f} ms), "
        f"{landbot.p(0.99):.1f} ms with everyone answering at once"
    )
    print(f"lost answers {landbot.lost + paced.lost} (target 0)")
