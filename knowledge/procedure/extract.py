"""Parcel facts from a free-text question ("新密市城区一块30亩的集体土地，规划住宅，在做地范围内").

`extract_facts(question)` returns the CONTRACT §3 parcel keys it can read (plus `as_of` when the
question names a date) and whether the text describes a parcel at all. Only what the text
says is extracted; anything else is left for the advisor to ask.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from knowledge.jurisdictions import Resolution, all_places, resolve_place
from knowledge.numerals import cn_to_number, parse_number

MU_M2 = 10000 / 15
_NUM = r"(\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千万点]+)"
_AREA = re.compile(
    _NUM + r"\s*(万平方米|万平米|万㎡|万m2|平方公里|平方千米|平方米|平米|㎡|m2|亩|公顷|ha)",
    re.IGNORECASE,
)
# fmt: off
_UNIT_M2 = {"万平方米": 1e4, "万平米": 1e4, "万㎡": 1e4, "万m2": 1e4, "平方公里": 1e6,
            "平方千米": 1e6, "平方米": 1.0, "平米": 1.0, "㎡": 1.0, "m2": 1.0,
            "亩": MU_M2, "公顷": 1e4, "ha": 1e4}

# land uses: (canonical, words), checked longest word first
_USES: list[tuple[str, tuple[str, ...]]] = [
    ("综合用地", ("综合用地", "商住用地", "商住")),
    ("住宅用地", ("住宅用地", "居住用地", "商品住宅", "住宅", "商品房", "居住")),
    ("商服用地", ("商服用地", "商业用地", "商业服务业", "商服", "商业", "商务办公", "酒店")),
    ("工业用地", ("工业用地", "工业", "厂房", "制造业")),
    ("仓储用地", ("仓储用地", "仓储", "物流用地", "物流")),
    ("公共管理与公共服务用地", ("公共管理与公共服务用地", "公共服务设施", "公共服务", "公共管理",
                        "学校", "医院", "教育用地", "医疗卫生用地", "养老院", "公益事业")),
    ("交通运输用地", ("交通运输用地", "道路用地", "停车场", "道路", "修路")),
    ("水域及水利设施用地", ("水利设施用地", "水利设施")),
    ("特殊用地", ("特殊用地", "军事用地")),
]
_PLANNED_CUE = re.compile(r"(规划|拟|准备|打算|计划|改为|改成|变更为|转为|调整为|用于|用途)")
_CURRENT_CUE = re.compile(r"(原来|原先|原为|原是|原有|以前|之前|过去|现状|现在是|目前是|现为)")
_PARCEL = re.compile(
    r"([一这那有该此本](?:块|宗|片|幅)(?:地|土地|地块|宗地)?|地块|宗地|块地)"
)
_INTENT = re.compile(r"(程序|流程|手续|怎么走|怎么办|如何|怎么收|怎么供|怎么出让|走什么|能不能|可以|可否)")
_CN_DIGIT = "〇零○一二三四五六七八九"
_YEAR = re.compile(
    rf"((?:20|19)\d\d|[二一][{_CN_DIGIT}]{{3}})\s*年"
    r"(?:\s*(\d{1,2}|[一二三四五六七八九十]{1,3})\s*月"
    r"(?:\s*(\d{1,2}|[一二三四五六七八九十]{1,4})\s*[日号])?)?"
)
_ZONE_OUT = re.compile(r"(不在|不属于|没有在|没在|未纳入|不纳入)[^，。；,;]{0,6}(做地|指定)[^，。；,;]{0,4}(范围|区域|片区)"
                       r"|(做地|指定)(范围|区域|片区)(以外|之外|外)")
_ZONE_IN = re.compile(r"(在|属于|位于|纳入|处于)[^，。；,;]{0,6}(做地|指定)[^，。；,;]{0,4}(范围|区域|片区)"
                      r"|(做地|指定)(范围|区域|片区)(内|里|之内)")
_ARCH_NO = re.compile(r"(没|未|还没|尚未|没有|未曾|从未)(有)?(做|开展|进行|完成)?(过)?考古")
_ARCH_YES = re.compile(r"((做|开展|进行|完成)(过|了)?(考古)|考古(工作)?(已|已经)(做|完成|开展)|已(经)?考古)")
_USERS = [
    (re.compile(r"(只有|仅有|就)(一|1)(家|个)"), 1),
    (re.compile(r"(一|1)(家|个)(企业|公司|单位|意向)"), 1),
    (re.compile(r"没有(人|企业|单位)?(想要|意向)|无意向"), 0),
    (re.compile(r"(多家|多个意向|几家)"), 2),
]
_USERS_N = re.compile(r"(\d+|[两二三四五六七八九十]+)\s*(家|个)(企业|公司|单位|意向|竞买|用地者|买家)?"
                      r"[^，。；,;]{0,6}(想要|都想|意向|竞争|争|要|申请|竞买|有意)")
_USERS_N2 = re.compile(r"(\d+|[两二三四五六七八九十]+)\s*(家|个)(企业|公司|单位|意向用地者|意向)")
_OWN_COLLECTIVE = re.compile(r"(集体土地|集体所有|农民集体|村集体|集体建设用地|集体经营性|集体的地|农村集体|村里的地|集体地|"
                             r"集体(?:的)?(?:耕地|农用地|林地|园地|草地|荒地|宅基地|未利用地)|"
                             r"(?:是|属于|归)集体|集体的(?=[，。；,;！？!?]|$))")
_OWN_STATE = re.compile(r"(国有土地|国有建设用地|国有的|国有地|国有出让|国有划拨|国有储备|属于国有|国家所有)")
_RIGHTS = [
    ("划拨", re.compile(r"(原划拨|划拨用地|划拨土地|划拨取得|划拨的|以划拨方式取得|行政划拨|划拨地)")),
    ("出让", re.compile(r"(已出让|已经出让|出让取得|以出让方式取得|出让用地|出让土地|出让的地|出让合同|"
                      r"出让年限|出让期限|出让期满|出让到期|出让地|拍下|竞得|"
                      r"出让的(?:国有)?(?:建设用地|土地|地块|宗地|工业用地|住宅用地|商业用地)|"
                      r"国有出让|出让的(?=[，。；,;！？!?]|$))")),
    ("租赁", re.compile(r"(租赁用地|租赁取得|国有土地租赁|承租)")),
]
# "拟出让的地块", "准备以挂牌方式出让的土地": how the land is to be supplied, not the right held now
_FUTURE_RIGHT = re.compile(r"(拟|准备|计划|打算|将要|将|待|要|想)(公开|对外|以|挂牌|拍卖|招标|协议|方式|的)*$")
_EXISTING_NO = re.compile(r"(新增建设用地|新增用地|新增工业用地|新增的|农用地|耕地)")
_EXISTING_YES = re.compile(r"(存量)")
_CURRENT_USE = re.compile(r"(永久基本农田|基本农田|耕地|林地|园地|草地|农用地|未利用地)")
_PLAN_RESERVE = re.compile(r"(已|已经)(纳入|列入|进入)[^，。；,;]{0,6}储备计划")
_PLAN_RESERVE_NO = re.compile(r"(未|没|没有|尚未|还没)(纳入|列入|进入)[^，。；,;]{0,6}储备计划")
_PLAN_SUPPLY = re.compile(r"(已|已经)(纳入|列入|进入)[^，。；,;]{0,6}(供应|供地)计划")
_PLAN_SUPPLY_NO = re.compile(r"(未|没|没有|尚未|还没)(纳入|列入|进入)[^，。；,;]{0,6}(供应|供地)计划")
_CLAUSE = re.compile(r"[，。；;,！？!?\n]")
_ADMIN_END = "省市县区旗盟州"
# fmt: on


@dataclass
class Extraction:
    fields: dict[str, Any] = field(default_factory=dict)
    as_of: dt.date | None = None
    place: Resolution | None = None
    parcel_mentioned: bool = False
    procedure_intent: bool = False

    @property
    def describes_parcel(self) -> bool:
        facts = {k for k in self.fields if k != "jurisdiction"}
        if not self.parcel_mentioned:
            # no "这块地" words: only a rich description counts (place and two facts)
            return self.place is not None and len(facts) >= 2 and "area_m2" in facts
        return bool(facts) or self.place is not None or self.procedure_intent


@cache
def _place_keys() -> list[str]:
    """Names of the knowledge base's places that may be quoted in a question, longest first."""
    keys: set[str] = set()
    for p in all_places():
        keys.update({p.name, *p.aliases})
        if p.full:
            keys.add(p.full)
        if p.level in ("province", "city", "county") and len(p.name) >= 3:
            keys.add(p.name[:-1])  # 新密, 焦作, 嵩明: stems of county-level and higher names
    return sorted((k for k in keys if len(k) >= 2), key=len, reverse=True)


_STREET_WORDS = ("路", "街", "大道", "道", "巷", "桥", "公园", "广场", "小区", "村", "镇", "乡")


@cache
def _outside_stems() -> re.Pattern[str]:
    """Stems of real provinces and prefectures (上海, 北京, 广州): officials drop the suffix."""
    from knowledge import gazetteer_cn

    stems = {
        gazetteer_cn.stem(d.name)
        for d in gazetteer_cn.divisions().values()
        if d.code.endswith("00")
    }
    names = sorted((s for s in stems if len(s) >= 2), key=len, reverse=True)
    return re.compile("|".join(map(re.escape, names)))


def _place_spans(text: str) -> list[tuple[int, int]]:
    from knowledge import gazetteer_cn

    spans: list[tuple[int, int]] = [
        m.span()
        for m in _outside_stems().finditer(text)
        if not text.startswith(_STREET_WORDS, m.end())  # 中山路 is a street, not 中山市
    ]
    for key in _place_keys():
        start = text.find(key)
        while start >= 0:
            spans.append((start, start + len(key)))
            start = text.find(key, start + 1)
    for j, ch in enumerate(text):
        if ch not in _ADMIN_END:
            continue
        for length in range(2, 10):
            i = j - length + 1
            if i < 0:
                break
            cand = text[i : j + 1]
            if any(d.name == cand for d in gazetteer_cn.lookup(cand)):
                spans.append((i, j + 1))
    return spans


def find_place(text: str) -> Resolution | None:
    """The place a question names: the first run of adjacent place names, resolved."""
    spans = sorted(set(_place_spans(text)))
    if not spans:
        return None
    runs: list[tuple[int, int]] = []
    for s, e in spans:
        if runs and s <= runs[-1][1]:
            runs[-1] = (runs[-1][0], max(runs[-1][1], e))
        else:
            runs.append((s, e))
    for s, e in runs:
        res = resolve_place(text[s:e])
        if res.status != "unknown":
            return res
    return None


def _area(text: str) -> float | None:
    m = _AREA.search(text)
    if not m:
        return None
    value = parse_number(m.group(1))
    if value is None or value <= 0:
        return None
    return round(value * _UNIT_M2[m.group(2).lower()], 2)


def _uses_in(text: str) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    taken: list[tuple[int, int]] = []
    words = sorted(((w, c) for c, ws in _USES for w in ws), key=lambda x: -len(x[0]))
    for word, canonical in words:
        for m in re.finditer(re.escape(word), text):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            taken.append((m.start(), m.end()))
            found.append((m.start(), canonical))
    return sorted(found)


def _uses(text: str) -> tuple[str | None, str | None]:
    """(planned use, current use) from cue words before each mention."""
    planned: str | None = None
    current: str | None = None
    mentions = _uses_in(text)
    for pos, canonical in mentions:
        before = text[max(0, pos - 8) : pos]
        clause = _CLAUSE.split(before)[-1]
        if _PLANNED_CUE.search(clause) and planned is None:
            planned = canonical
        elif _CURRENT_CUE.search(clause) and current is None:
            current = canonical
    if planned is None:
        rest = [c for _, c in mentions if c != current]
        if rest:
            planned = rest[0]
        elif current is not None and "存量" in text:
            planned = current  # 存量工业用地 supplied again as industrial land
    return planned, current


def _current_right(text: str) -> str | None:
    """The right held now (划拨, 出让, 租赁); a right the land is only to be supplied with
    ("拟出让的地块") is not one."""
    for right, pattern in _RIGHTS:
        for m in pattern.finditer(text):
            before = _CLAUSE.split(text[: m.start()])[-1]
            if not _FUTURE_RIGHT.search(before):
                return right
    return None


def _users(text: str) -> int | None:
    for pattern, n in _USERS:
        if pattern.search(text):
            return n
    m = _USERS_N.search(text) or _USERS_N2.search(text)
    if m:
        count = parse_number(m.group(1))
        return int(count) if count is not None else None
    return None


def _basis(text: str) -> str | None:
    from knowledge.procedure.loader import load_knowledge
    from knowledge.procedure.modes import mentions

    keywords = {k for g in load_knowledge().grounds for k in g.keywords}
    clauses = [c for c in _CLAUSE.split(text) if c and mentions(keywords, c)]
    return "，".join(clauses)[:200] if clauses else None


def _date(text: str) -> dt.date | None:
    m = _YEAR.search(text)
    if not m:
        return None
    year = cn_to_number(m.group(1)) if not m.group(1).isdigit() else int(m.group(1))
    month, day = (
        (int(g) if g.isdigit() else cn_to_number(g)) if g else None for g in m.group(2, 3)
    )  # 二〇二五年三月十五日 as well as 2025年3月15日
    if year is None or not 1900 <= year <= 2099:
        return None
    try:
        if month and day:
            return dt.date(year, month, day)
        if month:
            return dt.date(year, month, 1)
        return dt.date(year, 7, 1)  # a year alone: judged at mid-year
    except ValueError:
        return None


def _flag(text: str, yes: re.Pattern[str], no: re.Pattern[str]) -> bool | None:
    if no.search(text):
        return False
    if yes.search(text):
        return True
    return None


def extract_facts(question: str) -> Extraction:
    """Every parcel fact the question states (normalised CONTRACT §3 keys)."""
    text = re.sub(r"\s+", "", question or "")[:2000]
    ex = Extraction()
    ex.parcel_mentioned = bool(_PARCEL.search(text) or _AREA.search(text))
    ex.procedure_intent = bool(_INTENT.search(text))
    f = ex.fields
    ex.place = find_place(text)
    if ex.place is not None:
        place = ex.place.place
        f["jurisdiction"] = place.display if place else "".join(ex.place.chain()) or text
    if (area := _area(text)) is not None:
        f["area_m2"] = area
    if _OWN_COLLECTIVE.search(text):
        f["ownership"] = "集体"
    elif _OWN_STATE.search(text):
        f["ownership"] = "国有"
    if (right := _current_right(text)) is not None:
        f["current_right"] = right
    planned, current = _uses(text)
    if planned:
        f["planned_use"] = planned
    m = _CURRENT_USE.search(text)
    if m:
        f["current_use"] = m.group(1)
    elif current:
        f["current_use"] = current
    zone = _flag(text, _ZONE_IN, _ZONE_OUT)
    if zone is not None:
        f["in_designated_zone"] = zone
    if (users := _users(text)) is not None:
        f["intended_users"] = users
    arch = _flag(text, _ARCH_YES, _ARCH_NO)
    if arch is not None:
        f["archaeology_done"] = arch
    existing = _flag(text, _EXISTING_YES, _EXISTING_NO)
    if existing is not None:
        f["existing_construction_land"] = existing
    if (basis := _basis(text)) is not None:
        f["reserve_basis"] = basis
    for key, yes, no in (
        ("in_annual_reserve_plan", _PLAN_RESERVE, _PLAN_RESERVE_NO),
        ("in_annual_supply_plan", _PLAN_SUPPLY, _PLAN_SUPPLY_NO),
    ):
        flag = _flag(text, yes, no)
        if flag is not None:
            f[key] = flag
    ex.as_of = _date(text)
    return ex
