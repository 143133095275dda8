"""Safe message templates: `{name}` and `{name:format}` placeholders, nothing else.

The template text comes from the rule files (trusted data); values come from the plan (user
text). Values are inserted as plain strings and never parsed again, so a plan value such as
`{x}` or `{{ }}` appears literally. No `str.format`, no Jinja. Literal braces in a template are
written `{{` and `}}`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

MISSING_TEXT = "（未填写）"
MAX_VALUE_CHARS = 80
_TOKEN = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_.]*)(?::([a-z_]+))?\}|[{}]")


def format_number(x: float | int) -> str:
    """70 → "70"; 0.62 → "0.62"; 119.9 → "119.9"; 125000000 → "125,000,000"."""
    if isinstance(x, bool):
        return "是" if x else "否"
    value = round(float(x), 4)
    if value == 0:
        value = 0.0  # no "-0"
    if value.is_integer():
        text = f"{int(value):,}" if abs(value) >= 10000 else str(int(value))
    else:
        text = f"{value:,.4f}" if abs(value) >= 10000 else f"{value:.4f}"
        text = text.rstrip("0").rstrip(".")
    return text


def format_date(d: dt.date) -> str:
    """2026-03-01 → 2026年3月1日 (no leading zeros, GB/T 9704 style)."""
    return f"{d.year}年{d.month}月{d.day}日"


def _plain(value: Any) -> str:
    if value is None:
        return MISSING_TEXT
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float):
        return format_number(value)
    if isinstance(value, dt.date):
        return format_date(value)
    if isinstance(value, list | tuple | set | frozenset):
        return "、".join(_plain(v) for v in value) or "无"
    text = str(value).replace("\n", " ")
    if len(text) > MAX_VALUE_CHARS:
        text = text[: MAX_VALUE_CHARS - 1] + "…"
    return text


def _ha(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return format_number(value / 10000.0)
    return _plain(value)


FORMATS: dict[str, Callable[[Any], str]] = {
    "plain": _plain,
    "ha": _ha,  # m² shown in 公顷
    "int": lambda v: format_number(round(v)) if isinstance(v, int | float) else _plain(v),
}


@dataclass(frozen=True)
class Template:
    """A parsed message template: literal parts and (name, format) placeholders."""

    source: str
    parts: tuple[str | tuple[str, str], ...]

    @property
    def names(self) -> list[str]:
        return [p[0] for p in self.parts if isinstance(p, tuple)]

    def render(self, values: Mapping[str, Any], *, pending: Mapping[str, str] | None = None) -> str:
        """The message with each placeholder replaced by its formatted value.

        `pending` gives the text for `{map:pending}` placeholders (the sub-items of a bool map
        that are not confirmed), computed by the caller."""
        out: list[str] = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
                continue
            name, fmt = part
            if fmt == "pending":
                out.append((pending or {}).get(name, "") or "无")
            else:
                out.append(FORMATS[fmt](values.get(name)))
        return "".join(out)


class TemplateError(ValueError):
    pass


def parse_template(source: str) -> Template:
    """Parse `source`; TemplateError on a stray brace or an unknown format."""
    parts: list[str | tuple[str, str]] = []
    pos = 0
    for m in _TOKEN.finditer(source):
        if m.start() > pos:
            parts.append(source[pos : m.start()])
        token = m.group(0)
        if token in ("{{", "}}"):
            parts.append(token[0])
        elif token in ("{", "}"):
            raise TemplateError(f"stray '{token}' at position {m.start()} in {source!r}")
        else:
            fmt = m.group(2) or "plain"
            if fmt not in FORMATS and fmt != "pending":
                raise TemplateError(f"unknown format ':{fmt}' in {source!r}")
            parts.append((m.group(1), fmt))
        pos = m.end()
    if pos < len(source):
        parts.append(source[pos:])
    return Template(source, tuple(parts))
