"""China's administrative divisions (province, prefecture, county), for place recognition only.

The knowledge base covers a few places (knowledge/jurisdictions.yaml); this list tells a real
place outside it (北京市朝阳区, 新乡市) from a mistyped name inside it (新蜜市). Loaded lazily.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

# Suffixes of administrative names, longest first (a name minus its suffix is its stem).
ADMIN_SUFFIXES = (
    "特别行政区",
    "维吾尔自治区",
    "壮族自治区",
    "回族自治区",
    "自治区",
    "自治州",
    "自治县",
    "自治旗",
    "地区",
    "林区",
    "特区",
    "省",
    "市",
    "县",
    "区",
    "州",
    "旗",
    "盟",
)


@dataclass(frozen=True)
class Division:
    code: str  # 6 digits: 2 province, 2 prefecture, 2 county
    name: str

    @property
    def parent_codes(self) -> tuple[str, ...]:
        """Codes of the province and prefecture above this division."""
        out = []
        if self.code[2:] != "0000":
            out.append(self.code[:2] + "0000")
        if self.code[4:] != "00":
            out.append(self.code[:4] + "00")
        return tuple(out)


def stem(name: str, suffixes: tuple[str, ...] = ADMIN_SUFFIXES) -> str:
    """The name without its administrative suffix, when at least two characters remain."""
    for suffix in suffixes:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


@cache
def divisions() -> dict[str, Division]:
    text = resources.files("knowledge").joinpath("data/cn_admin_divisions.txt").read_text("utf-8")
    out: dict[str, Division] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        code, name = line.split("\t")
        out[code] = Division(code, name)
    return out


@cache
def _by_name() -> dict[str, list[Division]]:
    index: dict[str, list[Division]] = {}
    for div in divisions().values():
        index.setdefault(div.name, []).append(div)
        s = stem(div.name)
        if s != div.name:
            index.setdefault(s, []).append(div)
    return index


def lookup(name: str) -> list[Division]:
    """Divisions whose name (or suffix-less stem) is `name`."""
    return list(_by_name().get(name, ()))


def is_real_place(text: str) -> bool:
    """True when `text` is, or ends with, the full name of a real division (not just a stem)."""
    if not text:
        return False
    index = _by_name()
    for start in range(len(text)):
        tail = text[start:]
        if any(d.name == tail for d in index.get(tail, ())):
            return True
    return False


def split(text: str) -> list[str]:
    """Split a full name into divisions, using real names where possible: 北京市朝阳区 → 2 parts."""
    index = _by_name()
    parts: list[str] = []
    i = 0
    while i < len(text):
        for j in range(len(text), i, -1):
            piece = text[i:j]
            found = index.get(piece, ())
            if any(d.name == piece for d in found):
                parts.append(piece)
                i = j
                break
            if len(found) == 1 and j == len(text) and len(piece) >= 2:
                parts.append(found[0].name)  # a bare stem at the end: 上海 → 上海市
                i = j
                break
        else:
            parts.append(text[i:])
            break
    return parts
