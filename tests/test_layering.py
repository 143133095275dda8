"""Imports run one way (../shared/DESIGN.md "Layers"): knowledge → storage → doc_templates →
bot/dialogue, bot/services → bot/channels, bot/commands; and no module imports itself through
a loop. Every import counts, also those inside functions: a lazy import up a layer is still a
lower layer knowing a higher one."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("knowledge", "storage", "doc_templates", "bot")

# (prefix, layer): the longest matching prefix decides. `bot.settings` reads the environment for
# the programs (CLI, channels); nothing below them may need it.
LAYERS: list[tuple[str, int]] = [
    ("knowledge", 0),
    ("storage", 1),
    ("doc_templates", 2),
    ("bot.dialogue", 3),
    ("bot.services", 3),
    ("bot", 4),
]
LAYER_NAMES = {0: "knowledge", 1: "storage", 2: "doc_templates", 3: "bot/services", 4: "bot top"}


def _modules() -> dict[str, Path]:
    mods: dict[str, Path] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if "versions" in parts:  # Alembic revisions: run by Alembic, not imported
                continue
            if parts[-1] == "__init__":
                parts.pop()
            mods[".".join(parts)] = path
    return mods


MODULES = _modules()


def _resolve(name: str) -> str | None:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _typing_only(tree: ast.AST) -> set[int]:
    """The ids of the import nodes under `if TYPE_CHECKING:` (read by type checkers only)."""
    marked: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for inner in node.body:
                marked.update(id(n) for n in ast.walk(inner))
    return marked


def _imported(module: str, path: Path) -> Iterator[tuple[str, int, bool]]:
    """(project module, line, for type checkers only) for every import in `module`, at any
    depth of the code."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    typing_only = _typing_only(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if (target := _resolve(alias.name)) is not None:
                    yield target, node.lineno, id(node) in typing_only
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                if path.name != "__init__.py":
                    base = base[:-1]
                base = base[: len(base) - (node.level - 1)]
                source = ".".join([*base, *([node.module] if node.module else [])])
            else:
                source = node.module or ""
            for alias in node.names:
                # `from pkg import submodule` depends on the submodule, not on all of pkg
                name = f"{source}.{alias.name}"
                target = _resolve(name if name in MODULES else source)
                if target is not None:
                    yield target, node.lineno, id(node) in typing_only


IMPORTS = {module: list(_imported(module, path)) for module, path in MODULES.items()}
# every import, also those for type checkers only: a lower layer must not even name a higher one
GRAPH: dict[str, dict[str, int]] = {
    module: {t: line for t, line, _ in found if t != module} for module, found in IMPORTS.items()
}
# what runs: an import under `if TYPE_CHECKING:` never executes, so it closes no loop
RUNTIME_GRAPH: dict[str, dict[str, int]] = {
    module: {t: line for t, line, typing in found if t != module and not typing}
    for module, found in IMPORTS.items()
}


def layer_of(module: str) -> int:
    best = max((p for p, _ in LAYERS if module == p or module.startswith(p + ".")), key=len)
    return dict(LAYERS)[best]


def test_the_packages_are_found():
    # the walk itself can fail silently (a moved folder): make sure it sees every layer
    assert {layer_of(m) for m in MODULES} == set(LAYER_NAMES)
    assert "knowledge.plan" in MODULES and "bot.channels.terminal" in MODULES
    assert GRAPH["knowledge.checks"], "imports are read"


def test_no_import_runs_up_a_layer():
    upward = [
        f"{MODULES[m].relative_to(ROOT)}:{line}: {m} ({LAYER_NAMES[layer_of(m)]}) imports "
        f"{t} ({LAYER_NAMES[layer_of(t)]})"
        for m, targets in sorted(GRAPH.items())
        for t, line in sorted(targets.items())
        if layer_of(t) > layer_of(m)
    ]
    assert not upward, "\n".join(upward)


def test_storage_and_documents_do_not_know_each_other():
    # DESIGN draws them side by side: the services join them, neither reaches into the other
    crossing = [
        f"{m} imports {t}"
        for m, targets in GRAPH.items()
        for t in targets
        if {layer_of(m), layer_of(t)} == {1, 2}
    ]
    assert not crossing, "\n".join(crossing)


def _cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(graph[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph.get(child, {}))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_module_imports_itself_through_a_loop():
    loops = _cycles(RUNTIME_GRAPH)
    assert not loops, "\n".join(" ↔ ".join(c) for c in loops)


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        ({"a": {"b": 1}, "b": {"c": 1}, "c": {"a": 1}}, [["a", "b", "c"]]),
        ({"a": {"b": 1}, "b": {}, "c": {"a": 1}}, []),
    ],
)
def test_the_loop_finder_finds_loops(graph, expected):
    assert _cycles(graph) == expected
