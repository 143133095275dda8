"""The dialogue engine: `start` and `step`, pure functions of (form, state, inbound).

No database, no Telegram, no clock it did not receive. The engine asks the first applicable
item without an answer; 返回 goes to the previous item in form order (answering it continues
in order), 修改 <字段> edits any answer and then returns to the next missing item, 跳过 skips
an optional field, 查看 shows the review card, 帮助 the help of the current field, 取消 leaves
(the draft stays). After every accepted change the checker runs and the findings that changed
are reported at once. A rejected answer or button never changes the state.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from bot.dialogue import navigation as nav
from bot.dialogue.checking import Checker, current_findings, has_errors, run_checker
from bot.dialogue.commands import (
    Command,
    all_answer,
    find_fields,
    parse_button,
    parse_text_command,
    split_edit,
)
from bot.dialogue.display import review_card, show_value, sub_label
from bot.dialogue.form import Form, FormField
from bot.dialogue.parsers import Ambiguous, ParseContext, ParseError, PlaceResolver, parse_answer
from bot.dialogue.types import Button, Change, DialogueState, Inbound, Message, Outbound
from bot.errors import BadInput
from bot.plan import KeySpec, normalise_fields

COMMANDS_HINT = "随时可以发送：返回、跳过（选填项）、修改 字段名、查看、帮助、取消。"
END = "$end"  # return_to when the walk back began at the completed form
MAX_INPUT_CHARS = 5000  # longer than any field allows (the longest is 2000)
STALE_BUTTON = "这个按钮已过期或无效，请按当前的问题回答。"


class _Turn:
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


def _json_safe(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v) for k, v in value.items()}
    return value


def start(
    form: Form,
    *,
    checker: Checker | None = None,
    prefill: Mapping[str, Any] | None = None,
    today: dt.date | None = None,
    resolve_place: PlaceResolver | None = None,
) -> tuple[DialogueState, Outbound]:
    """A new dialogue for `form`, optionally with answers already known (canonical keys)."""
    state = DialogueState(kind=form.kind)
    turn = _Turn(form, state, checker, ParseContext(today=today, resolve_place=resolve_place))
    for key, value in normalise_fields(form.kind, prefill or {}).items():
        if not form.has(key):  # a form always has every canonical key; kept for safety
            raise BadInput(
                f"未知的键 {key}（{form.title}中没有这个字段）",
                f"unknown key '{key}' for {form.kind}",
            )
        state.answers[key] = _json_safe(value)
        turn.out.changes.append(Change(key, None, state.answers[key]))
    _prune(turn)
    total = len(form.applicable(state.answers))
    turn.say(f"开始填写{form.title}，共 {total} 项（随填写内容可能增减）。{COMMANDS_HINT}")
    if state.answers:
        turn.out.messages.extend(run_checker(form, state, checker))
    _advance(turn, None)
    return state, turn.finish()


def resume(form: Form, state: DialogueState) -> Outbound:
    """Ask the current question again (a resumed draft), or say the form is complete."""
    turn = _Turn(form, state.copy(), None, ParseContext())
    if turn.state.current is None:
        turn.say(_done_hint(form), "info", [[Button("查看", "cmd:review")]])
    else:
        turn.out.messages.append(nav.question(form, turn.state))
    return turn.finish()


def step(
    form: Form,
    state: DialogueState,
    inbound: Inbound,
    *,
    checker: Checker | None = None,
    today: dt.date | None = None,
    resolve_place: PlaceResolver | None = None,
) -> tuple[DialogueState, Outbound]:
    """Apply one user action; returns the new state (the given one is never modified)."""
    if state.kind != form.kind:
        raise ValueError(f"state of a {state.kind} given with the {form.kind} form")
    turn = _Turn(
        form, state.copy(), checker, ParseContext(today=today, resolve_place=resolve_place)
    )
    if inbound.button is None and len(inbound.text or "") > MAX_INPUT_CHARS:
        _reject(turn, f"内容太长（超过 {MAX_INPUT_CHARS} 字），请精简后重新发送。")
        return turn.state, turn.finish()
    if turn.state.current is not None and not _valid_current(form, turn.state):
        _advance(turn, None)  # a stored state from an older form: re-anchor
        turn.out.messages.insert(0, Message("表单已更新，从下一项继续。", "info"))
        return turn.state, turn.finish()
    if inbound.button is not None:
        _on_button(turn, inbound.button)
    else:
        text = inbound.text or ""
        cmd = parse_text_command(text)
        if cmd is not None:
            _on_command(turn, cmd)
        elif not text.strip():
            _reject(turn, "没有收到内容，请输入回答。")
        elif turn.state.current is None:
            turn.say(_done_hint(form), "info", [[Button("查看", "cmd:review")]])
        else:
            _on_answer(turn, text)
    return turn.state, turn.finish()


def _valid_current(form: Form, state: DialogueState) -> bool:
    item = nav.current_item(state)
    return item is not None and item in nav.items(form, state.answers)


def _done_hint(form: Form) -> str:
    return f"{form.title}已经填写完毕。如需修改，请发送“修改 字段名”；发送“查看”查看全部内容。"


def _reject(turn: _Turn, text: str) -> None:
    """An error line; the current question's buttons stay with it. No state change."""
    buttons: list[list[Button]] = []
    if turn.state.current is not None:
        buttons = nav.question(turn.form, turn.state).buttons
    turn.say(text, "error", buttons)


def _on_button(turn: _Turn, data: str) -> None:
    parsed = parse_button(data)
    st = turn.state
    item = nav.current_item(st)
    ident = nav.item_id(item) if item else None
    if parsed is None:
        return _stale(turn)
    a, p = parsed.action, parsed.parts
    if a == "cmd" and len(p) == 1 and p[0] in ("back", "review", "help", "cancel"):
        return _on_command(turn, Command(p[0]))
    if a == "e" and len(p) == 1:
        key, _, sub = p[0].partition(".")
        return _edit_target(turn, key, sub or None)
    if item is None:
        return _stale(turn)
    f = turn.form.field(item[0])
    if a == "k" and p == (ident,):
        return _on_command(turn, Command("keep"))
    if a == "s" and p == (f.key,):
        return _on_command(turn, Command("skip"))
    if a == "o" and len(p) == 2 and p[0] == f.key and f.spec.type == "choice" and p[1].isdigit():
        i = int(p[1])
        if i < len(f.spec.choices):
            return _accept(turn, f.spec.choices[i], None)
    is_yes_no = f.spec.type in ("bool", "bool_map", "flag_text")
    if a == "b" and len(p) == 2 and p[0] == ident and p[1] in ("0", "1") and is_yes_no:
        return _accept(turn, p[1] == "1", None)
    return _stale(turn)


def _stale(turn: _Turn) -> None:
    _reject(turn, STALE_BUTTON)


def _on_command(turn: _Turn, cmd: Command) -> None:
    st, form = turn.state, turn.form
    item = nav.current_item(st)
    if cmd.name == "cancel":
        turn.say(f"已退出{form.title}填写，草稿已保存，之后可以接着填。", "cancelled")
        turn.out.cancelled = True
    elif cmd.name == "review":
        if turn.checker is not None:
            turn.out.messages.extend(run_checker(form, st, turn.checker))
        turn.out.messages.append(review_card(form, st, current_findings(st)))
        _reask(turn)
    elif cmd.name == "help":
        if item is None:
            turn.say(f"{_done_hint(form)}\n{COMMANDS_HINT}", "help")
        else:
            f = form.field(item[0])
            opts = f"\n可选：{'、'.join(f.spec.choices)}" if f.spec.type == "choice" else ""
            need = "选填" if f.optional else "必填"
            turn.say(f"【{f.label}】（{need}）\n{f.help}{opts}\n例如：{f.example}\n\n{COMMANDS_HINT}",
                     "help", nav.question(form, st).buttons)  # fmt: skip
    elif cmd.name == "back":
        target = nav.item_before(form, st, item)
        if target is None:
            _reject(turn, "已经是第一项了。" if item else "还没有可以返回的问题。")
            return
        if st.mode != "revisit":  # the start of a walk back: remember where it began
            st.return_to = nav.item_id(item) if item else END
        _ask(turn, target, "revisit")
    elif cmd.name == "skip":
        _skip(turn)
    elif cmd.name == "keep":
        if item is None or not nav.filled(st, item):
            _reject(turn, "这一项还没有答案，请直接回答。")
            return
        _advance(turn, item)
    elif cmd.name == "edit":
        _edit(turn, cmd.arg)


def _reask(turn: _Turn) -> None:
    if turn.state.current is not None:
        turn.out.messages.append(nav.question(turn.form, turn.state))
    else:
        turn.say(_done_hint(turn.form), "info")


def _skip(turn: _Turn) -> None:
    st = turn.state
    item = nav.current_item(st)
    if item is None:
        _reject(turn, "现在没有正在填写的问题。")
        return
    f = turn.form.field(item[0])
    if not f.optional:
        _reject(turn, f"“{f.label}”是必填项，不能跳过。例如：{f.example}")
        return
    if f.key in st.answers:
        old = st.answers.pop(f.key)
        turn.out.changes.append(Change(f.key, old, None))
        turn.echo = f"已清除 {f.label} 的答案并跳过。"
    else:
        turn.echo = f"已跳过 {f.label}。"
    if f.key not in st.skipped:
        st.skipped.append(f.key)
    _after_change(turn)
    _advance(turn, (f.key, f.spec.subkeys[-1] if f.is_map else None))


def _edit(turn: _Turn, name: str) -> None:
    if not name:
        _reject(turn, "请告诉我要修改哪一项，例如：修改 土地面积")
        return
    inline = split_edit(turn.form, name)
    if inline is not None:
        _edit_inline(turn, inline[0].key, inline[0].sub, inline[1])
        return
    targets = find_fields(turn.form, name)
    if not targets:
        _reject(turn, f"没有找到“{name}”这一项，请换个说法，例如：修改 土地面积")
        return
    if len(targets) > 1:
        sch_label = _target_label
        rows = [[Button(sch_label(turn.form, t.key, t.sub),
                        f"e:{t.key}" + (f".{t.sub}" if t.sub else ""))] for t in targets]  # fmt: skip
        names = "、".join(sch_label(turn.form, t.key, t.sub) for t in targets)
        turn.say(f"您要修改的是哪一项：{names}？", "question", rows)
        return
    _edit_target(turn, targets[0].key, targets[0].sub)


def _edit_inline(turn: _Turn, key: str, sub: str | None, text: str) -> None:
    """修改 土地面积 30亩: change the answer at once; a refused value changes nothing."""
    f = turn.form.field(key)
    if not f.applies(turn.state.answers):
        _reject(turn, f"按目前的填写情况，“{f.label}”不需要填写。")
        return
    try:
        result = parse_answer(_spec_for(f, sub), text, turn.ctx)
    except ParseError as exc:
        _reject(turn, f"“{_target_label(turn.form, key, sub)}”没有修改：{exc.zh}")
        return
    st = turn.state
    st.current, st.current_sub, st.mode = key, sub, "edit"
    if isinstance(result, Ambiguous):
        _offer_options(turn, f, result)
        return
    _accept(turn, result.value, result.note)


def _spec_for(f: FormField, sub: str | None) -> KeySpec:
    """The spec a typed answer is parsed with (a map sub-question is a yes/no)."""
    if sub is None:
        return f.spec
    return KeySpec(f"{f.key}.{sub}", "bool", sub_label(sub), f.spec.kinds)


def _offer_options(turn: _Turn, f: FormField, result: Ambiguous) -> None:
    rows = [[Button(o, f"o:{f.key}:{f.spec.choices.index(o)}")] for o in result.options]
    names = "、".join(result.options)
    turn.say(f"您指的是哪一个：{names}？请点选，或输入完整名称。", "question", rows)


def _target_label(form: Form, key: str, sub: str | None) -> str:
    f = form.field(key)
    return f.label if sub is None else f"{f.label}·{sub_label(sub)}"


def _edit_target(turn: _Turn, key: str, sub: str | None) -> None:
    form, st = turn.form, turn.state
    if not form.has(key) or (sub is not None and sub not in form.field(key).spec.subkeys):
        _stale(turn)
        return
    f = form.field(key)
    if not f.applies(st.answers):
        _reject(turn, f"按目前的填写情况，“{f.label}”不需要填写。")
        return
    if f.is_map and sub is None:
        _ask(turn, (key, f.spec.subkeys[0]), "edit_all")
    else:
        _ask(turn, (key, sub), "edit")


def _on_answer(turn: _Turn, text: str) -> None:
    item = nav.current_item(turn.state)
    assert item is not None
    f = turn.form.field(item[0])
    if item[1] is not None:
        whole = all_answer(text)
        if whole is not None:
            _accept_rest(turn, whole)
            return
    try:
        result = parse_answer(_spec_for(f, item[1]), text, turn.ctx)
    except ParseError as exc:
        _reject(turn, exc.zh)
        return
    if isinstance(result, Ambiguous):
        _offer_options(turn, f, result)
        return
    _accept(turn, result.value, result.note)


def _accept(turn: _Turn, value: Any, note: str | None) -> None:
    st, form = turn.state, turn.form
    item = nav.current_item(st)
    assert item is not None
    key, sub = item
    f = form.field(key)
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
    turn.echo = f"✔ 已记录 {shown}" + (f"（{note}）" if note else "")
    _after_change(turn)
    _advance(turn, item)


def _accept_rest(turn: _Turn, value: bool) -> None:
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
    _after_change(turn)
    _advance(turn, (key, subs[-1]))


def _after_change(turn: _Turn) -> None:
    _prune(turn)
    turn.out.messages.extend(run_checker(turn.form, turn.state, turn.checker))


def _prune(turn: _Turn) -> None:
    """Drop answers of fields that no longer apply (e.g. 熔断比例 after 土地用途 changed)."""
    st = turn.state
    dropped: list[str] = []
    changed = True
    while changed:
        changed = False
        for f in turn.form.fields:
            if not f.applies(st.answers) and (f.key in st.answers or f.key in st.skipped):
                if f.key in st.answers:
                    old = st.answers.pop(f.key)
                    turn.out.changes.append(Change(f.key, old, None))
                    dropped.append(f.label)
                    changed = True
                if f.key in st.skipped:
                    st.skipped.remove(f.key)
    if dropped:
        turn.say(f"按新的填写情况，以下项目不再需要，已清除：{'、'.join(dropped)}", "info")


def _ask(turn: _Turn, item: nav.Item, mode: str) -> None:
    st = turn.state
    st.current, st.current_sub = item
    st.mode = mode
    if mode != "revisit":
        st.return_to = None
    turn.out.messages.append(nav.question(turn.form, st, turn.echo))
    turn.echo = ""


def _advance(turn: _Turn, after: nav.Item | None) -> None:
    """Move to the next item after an answer, a skip or 保持不变 (or at start)."""
    form, st = turn.form, turn.state
    mode = st.mode
    if after is not None and mode == "revisit" and _walk_forward(turn, after):
        return
    if after is not None and mode == "edit_all" and after[1] is not None:
        nxt = nav.item_after(form, st, after)
        if nxt is not None and nxt[0] == after[0]:
            _ask(turn, nxt, "edit_all")
            return
    missing = nav.first_missing(form, st)
    if missing is not None:
        _ask(turn, missing, "normal")
        return
    _complete(turn)


def _walk_forward(turn: _Turn, after: nav.Item) -> bool:
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
    _ask(turn, nxt, "revisit")
    return True


def _complete(turn: _Turn) -> None:
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
