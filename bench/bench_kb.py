"""Knowledge base: corpus load time (cold, in a fresh interpreter) and place resolution latency.

Targets: corpus load well under the 1.5 s `landbot ask` start-up budget; `resolve_place` < 1 ms
warm (cached) and a few ms cold for typed names.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

_COLD = (
    "import time; t=time.perf_counter(); from knowledge.corpus import load_corpus; "
    "c=load_corpus(); print(time.perf_counter()-t)"
)
_PLACES = [
    "郑州市金水区", "金水", "新密", "河南郑州新密", "郑州航空港经济综合实验区", "金水去", "新秘市",
    "北京市朝阳区", "河南省新乡市", "嵩明县", "焦作市温县", "asdfgh", "郑州高新区", "荣阳市",
]  # fmt: skip


def _ms(values: list[float]) -> str:
    values = sorted(values)
    p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
    return f"median {statistics.median(values) * 1000:.3f} ms, p99 {p99 * 1000:.3f} ms"


def main() -> None:
    runs = []
    for _ in range(3):
        out = subprocess.run(
            [sys.executable, "-c", _COLD], capture_output=True, text=True, check=True
        ).stdout
        runs.append(float(out.strip()))
    print(f"corpus load, cold process: best {min(runs) * 1000:.0f} ms (target < 300 ms)")

    from knowledge.corpus import load_corpus
    from knowledge.jurisdictions import resolve_place

    corpus = load_corpus()
    print(
        f"corpus: {len(corpus.documents)} documents, {sum(1 for _ in corpus.articles())} articles"
    )

    started = time.perf_counter()
    for text in _PLACES:
        resolve_place(text)
    first = time.perf_counter() - started
    print(f"resolve_place, first {len(_PLACES)} names (loads data, pinyin): {first * 1000:.0f} ms")

    cold: list[float] = []
    for i in range(200):
        resolve_place.cache_clear()
        text = _PLACES[i % len(_PLACES)]
        t = time.perf_counter()
        resolve_place(text)
        cold.append(time.perf_counter() - t)
    print(f"resolve_place uncached: {_ms(cold)}")
    warm: list[float] = []
    for i in range(2000):
        t = time.perf_counter()
        resolve_place(_PLACES[i % len(_PLACES)])
        warm.append(time.perf_counter() - t)
    ratio = statistics.median(warm) * 1000 / 1.0
    print(f"resolve_place warm: {_ms(warm)} (target < 1 ms; ratio to target {ratio:.4f})")


if __name__ == "__main__":
    main()
