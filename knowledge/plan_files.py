"""Reading plan and parcel files (JSON or YAML, CONTRACT §3) safely: whatever a file holds, the
result is its data or a one-line `BadInput` naming the key — never a crash.

Limits, generous for real plans (a whole 供地方案 is a few kilobytes, three levels deep):

- a file of at most `MAX_FILE_BYTES` (1 MB);
- nesting of at most `MAX_DEPTH` (20) levels of mappings and lists;
- numbers of at most `MAX_NUMBER_DIGITS` (30) characters: a longer one is read as `Oversized`
  and refused by its key's check (it would not fit a float, or would exceed the interpreter's
  integer-string limit, and no area or amount has that many digits);
- text per field as the plan schema says (`max_len`, at most a few thousand characters);
- every key once per mapping: a key given twice is an error naming the key and both lines
  (JSON and YAML would silently keep the last, and a second `kind` checked the wrong plan).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from knowledge.errors import BadInput

MAX_FILE_BYTES = 1_000_000
MAX_DEPTH = 20
MAX_NUMBER_DIGITS = 30


class Oversized(str):
    """A number literal longer than `MAX_NUMBER_DIGITS`, kept as its text (never converted)."""

    def __repr__(self) -> str:
        return f"{self[:12]}…（{len(self)} 位）" if len(self) > 20 else str.__repr__(self)


# -------------------------------------------------------------------------------- reading


def read_mapping_file(path: str | Path) -> Any:
    """Read a JSON or YAML file; an unreadable, oversized or malformed file is `BadInput`."""
    p = Path(path)
    try:
        with p.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
            rest = handle.read() if len(raw) > MAX_FILE_BYTES else b""
    except FileNotFoundError:
        raise BadInput(f"找不到文件 {p}", f"file not found: {p}") from None
    except IsADirectoryError:
        raise BadInput(f"{p} 是目录，不是文件", f"{p} is a directory, not a file") from None
    except OSError as exc:
        raise BadInput(f"无法读取文件 {p}：{exc.strerror}", f"cannot read {p}: {exc}") from None
    return parse_mapping_bytes(raw + rest, p, as_json=p.suffix.lower() == ".json")


def parse_mapping_bytes(data: bytes, name: object, *, as_json: bool) -> Any:
    """`parse_mapping_text` of UTF-8 bytes (a byte-order mark allowed)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadInput(
            f"无法读取文件 {name}（应为 UTF-8 编码的 JSON 或 YAML）",
            f"cannot read {name}: not UTF-8 ({exc.reason} at byte {exc.start})",
        ) from None
    return parse_mapping_text(text, name, as_json=as_json, size=len(data))


def parse_mapping_text(text: str, name: object, *, as_json: bool, size: int | None = None) -> Any:
    """The data in `text` (read from file `name`): JSON or else YAML, within the limits above."""
    text = text.removeprefix("\ufeff")  # a byte-order mark (Windows Notepad) is not content
    if (size if size is not None else len(text.encode("utf-8"))) > MAX_FILE_BYTES:
        raise _too_big(text, name, as_json=as_json)
    return _parse(text, name, as_json=as_json)


def _parse(text: str, name: object, *, as_json: bool) -> Any:
    try:
        if as_json:
            _check_json_depth(text)
            return json.loads(
                text,
                object_pairs_hook=_JsonPairs(text),
                parse_int=_json_int,
                parse_float=_json_float,
                parse_constant=_json_constant,
            )
        return yaml.load(text, Loader=_FileLoader)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        mark = getattr(exc, "problem_mark", None)  # a YAML mark prints a multi-line snippet
        line = mark.line + 1 if mark is not None else getattr(exc, "lineno", None)
        column = mark.column + 1 if mark is not None else getattr(exc, "colno", None)
        zh_where = f"第 {line} 行第 {column} 列" if line else "未知"
        en_where = f"line {line}, column {column}" if line else "unknown position"
        raise BadInput(
            f"文件 {name} 不是有效的 JSON/YAML（位置：{zh_where}）",
            f"{name} is not valid JSON/YAML ({en_where})",
        ) from None
    except RecursionError:  # a limit above should have caught it first; never a traceback
        raise _too_deep(None) from None


class _Shape(BadInput):
    """A limit of the file's shape (nesting, a key twice): found in any prefix of the file."""


def _too_big(text: str, name: object, *, as_json: bool) -> BadInput:
    """Why a file is over the limit, as precisely as can be told cheaply: the key with the
    huge value, or the nesting or repeated key that the first megabyte already shows."""
    key = _key_of_longest_value(text)
    limit = f"{MAX_FILE_BYTES // 1_000_000} MB"
    if key is not None:
        return BadInput(
            f"文件 {name} 超过 {limit}：字段 {key} 的值过长（方案文件通常只有几 KB）",
            f"{name} is larger than {limit}: the value of key '{key}' is far too long",
        )
    try:
        _parse(text[:MAX_FILE_BYTES], name, as_json=as_json)
    except _Shape as exc:
        return exc
    except BadInput:
        pass  # the cut-off prefix does not parse: say only that the file is too big
    return BadInput(
        f"文件 {name} 超过 {limit}，不像方案或地块文件（通常只有几 KB）",
        f"{name} is larger than {limit}: not a plan or parcel file",
    )


# a key where keys stand (a line's start, after { or ,), at most 64 characters: linear time
_KEY = re.compile(
    r"""(?:^|[{,])[ \t]*["']?([A-Za-z_][A-Za-z0-9_]{0,63})["']?[ \t]*:[ \t]*["']?""", re.M
)
_VALUE_RUN = re.compile(r"""[^\n"',}\]]*""")


def _key_of_longest_value(text: str) -> str | None:
    """The key whose value runs longest on its line (what made a file huge), if any is long."""
    best, best_len, pos = None, 1000, 0
    while (m := _KEY.search(text, pos)) is not None:
        run = _VALUE_RUN.match(text, m.end())
        length = run.end() - run.start() if run else 0
        if length > best_len:
            best, best_len = m.group(1), length
        pos = max(m.end() + length, m.end() + 1)
    return best


def _too_deep(key: str | None) -> BadInput:
    where = f"字段 {key} " if key else ""
    where_en = f"key '{key}' " if key else "the file "
    return _Shape(
        f"{where}嵌套层数过多（最多 {MAX_DEPTH} 层）",
        f"{where_en}is nested too deeply (at most {MAX_DEPTH} levels)",
    )


def _path_name(keys: list[Any]) -> str | None:
    """The first two distinct keys on the way down (`fields.project_name`), for messages."""
    named: list[str] = []
    for key in keys:
        if isinstance(key, str) and key not in named:
            named.append(key)
    return ".".join(named[:2]) or None


Position = tuple[int, int]  # (line, column), 1-based


def _duplicate(key: object, first: Position | None, second: Position | None) -> BadInput:
    if first is None or second is None:
        zh, en = "", ""
    elif first[0] != second[0]:
        zh, en = f"（第 {first[0]} 行和第 {second[0]} 行）", f" (lines {first[0]} and {second[0]})"
    else:
        zh = f"（第 {first[0]} 行第 {first[1]} 列和第 {second[1]} 列）"
        en = f" (line {first[0]}, columns {first[1]} and {second[1]})"
    return _Shape(
        f"键 {key} 出现了两次{zh}：每个键只能给出一次",
        f"key '{key}' is given twice{en}: give each key once",
    )


# -------------------------------------------------------------------------------- JSON


_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')
_COLON = re.compile(r"\s*:")


def _check_json_depth(text: str) -> None:
    """Refuse nesting deeper than MAX_DEPTH before the parser recurses into it."""
    depth = 0
    keys: list[str | None] = []
    last_key: str | None = None
    for m in _JSON_TOKEN.finditer(text):
        token = m.group()
        if token[0] == '"':
            if _COLON.match(text, m.end()):
                last_key = token[1:-1]
        elif token in "[{":
            depth += 1
            keys.append(last_key if depth > 1 else None)
            if depth > MAX_DEPTH:
                raise _too_deep(_path_name(keys))
        else:
            depth -= 1
            if keys:
                keys.pop()


class _JsonPairs:
    """object_pairs_hook: a mapping whose keys are all distinct, else BadInput with the lines."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __call__(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key in out:
                found = [
                    _position(self.text, m.start())
                    for m in re.finditer(rf'"{re.escape(key)}"\s*:', self.text)
                ]
                raise _duplicate(key, *(found[:2] if len(found) >= 2 else (None, None)))
            out[key] = value
        return out


def _position(text: str, offset: int) -> Position:
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1


def _json_int(text: str) -> int | Oversized:
    return Oversized(text) if len(text) > MAX_NUMBER_DIGITS else int(text)


def _json_float(text: str) -> float | Oversized:
    return Oversized(text) if len(text) > MAX_NUMBER_DIGITS else float(text)


def _json_constant(text: str) -> Any:
    raise BadInput(
        f"JSON 中不能使用 {text}，请给出数字", f"{text} is not allowed in JSON: give a number"
    )


# -------------------------------------------------------------------------------- YAML


class _FileLoader(yaml.SafeLoader):
    """YAML for user files, within the limits above. A date-shaped value that is no real date
    (2024-13-01, 2024-02-30) stays a string, so that the key's own check names the key."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._path: list[object] = []

    def compose_node(self, parent: Any, index: Any) -> Any:
        if not self.check_event(yaml.SequenceStartEvent, yaml.MappingStartEvent):
            return super().compose_node(parent, index)  # a scalar or an alias: no deeper
        # the keys on the way down to this mapping or list, one per level (None in a list)
        self._path.append(index.value if isinstance(index, yaml.ScalarNode) else None)
        try:
            if len(self._path) > MAX_DEPTH:
                raise _too_deep(_path_name(self._path))
            return super().compose_node(parent, index)
        finally:
            self._path.pop()

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, yaml.MappingNode):
            self.flatten_mapping(node)
            seen: dict[Any, Position] = {}
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                try:
                    hash(key)
                except TypeError:
                    raise BadInput(
                        f"第 {key_node.start_mark.line + 1} 行的键不是文字",
                        f"line {key_node.start_mark.line + 1}: a key must be text",
                    ) from None
                mark = key_node.start_mark
                where = (mark.line + 1, mark.column + 1)
                if key in seen:
                    raise _duplicate(key, seen[key], where)
                seen[key] = where
        return super().construct_mapping(node, deep=deep)


def _timestamp_or_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError:
        return loader.construct_scalar(node)


def _int_or_oversized(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    text = str(loader.construct_scalar(node))
    if len(text) > MAX_NUMBER_DIGITS:
        return Oversized(text)
    return loader.construct_yaml_int(node)


def _float_or_oversized(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    text = str(loader.construct_scalar(node))
    if len(text) > MAX_NUMBER_DIGITS:
        return Oversized(text)
    return loader.construct_yaml_float(node)


_FileLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)
_FileLoader.add_constructor("tag:yaml.org,2002:int", _int_or_oversized)
_FileLoader.add_constructor("tag:yaml.org,2002:float", _float_or_oversized)
