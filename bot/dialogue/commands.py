"""Recognise the dialogue commands in typed text and in button data (untrusted)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.dialogue.form import Form
from bot.dialogue.parsers.numerals import clean
from knowledge.plan import schema

WORDS: dict[str, str] = {
    "返回": "back", "上一步": "back", "上一项": "back", "上一题": "back", "后退": "back",
    "/back": "back",
    "跳过": "skip", "略过": "skip", "跳过此项": "skip", "跳过这项": "skip", "/skip": "skip",
    "查看": "review", "预览": "review", "查看方案": "review", "进度": "review",
    "/review": "review",
    "帮助": "help", "?": "help", "？": "help", "help": "help", "/help": "help",
    "取消": "cancel", "退出": "cancel", "/cancel": "cancel",
    "保持不变": "keep", "保持": "keep", "不变": "keep", "/keep": "keep",
}  # fmt: skip
ALL_YES = frozenset(("都是", "全是", "全部是", "都有", "全部完成", "都完成了", "都完成", "都已完成",
                     "全部已完成", "以上都是", "剩下都是"))  # fmt: skip
ALL_NO = frozenset(("都不是", "都否", "全部否", "都没有", "全部未完成", "都没完成", "都未完成",
                    "以上都不是", "剩下都没有"))  # fmt: skip
EDIT_PREFIXES = ("修改", "更改", "改一下", "/edit")
MAX_BUTTON_BYTES = 40
_BUTTON = re.compile(r"[a-z]{1,3}:[a-z0-9_.:]{1,37}")


@dataclass(frozen=True)
class Command:
    name: str  # back | skip | review | help | cancel | keep | edit
    arg: str = ""


def parse_text_command(text: str) -> Command | None:
    t = text.strip()
    word = WORDS.get(t) or WORDS.get(clean(t).strip("。.！!"))
    if word:
        return Command(word)
    for prefix in EDIT_PREFIXES:
        if t.startswith(prefix):
            return Command("edit", t[len(prefix) :].strip(" ：:「」“”\"'"))
    return None


def all_answer(text: str) -> bool | None:
    """True for 都是 (this and the remaining sub-questions), False for 都没有, else None."""
    t = clean(text).strip("。.！!，,了")
    if t in ALL_YES:
        return True
    if t in ALL_NO:
        return False
    return None


@dataclass(frozen=True)
class ButtonData:
    action: str  # cmd | o | b | s | k | e
    parts: tuple[str, ...]


def parse_button(data: str) -> ButtonData | None:
    """Split button data; None for anything malformed (never trusted)."""
    if not isinstance(data, str) or len(data.encode("utf-8", "replace")) > MAX_BUTTON_BYTES:
        return None
    if not _BUTTON.fullmatch(data):
        return None
    action, *parts = data.split(":")
    return ButtonData(action, tuple(parts))


@dataclass(frozen=True)
class EditTarget:
    key: str
    sub: str | None = None


_VALUE_LEAD = ("改为", "改成", "修改为", "更改为", "为", "是", "：", ":", "=", "＝")


def split_edit(form: Form, text: str) -> tuple[EditTarget, str] | None:
    """修改 土地面积 30亩 / 修改土地面积为30亩: the field named at the start and the new value."""
    sch = schema()
    names: list[tuple[str, EditTarget]] = []
    for f in form.fields:
        for name in {f.label, re.sub(r"（.*?）", "", f.label), f.key, *f.aliases}:
            names.append((name, EditTarget(f.key)))
        for sub in f.spec.subkeys:
            names.append((sch.labels.get(sub, sub), EditTarget(f.key, sub)))
    for name, target in sorted(names, key=lambda nt: -len(nt[0])):
        if len(name) >= 2 and text.startswith(name) and len(text) > len(name):
            rest = text[len(name) :]
            lead = next((w for w in _VALUE_LEAD if rest.lstrip().startswith(w)), None)
            if lead is None and not rest[0].isspace():
                continue  # 四至范围 is a name, not 四至 + a value
            rest = rest.strip()
            if lead is not None and rest[len(lead) :].strip():
                rest = rest[len(lead) :].strip()  # 修改 X 为 Y; but 修改 X 是 means the answer 是
            return (target, rest) if rest else None
    return None


def find_fields(form: Form, text: str) -> list[EditTarget]:
    """The fields (or map sub-keys) a typed name refers to: one, several close ones, or none."""
    t = clean(text)
    if not t:
        return []
    sch = schema()
    names: dict[str, EditTarget] = {}
    for f in form.fields:
        names[clean(f.label)] = EditTarget(f.key)
        names[f.key] = EditTarget(f.key)
        for alias in f.aliases:
            names.setdefault(clean(alias), EditTarget(f.key))
        for sub in f.spec.subkeys:
            names[clean(sch.labels.get(sub, sub))] = EditTarget(f.key, sub)
            names[f"{f.key}.{sub}"] = EditTarget(f.key, sub)
    if t in names:
        return [names[t]]
    # A label contained in the text or the text contained in one label only.
    inside = {names[n] for n in names if len(t) >= 2 and t in n}
    if len(inside) == 1:
        return list(inside)
    scored: dict[EditTarget, float] = {}
    for name, score, _ in process.extract(t, list(names), scorer=fuzz.WRatio, limit=None):
        target = names[name]
        scored[target] = max(scored.get(target, 0.0), float(score))
    ranked = sorted(scored.items(), key=lambda kv: -kv[1])
    if not ranked or ranked[0][1] < 70:
        return sorted(inside, key=lambda e: (e.key, e.sub or ""))[:6]
    best = ranked[0][1]
    close = [target for target, score in ranked if score >= best - 5]
    if best >= 90 and len(close) == 1:
        return close
    return close[:6]
