"""Policy search: hit rates on the evaluation set, query latency, index build, `ask` cold start.

Targets (issue 3): top-3 >= 95 %, top-1 >= 85 %, warm query p99 <= 20 ms, `landbot ask` cold
(new process, warm OS cache, index cached) < 1.5 s. Ratios are figure / target: below 1 is
better for times, above 1 is better for hit rates.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import yaml

QUESTIONS = Path(__file__).resolve().parent.parent / "tests" / "data" / "questions.yaml"
TOP3_TARGET, TOP1_TARGET = 0.95, 0.85
P99_TARGET_MS = 20.0
COLD_TARGET_S = 1.5
LATENCY_PASSES = 5
COLD_RUNS = 7


def _questions() -> list[dict[str, Any]]:
    return list(yaml.safe_load(QUESTIONS.read_text("utf-8"))["questions"])


def _hit_rates(entries: list[dict[str, Any]]) -> tuple[float, float]:
    from knowledge.corpus import load_corpus
    from knowledge.search import search

    corpus = load_corpus()

    def lineage(doc_id: str, label: str) -> list[str]:
        return [label, *corpus.ancestors(doc_id, label)]

    top1 = top3 = 0
    for entry in entries:
        accepted = [tuple(e.split(" ", 1)) for e in entry["expect"]]
        hits = search(entry["q"], jurisdiction=entry.get("jurisdiction"), k=3).hits
        ok = [
            any(
                h.article.doc_id == d and label in lineage(h.article.doc_id, h.article.label)
                for d, label in accepted
            )
            for h in hits
        ]
        top1 += bool(ok and ok[0])
        top3 += any(ok)
    return top1 / len(entries), top3 / len(entries)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    import knowledge.search as search_module
    from knowledge.search import search
    from knowledge.search_index import _read_cache, build_index, get_index, index_key

    entries = _questions()

    started = time.perf_counter()
    index = build_index(index_key())
    build_s = time.perf_counter() - started
    get_index()  # make sure the cache file exists for the cold runs below
    from knowledge.search_index import _cache_file

    started = time.perf_counter()
    _read_cache(_cache_file(index_key()), index_key())
    load_s = time.perf_counter() - started
    print(f"index: {len(index.keys)} articles, {len(index.vocab)} corpus words")
    print(f"index build (jieba vocabulary + BM25): {build_s * 1000:.0f} ms")
    print(f"index load from cache: {load_s * 1000:.0f} ms")

    top1, top3 = _hit_rates(entries)
    print(f"evaluation set: {len(entries)} questions")
    print(f"top-1 hit rate: {top1:.1%}  (target {TOP1_TARGET:.0%}, ratio {top1 / TOP1_TARGET:.2f})")
    print(f"top-3 hit rate: {top3:.1%}  (target {TOP3_TARGET:.0%}, ratio {top3 / TOP3_TARGET:.2f})")
    share = search_module._W_SHARE
    for name, value in (("character bigrams only", 0.0), ("corpus words only", 1.0)):
        search_module._W_SHARE = value
        a, b = _hit_rates(entries)
        print(f"  BM25 channel {name}: top-1 {a:.1%}, top-3 {b:.1%}")
    search_module._W_SHARE = share

    timings: list[float] = []
    for _ in range(LATENCY_PASSES):
        for entry in entries:
            started = time.perf_counter()
            search(entry["q"], jurisdiction=entry.get("jurisdiction"), k=3)
            timings.append((time.perf_counter() - started) * 1000)
    median, p99 = statistics.median(timings), _percentile(timings, 0.99)
    print(
        f"query latency warm ({len(timings)} queries): median {median:.1f} ms, "
        f"p99 {p99:.1f} ms, max {max(timings):.1f} ms "
        f"(target p99 {P99_TARGET_MS:.0f} ms, ratio {p99 / P99_TARGET_MS:.2f})"
    )

    command = [sys.executable, "-m", "bot", "ask", "熔断以后怎么定竞得人？", "--json"]
    subprocess.run(command, capture_output=True, check=True)  # warm the OS cache
    cold: list[float] = []
    for _ in range(COLD_RUNS):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True)
        cold.append(time.perf_counter() - started)
    cold_median = statistics.median(cold)
    print(
        f"landbot ask cold ({COLD_RUNS} new processes): median {cold_median:.2f} s, "
        f"min {min(cold):.2f} s, max {max(cold):.2f} s "
        f"(target {COLD_TARGET_S} s, ratio {cold_median / COLD_TARGET_S:.2f})"
    )


if __name__ == "__main__":
    main()
