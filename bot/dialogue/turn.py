"""One step of the dialogue in progress: moving between questions, accepting answers.

`Turn` holds a copy of the state and what goes out; the functions here ask the next item,
record an accepted answer (with its audit change), drop answers that no longer apply, run the
checker and complete the form. `engine.py` decides what an inbound message means.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.dialogue import navigation as nav
from bot.dialogue.checking import Checker, current_findings, has_errors, run_checker
from bot.dialogue.display import review_card, show_value, sub_label
from bot.dialogue.form import Form, FormField
from bot.dialogue.parsers import Ambiguous, ParseContext
from bot.dialogue.types import Button, Change, DialogueState, Message, Outbound
from knowledge.plan import KeySpec

END = "$end"  # return_to when the walk back began at the completed form


STALE_BUTTON = "这个按钮已过期或无效，请按当前的问题回答。"


class Turn:
    """The working state of one step: a copy of the state and what goes out."""

    def __init__(self, form: Form, state: DialogueState, checker: Checker | None,
                 ctx: ParseContext) -> None:  # fmt: skip
        self.form = form
        self.state = state
        self.checker = checker
        self.ctx = ctx
        self.out = Outbound()
        self.echo = ""

    def say(self, text: str, kind: str = "info", buttons: list[list[Button]] | None = None) -> None:
        self.out.messages.append(Message(text, kind, buttons or []))

    def finish(self) -> Outbound:
        self.out.findings = current_findings(self.state)
        return self.out


def done_hint(form: Form) -> str:
    return f"{form.title}已经填写完毕。如需修改，请发送“修改 字段名”；发送“查看”查看全部内容。"


def reject(turn: Turn, text: str) -> None:
    """An error line; the current question's buttons stay with it. No state change."""
    buttons: list[list[Button]] = []
    if turn.state.current is not None:
        buttons = nav.question(turn.form, turn.state).buttons
    turn.say(text, "error", buttons)


def stale(turn: Turn) -> None:
    reject(turn, STALE_BUTTON)


def reask(turn: Turn) -> None:
    if turn.state.current is not None:
        turn.out.messages.append(nav.question(turn.form, turn.state))
    else:
        turn.say(done_hint(turn.form), "info")


def spec_for(f: FormField, sub: str | None) -> KeySpec:
    """The spec a typed answer is parsed with (a map sub-question is a yes/no)."""
    if sub is None:
        return f.spec
    return KeySpec(f"{f.key}.{sub}", "bool", sub_label(sub), f.spec.kinds)


def offer_options(turn: Turn, f: FormField, result: Ambiguous) -> None:
    rows = [[Button(o, f"o:{f.key}:{f.spec.choices.index(o)}")] for o in result.options]
    names = "、".join(result.options)
    turn.say(f"您指的是哪一个：{names}？请点选，或输入完整名称。", "question", rows)


def record(turn: Turn, key: str, sub: str | None, value: Any) -> str:
    """Store one answer (a map field: one sub-key of it) with its audit change, un-skip the
    field; returns the echo text (土地面积：25,000 平方米…). Every answer goes through here."""
    st, f = turn.state, turn.form.field(key)
    old = st.answers.get(key)
    if sub is not None:
        new: Any = dict(old) if isinstance(old, Mapping) else {}
        new[sub] = bool(value)
        shown = f"{sub_label(sub)}：{'是' if value else '否'}"
    else:
        new = value
        shown = f"{f.label}：{show_value(f.spec, value)}"
    if new != old:
        st.answers[key] = new
        turn.out.changes.append(Change(key, old, new))
    if key in st.skipped:
        st.skipped.remove(key)
    return shown


def accept(turn: Turn, value: Any, note: str | None) -> None:
    item = nav.current_item(turn.state)
    assert item is not None
    shown = record(turn, item[0], item[1], value)
    turn.echo = f"✔ 已记录 {shown}" + (f"（{note}）" if note else "")
    after_change(turn)
    advance(turn, item)


def accept_rest(turn: Turn, value: bool) -> None:
    """都是 / 都没有 on a map field: this sub-key and the ones after it get the same answer."""
    st = turn.state
    key, sub = nav.current_item(st) or ("", None)
    f = turn.form.field(key)
    subs = f.spec.subkeys[f.spec.subkeys.index(sub or f.spec.subkeys[0]) :]
    old = st.answers.get(key)
    new: dict[str, Any] = dict(old) if isinstance(old, Mapping) else {}
    new.update({s: value for s in subs})
    if new != old:
        st.answers[key] = new
        turn.out.changes.append(Change(key, old, new))
    names = "、".join(sub_label(s) for s in subs)
    turn.echo = f"✔ 已记录 {names}：{'是' if value else '否'}"
    after_change(turn)
    advance(turn, (key, subs[-1]))


def after_change(turn: Turn) -> None:
    prune(turn)
    turn.out.messages.extend(run_checker(turn.form, turn.state, turn.checker))


def prune(turn: Turn) -> None:
    """Drop answers of fields that no longer apply (e.g. 熔断比例 after 土地用途 changed)."""
    st = turn.state
    dropped: list[str] = []
    changed = True
    while changed:
        changed = False
        applies: frozenset[str] | None = None  # worked out again after every removal
        for f in turn.form.fields:
            if f.key not in st.answers and f.key not in st.skipped:
                continue
            if applies is None:
                applies = turn.form.applying(st.answers).keys
            if f.key in applies:
                continue
            if f.key in st.answers:
                old = st.answers.pop(f.key)
                turn.out.changes.append(Change(f.key, old, None))
                dropped.append(f.label)
                changed = True
                applies = None
            if f.key in st.skipped:
                st.skipped.remove(f.key)
    if dropped:
        turn.say(f"按新的填写情况，以下项目不再需要，已清除：{'、'.join(dropped)}", "info")


def ask(turn: Turn, item: nav.Item, mode: str) -> None:
    st = turn.state
    st.current, st.current_sub = item
    st.mode = mode
    if mode != "revisit":
        st.return_to = None
    turn.out.messages.append(nav.question(turn.form, st, turn.echo))
    turn.echo = ""


def advance(turn: Turn, after: nav.Item | None) -> None:
    """Move to the next item after an answer, a skip or 保持不变 (or at start)."""
    form, st = turn.form, turn.state
    mode = st.mode
    if after is not None and mode == "revisit" and walk_forward(turn, after):
        return
    if after is not None and mode == "edit_all" and after[1] is not None:
        nxt = nav.item_after(form, st, after)
        if nxt is not None and nxt[0] == after[0]:
            ask(turn, nxt, "edit_all")
            return
    missing = nav.first_missing(form, st)
    if missing is not None:
        ask(turn, missing, "normal")
        return
    complete(turn)


def walk_forward(turn: Turn, after: nav.Item) -> bool:
    """After 返回: ask the next item again while it lies before where the walk back began."""
    form, st = turn.form, turn.state
    nxt = nav.item_after(form, st, after)
    if nxt is None or not nav.filled(st, nxt):
        return False
    seq = nav.items(form, st.answers)
    if st.return_to != END:
        ids = [nav.item_id(i) for i in seq]
        if st.return_to not in ids or seq.index(nxt) >= ids.index(st.return_to):
            return False
    missing = nav.first_missing(form, st)
    if missing is not None and seq.index(missing) < seq.index(nxt):
        return False  # a change opened a question earlier on: ask that first
    ask(turn, nxt, "revisit")
    return True


def complete(turn: Turn) -> None:
    form, st = turn.form, turn.state
    st.current, st.current_sub, st.mode, st.return_to = None, None, "normal", None
    if turn.echo:
        turn.say(turn.echo, "info")
        turn.echo = ""
    findings = current_findings(st)
    turn.out.messages.append(review_card(form, st, findings))
    if has_errors(findings):
        n = sum(1 for f in findings if f.severity == "error")
        tail = f"还有 {n} 项政策核查错误，修改后才能提交。发送“修改 字段名”即可修改。"
    else:
        tail = "可以提交审核或生成文件了；如需修改，发送“修改 字段名”。"
    turn.say(f"✅ {form.title}已全部填写完毕。{tail}", "done", [[Button("查看", "cmd:review")]])
    turn.out.done = True
