"""GB/T 9704-2012 page and paragraph layout for python-docx (used by builder.py).

A4, margins 37/35/28/26 mm (版心 156 × 225 mm, 22 lines of about 28.9 pt), title 2号
方正小标宋简体, body 3号 仿宋_GB2312 with a two-character first-line indent, headings 一、
黑体 / （一） 楷体 / 1. 仿宋, page numbers "— 1 —" in 4号 宋体, odd pages right and even
pages left. East Asian fonts are set with `w:eastAsia` (and declared with a fallback in the
font table), Latin text in Times New Roman.
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass

from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Mm, Pt, RGBColor
from docx.styles.style import BaseStyle
from docx.text.paragraph import Paragraph

PAGE_W_MM, PAGE_H_MM = 210, 297
MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}
HEADER_DISTANCE_MM = 15
FOOTER_DISTANCE_MM = 22
BODY_LINE_PT = 28.9  # 225 mm / 22 lines
LATIN_FONT = "Times New Roman"

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
H1_FONT = "黑体"
H2_FONT = "楷体_GB2312"
PAGE_NUMBER_FONT = "宋体"
# Fallbacks Word/WPS use when a font is not installed (w:altName in the font table).
FONT_FALLBACKS = {
    TITLE_FONT: "宋体",
    BODY_FONT: "仿宋",
    H2_FONT: "楷体",
    H1_FONT: "SimHei",
    PAGE_NUMBER_FONT: "SimSun",
}
FONT_PANOSE = {
    TITLE_FONT: "02010601030101010101",
    BODY_FONT: "02010609030101010101",
    H2_FONT: "02010609030101010101",
    H1_FONT: "02010609060101010101",
    PAGE_NUMBER_FONT: "02010600030101010101",
}


@dataclass(frozen=True)
class StyleSpec:
    style_id: str
    name: str  # the name a person sees in Word
    font: str
    size_pt: float
    align: str = "justify"  # justify | center | left | right
    indent_chars: float = 0  # first-line indent in characters
    line_pt: float | None = BODY_LINE_PT  # exact line spacing; None: single
    bold: bool = False
    outline_level: int | None = None
    keep_with_next: bool = False
    space_before_pt: float = 0
    space_after_pt: float = 0
    right_indent_chars: float = 0
    color: str | None = None
    char_spacing_twips: int = 0  # letter spacing (w:spacing in rPr), twentieths of a point


# 28 characters of 3号 (16 pt) need 448 pt but the 版心 is 156 mm = 442.2 pt wide: tighten
# each character by 0.25 pt so that a line holds exactly 28 (GB/T 9704: 22 lines × 28).
BODY_SPACING = -5


def _heading(style_id: str, name: str, font: str, level: int) -> StyleSpec:
    return StyleSpec(
        style_id, name, font, 16, indent_chars=2, outline_level=level, keep_with_next=True,
        char_spacing_twips=BODY_SPACING,
    )  # fmt: skip


STYLES = (
    StyleSpec("GwTitle", "公文标题", TITLE_FONT, 22, "center", line_pt=35, space_after_pt=28.9),
    StyleSpec("GwBody", "公文正文", BODY_FONT, 16, indent_chars=2, char_spacing_twips=BODY_SPACING),
    _heading("GwH1", "一级标题", H1_FONT, 0),
    _heading("GwH2", "二级标题", H2_FONT, 1),
    _heading("GwH3", "三级标题", BODY_FONT, 2),
    StyleSpec(
        "GwSign",
        "落款",
        BODY_FONT,
        16,
        "right",
        right_indent_chars=4,
        char_spacing_twips=BODY_SPACING,
    ),
    StyleSpec("GwTable", "表格文字", BODY_FONT, 14, "left", line_pt=22),
    StyleSpec("GwTableLabel", "表格栏目", BODY_FONT, 14, "center", line_pt=22),
    StyleSpec("GwTableHead", "表格标题行", H1_FONT, 14, "center", line_pt=22),
    StyleSpec("GwMemo", "呈报单正文", BODY_FONT, 12, "justify", line_pt=17),
    StyleSpec("GwMemoSign", "呈报单签署", BODY_FONT, 12, "right", line_pt=17, right_indent_chars=2),
    StyleSpec("GwDraft", "草稿标记", H1_FONT, 16, "right", line_pt=None, color="C00000"),
    StyleSpec("GwPageNumber", "页码", PAGE_NUMBER_FONT, 14, "right", line_pt=None),
    StyleSpec("GwProvenance", "溯源信息", BODY_FONT, 10.5, "left", line_pt=None, space_before_pt=6),
)


def set_fonts(rpr: BaseOxmlElement, east_asian: str, latin: str = LATIN_FONT) -> None:
    """Set Latin and East Asian fonts on a `w:rPr`, dropping theme fonts that would win."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in list(fonts.attrib):
        fonts.attrib.pop(attr)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), east_asian)
    fonts.set(qn("w:cs"), latin)
    fonts.set(qn("w:hint"), "eastAsia")


def _set_lang(rpr: BaseOxmlElement) -> None:
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    lang.set(qn("w:bidi"), "ar-SA")


def setup_defaults(doc: DocxDocument) -> None:
    """Document defaults: body font and size, Chinese language, no paragraph spacing."""
    styles = doc.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    set_fonts(rpr, BODY_FONT)
    for tag in ("w:sz", "w:szCs"):
        rpr.find(qn(tag)).set(qn("w:val"), "32")
    _set_lang(rpr)
    spacing = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr")).find(qn("w:spacing"))
    spacing.set(qn("w:after"), "0")
    spacing.set(qn("w:line"), "240")
    normal = doc.styles["Normal"]
    normal.font.size = Pt(16)
    set_fonts(normal.element.get_or_add_rPr(), BODY_FONT)


def prune_styles(doc: DocxDocument, keep: Set[str]) -> None:
    """Drop the default template's styles nobody uses (smaller, faster, cleaner in Word)."""
    root = doc.styles.element
    for style in root.findall(qn("w:style")):
        if style.get(qn("w:styleId")) not in keep:
            root.remove(style)


def add_style(doc: DocxDocument, spec: StyleSpec) -> BaseStyle:
    style = doc.styles.add_style(spec.name, WD_STYLE_TYPE.PARAGRAPH)
    style.style_id = spec.style_id
    style.base_style = doc.styles["Normal"]
    style.quick_style = True
    font = style.font
    font.size = Pt(spec.size_pt)
    font.bold = spec.bold
    if spec.color:
        font.color.rgb = RGBColor.from_string(spec.color)
    latin = PAGE_NUMBER_FONT if spec.font == PAGE_NUMBER_FONT else LATIN_FONT
    rpr = style.element.get_or_add_rPr()
    set_fonts(rpr, spec.font, latin)
    if spec.char_spacing_twips:
        spacing = OxmlElement("w:spacing")
        spacing.set(qn("w:val"), str(spec.char_spacing_twips))
        rpr.append(spacing)
        order_children(rpr, _RPR_ORDER)
    pf = style.paragraph_format
    pf.alignment = {
        "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
        "center": WD_ALIGN_PARAGRAPH.CENTER,
        "left": WD_ALIGN_PARAGRAPH.LEFT,
        "right": WD_ALIGN_PARAGRAPH.RIGHT,
    }[spec.align]
    if spec.line_pt is None:
        pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
    else:
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.line_spacing = Pt(spec.line_pt)
    pf.space_before = Pt(spec.space_before_pt)
    pf.space_after = Pt(spec.space_after_pt)
    pf.keep_with_next = spec.keep_with_next
    pf.widow_control = True
    ppr = style.element.get_or_add_pPr()
    ind = OxmlElement("w:ind")
    twips_per_char = int(spec.size_pt * 20)
    if spec.indent_chars:
        ind.set(qn("w:firstLineChars"), str(int(spec.indent_chars * 100)))
        ind.set(qn("w:firstLine"), str(int(spec.indent_chars * twips_per_char)))
    if spec.right_indent_chars:
        ind.set(qn("w:rightChars"), str(int(spec.right_indent_chars * 100)))
        ind.set(qn("w:right"), str(int(spec.right_indent_chars * twips_per_char)))
    if ind.attrib:
        ppr.append(ind)
    if spec.outline_level is not None:
        level = OxmlElement("w:outlineLvl")
        level.set(qn("w:val"), str(spec.outline_level))
        ppr.append(level)
    order_children(ppr, _PPR_ORDER)
    return style


# CT_PPr children must follow the schema order, or Word reports the file as damaged.
_PPR_ORDER = [
    "pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr",
    "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap",
    "overflowPunct", "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd",
    "snapToGrid", "spacing", "ind", "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc",
    "textDirection", "textAlignment", "textboxTightWrap", "outlineLvl", "divId", "cnfStyle",
    "rPr", "sectPr", "pPrChange",
]  # fmt: skip


_RPR_ORDER = [
    "rStyle", "rFonts", "b", "bCs", "i", "iCs", "caps", "smallCaps", "strike", "dstrike",
    "outline", "shadow", "emboss", "imprint", "noProof", "snapToGrid", "vanish", "webHidden",
    "color", "spacing", "w", "kern", "position", "sz", "szCs", "highlight", "u", "effect",
    "bdr", "shd", "fitText", "vertAlign", "rtl", "cs", "em", "lang", "eastAsianLayout",
    "specVanish", "oMath",
]  # fmt: skip
TBLPR_ORDER = [
    "tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize",
    "tblStyleColBandSize", "tblW", "jc", "tblCellSpacing", "tblInd", "tblBorders", "shd",
    "tblLayout", "tblCellMar", "tblLook", "tblCaption", "tblDescription", "tblPrChange",
]  # fmt: skip


def order_children(element: BaseOxmlElement, order: list[str]) -> None:
    """Sort an element's children into the schema order Word insists on."""

    def rank(el: BaseOxmlElement) -> int:
        local = el.tag.split("}")[1]
        return order.index(local) if local in order else len(order)

    children = sorted(element, key=rank)
    for child in children:
        element.remove(child)
        element.append(child)


def declare_fonts(doc: DocxDocument) -> None:
    """Declare the Chinese fonts with charset GB2312, panose and a fallback (w:altName)."""
    part = doc.part
    font_part = next(
        (rel.target_part for rel in part.rels.values() if rel.reltype.endswith("/fontTable")),
        None,
    )
    if font_part is None:
        return
    from lxml import etree

    root = etree.fromstring(font_part.blob)
    for name, alt in FONT_FALLBACKS.items():
        font = etree.SubElement(root, qn("w:font"))
        font.set(qn("w:name"), name)
        for tag, attr in (
            ("w:altName", alt),
            ("w:panose1", FONT_PANOSE[name]),
            ("w:charset", "86"),
            ("w:family", "modern" if name != TITLE_FONT else "roman"),
            ("w:pitch", "variable"),
        ):
            el = etree.SubElement(font, qn(tag))
            el.set(qn("w:val"), attr)
    font_part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def setup_page(doc: DocxDocument) -> None:
    """A4, GB/T 9704 margins, odd/even page footers."""
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(PAGE_W_MM), Mm(PAGE_H_MM)
    section.top_margin = Mm(MARGINS_MM["top"])
    section.bottom_margin = Mm(MARGINS_MM["bottom"])
    section.left_margin = Mm(MARGINS_MM["left"])
    section.right_margin = Mm(MARGINS_MM["right"])
    section.header_distance = Mm(HEADER_DISTANCE_MM)
    section.footer_distance = Mm(FOOTER_DISTANCE_MM)
    section.gutter = Mm(0)
    doc.settings.odd_and_even_pages_header_footer = True
    compat = doc.settings.element.find(qn("w:compat"))
    if compat is not None and compat.find(qn("w:doNotExpandShiftReturn")) is None:
        # A line ended by a line break (user text with "\n") is not stretched to the margin.
        compat.insert(0, OxmlElement("w:doNotExpandShiftReturn"))
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        section._sectPr.append(grid)
    for attr in list(grid.attrib):
        grid.attrib.pop(attr)
    # No snapping to a document grid (LibreOffice would stretch tables' lines to it); the
    # body's exact 28.9 pt line spacing gives the 22 lines a page by itself.
    grid.set(qn("w:linePitch"), str(round(BODY_LINE_PT * 20)))


def _field_run(paragraph: Paragraph, instr: str, placeholder: str) -> None:
    def fld(kind: str) -> None:
        run = paragraph.add_run()
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        run._r.append(el)

    fld("begin")
    run = paragraph.add_run()
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = f" {instr} "
    run._r.append(text)
    fld("separate")
    paragraph.add_run(placeholder)
    fld("end")


def page_number_paragraph(paragraph: Paragraph, odd: bool) -> None:
    """`— N —`: odd pages right with one character's space, even pages left likewise."""
    paragraph.style = "页码"
    pf = paragraph.paragraph_format
    pf.alignment = WD_ALIGN_PARAGRAPH.RIGHT if odd else WD_ALIGN_PARAGRAPH.LEFT
    if odd:
        pf.right_indent = Pt(14)
    else:
        pf.left_indent = Pt(14)
    paragraph.add_run("— ")
    _field_run(paragraph, "PAGE", "1")
    paragraph.add_run(" —")


def setup_header_footer(doc: DocxDocument, header_text: str | None) -> None:
    """Page numbers in both footers; `header_text` (a template tag) in both headers."""
    section = doc.sections[0]
    for footer, odd in ((section.footer, True), (section.even_page_footer, False)):
        footer.is_linked_to_previous = False
        page_number_paragraph(footer.paragraphs[0], odd)
    for header in (section.header, section.even_page_header):
        header.is_linked_to_previous = False
        p = header.paragraphs[0]
        p.style = "草稿标记"
        if header_text:
            p.add_run(header_text)
