"""The terminal channel: the same dialogues as the Telegram bot, one line per answer.

It only translates: lines in → `bot.services` calls, replies out → printed text, with the
option buttons of a question shown as numbers the user can type. Works interactively and
with answers piped on stdin; at end of input the draft stays saved, and the next
`landbot chat` with the same user offers to continue it.
"""

from __future__ import annotations

import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from bot import services
from bot.dialogue import Button, Message
from bot.services import DraftConflict, DraftSummary, Reply
from knowledge.errors import BadInput, LandbotError, ServiceUnavailable
from storage.db import Database

MENU = ("新建储备方案", "新建供地方案", "我的草稿", "退出")
MENU_WORDS = {
    "新建储备方案": 1, "储备方案": 1, "储备": 1,
    "新建供地方案": 2, "供地方案": 2, "供地": 2,
    "我的草稿": 3, "草稿": 3,
    "退出": 4, "q": 4, "quit": 4, "exit": 4,
}  # fmt: skip
FINISHED = ("导出方案文件", "继续查看或修改", "返回主菜单")
DRAFT_ACTIONS = ("继续填写", "查看", "导出方案文件", "删除", "复制草稿", "返回")
OPTION_ACTIONS = ("o", "b", "mc")  # choice, yes/no and 确认/修改 get numbers; the rest are words
PASTE_WORDS = ("粘贴", "/paste")
PASTE_PROMPT = "请粘贴内容，每行一项“字段: 值”（如 土地面积: 30亩），以空行结束："
EOF_NOTE = "（输入结束。草稿已保存，下次运行 landbot chat 可以继续填写。）"


@dataclass
class Console:
    """Line input and output; `read` returns None at end of input."""

    stdin: TextIO = field(default_factory=lambda: sys.stdin)
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    interactive: bool = False

    def read(self, prompt: str = "> ") -> str | None:
        if self.interactive:
            try:
                return input(prompt)
            except EOFError:
                self.say("")
                return None
        line = self.stdin.readline()
        if not line:
            return None
        return line.rstrip("\r\n")

    def say(self, text: str) -> None:
        print(text, file=self.stdout, flush=True)


def _number(text: str) -> int | None:
    """A typed option number (full-width digits too), or None."""
    t = unicodedata.normalize("NFKC", text).strip().rstrip(".、)）")
    return int(t) if t.isascii() and t.isdigit() and len(t) <= 3 else None


def _choose(
    console: Console,
    options: tuple[str, ...],
    title: str,
    words: dict[str, int] | None = None,
) -> int | None:
    """Show a numbered menu; the chosen index (0-based), or None at end of input.

    An option is picked by its number, its label, or one of `words` (word → 1-based number).
    """
    console.say(title)
    for i, label in enumerate(options, 1):
        console.say(f"  {i}. {label}")
    while True:
        line = console.read()
        if line is None:
            return None
        n = _number(line)
        if n is not None and 1 <= n <= len(options):
            return n - 1
        typed = line.strip()
        if typed in options:
            return options.index(typed)
        picked = (words or {}).get(unicodedata.normalize("NFKC", typed).strip("。.！!").lower())
        if picked is not None and 1 <= picked <= len(options):
            return picked - 1
        console.say(f"请输入 1-{len(options)} 之间的数字。")


class TerminalChat:
    """One terminal session of one user."""

    def __init__(self, db: Database, user_id: int, console: Console, out_dir: Path) -> None:
        self.db = db
        self.user_id = user_id
        self.console = console
        self.out_dir = out_dir
        self.options: list[Button] = []

    # -- output ---------------------------------------------------------------------------

    def show(self, messages: list[Message], *, buttons: bool = True) -> None:
        self.options = []
        for m in messages:
            self.console.say("")
            self.console.say(m.text)
            if buttons:
                self._show_buttons(m.buttons)

    def _show_buttons(self, rows: list[list[Button]]) -> None:
        numbered: list[Button] = []
        words: list[str] = []
        for b in (b for row in rows for b in row):
            if b.data.split(":", 1)[0] in OPTION_ACTIONS:
                numbered.append(b)
            elif b.label not in words:
                words.append(b.label)
        if numbered:
            self.options = numbered
            self.console.say("  ".join(f"[{i}] {b.label}" for i, b in enumerate(numbered, 1)))
        if words:
            self.console.say(f"（可发送：{' / '.join(words)}）")

    # -- the session ----------------------------------------------------------------------

    def run(self) -> int:
        if not self._offer_unfinished():
            return self._eof()
        while True:
            pick = _choose(self.console, MENU, "\n请选择：", MENU_WORDS)
            if pick is None:
                return self._eof()
            if pick == 3:
                self.console.say("再见。草稿都已保存。")
                return 0
            try:
                going = self._menu_item(pick)
            except LandbotError as exc:
                if isinstance(exc, ServiceUnavailable):
                    raise
                self.console.say(exc.zh)
                continue
            if not going:
                return self._eof()

    def _offer_unfinished(self) -> bool:
        """Offer to continue the draft the last session left unfinished; False at EOF."""
        active = services.active_draft(self.db, self.user_id)
        if active is None or active.complete:
            return True
        title = f"您有一份未完成的草稿：{active.describe()}"
        pick = _choose(self.console, ("继续填写", "返回主菜单"), title)
        if pick is None:
            return False
        if pick == 1:
            return True
        return self._converse(services.resume_draft(self.db, self.user_id, active.id))

    def _menu_item(self, pick: int) -> bool:
        if pick in (0, 1):
            kind = "reserve_plan" if pick == 0 else "supply_plan"
            return self._converse(services.start_draft(self.db, self.user_id, kind))
        return self._my_drafts()

    def _eof(self) -> int:
        self.console.say(EOF_NOTE)
        return 0

    def _converse(self, reply: Reply) -> bool:
        """Run the dialogue of the active draft until it is left or done; False at EOF."""
        while True:
            self.show(reply.messages, buttons=not reply.done)
            if reply.cancelled or reply.draft is None:
                return True
            if reply.done:
                return self._finished(reply.draft)
            line = self.console.read()
            if line is None:
                return False
            if line.strip() in PASTE_WORDS:  # a block on the following lines, up to an empty one
                block = self._block()
                if block is None:
                    return False
                line = "粘贴\n" + block
            n = _number(line)
            button = None
            if n is not None and self.options and 1 <= n <= len(self.options):
                button = self.options[n - 1].data
            try:
                if button is not None:
                    reply = services.handle_message(self.db, self.user_id, button=button)
                else:
                    reply = services.handle_message(self.db, self.user_id, text=line)
            except DraftConflict as exc:  # nothing was saved: say so and keep the question
                self.console.say(exc.zh)

    def _block(self) -> str | None:
        """The lines typed or pasted after 粘贴, up to an empty line; None at end of input
        before any line."""
        self.console.say(PASTE_PROMPT)
        lines: list[str] = []
        while True:
            line = self.console.read("… ")
            if line is None:
                return "\n".join(lines) if lines else None
            if not line.strip():
                return "\n".join(lines)
            lines.append(line)

    def _finished(self, draft: DraftSummary) -> bool:
        """After the last answer: export, keep editing, or back to the menu."""
        while True:
            pick = _choose(self.console, FINISHED, "\n接下来：")
            if pick is None:
                return False
            if pick == 0:
                if not self._export(draft.id):
                    return False
                services.leave_draft(self.db, self.user_id)
                return True
            if pick == 1:
                hint = Message("请发送“查看”或“修改 字段名”；发送“取消”返回主菜单。")
                return self._converse(Reply(messages=[hint], draft=draft))
            services.leave_draft(self.db, self.user_id)
            return True

    def _export(self, draft_id: int) -> bool:
        exported = services.export_draft(self.db, self.user_id, draft_id)
        default = _free_path(self.out_dir / exported.filename)
        self.console.say(f"保存到哪个文件？直接回车保存为 {default}")
        line = self.console.read("文件名> ")
        if line is None:
            return False
        target = Path(line.strip()).expanduser() if line.strip() else default
        try:
            write_plan_file(target, exported.text)
        except BadInput as exc:
            self.console.say(exc.zh)
            return True
        note = "" if exported.draft.complete else "（注意：草稿尚未填完，只导出了已填的项）"
        self.console.say(f"已导出方案文件：{target}{note}")
        return True

    def _my_drafts(self) -> bool:
        drafts = services.list_drafts(self.db, self.user_id)
        if not drafts:
            self.console.say("您还没有草稿。")
            return True
        labels = (*(d.describe() for d in drafts), "返回主菜单")
        pick = _choose(self.console, labels, "\n您的草稿：")
        if pick is None:
            return False
        if pick == len(drafts):
            return True
        return self._draft_actions(drafts[pick])

    def _draft_actions(self, draft: DraftSummary) -> bool:
        pick = _choose(self.console, DRAFT_ACTIONS, f"\n{draft.describe()}")
        if pick is None:
            return False
        if pick == 0:
            return self._converse(services.resume_draft(self.db, self.user_id, draft.id))
        if pick == 1:
            self.show([services.show_draft(self.db, self.user_id, draft.id)], buttons=False)
        elif pick == 2:
            return self._export(draft.id)
        elif pick == 3:
            sure = _choose(self.console, ("确认删除", "不删除"), f"确定删除草稿 {draft.id} 吗？")
            if sure is None:
                return False
            if sure == 0:
                services.delete_draft(self.db, self.user_id, draft.id)
                self.console.say(f"草稿 {draft.id} 已删除。")
        elif pick == 4:
            return self._converse(services.copy_draft(self.db, self.user_id, draft.id))
        return True


def _free_path(path: Path) -> Path:
    """`path`, or `name-2.yaml`, `name-3.yaml`… when it exists (never overwrite silently)."""
    n = 2
    candidate = path
    while candidate.exists():
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
        n += 1
    return candidate


def write_plan_file(path: Path, text: str) -> None:
    """Write an exported plan file; an unwritable path is `BadInput`."""
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise BadInput(
            f"无法写入文件 {path}：{exc.strerror or exc}", f"cannot write {path}: {exc}"
        ) from None


def run_chat(db: Database, user_id: int, console: Console, out_dir: Path | None = None) -> int:
    """Run a terminal session until the user quits or the input ends."""
    return TerminalChat(db, user_id, console, out_dir or Path.cwd()).run()
