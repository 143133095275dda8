"""What every field parser shares: the result, the rejection and the context it may use."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from knowledge.plan import KeySpec


class ParseError(Exception):
    """A rejected answer; `zh` is one Chinese line naming what is expected, with an example."""

    def __init__(self, zh: str) -> None:
        super().__init__(zh)
        self.zh = zh


@dataclass(frozen=True)
class Ambiguous:
    """A choice answer close to several options: the engine asks which one was meant."""

    options: tuple[str, ...]  # canonical values, best first


@dataclass(frozen=True)
class Parsed:
    """An accepted answer: the JSON-safe normalised value and an optional note for the user."""

    value: Any
    note: str | None = None


class PlaceResolution(Protocol):
    """What `knowledge.jurisdictions.resolve_place` returns (status local|outside|unknown)."""

    status: str
    text: str

    @property
    def place(self) -> Any: ...


PlaceResolver = Callable[[str], PlaceResolution]


@dataclass(frozen=True)
class ParseContext:
    """What a parser may know beyond the text: today's date and the place resolver."""

    today: date | None = None
    resolve_place: PlaceResolver | None = None


Parser = Callable[[str, KeySpec, ParseContext], "Parsed | Ambiguous"]
