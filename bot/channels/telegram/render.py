"""Engine messages → Telegram messages: escaped HTML, phone-sized chunks, inline keyboards."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.channels.telegram import callbacks
from bot.channels.telegram.texts import esc
from bot.dialogue.types import Message

MAX_CHARS = 3500  # Telegram allows 4096; leave room for the escaping and a header
KIND_PREFIX = {"error": "⚠️ "}


@dataclass(frozen=True)
class Out:
    """One Telegram message to send: HTML text and an optional inline keyboard."""

    html: str
    keyboard: InlineKeyboardMarkup | None = None


def chunks(text: str, limit: int = MAX_CHARS) -> list[str]:
    """Split at line ends into pieces of at most `limit` characters (a long line is cut)."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current.strip() or not pieces:
        pieces.append(current)
    return [p for p in pieces if p.strip()] or ["…"]


def keyboard(rows: Iterable[Sequence[tuple[str, str]]]) -> InlineKeyboardMarkup | None:
    built = [
        [InlineKeyboardButton(label, callback_data=data) for label, data in row]
        for row in rows
        if row
    ]
    return InlineKeyboardMarkup(built) if built else None


def text_messages(text: str, rows: Iterable[Sequence[tuple[str, str]]] = (), *,
                  escape: bool = True) -> list[Out]:  # fmt: skip
    """A text (escaped unless it is already HTML) as messages; the buttons go on the last."""
    parts = chunks(text) if escape else [text]
    outs = [Out(esc(p) if escape else p) for p in parts]
    last = outs[-1]
    outs[-1] = Out(last.html, keyboard(rows))
    return outs


def joined(messages: Iterable[Message]) -> list[Message]:
    """Messages with each plain note (an info without buttons: "开始填写…", "已清除…",
    "已消除…") put at the top of the question after it, so a reply is one Telegram message
    where it fits (one sendMessage instead of two); anything else stays as it is."""
    out: list[Message] = []
    for msg in messages:
        prev = out[-1] if out else None
        if (
            msg.kind == "question"
            and prev is not None
            and prev.kind == "info"
            and not prev.buttons
            and len(prev.text) + 2 + len(msg.text) <= MAX_CHARS
        ):
            out[-1] = Message(f"{prev.text}\n\n{msg.text}", msg.kind, msg.buttons)
        else:
            out.append(msg)
    return out


def dialogue_messages(
    messages: Iterable[Message],
    draft_id: int | None,
    version: int | None,
    extra_rows: Sequence[Sequence[tuple[str, str]]] = (),
    question_extra: Sequence[tuple[str, str]] = (),
) -> list[Out]:
    """Engine messages as Telegram messages; engine buttons carry the draft id and version.

    `question_extra` buttons join the last row of every question; `extra_rows` go under
    the last message.
    """
    outs: list[Out] = []
    for msg in joined(messages):
        rows: list[list[tuple[str, str]]] = []
        for row in msg.buttons:
            built: list[tuple[str, str]] = []
            for button in row:
                if draft_id is None or version is None:
                    continue
                data = f"d:{draft_id}:{version}:{button.data}"
                if callbacks.parse(data) is not None:
                    built.append((button.label, data))
            rows.append(built)
        if msg.kind == "question" and question_extra:
            if rows and len(rows[-1]) + len(question_extra) <= 5:
                rows[-1].extend(question_extra)
            else:
                rows.append(list(question_extra))
        text = KIND_PREFIX.get(msg.kind, "") + msg.text
        outs.extend(text_messages(text, rows))
    if extra_rows and outs:
        last = outs[-1]
        old = [
            [(b.text, str(b.callback_data)) for b in row]
            for row in (last.keyboard.inline_keyboard if last.keyboard else ())
        ]
        outs[-1] = Out(last.html, keyboard([*old, *extra_rows]))
    return outs
