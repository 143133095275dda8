"""Field parsers: normalise an answer typed in a chat or reject it with one Chinese line.

Parsers are found through the explicit `REGISTRY` (schema type → parser), never by name.
Every accepted value then goes through `knowledge.plan.normalise_value` for the key's range, so the
dialogue and plan files agree on what is valid.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from bot.dialogue.parsers.base import (
    Ambiguous,
    ParseContext,
    Parsed,
    ParseError,
    Parser,
    PlaceResolver,
)
from bot.dialogue.parsers.choice import parse_choice
from bot.dialogue.parsers.dates import parse_date
from bot.dialogue.parsers.quantities import (
    parse_area,
    parse_float,
    parse_int,
    parse_money,
    parse_pct,
    parse_price_m2,
    parse_ratio,
)
from bot.dialogue.parsers.simple import (
    parse_bool,
    parse_flag_text,
    parse_place,
    parse_text,
    yes_no,
)
from knowledge.errors import BadInput
from knowledge.plan import KeySpec, normalise_value

REGISTRY: Mapping[str, Parser] = MappingProxyType(
    {
        "text": parse_text,
        "place": parse_place,
        "area_m2": parse_area,
        "money_yuan": parse_money,
        "price_yuan_m2": parse_price_m2,
        "pct": parse_pct,
        "ratio": parse_ratio,
        "float": parse_float,
        "int": parse_int,
        "bool": parse_bool,
        "date": parse_date,
        "choice": parse_choice,
        "flag_text": parse_flag_text,
        # bool_map keys are asked one sub-key at a time with parse_bool.
        "bool_map": parse_bool,
    }
)


def parse_answer(spec: KeySpec, text: str, ctx: ParseContext | None = None) -> Parsed | Ambiguous:
    """Parse `text` for `spec`: a normalised JSON-safe value, close choices, or ParseError."""
    parser = REGISTRY.get(spec.type)
    if parser is None:
        raise KeyError(f"no parser registered for type {spec.type!r}")
    result = parser(text, spec, ctx or ParseContext())
    if isinstance(result, Ambiguous) or spec.type == "bool_map":
        return result
    try:
        normalise_value(spec, result.value)
    except BadInput as exc:
        raise ParseError(exc.zh) from None
    return result


__all__ = [
    "REGISTRY",
    "Ambiguous",
    "ParseContext",
    "ParseError",
    "Parsed",
    "Parser",
    "PlaceResolver",
    "parse_answer",
    "yes_no",
]
