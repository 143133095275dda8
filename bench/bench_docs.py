"""Document generation: median time per .docx (target ≤ 100 ms), PDF with a warm converter
(target ≤ 1.5 s), documents per second for a batch of 100. `python -m bench docs`."""

from __future__ import annotations

import datetime as dt
import statistics
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from doc_templates.render import render_document
from knowledge.checks import CheckResult, check_plan
from knowledge.plan import Plan, load_plan_file

PLANS = Path(__file__).resolve().parent.parent / "tests" / "data" / "doc_plans"
DOCX_TARGET_S = 0.100
PDF_TARGET_S = 1.5
RUNS = 15
BATCH = 100


def _cases() -> list[tuple[str, Plan, CheckResult]]:
    reserve = load_plan_file(PLANS / "reserve_full.yaml")
    supply = load_plan_file(PLANS / "supply_full.yaml")
    return [
        ("reserve_plan", reserve, check_plan(reserve)),
        ("supply_plan", supply, check_plan(supply)),
        ("approval_memo", supply, check_plan(supply)),
    ]


def _median(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    at = dt.datetime.now()
    cases = _cases()
    documents: dict[str, bytes] = {}
    for doc_type, plan, result in cases:
        render_document(plan, doc_type, result, generated_at=at)  # warm caches
        job = partial(render_document, plan, doc_type, result, generated_at=at)
        median = _median(job, RUNS)
        documents[doc_type] = render_document(plan, doc_type, result, generated_at=at)
        print(
            f"docx {doc_type:14s} median {median * 1000:7.1f} ms"
            f"  (target ≤ {DOCX_TARGET_S * 1000:.0f} ms, ratio {median / DOCX_TARGET_S:.2f})"
        )

    started = time.perf_counter()
    for i in range(BATCH):
        doc_type, plan, result = cases[i % len(cases)]
        render_document(plan, doc_type, result, generated_at=at)
    elapsed = time.perf_counter() - started
    print(f"docx batch of {BATCH}: {BATCH / elapsed:.1f} documents/s ({elapsed:.2f} s)")

    from doc_templates.pdf import PdfConverter, available

    if not available():
        print("pdf: LibreOffice not installed, skipped")
        return
    converter = PdfConverter()
    started = time.perf_counter()
    converter.start()
    print(f"pdf converter start ({converter.mode}): {time.perf_counter() - started:.2f} s")
    try:
        for doc_type, data in documents.items():
            converter.convert(data)  # first conversion of a kind loads filters and fonts
            median = _median(partial(converter.convert, data), 5)
            print(
                f"pdf  {doc_type:14s} median {median * 1000:7.1f} ms"
                f"  (target ≤ {PDF_TARGET_S * 1000:.0f} ms, ratio {median / PDF_TARGET_S:.2f})"
            )
        started = time.perf_counter()
        count = 20
        for i in range(count):
            converter.convert(documents[cases[i % len(cases)][0]])
        elapsed = time.perf_counter() - started
        print(f"pdf  batch of {count}: {count / elapsed:.1f} documents/s")
    finally:
        converter.stop()


if __name__ == "__main__":
    main()
