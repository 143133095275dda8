"""Procedure advisor: cold load, warm `advise` latency over the test scenarios, free-text
question latency, and `landbot procedure` cold start (a subprocess)."""

from __future__ import annotations

import datetime as dt
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


def main() -> None:
    started = time.perf_counter()
    from knowledge.parcel_question import procedure_for_question
    from knowledge.plan import parcel_from_mapping
    from knowledge.procedure import advise, load_knowledge

    load_knowledge()
    print(f"cold load (corpus + advisor data): {(time.perf_counter() - started) * 1000:.0f} ms")

    scenarios = yaml.safe_load((ROOT / "tests/data/procedure_scenarios.yaml").read_text("utf-8"))[
        "scenarios"
    ]
    parcels = []
    for sc in scenarios:
        data = dict(sc["parcel"])
        if "as_of" in sc:
            data["as_of"] = sc["as_of"]
        parcels.append(parcel_from_mapping(data))
    times = []
    for _ in range(5):
        for plan, as_of in parcels:
            t = time.perf_counter()
            advise(plan, as_of).to_json()
            times.append((time.perf_counter() - t) * 1000)
    print(
        f"advise warm: n={len(times)} median {statistics.median(times):.2f} ms, "
        f"p99 {_pct(times, 0.99):.2f} ms"
    )

    questions = yaml.safe_load((ROOT / "tests/data/parcel_questions.yaml").read_text("utf-8"))[
        "questions"
    ]
    qtimes = []
    for _ in range(5):
        for item in questions:
            t = time.perf_counter()
            procedure_for_question(item["q"], as_of=dt.date(2026, 6, 1))
            qtimes.append((time.perf_counter() - t) * 1000)
    print(
        f"procedure_for_question warm: n={len(qtimes)} median "
        f"{statistics.median(qtimes):.2f} ms, p99 {_pct(qtimes, 0.99):.2f} ms"
    )

    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False, encoding="utf-8") as f:
        f.write(
            "jurisdiction: 新密市\nownership: 集体\nplanned_use: 住宅用地\n"
            "in_designated_zone: true\n"
        )
    t = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "bot", "procedure", f.name, "--json"],
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    print(f"landbot procedure cold (subprocess): {(time.perf_counter() - t) * 1000:.0f} ms")
    Path(f.name).unlink()


if __name__ == "__main__":
    main()
