"""The Telegram bot under load (issue 7): simulated officials in parallel against the local
Bot API server, landbot (`landbot run`, SQLite) versus a bare python-telegram-bot echo bot.

Each simulated official sends a message, waits for the bot's reply, then sends the next
(landbot: 新建供地方案 and the first answers of the form). Printed: updates/s, p50/p99 time
from the user's message to the bot's first reply, and lost or duplicated replies, for both
bots in the same run, and the throughput ratio (target ≥ 0.5). Bounded: a fixed number of
users and messages, and a time limit per phase.

    python -m bench telegram            # 200 officials
    BENCH_TELEGRAM_USERS=50 python -m bench telegram
"""

from __future__ import annotations

import asyncio
import os
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

USERS = int(os.environ.get("BENCH_TELEGRAM_USERS", "200"))
PHASE_LIMIT_S = 150.0
STEP_TIMEOUT_S = 60.0
TARGET_RATIO = 0.5
# The first answers of a 供地方案: each one is a typed answer the bot acknowledges with the
# next question (one message).
ANSWERS = [
    "金水区某地块国有建设用地使用权出让",
    "跳过",
    "郑州市金水区",
    "金水路与经三路交叉口西南角",
    "东至经三路，南至规划支路，西至经二路，北至金水路",
    "2.5万平方米",
    "国有",
    "无",
]
QUESTION = re.compile(r"第 (\d+)/\d+ 项")


@dataclass
class Phase:
    name: str
    latencies: list[float] = field(default_factory=list)
    updates: int = 0
    lost: int = 0
    duplicated: int = 0
    seconds: float = 0.0
    bot_cpu: float = 0.0  # CPU seconds the bot process used while measured
    server_cpu: float = 0.0  # CPU seconds of this process (local Bot API server + officials)
    resumed: int = 0  # restart notes: a question asked again after a worker was killed

    @property
    def rate(self) -> float:
        return self.updates / self.seconds if self.seconds else 0.0

    def line(self) -> str:
        lat = sorted(self.latencies) or [float("nan")]
        p50 = statistics.median(lat) * 1000
        p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000
        return (
            f"{self.name:8s} {self.updates:5d} updates in {self.seconds:5.1f} s = "
            f"{self.rate:6.1f} updates/s; reply p50 {p50:6.1f} ms, p99 {p99:6.1f} ms; "
            f"lost {self.lost}, duplicated {self.duplicated}; CPU per update: bot "
            f"{self.bot_cpu * 1000 / max(1, self.updates):.1f} ms, server "
            f"{self.server_cpu * 1000 / max(1, self.updates):.1f} ms"
        ) + (f"; {self.resumed} restart notes" if self.resumed else "")


async def _wait_new(api, chat_id: int, count: int, ready, timeout: float):  # type: ignore[no-untyped-def]
    from tests.telegram.server import wait_sent

    return await wait_sent(api, chat_id, lambda m: len(m) > count and ready(m[count:]), timeout)


async def _echo_user(api, uid: int, messages: int, phase: Phase) -> None:  # type: ignore[no-untyped-def]
    for i in range(messages):
        t0 = time.monotonic()
        api.send_text(uid, f"回声 {uid} {i}")
        phase.updates += 1
        got = await _wait_new(api, uid, i, lambda new: True, STEP_TIMEOUT_S)
        if len(got) <= i:
            phase.lost += messages - i
            return
        phase.latencies.append(got[i].at - t0)
    await asyncio.sleep(0.5)  # anything extra would be a duplicate
    sent = api.chats[uid].sent
    phase.duplicated += max(0, len(sent) - messages)
    texts = {m.text for m in sent}
    phase.lost += sum(1 for i in range(messages) if f"回声 {uid} {i}" not in texts)


async def _landbot_user(api, uid: int, phase: Phase) -> None:  # type: ignore[no-untyped-def]
    seen = 0
    for text in ["新建供地方案", *ANSWERS]:
        t0 = time.monotonic()
        api.send_text(uid, text)
        phase.updates += 1

        def asked(new: list) -> bool:  # type: ignore[type-arg]
            return any(QUESTION.search(m.text) for m in new)

        got = await _wait_new(api, uid, seen, asked, STEP_TIMEOUT_S)
        if len(got) <= seen or not asked(got[seen:]):
            phase.lost += 1
            return
        phase.latencies.append(got[seen].at - t0)
        seen = len(got)
    await asyncio.sleep(0.5)
    from bot.channels.telegram.handlers.resume import NOTE

    sent = api.chats[uid].sent
    numbers = [int(m.group(1)) for msg in sent if (m := QUESTION.search(msg.text))]
    # after a kill between saving an answer and replying, the restart note and the current
    # question come again: by design, not a duplicate
    notes = sum(NOTE in msg.text for msg in sent)
    phase.resumed += notes
    phase.duplicated += max(0, len(numbers) - len(set(numbers)) - notes)


async def _run_phase(name: str, args: list[str], env: dict[str, str], users: list[int],
                     runner, log: Path) -> Phase:  # type: ignore[no-untyped-def]  # fmt: skip
    from tests.telegram.proc import BotProcess
    from tests.telegram.server import AsyncFakeBotServer

    server = AsyncFakeBotServer()
    await server.start()
    api = server.api
    assert api is not None
    for uid in users:
        api.user(uid, f"官员{uid}")
    bot = BotProcess(args, {**os.environ, **server.env(), **env}, log)
    bot.start()
    phase = Phase(name)
    try:
        # wait until the bot polls (its first getUpdates), so start-up is not measured
        deadline = time.monotonic() + 60
        while api.calls.get("getUpdates", 0) == 0:
            if time.monotonic() > deadline or (bot.proc and bot.proc.poll() is not None):
                raise RuntimeError(f"{name} did not start:\n{bot.log()[-2000:]}")
            await asyncio.sleep(0.05)
        assert bot.proc is not None
        cpu0, own0 = _cpu_of(bot.proc.pid), time.process_time()
        started = time.monotonic()
        await asyncio.wait_for(asyncio.gather(*(runner(api, uid, phase) for uid in users)),
                               PHASE_LIMIT_S)  # fmt: skip
        phase.seconds = time.monotonic() - started - 0.5  # minus the final quiet wait
        phase.bot_cpu = _cpu_of(bot.proc.pid) - cpu0
        phase.server_cpu = time.process_time() - own0
        if phase.lost or phase.duplicated:
            print(f"--- {name} log (replies lost or duplicated) ---\n{bot.log()[-3000:]}")
    finally:
        await asyncio.to_thread(bot.stop)
        await server.stop()
    return phase


def _cpu_of(pid: int) -> float:
    """User + system CPU seconds of a process (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _prepare_landbot(data_dir: Path, users: list[int], database_url: str | None = None) -> None:
    """Register the simulated officials (on `database_url`, or the data directory's SQLite)."""
    from bot.services import users as user_service
    from bot.settings import load_settings
    from storage.db import open_database

    settings = {"LANDBOT_DATA_DIR": str(data_dir)}
    if database_url:
        settings["LANDBOT_DATABASE_URL"] = database_url
    db = open_database(load_settings(settings))
    try:
        for uid in users:
            inv = user_service.invite(db, role="clerk", department="郑州市土地储备中心")
            user_service.register(db, channel="telegram", external_id=uid,
                                  display_name=f"官员{uid}", code_text=inv.code)  # fmt: skip
    finally:
        db.dispose()


async def _main() -> tuple[Phase, Phase]:
    users = list(range(10_001, 10_001 + USERS))
    with tempfile.TemporaryDirectory(prefix="landbot-bench-") as tmp:
        root = Path(os.environ.get("BENCH_TELEGRAM_KEEP") or tmp)
        echo = await _run_phase(
            "echo", ["-m", "tests.telegram.echo_bot"], {}, users,
            lambda api, uid, ph: _echo_user(api, uid, 1 + len(ANSWERS), ph), root / "echo.log",
        )  # fmt: skip
        data = root / "data"
        await asyncio.to_thread(_prepare_landbot, data, users)
        env = {
            "LANDBOT_DATA_DIR": str(data),
            "LANDBOT_TELEGRAM_RATE_LIMIT": "0",
            "LANDBOT_TELEGRAM_PDF": "0",  # no LibreOffice warming up during the measurement
        }
        os.environ.pop("LANDBOT_DATABASE_URL", None)
        prof = os.environ.get("BENCH_TELEGRAM_PROFILE")
        args = ["-m", "cProfile", "-o", prof, "-m", "bot", "run"] if prof else ["-m", "bot", "run"]
        landbot = await _run_phase("landbot", args, env, users,
                                   _landbot_user, root / "landbot.log")  # fmt: skip
    return echo, landbot


def main() -> None:
    print(f"{USERS} simulated officials, {1 + len(ANSWERS)} messages each, local Bot API server")
    if str(Path.cwd()) not in sys.path:
        sys.path.insert(0, str(Path.cwd()))
    echo, landbot = asyncio.run(_main())
    print(echo.line())
    print(landbot.line())
    ratio = landbot.rate / echo.rate if echo.rate else 0.0
    verdict = (
        "OK"
        if ratio >= TARGET_RATIO and not (landbot.lost or landbot.duplicated)
        else "BELOW TARGET"
    )
    print(f"throughput ratio landbot/echo = {ratio:.2f} (target ≥ {TARGET_RATIO}) {verdict}")
    print("(landbot: rate limiter off, as against a local Bot API server; Telegram itself "
          "allows about 30 messages/s per bot)")  # fmt: skip


if __name__ == "__main__":
    main()
