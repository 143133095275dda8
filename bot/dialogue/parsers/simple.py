"""Yes/no, free text, text-or-no, and places."""

from __future__ import annotations

import re
import unicodedata
from typing import cast

from bot.dialogue.parsers.base import ParseContext, Parsed, ParseError, PlaceResolver
from bot.dialogue.parsers.numerals import clean
from knowledge.plan import KeySpec

YES = frozenset(
    [
        "是",
        "是的",
        "对",
        "对的",
        "有",
        "有的",
        "已",
        "已完成",
        "完成",
        "已经完成",
        "完成了",
        "办完",
        "已办",
        "已办理",
        "已纳入",
        "纳入",
        "已批准",
        "批准",
        "已审计",
        "审计",
        "已开展",
        "已做",
        "做了",
        "具备",
        "符合",
        "通过",
        "已通过",
        "同意",
        "确认",
        "好",
        "好的",
        "可以",
        "行",
        "要",
        "需要",
        "yes",
        "y",
        "true",
        "t",
        "1",
        "✓",
        "√",
        "ok",
    ]
)
NO = frozenset(
    [
        "否",
        "不是",
        "尚未",
        "暂未",
        "还未",
        "不",
        "不对",
        "没有",
        "没",
        "无",
        "未",
        "未完成",
        "没完成",
        "没有完成",
        "尚未完成",
        "还没有",
        "还没",
        "未办",
        "未办理",
        "未纳入",
        "没纳入",
        "未批准",
        "没批准",
        "未审计",
        "没审计",
        "未开展",
        "没做",
        "不具备",
        "不符合",
        "未通过",
        "不通过",
        "不同意",
        "不要",
        "不需要",
        "no",
        "n",
        "false",
        "f",
        "0",
        "×",
        "✗",
        "x",
    ]
)
_PUNCT = "。！!，,.~～ "
_PARTICLES = "了的啦呀啊呢吧哦" + _PUNCT
YESNO_HINT = "请回答“是”或“否”（也可以说 有/没有、已完成/未完成）"


# An answer that echoes the question's verb: 已经审计 / 已审计过 → yes; 没有审计 / 还没开展 /
# 尚未完成 → no. Only a verb of getting something done may follow the lead (or a word of the
# question's own label): 没有纠纷 is a statement about disputes, not a no, and is not guessed.
_YES_LEADS = ("已经", "已")
_NO_LEADS = ("还没有", "还没", "尚未", "暂未", "仍未", "还未", "没有", "没", "未经", "未")
_NEGATION = frozenset("无不没未非否")
_DONE_TAILS = ("完成", "完毕", "完", "好", "过", "了")
DONE_VERBS = frozenset(
    [
        "完成",
        "做",
        "办",
        "办理",
        "开展",
        "进行",
        "审计",
        "审核",
        "审批",
        "批准",
        "批复",
        "同意",
        "纳入",
        "落实",
        "实施",
        "签订",
        "签",
        "注销",
        "拆迁",
        "安置",
        "补偿",
        "调查",
        "勘探",
        "核查",
        "评估",
        "评审",
        "通过",
        "明确",
        "上报",
        "报批",
        "备案",
        "公示",
        "清理",
        "平整",
    ]
)


def _echo(candidate: str, label: str) -> bool | None:
    for leads, value in ((_NO_LEADS, False), (_YES_LEADS, True)):
        lead = next((w for w in leads if candidate.startswith(w)), None)
        if lead is None:
            continue
        rest = candidate[len(lead) :]
        changed = True
        while changed:
            changed = False
            for tail in _DONE_TAILS:
                if rest.endswith(tail) and len(rest) > len(tail):
                    rest, changed = rest[: -len(tail)], True
        if rest in DONE_VERBS or rest in _DONE_TAILS or (len(rest) >= 2 and rest in label):
            # 无法律经济纠纷: echoing a negative label (没有纠纷) means yes, so never guess there.
            if rest not in DONE_VERBS and _NEGATION.intersection(label.replace("是否", "")):
                return None
            return value
        return None
    return None


def yes_no(text: str, label: str = "") -> bool | None:
    """True/False for a yes/no answer, None when it is not one.

    `label` is the question's field label: an answer may echo a word of it (已审计).
    """
    candidate = clean(text).strip(_PUNCT)
    while candidate:
        if candidate in YES:
            return True
        if candidate in NO:
            return False
        if candidate[-1] not in _PARTICLES:
            break
        candidate = candidate[:-1]
    return _echo(candidate, label) if candidate else None


def parse_bool(text: str, spec: KeySpec, ctx: ParseContext) -> Parsed:
    value = yes_no(text, spec.label if spec.type == "bool" else "")
    if value is None:
        raise ParseError(YESNO_HINT)
    return Parsed(value)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u2028\u2029\ufeff]")


def clean_text(text: str, spec: KeySpec) -> Parsed:
    """Free text kept verbatim, except control characters (removed, with a note)."""
    t = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    stripped = _CONTROL.sub("", t)
    note = "已去除文字中的不可见控制字符" if stripped != t else None
    # Unpaired surrogates cannot be stored as UTF-8: drop them too.
    safe = "".join(c for c in stripped if unicodedata.category(c) != "Cs")
    if safe != stripped:
        note = "已去除文字中的无效字符"
    value = safe.strip()
    if not value:
        raise ParseError(f"{spec.label}不能为空，请输入文字内容")
    limit = spec.max_len
    if limit is not None and len(value) > limit:
        raise ParseError(f"{spec.label}最多 {limit} 字，您输入了 {len(value)} 字，请精简后重新发送")
    return Parsed(value, note)


def parse_text(text: str, spec: KeySpec, ctx: ParseContext) -> Parsed:
    return clean_text(text, spec)


def parse_flag_text(text: str, spec: KeySpec, ctx: ParseContext) -> Parsed:
    """否/没有 → False; 是/有 → True; anything else is the description itself."""
    value = yes_no(text)
    if value is not None:
        return Parsed(value)
    return clean_text(text, spec)


def parse_place(text: str, spec: KeySpec, ctx: ParseContext) -> Parsed:
    """A place resolved against the jurisdiction hierarchy; unknown places are rejected."""
    cleaned = clean_text(text, spec).value
    resolver: PlaceResolver | None = ctx.resolve_place
    if resolver is None:
        from knowledge.jurisdictions import resolve_place  # packaged data, loaded once

        resolver = cast(PlaceResolver, resolve_place)
    res = resolver(cleaned)
    if res.status == "unknown":
        raise ParseError(
            "没有找到这个行政区，请写出省、市或县（区）的全称，例如：郑州市金水区 或 新密市"
        )
    name = _place_name(res.place) or cleaned
    if res.status == "outside":
        return Parsed(name, "该地不在本系统的地方政策范围内，只按国家规定核查")
    if getattr(res.place, "level", None) == "province":
        return Parsed(name, "只写到省，地方政策可能对不上；建议写到市、县（区）")
    return Parsed(name)


def _place_name(place: object) -> str | None:
    """How the place is stored: its chain below the province (郑州市金水区), or its name."""
    if place is None:
        return None
    if isinstance(place, str):
        return place
    chain = getattr(place, "chain", None)
    if isinstance(chain, tuple | list) and chain and all(isinstance(c, str) for c in chain):
        return "".join(chain[1:] if len(chain) > 1 else chain)
    name = getattr(place, "name", None)
    return name if isinstance(name, str) and name else None
