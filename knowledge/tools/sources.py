"""The source texts of shared/ and the only cleaning applied to them (seeds/README.md).

`ARTIFACT_FIXES` lists the literal replacements the README allows; `clean_lines` turns a raw
file into paragraphs (page-break space runs removed, mid-sentence line breaks joined, blank
lines dropped). The verbatim test (tests/test_corpus.py) applies the same fixes independently.
"""

from __future__ import annotations

import re
from typing import Any

# (source file, wrong, right): applied after whitespace is joined (荣/阳市 is split by a break)
ARTIFACT_FIXES: tuple[tuple[str, str, str], ...] = (
    ("seeds/002_d727ab0e201bf372.txt", "[bookmark: _GoBack]", ""),
    ("seeds/003_6cf2e2a72011f891.txt", "第2章", "第二章"),
    ("seeds/001_60e5605e8192d509.txt", "荣阳市", "荥阳市"),
)

_MARKER = re.compile(
    r"^(?:[一二三四五六七八九十]+、|[（(]\s*[一二三四五六七八九十百]+\s*[）)]|\d+[.．、]|[（(]\d+[）)]"
    r"|第[一二三四五六七八九十百千零]+[章节条]|[①②③④⑤⑥⑦⑧⑨⑩]|附\s*件)"
)
_TERMINAL = ("。", "；", "：", "！", "？", ";", ":")


def clean_lines(
    raw: str,
    *,
    markdown: bool = False,
    front_lines: int = 0,
    no_join_after: tuple[str, ...] = (),
    join_after: tuple[str, ...] = (),
) -> list[str]:
    """Paragraphs of a source file, cleaned of extraction artifacts only."""
    raw = raw.replace("[bookmark: _GoBack]", "")
    lines: list[str] = []
    for line in raw.splitlines():
        if markdown:
            if re.fullmatch(r"\s*<!--.*-->\s*", line):
                continue
            line = re.sub(r"^#+\s*", "", line)
        line = re.sub(r"[\s\u3000]+", " ", line).strip()
        if line:
            lines.append(line)
    front, body = lines[:front_lines], lines[front_lines:]
    paras: list[str] = []
    for line in body:
        if paras and (paras[-1] in join_after or _continues(paras[-1], line, no_join_after)):
            paras[-1] += line
        else:
            paras.append(line)
    out = front + paras
    out = [p.replace("第2章", "第二章") for p in out]
    return [p.replace("荣阳市", "荥阳市") for p in out]


def _continues(prev: str, line: str, no_join_after: tuple[str, ...]) -> bool:
    """True when `line` continues the sentence `prev` (a hard line break of the extraction)."""
    if prev.endswith(_TERMINAL) or _MARKER.match(line):
        return False
    if any(prev.startswith(p) for p in no_join_after):
        return False
    return len(prev) >= 24


SOURCES: dict[str, dict[str, Any]] = {
    "xinmi-reserve-opinion": {
        "doc_id": "xinmi-reserve-opinion",
        "title": "关于进一步深化土地储备制度改革 加强储备土地综合开发的意见（征询意见稿）",
        "number": None,
        "issuer": "中共新密市委办公室、新密市人民政府办公室",
        "date": None,
        "valid_from": None,
        "valid_to": None,
        "level": "county",
        "scope": ["河南省/郑州市/新密市"],
        "draft": True,
        "status_note": "征询意见稿，未载明日期（引用2020年文件，成文于2020年之后）；文中称“自下发之日起执行”。",
        "source": "seeds/000_00e89f3dd92768db.txt",
        "style": "sections",
        "front_lines": 4,
        "front_merge": (1,),
        # a full-width line that ends with 。 but whose paragraph goes on (checked by hand)
        "join_after": ("1. 市土地储备机构负责做地主体的业务指导和协调工作。",),
        "closing_from": "本意见自下发之日起执行",
    },
    "zhengzhou-2021-4": {
        "doc_id": "zhengzhou-2021-4",
        "title": "郑州市人民政府关于加强土地出让管理工作的意见",
        "number": "郑政〔2021〕4号",
        "issuer": "郑州市人民政府",
        "date": "2021-01-04",
        "valid_from": "2021-01-05",  # 本意见自印发之日起施行; 2021年1月5日印发
        "valid_to": None,
        "level": "city",
        "scope": ["河南省/郑州市"],
        "status_note": "2021年1月4日签发，2021年1月5日印发；自印发之日起施行（附则），故有效期起为2021年1月5日。",
        "scope_rules": [
            {
                "articles": ["三（三）", "六（一）", "六（二）"],
                "applicability": "reference",
                "places": ["河南省/郑州市/航空港区", "河南省/郑州市/上街区"],
                "tags": ["县（市）"],
                "basis": "六（四）",
                "note": "审议决策及审批机制郑州航空港区、各县（市）、上街区可参照执行。",
            },
            {
                "articles": ["三（一）", "三（二）", "四（二）"],
                "applicability": "binding",
                "places": ["河南省/郑州市"],
                "basis": "六（四）",
                "note": "全市范围内统一执行地价形成方式和竞价规则。",
            },
        ],
        "source": "seeds/001_60e5605e8192d509.txt",
        "style": "sections",
        "front_lines": 4,
        "closing_from": "本意见自印发之日起施行",
        "annex_from": "附件",
        "back_from": "主办：",
    },
    "zhengzhou-2024-supply-plan": {
        "doc_id": "zhengzhou-2024-supply-plan",
        "title": "郑州市市本级2024年度国有建设用地供应计划",
        "number": None,
        "issuer": "郑州市自然资源和规划局",
        "date": "2024",
        "valid_from": "2024-01-01",
        "valid_to": "2024-12-31",
        "level": "city",
        "scope": ["河南省/郑州市"],
        "scope_tags": ["市本级"],
        "status_note": "计划期限2024年1月1日至2024年12月31日（三）；范围为市本级：市内五区、高新区、经开区、郑东新区、上街区、航空港区，不含各县（市）。发布机关原文未载明。",
        "source": "seeds/002_d727ab0e201bf372.txt",
        "style": "sections",
        "front_lines": 2,
        "front_merge": (0,),
    },
    "songming-reserve-measures": {
        "doc_id": "songming-reserve-measures",
        "title": "嵩明县土地储备管理办法",
        "number": None,
        "issuer": "嵩明县人民政府",
        "date": None,
        "valid_from": None,
        "valid_to": None,
        "level": "county",
        "scope": ["云南省/昆明市/嵩明县"],
        "status_note": "标题据正文推定（本办法由嵩明县人民政府负责解释）；文号、日期原文未载明（引用2011年文件）；自公布之日起实施。",
        "source": "seeds/003_6cf2e2a72011f891.txt",
        "style": "articles",
    },
    "jiaozuo-2025-1": {
        "doc_id": "jiaozuo-2025-1",
        "title": "焦作市人民政府办公室关于印发焦作市进一步强化自然资源要素保障服务全市经济社会高质量发展若干措施的通知",
        "number": "焦政办规〔2025〕1号",
        "issuer": "焦作市人民政府办公室",
        "date": "2025",
        "valid_from": "2025-01-01",  # issued in 2025 (文号), day not stated: the earliest date
        "valid_to": None,
        "level": "city",
        "scope": ["河南省/焦作市"],
        "status_note": "2025年印发（日未载明，有效期起按2025年1月1日计），自印发之日起执行；国家、省政策规定调整的，以国家、省最新政策规定为准（附则）。",
        "defers_to_higher": "附则",
        "source": "seeds/004_8d87216f75481654.txt",
        "style": "continuous",
        "front_lines": 3,
        "notice": 2,
        "preamble_heading": True,
        "no_join_after": ("焦作市进一步强化自然资源要素保障",),
        "closing_from": "本措施自印发之日起执行",
    },
    "land-administration-law": {
        "doc_id": "land-administration-law",
        "title": "中华人民共和国土地管理法",
        "number": None,
        "issuer": "全国人民代表大会常务委员会",
        "date": "2019-08-26",
        "valid_from": "2020-01-01",
        "valid_to": None,
        "level": "national",
        "scope": [],
        "status_note": "2019年8月26日第三次修正，自2020年1月1日起施行；全文。",
        "source": "national/land-administration-law-2019.md",
        "style": "articles",
        "front_lines": 7,
        "front_merge": (5,),
    },
    "land-administration-regulation": {
        "doc_id": "land-administration-regulation",
        "title": "中华人民共和国土地管理法实施条例",
        "number": "国务院令第743号",
        "issuer": "国务院",
        "date": "2021-07-02",
        "valid_from": "2021-09-01",
        "valid_to": None,
        "level": "national",
        "scope": [],
        "status_note": "2021年7月2日第三次修订，自2021年9月1日起施行；全文。",
        "source": "national/land-administration-regulation-2021.md",
        "style": "articles",
        "front_lines": 5,
    },
    "state-council-55": {
        "doc_id": "state-council-55",
        "title": "中华人民共和国城镇国有土地使用权出让和转让暂行条例",
        "number": "国务院令第55号",
        "issuer": "国务院",
        "date": "1990-05-19",
        "valid_from": "1990-05-19",
        "valid_to": None,
        "level": "national",
        "scope": [],
        "status_note": "1990年5月19日发布，2020年11月29日修订，现行有效；摘录（第二章、第七章部分条文）。",
        "source": "national/state-council-55-transfer-regulation-2020.md",
        "style": "articles",
        "front_lines": 2,
    },
    "civil-code": {
        "doc_id": "civil-code",
        "title": "中华人民共和国民法典（第二编 物权 第十二章 建设用地使用权）",
        "number": None,
        "issuer": "全国人民代表大会",
        "date": "2020-05-28",
        "valid_from": "2021-01-01",
        "valid_to": None,
        "level": "national",
        "scope": [],
        "status_note": "2020年5月28日通过，自2021年1月1日起施行；摘录第十二章。",
        "source": "national/civil-code-construction-land-use-right.md",
        "style": "articles",
        "front_lines": 2,
    },
    "land-reserve-measures-2018": {
        "doc_id": "land-reserve-measures-2018",
        "title": "土地储备管理办法",
        "number": "国土资规〔2017〕17号",
        "issuer": "国土资源部、财政部、中国人民银行、中国银行业监督管理委员会",
        "date": "2018-01-03",
        "valid_from": "2018-01-03",
        "valid_to": "2023-01-02",
        "level": "national",
        "scope": [],
        "status_note": "自2018年1月3日发布之日起实施，有效期5年（（二十六）），已于2023年1月失效：仅作背景参考，2023-01-02之后不作为现行规定；摘录。",
        "source": "national/land-reserve-measures-2018.md",
        "style": "continuous",
        "front_lines": 3,
    },
}
