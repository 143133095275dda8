"""What every repository shares: turning values into JSON data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any


def to_jsonable(value: Any) -> Any:
    """A value as JSON data: dates become ISO strings, tuples lists, mappings plain dicts."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"cannot store a {type(value).__name__} as JSON")
