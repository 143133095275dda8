"""Services: one dialogue turn on SQLite: parse + validate + check + persist + reply.

Prints the median and p99 latency of `services.handle_message` over whole 储备方案 and
供地方案 dialogues (answered with the forms' own examples, in a fresh SQLite file with
the production settings: WAL, synchronous=NORMAL), the turns per second, and the ratio of
p99 to the target (≤ 10 ms on the 2-core reference machine; a ratio ≤ 1 meets it).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

TARGET_P99_MS = 10.0
DIALOGUES = 10  # per plan kind


def _script(kind: str) -> list[str]:
    from bot.dialogue import Inbound, load_form, make_checker, start, step

    form = load_form(kind)
    checker = make_checker()
    state, out = start(form, checker=checker)
    answers: list[str] = []
    while not out.done and len(answers) < 200:
        assert state.current is not None
        f = form.field(state.current)
        answers.append("是" if f.is_map else f.example)
        state, out = step(form, state, Inbound(text=answers[-1]), checker=checker)
    return answers


def _percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[index]


def main() -> None:
    from bot import services
    from bot.settings import load_settings
    from storage.db import open_database

    scripts = {kind: _script(kind) for kind in ("reserve_plan", "supply_plan")}
    with tempfile.TemporaryDirectory() as tmp:
        db = open_database(load_settings({"LANDBOT_DATA_DIR": str(Path(tmp))}))
        try:
            uid = services.ensure_user(db, "terminal", "bench").id
            # Warm-up: load forms, rules and caches once, outside the measurement.
            services.start_draft(db, uid, "reserve_plan")
            services.handle_message(db, uid, text=scripts["reserve_plan"][0])
            latencies: list[float] = []
            update_id = 0
            started = time.perf_counter()
            for _ in range(DIALOGUES):
                for kind, answers in scripts.items():
                    services.start_draft(db, uid, kind)
                    for answer in answers:
                        update_id += 1
                        t0 = time.perf_counter()
                        reply = services.handle_message(db, uid, text=answer, update_id=update_id)
                        latencies.append((time.perf_counter() - t0) * 1000)
                    assert reply.done, f"{kind} dialogue did not complete"
            wall = time.perf_counter() - started
        finally:
            db.dispose()
    latencies.sort()
    median = statistics.median(latencies)
    p99 = _percentile(latencies, 0.99)
    print(f"dialogue turns measured: {len(latencies)} ({DIALOGUES} × both plans, SQLite)")
    print(f"turn latency median: {median:.2f} ms")
    print(f"turn latency p99:    {p99:.2f} ms (max {latencies[-1]:.2f} ms)")
    print(f"turns per second:    {len(latencies) / sum(latencies) * 1000:.0f} "
          f"(wall clock incl. draft creation: {len(latencies) / wall:.0f})")  # fmt: skip
    print(f"p99 / target {TARGET_P99_MS:g} ms = {p99 / TARGET_P99_MS:.2f} "
          f"({'meets' if p99 <= TARGET_P99_MS else 'MISSES'} the target)")  # fmt: skip


if __name__ == "__main__":
    main()
