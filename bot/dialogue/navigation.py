"""Where the dialogue is: the applicable items in order, the next missing one, the question."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.dialogue.display import show_value
from bot.dialogue.form import Form, FormField, Question
from bot.dialogue.types import Button, DialogueState, Message

Item = Question  # (key, sub-key of a map field or None)


def items(form: Form, answers: Mapping[str, Any]) -> list[Item]:
    """Every question of the applicable fields in form order (one per sub-key of a map)."""
    return list(form.applying(answers).questions)


def filled(state: DialogueState, item: Item) -> bool:
    """Answered or skipped."""
    key, sub = item
    if key in state.skipped:
        return True
    value = state.answers.get(key)
    if sub is not None:
        return isinstance(value, Mapping) and sub in value
    return value is not None


def first_missing(form: Form, state: DialogueState) -> Item | None:
    for item in form.applying(state.answers).questions:
        if not filled(state, item):
            return item
    return None


def item_after(form: Form, state: DialogueState, item: Item) -> Item | None:
    seq = items(form, state.answers)
    if item in seq:
        i = seq.index(item)
        return seq[i + 1] if i + 1 < len(seq) else None
    return None


def item_before(form: Form, state: DialogueState, item: Item | None) -> Item | None:
    seq = items(form, state.answers)
    if not seq:
        return None
    if item is None:
        return seq[-1]
    if item in seq:
        i = seq.index(item)
        return seq[i - 1] if i > 0 else None
    return None


def item_id(item: Item) -> str:
    key, sub = item
    return key if sub is None else f"{key}.{sub}"


def current_item(state: DialogueState) -> Item | None:
    return None if state.current is None else (state.current, state.current_sub)


def progress(form: Form, state: DialogueState, key: str) -> tuple[int, int]:
    fields = [f.key for f in form.applying(state.answers).fields]
    return (fields.index(key) + 1 if key in fields else 0), len(fields)


def item_value(state: DialogueState, item: Item) -> Any:
    key, sub = item
    value = state.answers.get(key)
    if sub is not None:
        return value.get(sub) if isinstance(value, Mapping) else None
    return value


def question(form: Form, state: DialogueState, prefix: str = "") -> Message:
    """The message asking the current item, with its buttons."""
    item = current_item(state)
    assert item is not None
    key, sub = item
    f = form.field(key)
    n, total = progress(form, state, key)
    lines = [prefix] if prefix else []
    lines.append(f"第 {n}/{total} 项 · {f.label}")
    if sub is not None:
        subs = f.spec.subkeys
        lines.append(f"{f.prompt}（{subs.index(sub) + 1}/{len(subs)}）")
        lines.append(f.sub_prompts[sub])
    else:
        lines.append(f.prompt)
    value = item_value(state, item)
    if value is not None:
        shown = ("是" if value else "否") if sub is not None else show_value(f.spec, value)
        lines.append(f"当前答案：{shown}（不变请点“保持不变”）")
    elif key in state.skipped:
        lines.append("当前：已跳过")
    if f.spec.type != "choice" and f.spec.type != "bool_map" and f.spec.type != "bool":
        lines.append(f"例如：{f.example}")
    if f.optional:
        lines.append("（选填，不填可发送“跳过”）")
    return Message("\n".join(lines), "question", buttons(form, state, f, item))


def buttons(form: Form, state: DialogueState, f: FormField, item: Item) -> list[list[Button]]:
    rows: list[list[Button]] = []
    ident = item_id(item)
    t = f.spec.type
    if t == "choice":
        opts = [Button(c, f"o:{f.key}:{i}") for i, c in enumerate(f.spec.choices)]
        rows.extend(opts[i : i + 2] for i in range(0, len(opts), 2))
    elif t in ("bool", "bool_map"):
        rows.append([Button("是", f"b:{ident}:1"), Button("否", f"b:{ident}:0")])
    elif t == "flag_text":
        rows.append([Button("是", f"b:{ident}:1"), Button("否（没有）", f"b:{ident}:0")])
    nav: list[Button] = []
    if item_before(form, state, item) is not None:
        nav.append(Button("返回", "cmd:back"))
    if item_value(state, item) is not None or (f.key in state.skipped and f.optional):
        nav.append(Button("保持不变", f"k:{ident}"))
    if f.optional:
        nav.append(Button("跳过", f"s:{f.key}"))
    nav.append(Button("查看", "cmd:review"))
    rows.append(nav)
    return rows
