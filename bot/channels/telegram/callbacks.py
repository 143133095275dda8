"""Callback data: short ASCII ids, never labels (Telegram allows 64 bytes); parsed strictly.

d:<draft>:<version>:<engine data>   a dialogue button of the draft at that version
m:<draft>                           修改: choose the answer to change
g:<draft>  sb:<draft>  r:<draft>    生成文件, 提交审核, 继续填写
x:<draft>  xy:<draft>  nv:<draft>   删除 (ask), 删除 (confirmed), 新建版本
cp:<draft>                          复制草稿 (a new draft for a neighbouring parcel)
dl:<document>                       download a stored document again
rv:<draft>:<version>:a|r            a reviewer approves / returns
fa:<n>:<article>                    查看全文 (n: the document's index in the corpus)
p:<key>:<value>                     an answer in 程序判定
lc:<year>  lx:<year>                供应台账: the chart, the workbook of that year
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_BYTES = 64
_PATTERNS = {
    "d": re.compile(r"d:(\d{1,10}):(\d{1,10}):([a-z]{1,3}:[a-z0-9_.:]{1,37})", re.ASCII),
    "m": re.compile(r"m:(\d{1,10})", re.ASCII),
    "g": re.compile(r"g:(\d{1,10})", re.ASCII),
    "sb": re.compile(r"sb:(\d{1,10})", re.ASCII),
    "r": re.compile(r"r:(\d{1,10})", re.ASCII),
    "x": re.compile(r"x:(\d{1,10})", re.ASCII),
    "xy": re.compile(r"xy:(\d{1,10})", re.ASCII),
    "nv": re.compile(r"nv:(\d{1,10})", re.ASCII),
    "cp": re.compile(r"cp:(\d{1,10})", re.ASCII),
    "dl": re.compile(r"dl:(\d{1,10})", re.ASCII),
    "rv": re.compile(r"rv:(\d{1,10}):(\d{1,10}):([ar])", re.ASCII),
    "fa": re.compile(r"fa:(\d{1,4}):(.{1,40})", re.ASCII),
    "p": re.compile(r"p:([a-z_]{1,40}):([a-z0-9_]{1,16})", re.ASCII),
    "lc": re.compile(r"lc:(\d{4})", re.ASCII),
    "lx": re.compile(r"lx:(\d{4})", re.ASCII),
}
PREFIX_PATTERN = r"^(?:" + "|".join(sorted(_PATTERNS, key=len, reverse=True)) + "):"


@dataclass(frozen=True)
class Callback:
    kind: str
    parts: tuple[str, ...]

    def int(self, i: int = 0) -> int:
        return int(self.parts[i])


def parse(data: str | None) -> Callback | None:
    """The callback, or None for anything malformed, oversized or unknown (untrusted)."""
    if not data or len(data.encode("utf-8", "replace")) > MAX_BYTES:
        return None
    kind = data.split(":", 1)[0]
    pattern = _PATTERNS.get(kind)
    if pattern is None:
        return None
    m = pattern.fullmatch(data)
    if m is None:
        return None
    return Callback(kind, m.groups())


def make(kind: str, *parts: object) -> str:
    data = ":".join([kind, *(str(p) for p in parts)])
    if parse(data) is None:
        raise ValueError(f"invalid callback data {data!r}")
    return data


def fits(kind: str, *parts: object) -> bool:
    try:
        make(kind, *parts)
    except ValueError:
        return False
    return True
