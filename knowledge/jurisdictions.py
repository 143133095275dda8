"""The jurisdiction hierarchy of the knowledge base and free-text place resolution.

`resolve_place("郑州市金水区")` → a `Resolution` whose status is
- "local": a node of `knowledge/jurisdictions.yaml` (exact names, aliases, full names such as
  郑州市金水区 or 河南郑州新密, suffix-less names such as 金水, and typos through rapidfuzz);
- "outside": a real Chinese place that the knowledge base does not cover (北京市朝阳区, 河南省新乡市):
  only national rules apply there;
- "unknown": not recognisable as a place.
The data is loaded once (package data) and resolutions are cached.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import yaml

from knowledge import gazetteer_cn

LEVELS = ("province", "city", "district", "county", "zone")

# Suffixes of administrative names: those of the real divisions, and 新区 (郑东新区 → 郑东).
_ADMIN_SUFFIXES = ("新区", *gazetteer_cn.ADMIN_SUFFIXES)
# Suffixes of units below a county (a text ending in one of these names a place inside its
# county-level prefix: 新密市城关镇 → 新密市).
_SUB_SUFFIXES = (
    "街道办事处",
    "办事处",
    "街道",
    "管委会",
    "社区",
    "园区",
    "片区",
    "集聚区",
    "产业园",
    "新城",
    "镇",
    "乡",
    "村",
    "路",
    "街",
    "道",
    "号",
    "组",
    "地块",
    "宗地",
    "小区",
    "组团",
)
_COUNTY_SUFFIXES = ("自治县", "自治旗", "林区", "特区", "县", "区", "市", "旗")
# Development zones and new areas: no administrative divisions, so never in the national list;
# one named after a node lies inside it (郑州市马寨经济开发区 → 郑州市).
_ZONE_SUFFIXES = (
    "开发区",
    "新区",
    "园区",
    "集聚区",
    "片区",
    "示范区",
    "实验区",
    "试验区",
    "保税区",
)
# Divisions of county level and above that the national list holds in full. A name with one of
# these suffixes that the list does not know is no real place (火星市, 纽约市, 某某县); 区 and a
# bare 州 are left out (zones are districts too; 郑州 and 杭州 end in 州).
_LISTED_SUFFIXES = (
    "特别行政区",
    "自治区",
    "自治州",
    "自治县",
    "自治旗",
    "地区",
    "林区",
    "省",
    "市",
    "县",
    "旗",
    "盟",
)
_LISTED_UNIT = re.compile(
    r"[\u4e00-\u9fff]{2,12}?(?:" + "|".join(map(re.escape, _LISTED_SUFFIXES)) + ")"
)
_STRIP = re.compile(r"[\s\u3000,，、/／>＞›»·・\-—_|()（）\[\]【】\"'“”‘’。.:：;；]+")
_PLACE_WORD = re.compile(r"^[\u4e00-\u9fff]{2,20}$")
_FUZZY_CUTOFF = 66.0


@dataclass(frozen=True)
class Place:
    id: str  # unique, e.g. "河南省/郑州市/新密市"
    name: str  # "新密市"
    level: str  # "province" | "city" | "district" | "county" | "zone"
    chain: tuple[str, ...]  # names from the province down
    tags: frozenset[str] = frozenset()
    full: str | None = None  # official full name, e.g. 郑州航空港经济综合实验区
    aliases: tuple[str, ...] = ()
    parent_id: str | None = None

    @property
    def display(self) -> str:
        """The chain joined the way officials write it: 河南省郑州市新密市."""
        return "".join(self.chain)


@dataclass(frozen=True)
class Resolution:
    status: str  # "local" | "outside" | "unknown"
    place: Place | None
    text: str  # the input
    nearest: Place | None = field(default=None, compare=False)  # for "outside": the deepest
    # node of the knowledge base that contains the place, when there is one (河南省新乡市 → 河南省)

    def chain(self) -> list[str]:
        """place.chain, or for "outside" a best-effort split of the text into admin units."""
        if self.place is not None:
            return list(self.place.chain)
        if self.status == "outside":
            text = _normalise(self.text)
            parts = gazetteer_cn.split(text)
            return parts if len(parts) > 1 or parts == [text] else _split_admin(text)
        return []

    @property
    def is_local(self) -> bool:
        return self.status == "local"


class _Gazetteer:
    """The loaded hierarchy with its lookup tables."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.places: dict[str, Place] = {}
        self.order: list[str] = []
        for node in data.get("places") or []:
            self._add(node, ())
        self.provinces: tuple[str, ...] = tuple(data.get("provinces") or ())
        self.keys: dict[str, set[str]] = {}
        for place in self.places.values():
            for key in _keys_of(place):
                self.keys.setdefault(key, set()).add(place.id)
        # Full chain names ("郑州市金水区", "河南省郑州市金水区") for fuzzy matching.
        self.fuzzy_keys: dict[str, str] = {}
        for place in self.places.values():
            for key in _keys_of(place):
                if len(key) >= 2 and len(self.keys[key]) == 1:
                    self.fuzzy_keys.setdefault(key, place.id)
            for start in range(len(place.chain) - 1):
                self.fuzzy_keys.setdefault("".join(place.chain[start:]), place.id)
        self.max_key = max((len(k) for k in self.keys), default=0)
        self.province_stems = {_stem(p): p for p in self.provinces}

    def _add(self, node: dict[str, Any], chain: tuple[str, ...]) -> None:
        name = str(node["name"])
        new_chain = (*chain, name)
        pid = "/".join(new_chain)
        if pid in self.places:
            raise ValueError(f"duplicate place {pid}")
        level = str(node.get("level", ""))
        if level not in LEVELS:
            raise ValueError(f"{pid}: level {level!r} is not one of {LEVELS}")
        self.places[pid] = Place(
            id=pid,
            name=name,
            level=level,
            chain=new_chain,
            tags=frozenset(str(t) for t in node.get("tags") or ()),
            full=node.get("full"),
            aliases=tuple(str(a) for a in node.get("aliases") or ()),
            parent_id="/".join(chain) if chain else None,
        )
        self.order.append(pid)
        for child in node.get("children") or []:
            self._add(child, new_chain)


def _stem(name: str) -> str:
    return gazetteer_cn.stem(name, _ADMIN_SUFFIXES)


def _keys_of(place: Place) -> set[str]:
    keys = {place.name, *place.aliases}
    if place.full:
        keys.add(place.full)
    for key in list(keys):
        stem = _stem(key)
        if len(stem) >= 2:
            keys.add(stem)
    return {_normalise(k) for k in keys if k}


def _normalise(text: str) -> str:
    text = _STRIP.sub("", text or "")
    for prefix in ("中华人民共和国", "中国"):
        if text.startswith(prefix) and len(text) > len(prefix):
            text = text[len(prefix) :]
    return text


def _split_admin(text: str) -> list[str]:
    """Split 北京市朝阳区 into ["北京市", "朝阳区"] at administrative suffixes."""
    parts: list[str] = []
    pattern = "|".join(re.escape(s) for s in (*_ADMIN_SUFFIXES, "镇", "乡", "街道"))
    rest = text
    while rest:
        match = re.search(rf"(.{{1,12}}?(?:{pattern}))", rest)
        if not match or match.start() != 0:
            parts.append(rest)
            break
        parts.append(match.group(1))
        rest = rest[match.end() :]
    return parts


@cache
def _gazetteer() -> _Gazetteer:
    text = resources.files("knowledge").joinpath("jurisdictions.yaml").read_text("utf-8")
    return _Gazetteer(yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))


def all_places() -> list[Place]:
    """Every node, parents before their children, in the order of the YAML file."""
    g = _gazetteer()
    return [g.places[pid] for pid in g.order]


def get_place(place_id: str) -> Place:
    """The node with this id; KeyError when there is none."""
    return _gazetteer().places[place_id]


def find_place(place_id: str) -> Place | None:
    """The node with this id, or None."""
    return _gazetteer().places.get(place_id)


def children(place: Place) -> list[Place]:
    g = _gazetteer()
    return [g.places[pid] for pid in g.order if g.places[pid].parent_id == place.id]


def within(place: Place, ancestor_id: str) -> bool:
    """True when `place` is the node `ancestor_id` or lies below it."""
    return place.id == ancestor_id or place.id.startswith(ancestor_id + "/")


def _descends(candidate: str, ancestor: str | None) -> bool:
    return ancestor is None or candidate.startswith(ancestor + "/")


def _segment(g: _Gazetteer, s: str) -> tuple[Place | None, str]:
    """Greedy longest-match of known names from the start: 河南郑州金水区 → 金水区, ""."""
    current: str | None = None
    i = 0
    while i < len(s):
        found: tuple[int, str] | None = None
        for length in range(min(g.max_key, len(s) - i), 0, -1):
            ids = g.keys.get(s[i : i + length])
            if not ids:
                continue
            fitting = sorted(pid for pid in ids if _descends(pid, current))
            if len(fitting) == 1:
                found = (length, fitting[0])
                break
        if found is None:
            break
        i += found[0]
        current = found[1]
    return (g.places[current] if current else None), s[i:]


def _fuzzy(g: _Gazetteer, s: str, under: Place | None = None) -> Place | None:
    from rapidfuzz import fuzz, process

    choices = {
        key: pid
        for key, pid in g.fuzzy_keys.items()
        if under is None or pid.startswith(under.id + "/")
    }
    if not choices or len(s) < 2:
        return None
    best = process.extractOne(s, list(choices), scorer=fuzz.ratio, score_cutoff=_FUZZY_CUTOFF)
    if best is None:
        return None
    # a second candidate just as close means we cannot tell which was meant
    runners = process.extract(s, list(choices), scorer=fuzz.ratio, limit=3)
    ties = {choices[k] for k, score, _ in runners if score >= best[1] - 1e-9}
    if len(ties) > 1:
        return None
    return g.places[choices[best[0]]]


@cache
def _pinyin_index() -> dict[str, frozenset[str]]:
    """Toneless pinyin of every key → place ids (homophone typos: 新秘市 → 新密市)."""
    g = _gazetteer()
    index: dict[str, set[str]] = {}
    for key, pid in g.fuzzy_keys.items():
        index.setdefault(_pinyin(key), set()).add(pid)
    for key, ids in g.keys.items():
        if len(key) >= 2:
            for pid in ids:
                index.setdefault(_pinyin(key), set()).add(pid)
    return {k: frozenset(v) for k, v in index.items()}


def _pinyin(text: str) -> str:
    from pypinyin import lazy_pinyin

    return " ".join(lazy_pinyin(text))


def _homophone(s: str, under: Place | None = None) -> Place | None:
    """The one node whose name sounds exactly like `s` (IME typos), or None."""
    if len(s) < 2 or not _PLACE_WORD.match(s):
        return None
    ids = _pinyin_index().get(_pinyin(s), frozenset())
    if under is not None:
        ids = frozenset(pid for pid in ids if pid.startswith(under.id + "/"))
    if len(ids) != 1:
        return None
    return _gazetteer().places[next(iter(ids))]


def _looks_like_place(g: _Gazetteer, s: str) -> bool:
    if not _PLACE_WORD.match(s):
        return False
    if s in g.provinces or gazetteer_cn.lookup(s) or gazetteer_cn.is_real_place(s):
        return True
    if any(s.startswith(stem) for stem in g.province_stems):
        return True
    return s.endswith((*_ADMIN_SUFFIXES, "镇", "乡", "街道"))


def _is_real_elsewhere(g: _Gazetteer, s: str) -> bool:
    """True when `s` is the full name of a real division that is not a node (新乡市, 朝阳区)."""
    return s not in g.keys and any(d.name == s for d in gazetteer_cn.lookup(s))


@lru_cache(maxsize=4096)
def resolve_place(text: str) -> Resolution:
    """Resolve free text to a node (local), a real place outside the KB, or unknown."""
    g = _gazetteer()
    s = _normalise(text)
    if not s:
        return Resolution("unknown", None, text)
    ids = g.keys.get(s)
    if ids and len(ids) == 1:
        return Resolution("local", g.places[next(iter(ids))], text)
    place, rest = _segment(g, s)
    if place is not None:
        if not rest:
            return Resolution("local", place, text)
        if place.level in ("province", "city"):
            head = _county_head(rest)
            if _is_real_elsewhere(g, head):
                return Resolution("outside", None, text, nearest=place)
            typo = _homophone(head, under=place) or _fuzzy(g, head, under=place)
            if typo is not None:
                return Resolution("local", typo, text)
            if head.endswith(_COUNTY_SUFFIXES) and not head.endswith(_ZONE_SUFFIXES):
                if len(head) >= 2 and not _is_division(head):
                    return Resolution("unknown", None, text)  # 郑州市火星区, 河南省火星市
                # a county-level unit of this province/city that the KB does not hold
                return Resolution("outside", None, text, nearest=place)
        # 新密市城关镇, 金水去 (a mistyped suffix), 郑州市某地块: inside the matched node
        return Resolution("local", place, text)
    fictional = _names_fictional_division(s)
    if (_is_real_elsewhere(g, s) or _is_real_elsewhere(g, _county_head(s))) and not fictional:
        return Resolution("outside", None, text, nearest=_segment(g, s)[0])
    typo = _homophone(s) or _homophone(_county_head(s)) or _fuzzy(g, s)
    if typo is not None:
        return Resolution("local", typo, text)
    if _looks_like_place(g, s) and not fictional:
        return Resolution("outside", None, text, nearest=None)
    return Resolution("unknown", None, text)


def _is_division(name: str) -> bool:
    """True when `name` is a real division, or one renamed since the list was made: a county
    that became a city (邹平县 → 邹平市) keeps its stem."""
    return bool(gazetteer_cn.lookup(name) or gazetteer_cn.lookup(gazetteer_cn.stem(name)))


def _names_fictional_division(s: str) -> bool:
    """True when `s` starts with divisions of listed kinds (省, 市, 县 …) one of which does not
    exist: 火星市, 纽约市奥林匹斯区, 某某县, 河北省火星市."""
    rest = s
    while (match := _LISTED_UNIT.match(rest)) is not None:
        if not _is_division(match.group(0)):
            return True
        rest = rest[match.end() :]
    return False


def _county_head(rest: str) -> str:
    """The first administrative unit of `rest`: 新乡市红旗区 → 新乡市; 金水去 → 金水去."""
    parts = gazetteer_cn.split(rest)
    return parts[0] if parts else rest
