"""The knowledge-base version: a short hash of the corpus, the jurisdictions and the rules.

Printed on every generated document so that it can be traced to the rules it was checked against.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources
from importlib.abc import Traversable

_PARTS = ("corpus", "rules", "jurisdictions.yaml")


def _files(node: Traversable) -> list[Traversable]:
    if node.is_file():
        return [node]
    if not node.is_dir():
        return []
    out: list[Traversable] = []
    for child in sorted(node.iterdir(), key=lambda c: c.name):
        if child.name.startswith((".", "__")):
            continue
        out.extend(_files(child))
    return out


@cache
def kb_version() -> str:
    """`kb-` and the first 12 hex digits of the SHA-256 over the knowledge data files."""
    root = resources.files("knowledge")
    digest = hashlib.sha256()
    for part in _PARTS:
        for f in _files(root.joinpath(part)):
            if f.name.endswith((".yaml", ".yml", ".md")):
                digest.update(f.name.encode())
                digest.update(f.read_bytes())
    return "kb-" + digest.hexdigest()[:12]
