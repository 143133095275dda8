"""Policy checks (issue 4): rule loading, `check_plan` latency on the clean plans, full and
partial (the dialogue runs a partial check after every answer). Target: p99 ≤ 5 ms a check."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

TARGET_P99_MS = 5.0


def main() -> None:
    t0 = time.perf_counter()
    from knowledge.rules_engine.loader import load_rules_from, rule_files

    files = rule_files()
    ruleset = load_rules_from(files)
    print(
        f"rules: {len(ruleset.rules)} from {len(files)} files, compiled in "
        f"{(time.perf_counter() - t0) * 1000:.1f} ms (cold, with imports)"
    )

    from knowledge.checks import check_plan
    from knowledge.plan import load_plan_file

    folder = Path(__file__).resolve().parent.parent / "tests" / "data" / "plans"
    plans = [load_plan_file(p) for p in sorted(folder.glob("*.yaml"))]
    if not plans:
        print("no plans in tests/data/plans")
        return
    t0 = time.perf_counter()
    check_plan(plans[0])
    print(f"first check (corpus and places loaded): {(time.perf_counter() - t0) * 1000:.1f} ms")
    for partial in (False, True):
        samples = []
        for _ in range(200):
            for plan in plans:
                t = time.perf_counter()
                check_plan(plan, partial=partial)
                samples.append((time.perf_counter() - t) * 1000)
        samples.sort()
        p99 = samples[int(len(samples) * 0.99) - 1]
        label = "partial" if partial else "full"
        print(
            f"check_plan ({label}): median {statistics.median(samples):.3f} ms, p99 {p99:.3f} ms"
            f" over {len(samples)} checks; {1000 / statistics.mean(samples):.0f} checks/s;"
            f" p99/target {p99 / TARGET_P99_MS:.2f}"
        )


if __name__ == "__main__":
    main()
