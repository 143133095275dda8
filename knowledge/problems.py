"""The framework of `landbot kb validate`: problems, YAML with line numbers, citations.

Each validator is a function without arguments returning a list of `Problem(file, line, message)`.
`check_cite` checks that a citation resolves to an existing article. `load_yaml_lines` parses YAML
keeping line numbers (`LineMap.line_of(key)`, `.line`) for precise problems. `run_validators`
runs a list of them. The validators live with their areas (knowledge/validate.py lists the
knowledge base's own; doc_templates/check.py checks the templates) and the command
(bot/commands/kb.py) composes them; this module imports none of them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import yaml

from knowledge import corpus as corpus_mod


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line or 0}: {self.message}"


Validator = Callable[[], list[Problem]]


# ------------------------------------------------------------------------- YAML with line numbers


class LineMap(dict[Any, Any]):
    """A mapping that remembers the (1-based) line of itself and of each key."""

    line: int = 0
    key_lines: dict[Any, int]

    def line_of(self, key: Any) -> int:
        return self.key_lines.get(key, self.line)


class LineList(list[Any]):
    line: int = 0


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineMap:
    loader.flatten_mapping(node)
    out = LineMap()
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in out:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = key_node.start_mark.line + 1
    return out


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> LineList:
    out = LineList(loader.construct_object(child, deep=True) for child in node.value)
    out.line = node.start_mark.line + 1
    return out


def _construct_timestamp(loader: _LineLoader, node: yaml.ScalarNode) -> Any:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:  # 2024-13-45: keep the text, the schema check reports it with its line
        return loader.construct_scalar(node)


_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


class YamlError(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def load_yaml_lines(text: str) -> Any:
    """Parse YAML keeping line numbers; YamlError(line, message) when it does not parse."""
    try:
        return yaml.load(text, Loader=_LineLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        raise YamlError(line, f"YAML 无法解析 / cannot parse: {exc.problem or exc}") from exc
    except yaml.YAMLError as exc:
        raise YamlError(0, f"YAML 无法解析 / cannot parse: {exc}") from exc


def display_path(path: Any) -> str:
    """A path as the user best recognises it: relative to the working directory when inside."""
    text = str(path)
    try:
        rel = os.path.relpath(text)
    except ValueError:
        return text
    return rel if not rel.startswith("..") else text


# ------------------------------------------------------------------------- citations


def check_cite(doc_id: Any, article: Any, file: str, line: int | None) -> Problem | None:
    """A Problem when (doc_id, article) is not an article of the corpus, else None."""
    try:
        corpus = corpus_mod.load_corpus()
    except (KeyError, ValueError, TypeError, AttributeError, yaml.YAMLError):
        return Problem(file, line, "语料库无法加载，无法核对引用 / corpus does not load")
    doc = corpus.document(str(doc_id))
    if doc is None:
        return Problem(file, line, f"引用了不存在的文件 doc_id {doc_id!r} / unknown doc_id")
    if article is not None and doc.article(str(article)) is None:
        close = close_labels(doc, str(article))
        hint = f"（相近：{'、'.join(close)}）" if close else ""
        return Problem(
            file,
            line,
            f"{doc_id} 中没有条文 {article!r}{hint} / no article {article!r} in {doc_id}",
        )
    return None


def close_labels(doc: corpus_mod.Document, label: str, limit: int = 5) -> list[str]:
    """Labels of `doc` that look like `label` (for hints)."""
    from rapidfuzz import fuzz, process

    labels = [a.label for a in doc.articles]
    hits = process.extract(label, labels, scorer=fuzz.ratio, limit=limit, score_cutoff=40)
    return [h[0] for h in hits]


def run_validators(validators: Iterable[Validator]) -> list[Problem]:
    """Run each validator in turn; a validator that crashes is itself a problem."""
    problems: list[Problem] = []
    for validator in validators:
        try:
            problems.extend(validator())
        except Exception as exc:  # a broken validator must not hide the others' findings
            name = getattr(validator, "__name__", repr(validator))
            problems.append(Problem(name, 0, f"校验器出错 / validator failed: {exc!r}"))
    return problems
