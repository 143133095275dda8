"""Rendering documents: every value and finding printed, GB/T 9704 layout, literal user text."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import docx
import pytest
from docx.document import Document as DocxDocument
from docx.oxml.ns import qn
from docx.shared import Mm
from hypothesis import given, settings
from hypothesis import strategies as st
from jinja2 import UndefinedError
from jinja2.sandbox import SandboxedEnvironment, SecurityError
from lxml import etree

from doc_templates import filters
from doc_templates.context import ReviewInfo, join_place
from doc_templates.render import (
    default_filename,
    jinja_env,
    render_context,
    render_document,
    safe_filename,
    template_bytes,
)
from doc_templates.values import MISSING, bool_map_rows, format_value
from knowledge.checks import CheckResult
from knowledge.citation import Cite
from knowledge.errors import BadInput
from knowledge.findings import Finding
from knowledge.plan import Plan, load_plan_file, plan_from_mapping, schema
from knowledge.version import kb_version

PLANS = Path(__file__).parent / "data" / "doc_plans"
AT = dt.datetime(2026, 6, 18, 9, 5)
ERROR = Finding(
    "t-error",
    "error",
    "start_price_yuan",
    "起始价低于审计成本",
    Cite("songming-reserve-measures", "第十三条 7"),
)
WARNING = Finding(
    "t-warning",
    "warning",
    "circuit_breaker_pct",
    "熔断比例应在起始价的120%—130%之间",
    Cite("zhengzhou-2021-4", "四（二）"),
)
INFO = Finding("t-info", "info", None, "提示 <附件> & 数据", Cite("zhengzhou-2021-4", "三（二）"))


def plan(name: str) -> Plan:
    return load_plan_file(PLANS / f"{name}.yaml")


def result_for(p: Plan, *findings: Finding) -> CheckResult:
    return CheckResult(kind=p.kind, findings=list(findings))


def open_docx(data: bytes) -> DocxDocument:
    return docx.Document(io.BytesIO(data))


def body_text(document: DocxDocument) -> str:
    """All text of the body in document order (paragraphs and table cells)."""
    parts: list[str] = []
    for block in document.element.body.iter(qn("w:p")):
        texts = []
        for node in block.iter(qn("w:t"), qn("w:br"), qn("w:tab")):
            if node.tag == qn("w:t"):
                texts.append(node.text or "")
            elif node.tag == qn("w:br"):
                texts.append("\n")
            else:
                texts.append("\t")
        parts.append("".join(texts))
    return "\n".join(parts)


def header_texts(document: DocxDocument) -> list[str]:
    section = document.sections[0]
    return [p.text for h in (section.header, section.even_page_header) for p in h.paragraphs]


def render(name: str, doc_type: str, *findings: Finding, review: ReviewInfo | None = None) -> bytes:
    p = plan(name)
    return render_document(p, doc_type, result_for(p, *findings), generated_at=AT, review=review)


# --- values ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "doc_type"), [("reserve_full", "reserve_plan"), ("supply_full", "supply_plan")]
)
def test_every_filled_value_is_printed(name: str, doc_type: str) -> None:
    p = plan(name)
    text = body_text(open_docx(render(name, doc_type)))
    sch = schema()
    for key, value in p.fields.items():
        spec = sch.keys[key]
        if spec.type == "bool_map":
            for row in bool_map_rows(spec, value):
                assert row["label"] in text and row["value"] in text, key
            continue
        assert format_value(spec, value) in text, key
    assert MISSING not in text  # the fixtures fill every key


def test_amounts_areas_and_dates_are_formatted() -> None:
    text = body_text(open_docx(render("reserve_full", "reserve_plan")))
    assert "32,000平方米（48亩，3.2公顷）" in text
    assert "42,500,000元（4,250万元）" in text
    assert "2026年3月5日" in text
    assert "50,000,000.5元" in text  # 收储成本合计
    assert "起始价不低于片区综合价、审计成本和市场地价。" in text


def test_missing_values_read_not_filled_in_place() -> None:
    document = open_docx(render("supply_minimal", "supply_plan"))
    rows = {row.cells[0].text: row.cells[-1].text for t in document.tables for row in t.rows}
    assert rows["项目名称"] == "焦作市某工业地块"
    assert rows["地块编号"] == MISSING
    assert rows["出让底价"] == MISSING
    assert rows["竞买保证金"] == MISSING
    paragraphs = [p.text for p in document.paragraphs]
    assert paragraphs[paragraphs.index("七、竞买人资格条件") + 1] == MISSING
    # no empty value cell anywhere, no empty body paragraph except the spacer before 落款
    assert all(v.strip() for v in rows.values())


def test_findings_are_listed_with_citations_errors_first() -> None:
    document = open_docx(render("supply_full", "supply_plan", INFO, WARNING, ERROR))
    text = body_text(document)
    lines = [line for line in text.splitlines() if "【" in line]
    assert [line.split("【")[1][:2] for line in lines] == ["错误", "警示", "提示"]
    assert "《嵩明县土地储备管理办法》第十三条 7" in text
    assert "《郑州市人民政府关于加强土地出让管理工作的意见》（郑政〔2021〕4号）四（二）" in text
    assert "提示 <附件> & 数据" in text
    assert "（二）引用条款原文" in text
    assert "报（竞）价首次达到出让起始价的120%—130%时熔断" in text  # verbatim article text


def test_error_findings_mark_the_plan_as_draft() -> None:
    draft = open_docx(render("reserve_full", "reserve_plan", ERROR))
    assert "草稿" in header_texts(draft)
    assert "本方案经合规审查存在1项错误" in body_text(draft)
    clean = open_docx(render("reserve_full", "reserve_plan", WARNING))
    assert "草稿" not in "".join(header_texts(clean))
    assert "本方案经合规审查存在" not in body_text(clean)
    assert "经对照适用的政策规则核查，未发现不符合规定的情形。" in body_text(
        open_docx(render("reserve_full", "reserve_plan"))
    )


def test_memo_states_errors_first_with_totals_in_daxie() -> None:
    document = open_docx(render("reserve_full", "approval_memo", WARNING, ERROR))
    text = body_text(document)
    review = text.index("经对照适用的政策规则核查，发现错误1项、警示1项。存在错误项")
    assert review < text.index("【错误】起始价低于审计成本") < text.index("【警示】")
    assert "收储成本合计：50,000,000.5元（大写：人民币伍仟万元伍角整）" in text
    assert "起始价：56,800,000元（5,680万元）（大写：人民币伍仟陆佰捌拾万元整）" in text
    assert "关于审批《新密市青屏街道老旧厂区地块收储项目储备方案》的请示" in text
    assert "新密市土地储备中心" in text
    assert "2026年6月18日" in text
    labels = [row.cells[0].text for row in document.tables[0].rows]
    assert labels == [
        "呈报单位",
        "事由",
        "方案要点",
        "合规审查意见",
        "经办人意见",
        "审核意见",
        "领导批示",
    ]
    assert document.tables[0].rows[-1].cells[-1].text == ""  # blank for the signature


def test_memo_of_a_supply_plan_and_review_info() -> None:
    review = ReviewInfo("张科长", "同意报批", dt.datetime(2026, 6, 20, 15, 30), decision="同意")
    text = body_text(open_docx(render("supply_full", "approval_memo", review=review)))
    assert "出让底价：600,000,000元（60,000万元）（大写：人民币陆亿元整）" in text
    assert "竞买保证金：124,000,000元（12,400万元）（大写：人民币壹亿贰仟肆佰万元整）" in text
    assert "熔断比例：125%；熔断后竞得规则：摇号" in text
    assert "同意；同意报批" in text
    assert "审核人：张科长　2026年6月20日 15:30" in text


def test_memo_summary_cuts_long_free_text() -> None:
    """500 characters of 资金来源 filled the one-page form; the plan keeps the whole text."""
    p = plan("reserve_full")
    p.fields["funding_source"] = "专项债券" * 125
    p.fields["location"] = "青屏大街" * 100
    memo = body_text(
        open_docx(render_document(p, "approval_memo", CheckResult(p.kind), generated_at=AT))
    )
    assert "资金来源：" + "专项债券" * 15 + "……（详见方案）" in memo
    assert "青屏大街" * 100 not in memo and "……（详见方案）\n" in memo
    whole = body_text(
        open_docx(render_document(p, "reserve_plan", CheckResult(p.kind), generated_at=AT))
    )
    assert "专项债券" * 125 in whole and "青屏大街" * 100 in whole


def test_breaker_section_only_where_it_applies() -> None:
    zhengzhou = plan_from_mapping(
        {"kind": "supply_plan", "fields": {"project_name": "甲", "jurisdiction": "郑州市金水区"}}
    )
    jiaozuo = plan_from_mapping(
        {"kind": "supply_plan", "fields": {"project_name": "乙", "jurisdiction": "焦作市"}}
    )
    for p, shown in ((zhengzhou, True), (jiaozuo, False)):
        data = render_document(p, "supply_plan", CheckResult(p.kind), generated_at=AT)
        assert ("熔断及熔断后竞得规则" in body_text(open_docx(data))) is shown


# --- literal user text ----------------------------------------------------------------


def test_special_text_comes_out_literally() -> None:
    p = plan("reserve_special")
    data = render_document(p, "reserve_plan", CheckResult(p.kind), generated_at=AT)
    text = body_text(open_docx(data))
    for key in ("project_name", "boundaries"):
        assert p.fields[key] in text
    assert "第一行\n第二行 <w:t>&amp;</w:t> {{ x }} {%p if y %} {_{ }_}" in text
    # {{ 7*7 }} was not evaluated (the knowledge-base version in the footer is a hex digest
    # that may itself contain "49": leave it out)
    assert "49" not in text.replace(kb_version(), "")
    # the line break is a real Word line break, the tab a real tab
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()
    assert "第一行</w:t><w:br/>" in xml
    assert "<w:tab/>" in xml


def test_long_and_rare_text() -> None:
    long_text = ("土地" * 999) + "𠮷龘"
    p = plan_from_mapping(
        {
            "kind": "supply_plan",
            "fields": {
                "project_name": "𠮷龘地块",
                "notice_terms": long_text,
                "bidder_qualifications": "a\r\nb\x07c\x00d",
            },
        }
    )
    data = render_document(p, "supply_plan", CheckResult(p.kind), generated_at=AT)
    text = body_text(open_docx(data))
    assert long_text in text
    assert "a\nbcd" in text  # CR LF → line break; control characters XML cannot hold are dropped
    assert "𠮷龘地块" in text


def _row_may_split(document: DocxDocument, label: str) -> bool:
    for table in document.tables:
        for row in table.rows:
            if row.cells[0].text == label:
                tr_pr = row._tr.trPr
                return tr_pr is None or tr_pr.find(qn("w:cantSplit")) is None
    raise AssertionError(f"no row labelled {label}")


def test_rows_of_unbounded_text_may_break_across_pages() -> None:
    """A row that may not break but is taller than the space left starts a new page: the
    memo's 合规审查意见 with a dozen findings, or 1,000 characters of 四至, left page 1 blank."""
    p = plan("supply_full")
    p.fields["boundaries"] = "东至规划道路" * 160
    supply = open_docx(render_document(p, "supply_plan", CheckResult(p.kind), generated_at=AT))
    assert _row_may_split(supply, "四至") and _row_may_split(supply, "坐落位置")
    assert not _row_may_split(supply, "土地面积")  # short rows stay whole
    memo = open_docx(render("supply_full", "approval_memo", *([ERROR] * 12)))
    assert _row_may_split(memo, "合规审查意见") and _row_may_split(memo, "方案要点")
    assert not _row_may_split(memo, "领导批示")


@settings(max_examples=25, deadline=None)
@given(st.text(min_size=1, max_size=60).filter(lambda s: s.strip()))
def test_any_text_renders_to_a_valid_document(value: str) -> None:
    p = Plan(kind="reserve_plan", fields={"project_name": value, "funding_source": value})
    data = render_document(p, "reserve_plan", CheckResult(p.kind), generated_at=AT)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            if name.endswith(".xml"):
                etree.fromstring(z.read(name))  # well-formed
    open_docx(data)


def test_environment_is_sandboxed_strict_and_escaping() -> None:
    env = jinja_env()
    assert isinstance(env, SandboxedEnvironment)
    assert env.autoescape is True
    with pytest.raises(SecurityError):
        env.from_string("{{ x.__class__.__mro__[1].__subclasses__() }}").render(x="")
    with pytest.raises(UndefinedError, match="undefined"):
        render_context(template_bytes("reserve_plan"), {"doc_title": "x", "is_draft": False})


def xml_parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {name: z.read(name) for name in z.namelist()}


def test_renders_reuse_the_prepared_template_but_nothing_of_each_other() -> None:
    # the template parts are patched and compiled once: each render sees only its own data
    first = render("reserve_full", "reserve_plan", ERROR)
    other = Plan(kind="reserve_plan", fields={"project_name": "另一个收储项目"})
    second = open_docx(render_document(other, "reserve_plan", result_for(other), generated_at=AT))
    again = render("reserve_full", "reserve_plan", ERROR)
    assert xml_parts(again) == xml_parts(first)
    assert "草稿" in header_texts(open_docx(first))
    assert "草稿" not in "".join(header_texts(second))
    text = body_text(second)
    assert "另一个收储项目" in text
    assert str(plan("reserve_full").get("project_name")) not in text


# --- layout -----------------------------------------------------------------------------


def style_fonts(document: DocxDocument, style_name: str) -> tuple[str | None, float | None]:
    style = document.styles[style_name]
    fonts = style.element.rPr.find(qn("w:rFonts"))
    size = style.font.size.pt if style.font.size else None
    return fonts.get(qn("w:eastAsia")), size


@pytest.mark.parametrize(
    ("name", "doc_type"),
    [
        ("reserve_full", "reserve_plan"),
        ("supply_full", "supply_plan"),
        ("reserve_full", "approval_memo"),
    ],
)
def test_layout_follows_gbt_9704(name: str, doc_type: str) -> None:
    document = open_docx(render(name, doc_type, WARNING))
    section = document.sections[0]
    assert abs(section.page_width - Mm(210)) < Mm(0.2)
    assert abs(section.page_height - Mm(297)) < Mm(0.2)
    for side, mm in (("top", 37), ("bottom", 35), ("left", 28), ("right", 26)):
        assert abs(getattr(section, f"{side}_margin") - Mm(mm)) < Mm(0.2), side
    assert document.settings.odd_and_even_pages_header_footer
    title = document.paragraphs[0]
    assert title.style.name == "公文标题"
    assert style_fonts(document, "公文标题") == ("方正小标宋简体", 22)
    assert title.alignment == 1 or title.style.paragraph_format.alignment == 1  # centred
    assert style_fonts(document, "公文正文") == ("仿宋_GB2312", 16)
    assert style_fonts(document, "一级标题") == ("黑体", 16)
    assert style_fonts(document, "二级标题") == ("楷体_GB2312", 16)
    assert style_fonts(document, "三级标题") == ("仿宋_GB2312", 16)
    assert style_fonts(document, "表格文字")[0] == "仿宋_GB2312"
    assert style_fonts(document, "页码") == ("宋体", 14)
    body = document.styles["公文正文"].paragraph_format
    assert body.line_spacing.pt == pytest.approx(28.9, abs=0.1)
    spacing = document.styles["公文正文"].element.rPr.find(qn("w:spacing"))
    assert spacing.get(qn("w:val")) == "-5"  # 28 characters of 16 pt fit the 156 mm line
    ind = document.styles["公文正文"].element.pPr.find(qn("w:ind"))
    assert ind.get(qn("w:firstLineChars")) == "200"
    defaults = document.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault"))
    assert defaults.find(qn("w:rPr")).find(qn("w:rFonts")).get(qn("w:eastAsia")) == "仿宋_GB2312"
    # every body paragraph uses one of the official styles (no stray Normal text)
    used = {p.style.name for p in document.paragraphs}
    assert used <= {"公文标题", "公文正文", "一级标题", "二级标题", "三级标题", "落款", "溯源信息"}
    # page numbers: — PAGE — on odd pages right, even pages left
    for footer, align in ((section.footer, 2), (section.even_page_footer, 0)):
        p = footer.paragraphs[0]
        assert p.text.startswith("— ") and p.text.endswith(" —")
        assert "PAGE" in "".join(t.text for t in p._p.iter(qn("w:instrText")))
        assert p.paragraph_format.alignment == align
    if doc_type == "approval_memo":
        assert document.tables[0].rows[0].cells[0].text == "呈报单位"
    if doc_type == "approval_memo":
        assert style_fonts(document, "表格栏目")[0] == "仿宋_GB2312"


def test_headings_use_their_styles() -> None:
    document = open_docx(render("supply_full", "supply_plan", WARNING))
    by_style: dict[str, list[str]] = {}
    for p in document.paragraphs:
        by_style.setdefault(p.style.name, []).append(p.text)
    assert all(re.match(r"^[一二三四五六七八九十]+、", t) for t in by_style["一级标题"])
    assert all(t.startswith("（") for t in by_style["二级标题"])
    assert by_style["一级标题"][0] == "一、地块基本情况"
    assert re.search(r"知识库版本：kb-[0-9a-f]{12}", by_style["溯源信息"][0])
    assert "生成时间：2026年6月18日 9:05" in by_style["溯源信息"][0]


# --- kinds and file names ---------------------------------------------------------------


def test_document_type_must_fit_the_plan() -> None:
    supply = plan("supply_full")
    with pytest.raises(BadInput, match="reserve_plan"):
        render_document(supply, "reserve_plan", CheckResult(supply.kind), generated_at=AT)
    with pytest.raises(BadInput):
        render_document(supply, "bogus", CheckResult(supply.kind), generated_at=AT)


def test_default_filenames() -> None:
    assert default_filename(plan("reserve_full"), "reserve_plan") == (
        "新密市青屏街道老旧厂区地块收储项目储备方案.docx"
    )
    assert default_filename(plan("supply_full"), "approval_memo").endswith(
        "供地方案审批呈报单.docx"
    )
    assert default_filename(plan("reserve_special"), "reserve_plan") == (
        "A＜B & C {{ 7＊7 }} {% raw %} 𠮷龘 ／ ＼ ： ＊ ？ ＂ ｜ 项目储备方案.docx"
    )
    empty = Plan(kind="supply_plan", fields={})
    assert default_filename(empty, "supply_plan") == "未命名项目供地方案.docx"
    long = Plan(kind="supply_plan", fields={"project_name": "地" * 300})
    name = default_filename(long, "supply_plan")
    assert name.endswith("供地方案.docx") and len(name.encode()) <= 200


RESERVED = re.compile(
    r"^(CON|PRN|AUX|NUL|CONIN\$|CONOUT\$|COM[0-9¹²³]|LPT[0-9¹²³])(\..*)?$", re.IGNORECASE
)


@settings(max_examples=200)
@given(st.text(max_size=150))
def test_safe_filename_is_valid_everywhere(stem: str) -> None:
    name = safe_filename(stem, ".docx")
    assert name.endswith(".docx")
    base = name.removesuffix(".docx")
    assert base and base == base.strip(" .")
    assert not re.search(r'[/\\:*?"<>|\x00-\x1f\x7f]', name)
    assert not RESERVED.match(base)
    assert not base.startswith(("~", "-", "."))
    assert len(name.encode("utf-8")) <= 200


@pytest.mark.parametrize(
    "stem", ["CON", "nul", "Com1.txt", "LPT9 ", "com0", "COM¹.docx", "conin$", "CONOUT$.x"]
)
def test_reserved_windows_names_are_avoided(stem: str) -> None:
    assert not RESERVED.match(safe_filename(stem, ".docx").removesuffix(".docx"))


@pytest.mark.parametrize(
    ("project_name", "expected"),
    [
        ("../../etc/passwd", "／..／etc／passwd"),
        ("..\\..\\Windows\\System32", "＼..＼Windows＼System32"),
        ("C:\\报告", "C：＼报告"),
        ("a\x00b\x07c\nd\te", "abc d e"),
        ("\u202egnp.exe", "gnp.exe"),  # a right-to-left override hides the real extension
        ("~$临时", "$临时"),
        ("  .  ", "未命名"),
        ("—— 金水区 地块 ——", "—— 金水区 地块 ——"),
    ],
)
def test_hostile_project_names_make_safe_readable_file_names(
    project_name: str, expected: str
) -> None:
    name = default_filename(Plan("supply_plan", {"project_name": project_name}), "supply_plan")
    assert name == f"{expected}供地方案.docx"


@pytest.mark.parametrize(
    ("where", "location", "joined"),
    [
        ("郑州市金水区", "金水区北三环南", "郑州市金水区北三环南"),
        ("新密市", "新密市青屏街道", "新密市青屏街道"),
        ("焦作市", "解放区某路", "焦作市解放区某路"),
    ],
)
def test_place_names_are_not_repeated(where: str, location: str, joined: str) -> None:
    assert join_place(where, location) == joined


def test_filters_feed_the_documents() -> None:
    assert format_value(schema().keys["prepared_date"], dt.date(2026, 11, 1)) == "2026年11月1日"
    assert format_value(schema().keys["deposit_yuan"], 1234567.0) == filters.yuan_text(1234567)
