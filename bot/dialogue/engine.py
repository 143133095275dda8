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

from bot.dialogue import multi
from bot.dialogue import navigation as nav
from bot.dialogue.checking import Checker, current_findings, run_checker
from bot.dialogue.commands import (
    Command,
    all_answer,
    find_fields,
    parse_button,
    parse_text_command,
    split_edit,
)
from bot.dialogue.display import review_card, sub_label
from bot.dialogue.form import Form
from bot.dialogue.parsers import Ambiguous, ParseContext, ParseError, PlaceResolver, parse_answer
from bot.dialogue.turn import (
    END,
    Turn,
    accept,
    accept_rest,
    advance,
    after_change,
    ask,
    done_hint,
    offer_options,
    prune,
    reask,
    reject,
    spec_for,
    stale,
)
from bot.dialogue.types import Button, Change, DialogueState, Inbound, Message, Outbound
from knowledge.errors import BadInput
from knowledge.plan import normalise_fields

COMMANDS_HINT = (
    "随时可以发送：返回、跳过（选填项）、修改 字段名、查看、帮助、取消；"
    "也可以一次写几项（如“面积30亩，住宅用地，出让年限70年”），或“粘贴”后每行一项“字段: 值”。"
)
PASTE_HINT = (
    "请在同一条消息里，“粘贴”后面每行写一项“字段: 值”，例如：\n粘贴\n土地面积: 30亩\n"
    "土地用途: 住宅用地\n出让年限: 70年"
)
LOOKING = ("review", "help")  # commands that leave a pending 确认 card waiting


MAX_INPUT_CHARS = 5000  # longer than any field allows (the longest is 2000)


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
    from_file: bool = False,
) -> tuple[DialogueState, Outbound]:
    """A new dialogue for `form`, optionally with answers already known (canonical keys).

    `from_file`: the answers come from a plan file, which cannot record a skip; when it
    answers every required question, the optional ones it leaves out count as skipped, so a
    finished draft exported and imported again is finished.
    """
    state = DialogueState(kind=form.kind)
    turn = Turn(form, state, checker, ParseContext(today=today, resolve_place=resolve_place))
    for key, value in normalise_fields(form.kind, prefill or {}).items():
        if not form.has(key):  # a form always has every canonical key; kept for safety
            raise BadInput(
                f"未知的键 {key}（{form.title}中没有这个字段）",
                f"unknown key '{key}' for {form.kind}",
            )
        state.answers[key] = _json_safe(value)
        turn.out.changes.append(Change(key, None, state.answers[key]))
    prune(turn)
    if from_file:
        _skip_left_out_optional(form, state)
    total = len(form.applicable(state.answers))
    turn.say(f"开始填写{form.title}，共 {total} 项（随填写内容可能增减）。{COMMANDS_HINT}")
    if state.answers:
        turn.out.messages.extend(run_checker(form, state, checker))
    advance(turn, None)
    return state, turn.finish()


def _skip_left_out_optional(form: Form, state: DialogueState) -> None:
    """Mark the open questions skipped when every one of them is optional."""
    open_keys = list(dict.fromkeys(
        key for key, sub in form.applying(state.answers).questions
        if not nav.filled(state, (key, sub))
    ))  # fmt: skip
    if open_keys and all(form.field(key).optional for key in open_keys):
        state.skipped.extend(k for k in open_keys if k not in state.skipped)


def resume(form: Form, state: DialogueState) -> Outbound:
    """Ask the current question again (a resumed draft), or say the form is complete; a
    multi-field card still waiting for 确认 comes after it."""
    turn = Turn(form, state.copy(), None, ParseContext())
    if turn.state.current is None:
        turn.say(done_hint(form), "info", [[Button("查看", "cmd:review")]])
    else:
        turn.out.messages.append(nav.question(form, turn.state))
    if turn.state.pending:  # a 确认 card was waiting: show it again
        turn.out.messages.append(multi.card(form, multi.pending_items(turn.state)))
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
    turn = Turn(form, state.copy(), checker, ParseContext(today=today, resolve_place=resolve_place))
    if inbound.button is None and len(inbound.text or "") > MAX_INPUT_CHARS:
        reject(turn, f"内容太长（超过 {MAX_INPUT_CHARS} 字），请精简后重新发送。")
        return turn.state, turn.finish()
    if turn.state.current is not None and not _valid_current(form, turn.state):
        advance(turn, None)  # a stored state from an older form: re-anchor
        turn.out.messages.insert(0, Message("表单已更新，从下一项继续。", "info"))
        return turn.state, turn.finish()
    if turn.state.pending and _on_pending(turn, inbound):
        return turn.state, turn.finish()
    if inbound.button is not None:
        _on_button(turn, inbound.button)
    else:
        text = inbound.text or ""
        cmd = parse_text_command(text)
        body = multi.paste_body(text)
        if cmd is not None:
            _on_command(turn, cmd)
        elif not text.strip():
            reject(turn, "没有收到内容，请输入回答。")
        elif body is not None:
            _on_paste(turn, body)
        elif _on_multi(turn, text):
            pass
        elif turn.state.current is None:
            turn.say(done_hint(form), "info", [[Button("查看", "cmd:review")]])
        else:
            _on_answer(turn, text)
    return turn.state, turn.finish()


def _on_pending(turn: Turn, inbound: Inbound) -> bool:
    """A 确认 card waits: 确认 fills it, 修改/取消 drops it; True when that was all.

    Anything else drops the card too and is then handled as usual (False), except 查看 and
    帮助, after which the card is shown again.
    """
    st = turn.state
    text = (inbound.text or "").strip().strip("。.！!")
    button = inbound.button
    if button == multi.CONFIRM_BUTTON or (button is None and text in multi.CONFIRM_WORDS):
        multi.apply_pending(turn)
        return True
    if button == multi.DISCARD_BUTTON or (button is None and text in multi.DISCARD_WORDS):
        st.pending = []
        turn.say("好的，这次识别的内容都没有填入。可以改正后重新发送，或逐项回答。", "info")
        reask(turn)
        return True
    cmd = parse_text_command(inbound.text or "") if button is None else None
    looking = button in ("cmd:review", "cmd:help") or (cmd is not None and cmd.name in LOOKING)
    if looking:
        _on_command(turn, Command(cmd.name if cmd else (button or "")[4:]))
        turn.out.messages.append(multi.card(turn.form, multi.pending_items(st)))
        return True
    st.pending = []
    return False


def _on_multi(turn: Turn, text: str) -> bool:
    """A message naming several fields: show what was understood for 确认; False if not one."""
    reading = multi.read(turn.form, turn.state, text, turn.ctx)
    if reading is None:
        return False
    _offer(turn, reading)
    return True


def _on_paste(turn: Turn, body: str) -> None:
    if not body.strip():
        turn.say(PASTE_HINT, "help", nav.question(turn.form, turn.state).buttons
                 if turn.state.current else [])  # fmt: skip
        return
    reading = multi.read(turn.form, turn.state, body, turn.ctx, paste=True)
    if reading is None:
        reject(turn, f"粘贴的内容里没有认出任何一项。{PASTE_HINT}")
        return
    _offer(turn, reading)


def _offer(turn: Turn, reading: multi.Reading) -> None:
    if not reading.items:
        reject(turn, multi.problems_only(reading.problems))
        return
    turn.state.pending = [item.to_json() for item in reading.items]
    turn.out.messages.append(multi.card(turn.form, list(reading.items), reading.problems))


def _valid_current(form: Form, state: DialogueState) -> bool:
    item = nav.current_item(state)
    return item is not None and item in nav.items(form, state.answers)


def _on_button(turn: Turn, data: str) -> None:
    parsed = parse_button(data)
    st = turn.state
    item = nav.current_item(st)
    ident = nav.item_id(item) if item else None
    if parsed is None:
        return stale(turn)
    a, p = parsed.action, parsed.parts
    if a == "mc":  # a 确认 card's button, but nothing waits any more
        return stale(turn)
    if a == "cmd" and len(p) == 1 and p[0] in ("back", "review", "help", "cancel"):
        return _on_command(turn, Command(p[0]))
    if a == "e" and len(p) == 1:
        key, _, sub = p[0].partition(".")
        return _edit_target(turn, key, sub or None)
    if item is None:
        return stale(turn)
    f = turn.form.field(item[0])
    if a == "k" and p == (ident,):
        return _on_command(turn, Command("keep"))
    if a == "s" and p == (f.key,):
        return _on_command(turn, Command("skip"))
    if a == "o" and len(p) == 2 and p[0] == f.key and f.spec.type == "choice" and p[1].isdigit():
        i = int(p[1])
        if i < len(f.spec.choices):
            return accept(turn, f.spec.choices[i], None)
    is_yes_no = f.spec.type in ("bool", "bool_map", "flag_text")
    if a == "b" and len(p) == 2 and p[0] == ident and p[1] in ("0", "1") and is_yes_no:
        return accept(turn, p[1] == "1", None)
    return stale(turn)


def _on_command(turn: Turn, cmd: Command) -> None:
    st, form = turn.state, turn.form
    item = nav.current_item(st)
    if cmd.name == "cancel":
        turn.say(f"已退出{form.title}填写，草稿已保存，之后可以接着填。", "cancelled")
        turn.out.cancelled = True
    elif cmd.name == "review":
        if turn.checker is not None:
            turn.out.messages.extend(run_checker(form, st, turn.checker))
        turn.out.messages.append(review_card(form, st, current_findings(st)))
        reask(turn)
    elif cmd.name == "help":
        if item is None:
            turn.say(f"{done_hint(form)}\n{COMMANDS_HINT}", "help")
        else:
            f = form.field(item[0])
            opts = f"\n可选：{'、'.join(f.spec.choices)}" if f.spec.type == "choice" else ""
            need = "选填" if f.optional else "必填"
            turn.say(f"【{f.label}】（{need}）\n{f.help}{opts}\n例如：{f.example}\n\n{COMMANDS_HINT}",
                     "help", nav.question(form, st).buttons)  # fmt: skip
    elif cmd.name == "back":
        target = nav.item_before(form, st, item)
        if target is None:
            reject(turn, "已经是第一项了。" if item else "还没有可以返回的问题。")
            return
        if st.mode != "revisit":  # the start of a walk back: remember where it began
            st.return_to = nav.item_id(item) if item else END
        ask(turn, target, "revisit")
    elif cmd.name == "skip":
        _skip(turn)
    elif cmd.name == "keep":
        if item is None or not nav.filled(st, item):
            reject(turn, "这一项还没有答案，请直接回答。")
            return
        advance(turn, item)
    elif cmd.name == "edit":
        _edit(turn, cmd.arg)


def _skip(turn: Turn) -> None:
    st = turn.state
    item = nav.current_item(st)
    if item is None:
        reject(turn, "现在没有正在填写的问题。")
        return
    f = turn.form.field(item[0])
    if not f.optional:
        reject(turn, f"“{f.label}”是必填项，不能跳过。例如：{f.example}")
        return
    if f.key in st.answers:
        old = st.answers.pop(f.key)
        turn.out.changes.append(Change(f.key, old, None))
        turn.echo = f"已清除 {f.label} 的答案并跳过。"
    else:
        turn.echo = f"已跳过 {f.label}。"
    if f.key not in st.skipped:
        st.skipped.append(f.key)
    after_change(turn)
    advance(turn, (f.key, f.spec.subkeys[-1] if f.is_map else None))


def _edit(turn: Turn, name: str) -> None:
    if not name:
        reject(turn, "请告诉我要修改哪一项，例如：修改 土地面积")
        return
    inline = split_edit(turn.form, name)
    if inline is not None:
        _edit_inline(turn, inline[0].key, inline[0].sub, inline[1])
        return
    targets = find_fields(turn.form, name)
    if not targets:
        reject(turn, f"没有找到“{name}”这一项，请换个说法，例如：修改 土地面积")
        return
    if len(targets) > 1:
        sch_label = _target_label
        rows = [[Button(sch_label(turn.form, t.key, t.sub),
                        f"e:{t.key}" + (f".{t.sub}" if t.sub else ""))] for t in targets]  # fmt: skip
        names = "、".join(sch_label(turn.form, t.key, t.sub) for t in targets)
        turn.say(f"您要修改的是哪一项：{names}？", "question", rows)
        return
    _edit_target(turn, targets[0].key, targets[0].sub)


def _edit_inline(turn: Turn, key: str, sub: str | None, text: str) -> None:
    """修改 土地面积 30亩: change the answer at once; a refused value changes nothing."""
    f = turn.form.field(key)
    if not f.applies(turn.state.answers):
        reject(turn, f"按目前的填写情况，“{f.label}”不需要填写。")
        return
    try:
        result = parse_answer(spec_for(f, sub), text, turn.ctx)
    except ParseError as exc:
        reject(turn, f"“{_target_label(turn.form, key, sub)}”没有修改：{exc.zh}")
        return
    st = turn.state
    st.current, st.current_sub, st.mode = key, sub, "edit"
    if isinstance(result, Ambiguous):
        offer_options(turn, f, result)
        return
    accept(turn, result.value, result.note)


def _target_label(form: Form, key: str, sub: str | None) -> str:
    f = form.field(key)
    return f.label if sub is None else f"{f.label}·{sub_label(sub)}"


def _edit_target(turn: Turn, key: str, sub: str | None) -> None:
    form, st = turn.form, turn.state
    if not form.has(key) or (sub is not None and sub not in form.field(key).spec.subkeys):
        stale(turn)
        return
    f = form.field(key)
    if not f.applies(st.answers):
        reject(turn, f"按目前的填写情况，“{f.label}”不需要填写。")
        return
    if f.is_map and sub is None:
        ask(turn, (key, f.spec.subkeys[0]), "edit_all")
    else:
        ask(turn, (key, sub), "edit")


def _on_answer(turn: Turn, text: str) -> None:
    item = nav.current_item(turn.state)
    assert item is not None
    f = turn.form.field(item[0])
    if item[1] is not None:
        whole = all_answer(text)
        if whole is not None:
            accept_rest(turn, whole)
            return
    try:
        result = parse_answer(spec_for(f, item[1]), text, turn.ctx)
    except ParseError as exc:
        reject(turn, exc.zh)
        return
    if isinstance(result, Ambiguous):
        offer_options(turn, f, result)
        return
    accept(turn, result.value, result.note)
