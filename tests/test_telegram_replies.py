"""A plain note before a question goes out in the question's Telegram message (render.joined)."""

from __future__ import annotations

from bot.channels.telegram import render
from bot.dialogue.types import Button, Message

QUESTION = Message(
    "第 1/3 项 · 项目名称\n叫什么名字？", "question", [[Button("查看", "cmd:review")]]
)


def test_a_note_joins_the_question_after_it_with_the_question_buttons() -> None:
    note = Message("开始填写供地方案，共 3 项。", "info")
    outs = render.dialogue_messages([note, QUESTION], 7, 1)
    assert len(outs) == 1
    assert outs[0].html == "开始填写供地方案，共 3 项。\n\n第 1/3 项 · 项目名称\n叫什么名字？"
    assert outs[0].keyboard is not None
    assert outs[0].keyboard.inline_keyboard[0][0].callback_data == "d:7:1:cmd:review"


def test_findings_errors_notes_with_buttons_and_long_notes_stay_apart() -> None:
    finding = Message("警示：……", "finding", [[Button("修改 土地用途", "e:land_use")]])
    error = Message("没有收到内容，请输入回答。", "error")
    with_buttons = Message("已清除：熔断比例", "info", [[Button("查看", "cmd:review")]])
    long_note = Message("长" * render.MAX_CHARS, "info")
    for first in (finding, error, with_buttons, long_note):
        assert render.joined([first, QUESTION]) == [first, QUESTION]
    # a note is joined to a question only: not to a finding, nor to a note
    note = Message("✅ 已消除：……", "info")
    assert render.joined([note, finding, QUESTION]) == [note, finding, QUESTION]
    assert len(render.joined([note, note, QUESTION])) == 2
