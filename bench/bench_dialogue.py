"""Dialogue engine: latency of one `step` (parse + validate + checks + reply), no storage.

Runs a whole 供地方案 with the examples of the form as answers, many times, with and without
the real policy checker. Target: a turn well under the 10 ms p99 budget of a whole
service turn, so that storage has most of it.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time

TODAY = dt.date(2026, 3, 1)


def _session(checker: object) -> list[float]:
    from bot.dialogue import Inbound, load_form, start, step

    form = load_form("supply_plan")
    state, _ = start(form, checker=checker, today=TODAY)  # type: ignore[arg-type]
    timings = []
    while state.current is not None:
        f = form.field(state.current)
        text = "是" if f.is_map else ("住宅用地" if f.key == "land_use" else f.example)
        t = time.perf_counter()
        state, _ = step(form, state, Inbound(text=text), checker=checker, today=TODAY)  # type: ignore[arg-type]
        timings.append(time.perf_counter() - t)
    return timings


def _report(name: str, values: list[float]) -> None:
    values = sorted(values)
    p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
    median = statistics.median(values)
    print(
        f"{name}: {len(values)} turns, median {median * 1000:.3f} ms, p99 {p99 * 1000:.3f} ms, "
        f"{1 / median:,.0f} turns/s (p99 / 10 ms budget = {p99 / 0.010:.2f})"
    )


def main() -> None:
    from bot.dialogue import make_checker

    _session(None)  # warm caches: forms, schema, place gazetteer
    _report("step, no checker", [t for _ in range(10) for t in _session(None)])
    checker = make_checker(TODAY)
    _session(checker)
    _report("step, real checker", [t for _ in range(10) for t in _session(checker)])


if __name__ == "__main__":
    main()
