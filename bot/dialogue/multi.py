"""Multi-field messages: '面积30亩，住宅用地，出让年限70年，容积率不超过2.5' fills four fields.

Pure engine code. `read` splits a message at Chinese and ASCII separators (，,；;、。 and line
ends), finds in each piece the name of a field (its label or an alias from the form YAML) and
the value after it (`字段：值`, `字段为值`, `字段值`), and parses each value with the field's
own parser. A pasted block (`粘贴` and then one `字段: 值` a line, as copied from an Excel row
or a WeChat message) is read line by line instead.

It is conservative: an ordinary answer is read as a multi-field message only when it names
two different fields, or one field other than the question being asked with a value that
parses. A name directly followed by its value with no separator (面积30亩) counts only when
the value parses, and free-text fields (项目名称, 坐落…) count only with a separator, so a
parcel code such as 郑政出〔2024〕12号 or a location with commas stays one answer.

What was understood waits in `state.pending` for 确认 (a card lists it, and what was not
understood is named there); `apply_pending` then fills the answers in form order through the
same steps as answers given one by one (conditions, pruning, findings and the audit changes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.dialogue import navigation as nav
from bot.dialogue.checking import run_checker
from bot.dialogue.display import clip, show_value, sub_label
from bot.dialogue.form import Form
from bot.dialogue.parsers import Ambiguous, ParseContext, ParseError, parse_answer
from bot.dialogue.turn import Turn, advance, prune, record, spec_for
from bot.dialogue.types import Button, DialogueState, Message
from knowledge.plan import schema

PASTE_WORDS = ("粘贴", "/paste")
CONFIRM_WORDS = frozenset(
    ("确认", "确定", "确认填入", "对", "是的", "好", "好的", "ok", "OK", "/confirm")
)
DISCARD_WORDS = frozenset(("修改", "取消", "不对", "不确认", "重新输入", "重来", "/discard"))
CONFIRM_BUTTON = "mc:y"
DISCARD_BUTTON = "mc:n"
_SEPARATORS = re.compile(r"([，,；;、。\n]+)")
_LEADS = ("：", ":", "=", "＝", "\t", "为", "是")  # between a name and its value
_FREE_TYPES = ("text", "place", "flag_text")  # any text parses: a name needs a separator
MAX_SHOWN = 60  # characters of a value on the card


@dataclass(frozen=True)
class Target:
    key: str
    sub: str | None = None


@dataclass(frozen=True)
class Item:
    """One answer understood: the field (or map sub-key) and its normalised value."""

    key: str
    sub: str | None
    value: Any
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "sub": self.sub, "value": self.value, "note": self.note}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Item:
        sub = d.get("sub")
        note = d.get("note")
        return cls(str(d["key"]), sub if isinstance(sub, str) else None, d.get("value"),
                   note if isinstance(note, str) else None)  # fmt: skip


@dataclass(frozen=True)
class Reading:
    """What a multi-field message said: the answers understood and the problems, in Chinese."""

    items: tuple[Item, ...]
    problems: tuple[str, ...]


@dataclass
class _Piece:
    text: str  # as written, stripped
    sep: str  # the separator written before it ("" for the first)
    target: Target | None = None
    value: str = ""
    explicit: bool = False  # a separator stood between name and value
    bare: bool = False  # a bare choice value (住宅用地) naming its field


_Names = dict[str, tuple[tuple[str, Target], ...]]
_NAMES: dict[int, tuple[Form, _Names]] = {}  # id(form) → the form and its names (forms live on)


def _names(form: Form) -> _Names:
    """The names of `form`'s fields by first character (see `_all_names`), worked out once a
    form: building them took about a third of a typed answer's CPU."""
    found = _NAMES.get(id(form))
    if found is not None and found[0] is form:
        return found[1]
    by_first: dict[str, list[tuple[str, Target]]] = {}
    for name, target in _all_names(form):
        by_first.setdefault(name[0], []).append((name, target))
    names = {c: tuple(nt) for c, nt in by_first.items()}
    if len(_NAMES) >= 64:  # forms loaded again and again (tests, `kb validate`): keep it small
        _NAMES.clear()
    _NAMES[id(form)] = (form, names)
    return names


def _all_names(form: Form) -> tuple[tuple[str, Target], ...]:
    """Every name of a field or map sub-key, longest first; a name two fields share is left out."""
    sch = schema()
    found: dict[str, set[Target]] = {}
    for f in form.fields:
        for name in {f.label, re.sub(r"（.*?）", "", f.label), f.key, *f.aliases}:
            found.setdefault(name, set()).add(Target(f.key))
        for sub in f.spec.subkeys:
            label = sch.labels.get(sub, sub)
            for name in {label, re.sub(r"（.*?）", "", label), f"{f.key}.{sub}"}:
                found.setdefault(name, set()).add(Target(f.key, sub))
    usable = [(n, next(iter(t))) for n, t in found.items() if len(t) == 1 and len(n) >= 2]
    return tuple(sorted(usable, key=lambda nt: (-len(nt[0]), nt[0])))


def clash(form: Form) -> list[tuple[str, list[str]]]:
    """Names (labels, aliases) that more than one field of the form uses (for the loader's test)."""
    sch = schema()
    found: dict[str, set[str]] = {}
    for f in form.fields:
        for name in {f.label, re.sub(r"（.*?）", "", f.label), *f.aliases}:
            found.setdefault(name, set()).add(f.key)
        for sub in f.spec.subkeys:
            found.setdefault(sch.labels.get(sub, sub), set()).add(f"{f.key}.{sub}")
    return sorted((n, sorted(k)) for n, k in found.items() if len(k) > 1)


def paste_body(text: str) -> str | None:
    """The block after 粘贴 (None when the message does not start with it)."""
    t = text.strip()
    for word in PASTE_WORDS:
        if t.startswith(word):
            return t[len(word) :].lstrip(" ：:\t\r\n")
    return None


def _name_piece(form: Form, piece: _Piece, names: _Names) -> None:
    """Find the field a piece names and the value written after the name."""
    t = piece.text
    for name, target in names.get(t[:1], ()):
        if not t.startswith(name) or len(t) == len(name):
            continue
        rest = t[len(name) :]
        stripped = rest.lstrip(" \u3000")
        lead = next((w for w in _LEADS if stripped.startswith(w)), None)
        value = stripped[len(lead) :].strip() if lead else stripped.strip()
        if not value and lead in ("为", "是"):  # 是否在做地范围内 是: the answer, not a lead
            value, lead = stripped.strip(), None
        if not value:
            continue
        f = form.field(target.key)
        explicit = lead is not None or stripped != rest
        if not explicit and target.sub is None and f.spec.type in _FREE_TYPES:
            continue  # 名称XX is no name; 名称：XX is
        piece.target, piece.value, piece.explicit = target, value, explicit
        return
    for f in form.fields:
        if f.bare_value and (t in f.spec.choices or t in f.spec.synonyms):
            piece.target, piece.value, piece.bare = Target(f.key), t, True
            return


def _split(text: str, paste: bool) -> list[_Piece]:
    if paste:
        return [_Piece(line.strip(), "\n") for line in text.splitlines() if line.strip()]
    parts = _SEPARATORS.split(text)
    pieces: list[_Piece] = []
    sep = ""
    for i, part in enumerate(parts):
        if i % 2:
            sep = part
        elif part.strip():
            pieces.append(_Piece(part.strip(), sep if pieces else ""))
    return pieces


def _parse(form: Form, target: Target, value: str, ctx: ParseContext) -> Item | str:
    """The item, or the reason (Chinese) the value was refused."""
    f = form.field(target.key)
    label = _label(form, target)
    try:
        result = parse_answer(spec_for(f, target.sub), value, ctx)
    except ParseError as exc:
        return f"{label}“{clip(value, 30)}”没有认出：{exc.zh}"
    if isinstance(result, Ambiguous):
        options = "、".join(result.options)
        return f"{label}“{clip(value, 30)}”可能是 {options}，请单独回答这一项。"
    return Item(target.key, target.sub, result.value, result.note)


def _label(form: Form, target: Target) -> str:
    f = form.field(target.key)
    return f.label if target.sub is None else f"{f.label}·{sub_label(target.sub)}"


def read(
    form: Form, state: DialogueState, text: str, ctx: ParseContext, *, paste: bool = False
) -> Reading | None:
    """The fields a message names and their values, or None when it is an ordinary answer.

    `paste`: the lines of a 粘贴 block; every line should name a field, and one is enough.
    """
    pieces = _split(text, paste)
    names = _names(form)
    for piece in pieces:
        _name_piece(form, piece, names)
    current = nav.current_item(state)
    parsed: dict[int, Item | str] = {}
    for i, piece in enumerate(pieces):
        if piece.target is None:
            continue
        got = _parse(form, piece.target, piece.value, ctx)
        if not piece.explicit and not piece.bare and isinstance(got, str) and not paste:
            piece.target = None  # 面积较大: no name after all
            continue
        parsed[i] = got
    named = [p for p in pieces if p.target is not None and not p.bare]
    fields = {p.target for p in pieces if p.target is not None} if named else set()
    if not paste:
        cur = Target(*current) if current else None
        free_now = (
            cur is not None and cur.sub is None and (form.field(cur.key).spec.type in _FREE_TYPES)
        )  # a free-text answer may mention 用途住宅 in passing: only 用途：住宅 counts
        others = [i for i, p in enumerate(pieces)
                  if p.target is not None and not p.bare and p.target != cur
                  and isinstance(parsed.get(i), Item) and (p.explicit or not free_now)]  # fmt: skip
        if len(fields) < 2 and not others:
            return None
    elif not fields and not any(p.bare for p in pieces):
        return None
    return _collect(form, state, pieces, parsed, ctx, paste)


def _collect(form: Form, state: DialogueState, pieces: list[_Piece],
             parsed: dict[int, Item | str], ctx: ParseContext, paste: bool) -> Reading:  # fmt: skip
    """Join the pieces into items: continuations of free text, the leading answer, problems."""
    current = nav.current_item(state)
    problems: list[str] = []
    chosen: dict[Target, tuple[int, str]] = {}  # target → (index of its piece, value text)
    last: Target | None = None
    leading: list[str] = []
    for i, piece in enumerate(pieces):
        if piece.target is not None:
            if piece.target in chosen:
                problems.append(
                    f"{_label(form, piece.target)}写了不止一次，按最后一次：{clip(piece.value, 30)}"
                )
            chosen[piece.target] = (i, piece.value)
            last = piece.target
            continue
        free = (
            last is not None and last.sub is None and form.field(last.key).spec.type in _FREE_TYPES
        )
        if last is not None and free:  # 四至：东至经三路，南至规划支路: one value with commas
            j, value = chosen[last]
            chosen[last] = (j, f"{value}{piece.sep}{piece.text}")
            parsed.pop(j, None)
        elif last is None and not paste and current is not None:
            leading.append(piece.sep + piece.text if leading else piece.text)
        else:
            where = "这一行" if paste else "这一段"
            problems.append(f"{where}没有认出是哪一项：{clip(piece.text, 30)}")
    if leading and current is not None and Target(*current) not in chosen:
        chosen[Target(*current)] = (-1, "".join(leading))
    elif leading:
        problems.append(f"这一段没有认出是哪一项：{clip(''.join(leading), 30)}")
    items: list[Item] = []
    for target, (j, value) in chosen.items():
        got = parsed.get(j) if j >= 0 else None
        if got is None:
            got = _parse(form, target, value, ctx)
        if isinstance(got, str):
            problems.append(got)
        else:
            items.append(got)
    applied, refused = _dry_run(form, state, items)
    problems.extend(refused)
    return Reading(tuple(applied), tuple(problems))


def _order(form: Form, item: Item) -> tuple[int, int]:
    keys = [f.key for f in form.fields]
    f = form.field(item.key)
    return keys.index(item.key), (f.spec.subkeys.index(item.sub) if item.sub else -1)


def _dry_run(form: Form, state: DialogueState, items: list[Item]) -> tuple[list[Item], list[str]]:
    """Which items would be filled in form order (a field switched off by an earlier one is not)."""
    turn = Turn(form, state.copy(), None, ParseContext())
    ok: list[Item] = []
    refused: list[str] = []
    for item in sorted(items, key=lambda it: _order(form, it)):
        if _fill(turn, item):
            ok.append(item)
        else:
            refused.append(_not_applying(form, turn.state, item))
    return ok, refused


def _not_applying(form: Form, state: DialogueState, item: Item) -> str:
    """Why a field cannot be filled yet: what it waits for, or that it does not apply."""
    f = form.field(item.key)
    label = _label(form, Target(item.key, item.sub))
    waits = [form.field(k).label for k in sorted(f.when.keys() if f.when else ())
             if form.has(k) and state.answers.get(k) is None]  # fmt: skip
    if waits:
        return f"“{label}”要等“{'、'.join(waits)}”填写后才能填，这次没有列入。"
    return f"按目前的填写情况，“{label}”不需要填写，没有列入。"


def _fill(turn: Turn, item: Item) -> bool:
    """Record one answer as `accept` does (`turn.record`), then drop what no longer applies;
    False when the field does not apply at this point."""
    if not turn.form.field(item.key).applies(turn.state.answers):
        return False
    record(turn, item.key, item.sub, item.value)
    prune(turn)
    return True


def pending_items(state: DialogueState) -> list[Item]:
    return [Item.from_json(d) for d in state.pending]


def shown(form: Form, item: Item) -> tuple[str, str]:
    """(label, value as the official reads it) of one pending answer."""
    f = form.field(item.key)
    if item.sub is not None:
        value = "是" if item.value else "否"
    else:
        value = clip(show_value(f.spec, item.value), MAX_SHOWN)
    return _label(form, Target(item.key, item.sub)), value


def card(form: Form, items: list[Item], problems: tuple[str, ...] | list[str] = ()) -> Message:
    """识别到 4 项：… with 确认 / 修改 (a `confirm` message)."""
    lines = [f"识别到 {len(items)} 项："]
    for item in items:
        label, value = shown(form, item)
        lines.append(f"· {label}：{value}" + (f"（{item.note}）" if item.note else ""))
    if problems:
        lines.append(f"以下 {len(problems)} 处没有列入：")
        lines.extend(f"· {p}" for p in problems)
    lines.append("点“确认”全部填入；点“修改”放弃，重新发送或逐项回答。")
    buttons = [[Button("确认", CONFIRM_BUTTON), Button("修改", DISCARD_BUTTON)]]
    return Message("\n".join(lines), "confirm", buttons)


def problems_only(problems: tuple[str, ...]) -> str:
    lines = ["这条消息里的内容都没有填入："]
    lines.extend(f"· {p}" for p in problems)
    lines.append("请改正后重新发送，或逐项回答。")
    return "\n".join(lines)


def apply_pending(turn: Turn) -> None:
    """确认: fill the pending answers in form order, as if answered one by one, then go on."""
    st, form = turn.state, turn.form
    items = sorted(pending_items(st), key=lambda it: _order(form, it))
    st.pending = []
    filled: list[str] = []
    skipped: list[str] = []
    for item in items:
        label = _label(form, Target(item.key, item.sub))
        if form.has(item.key) and _fill(turn, item):
            filled.append(label)
        else:
            skipped.append(label)
    turn.out.messages.extend(run_checker(form, st, turn.checker))
    turn.echo = (
        f"✔ 已填入 {len(filled)} 项：{'、'.join(filled)}" if filled else "没有填入任何一项。"
    )
    if skipped:
        turn.echo += f"\n（按目前的填写情况不需要填写，没有填入：{'、'.join(skipped)}）"
    st.mode = "normal"
    advance(turn, None)


__all__ = [
    "CONFIRM_BUTTON",
    "CONFIRM_WORDS",
    "DISCARD_BUTTON",
    "DISCARD_WORDS",
    "Item",
    "Reading",
    "apply_pending",
    "card",
    "clash",
    "paste_body",
    "pending_items",
    "read",
]
