"""Build the three Word templates (reserve_plan, supply_plan, approval_memo) with python-docx.

Run `python -m doc_templates.build_templates` after changing this file and commit the .docx
files with it; a test checks that the committed templates equal what this script builds.
The templates hold the layout and the wording; every value comes from the context builder
(doc_templates/context.py) through docxtpl tags that only print and loop.
"""

from __future__ import annotations

import datetime as dt
import io
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path

import docx
from docx.document import Document as DocxDocument
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import Table, _Cell

from doc_templates import layout
from doc_templates.context import THREE_NOT_LOWER

TEXT_WIDTH_MM = layout.PAGE_W_MM - layout.MARGINS_MM["left"] - layout.MARGINS_MM["right"]
FIXED_TIME = dt.datetime(2026, 1, 1, 0, 0, 0)
TEMPLATE_TITLES = {
    "reserve_plan": "储备方案模板",
    "supply_plan": "供地方案模板",
    "approval_memo": "审批呈报单模板",
}


class Builder:
    """Adds GB/T 9704 paragraphs and tables to a new document."""

    def __init__(self, doc_type: str, draft_header: bool) -> None:
        self.doc: DocxDocument = docx.Document()
        self.doc_type = doc_type
        layout.setup_defaults(self.doc)
        keep = {"Normal", "DefaultParagraphFont", "TableNormal", "NoList", "TableGrid"}
        keep |= {"Header", "HeaderChar", "Footer", "FooterChar"}
        layout.prune_styles(self.doc, keep)
        for spec in layout.STYLES:
            layout.add_style(self.doc, spec)
        layout.declare_fonts(self.doc)
        layout.setup_page(self.doc)
        layout.setup_header_footer(
            self.doc, "{% if is_draft %}草稿{% endif %}" if draft_header else None
        )
        body = self.doc.element.body
        for p in list(body.iterchildren(qn("w:p"))):
            body.remove(p)

    # paragraphs -----------------------------------------------------------------------
    def para(self, text: str, style: str = "公文正文", bold: bool = False) -> None:
        p = self.doc.add_paragraph(style=style)
        run = p.add_run(text)
        if bold:
            run.bold = True

    def title(self, text: str) -> None:
        self.para(text, "公文标题")

    def h1(self, text: str) -> None:
        self.para(text, "一级标题")

    def h2(self, text: str) -> None:
        self.para(text, "二级标题")

    def h3(self, text: str) -> None:
        self.para(text, "三级标题")

    def tag(self, text: str) -> None:
        """A paragraph holding only a docxtpl paragraph tag ({%p ... %})."""
        self.doc.add_paragraph(text, style="公文正文")

    def provenance(self) -> None:
        self.para("{{ provenance }}", "溯源信息")

    def findings_section(self, heading: str) -> None:
        """合规审查意见: summary, each finding with its citation, quoted articles, notes."""
        self.h1(heading)
        self.para("{{ review_summary }}")
        self.tag("{%p for f in findings %}")
        self.para("{{ f.no }}. 【{{ f.severity }}】{{ f.message }}（依据：{{ f.cite }}）")
        self.tag("{%p endfor %}")
        self.tag("{%p for n in notes %}")
        self.para("{{ n }}")
        self.tag("{%p endfor %}")
        self.tag("{%p if computed %}")
        self.h2("（一）测算结果")
        self.loop_table(("项目", "结果"), "c", "computed", ("label", "value"), (90, 66))
        self.tag("{%p endif %}")
        self.tag("{%p if cited_articles %}")
        self.h2("（二）引用条款原文")
        self.tag("{%p for a in cited_articles %}")
        self.para("{{ a.cite }}：{{ a.text }}")
        self.tag("{%p endfor %}")
        self.tag("{%p endif %}")

    def signature(self) -> None:
        self.para("")
        self.para("{{ department }}", "落款")
        self.para("{{ prepared_date }}", "落款")

    # tables ---------------------------------------------------------------------------
    def _table(self, rows: int, widths_mm: Sequence[float]) -> Table:
        table = self.doc.add_table(rows=rows, cols=len(widths_mm))
        table.style = self.doc.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        tbl_pr = table._tbl.tblPr
        for old in tbl_pr.findall(qn("w:tblW")):
            tbl_pr.remove(old)
        width = OxmlElement("w:tblW")
        width.set(qn("w:w"), str(round(sum(widths_mm) * 1440 / 25.4)))
        width.set(qn("w:type"), "dxa")
        tbl_pr.append(width)
        layout.order_children(tbl_pr, layout.TBLPR_ORDER)
        for i, w in enumerate(widths_mm):
            table.columns[i].width = Mm(w)
            for cell in table.columns[i].cells:
                cell.width = Mm(w)
        for row in table.rows:  # a row never breaks across pages
            row._tr.get_or_add_trPr().insert(0, OxmlElement("w:cantSplit"))
        return table

    @staticmethod
    def _cell(cell: _Cell, text: str, style: str) -> None:
        p = cell.paragraphs[0]
        p.style = style
        p.add_run(text)
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER

    def kv_table(
        self, rows: Sequence[tuple[str, str]], widths_mm: tuple[float, float] = (66, 90)
    ) -> None:
        """Two columns: the label (as printed) and the value tag."""
        table = self._table(len(rows), widths_mm)
        for row, (label, value) in zip(table.rows, rows, strict=True):
            self._cell(row.cells[0], label, "表格栏目")
            self._cell(row.cells[1], value, "表格文字")

    def grid_table(
        self, header: Sequence[str], rows: Sequence[Sequence[str]], widths_mm: Sequence[float]
    ) -> None:
        """A header row and fixed rows; the first column is the label."""
        table = self._table(len(rows) + 1, widths_mm)
        table.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
        for cell, text in zip(table.rows[0].cells, header, strict=True):
            self._cell(cell, text, "表格标题行")
        for row, values in zip(table.rows[1:], rows, strict=True):
            for i, (cell, text) in enumerate(zip(row.cells, values, strict=True)):
                self._cell(cell, text, "表格栏目" if i == 0 else "表格文字")

    def loop_table(
        self,
        header: Sequence[str],
        var: str,
        items: str,
        attrs: Sequence[str],
        widths_mm: Sequence[float],
    ) -> None:
        """A header row, then one row per item of the list `items` ({%tr for %})."""
        table = self._table(4, widths_mm)
        rows = table.rows
        rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))  # repeats on each page
        for cell, text in zip(rows[0].cells, header, strict=True):
            self._cell(cell, text, "表格标题行")
        self._cell(rows[1].cells[0], f"{{%tr for {var} in {items} %}}", "表格文字")
        for i, (cell, attr) in enumerate(zip(rows[2].cells, attrs, strict=True)):
            self._cell(cell, f"{{{{ {var}.{attr} }}}}", "表格栏目" if i == 0 else "表格文字")
        self._cell(rows[3].cells[0], "{%tr endfor %}", "表格文字")

    def save(self) -> bytes:
        props = self.doc.core_properties
        props.title = TEMPLATE_TITLES[self.doc_type]
        props.author = "landbot"
        props.last_modified_by = "landbot"
        props.comments = "由 doc_templates/build_templates.py 生成，花括号内为模板标记"
        props.revision = 1
        props.created = props.modified = FIXED_TIME
        props.language = "zh-CN"
        out = io.BytesIO()
        self.doc.save(out)
        return _deterministic_zip(out.getvalue())


def _deterministic_zip(data: bytes) -> bytes:
    """The same bytes on every build: fixed timestamps and order in the zip."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


# --- the three documents --------------------------------------------------------------


def reserve_plan() -> bytes:
    b = Builder("reserve_plan", draft_header=True)
    b.title("{{ doc_title }}")
    b.tag("{%p if is_draft %}")
    b.para("{{ draft_note }}", bold=True)
    b.tag("{%p endif %}")
    b.h1("一、项目概况")
    b.kv_table(
        [
            ("项目名称", "{{ project_name }}"),
            ("地块编号", "{{ parcel_code }}"),
            ("所在行政区", "{{ jurisdiction }}"),
            ("编制单位", "{{ department }}"),
            ("经办人", "{{ handler }}"),
            ("编制日期", "{{ prepared_date }}"),
            ("是否纳入年度土地储备计划", "{{ in_annual_reserve_plan }}"),
            ("是否纳入年度供地计划", "{{ in_annual_supply_plan }}"),
            ("意向用地者数量", "{{ intended_users }}"),
        ]
    )
    b.h1("二、地块基本情况")
    b.kv_table(
        [
            ("坐落位置", "{{ location }}"),
            ("四至", "{{ boundaries }}"),
            ("土地面积", "{{ area_m2 }}"),
            ("规划用途", "{{ planned_use }}"),
            ("土地用途", "{{ land_use }}"),
            ("是否在做地范围内", "{{ in_designated_zone }}"),
            ("是否存量建设用地", "{{ existing_construction_land }}"),
        ]
    )
    b.h1("三、权属与现状")
    b.kv_table(
        [
            ("土地所有权性质", "{{ ownership }}"),
            ("现使用权类型", "{{ current_right }}"),
            ("现状用途", "{{ current_use }}"),
            ("拆迁安置是否完成", "{{ resettlement_done }}"),
            ("是否已完成考古调查勘探", "{{ archaeology_done }}"),
        ]
    )
    b.h1("四、收储方式及依据")
    b.kv_table([("收储方式", "{{ reserve_mode }}"), ("政府批准情况", "{{ government_approval }}")])
    b.h2("（一）储备依据")
    b.para("{{ reserve_basis }}")
    b.h1("五、规划条件")
    b.kv_table(
        [
            ("容积率上限", "{{ plot_ratio_max }}"),
            ("容积率下限", "{{ plot_ratio_min }}"),
            ("建筑密度上限", "{{ building_density_max_pct }}"),
            ("绿地率下限", "{{ green_ratio_min_pct }}"),
            ("建筑限高（米）", "{{ height_limit_m }}"),
        ]
    )
    b.h1("六、收储成本及资金来源")
    b.kv_table(
        [
            ("征收（收购）补偿费用", "{{ compensation_cost_yuan }}"),
            ("前期开发费用", "{{ development_cost_yuan }}"),
            ("其他费用", "{{ other_cost_yuan }}"),
            ("收储成本合计", "{{ cost_total }}"),
            ("收储成本是否已审计", "{{ cost_audited }}"),
        ]
    )
    b.h2("（一）资金来源")
    b.para("{{ funding_source }}")
    b.h1("七、拟供应方式及起始价")
    b.kv_table(
        [("拟供应方式", "{{ proposed_supply_method }}"), ("起始价", "{{ start_price_yuan }}")]
    )
    b.h2("（一）“三个不低于”比较")
    b.grid_table(
        ("比较项目", "金额", "起始价不低于"),
        [
            (label, "{{ " + key + " }}", "{{ three_not_lower." + key + " }}")
            for key, label in THREE_NOT_LOWER
        ],
        (40, 76, 40),
    )
    b.para("{{ three_not_lower_summary }}")
    b.h1("八、前期开发与临时利用")
    b.kv_table(
        [
            ("前期开发费用", "{{ development_cost_yuan }}"),
            ("临时利用情况", "{{ temporary_use }}"),
            ("临时利用年限（年）", "{{ temporary_use_years }}"),
        ]
    )
    b.h1("九、五项核查")
    b.loop_table(("核查事项", "情况"), "r", "five_checks", ("label", "value"), (90, 66))
    b.findings_section("十、合规审查意见")
    b.h1("十一、附件说明")
    for line in (
        "1. 地块位置图及勘测定界图",
        "2. 土地权属证明材料",
        "3. 规划条件（规划设计要点）",
        "4. 收储成本测算及审计材料",
        "5. 五项核查相关材料",
        "6. 政府批准文件",
    ):
        b.para(line)
    b.signature()
    b.provenance()
    return b.save()


def supply_plan() -> bytes:
    b = Builder("supply_plan", draft_header=True)
    b.title("{{ doc_title }}")
    b.tag("{%p if is_draft %}")
    b.para("{{ draft_note }}", bold=True)
    b.tag("{%p endif %}")
    b.h1("一、地块基本情况")
    b.kv_table(
        [
            ("项目名称", "{{ project_name }}"),
            ("地块编号", "{{ parcel_code }}"),
            ("所在行政区", "{{ jurisdiction }}"),
            ("坐落位置", "{{ location }}"),
            ("四至", "{{ boundaries }}"),
            ("土地面积", "{{ area_m2 }}"),
            ("土地所有权性质", "{{ ownership }}"),
            ("现使用权类型", "{{ current_right }}"),
            ("是否存量建设用地", "{{ existing_construction_land }}"),
            ("是否在做地范围内", "{{ in_designated_zone }}"),
            ("意向用地者数量", "{{ intended_users }}"),
            ("编制单位", "{{ department }}"),
            ("经办人", "{{ handler }}"),
            ("编制日期", "{{ prepared_date }}"),
        ]
    )
    b.h2("（一）储备依据")
    b.para("{{ reserve_basis }}")
    b.h1("二、土地用途与现状")
    b.kv_table(
        [
            ("土地用途", "{{ land_use }}"),
            ("规划用途", "{{ planned_use }}"),
            ("现状用途", "{{ current_use }}"),
            ("土地现状", "{{ land_status }}"),
        ]
    )
    b.h1("三、出让年限与规划指标")
    b.kv_table(
        [
            ("出让年限（年）", "{{ term_years }}"),
            ("容积率上限", "{{ plot_ratio_max }}"),
            ("容积率下限", "{{ plot_ratio_min }}"),
            ("建筑密度上限", "{{ building_density_max_pct }}"),
            ("绿地率下限", "{{ green_ratio_min_pct }}"),
            ("建筑限高（米）", "{{ height_limit_m }}"),
            ("是否按标准地出让", "{{ standard_land }}"),
        ]
    )
    b.h2("（一）配建设施")
    b.para("{{ bundled_facilities }}")
    b.h1("四、开竣工时间")
    b.kv_table([("约定开工时间", "{{ start_date }}"), ("约定竣工时间", "{{ completion_date }}")])
    b.h1("五、出让底价和起始价")
    b.kv_table(
        [
            ("出让底价", "{{ reserve_price_yuan }}"),
            ("起始价", "{{ start_price_yuan }}"),
            ("基准地价", "{{ benchmark_price_yuan }}"),
            ("评估机构数量", "{{ appraisal_agencies }}"),
            ("评审专家人数", "{{ review_experts }}"),
        ]
    )
    b.h2("（一）剩余法测算（元/平方米楼面）")
    b.kv_table(
        [
            ("销售参考房价", "{{ sale_reference_price_yuan_m2 }}"),
            ("周边实际成交房价", "{{ surrounding_price_yuan_m2 }}"),
            ("建安成本", "{{ construction_cost_yuan_m2 }}"),
            ("税费", "{{ taxes_yuan_m2 }}"),
            ("财务成本", "{{ financial_cost_yuan_m2 }}"),
            ("合理利润", "{{ reasonable_profit_yuan_m2 }}"),
            ("楼面价", "{{ floor_price_yuan_m2 }}"),
        ]
    )
    b.h1("六、出让方式及竞价规则")
    b.kv_table(
        [
            ("出让方式", "{{ supply_method }}"),
            ("竞买保证金", "{{ deposit_yuan }}"),
            ("竞价阶梯（增价幅度）", "{{ bid_increment_yuan }}"),
        ]
    )
    b.tag("{%p if show_breaker %}")
    b.h2("（一）熔断及熔断后竞得规则")
    b.kv_table(
        [
            ("熔断比例（占起始价）", "{{ circuit_breaker_pct }}"),
            ("熔断价格", "{{ breaker_price }}"),
            ("熔断后竞得规则", "{{ post_breaker_rule }}"),
            ("自持比例", "{{ self_hold_pct }}"),
            ("自持比例修正系数", "{{ correction_coefficient }}"),
        ]
    )
    b.tag("{%p endif %}")
    b.h1("七、竞买人资格条件")
    b.para("{{ bidder_qualifications }}")
    b.h1("八、出让须知")
    b.para("{{ notice_terms }}")
    b.h1("九、出让价款支付期限")
    b.kv_table([("价款支付期限（天）", "{{ payment_deadline_days }}")])
    b.h1("十、净地及供应前核查")
    b.h2("（一）净地条件")
    b.loop_table(("净地条件", "是否具备"), "r", "net_land", ("label", "value"), (90, 66))
    b.h2("（二）五项核查")
    b.loop_table(("核查事项", "情况"), "r", "five_checks", ("label", "value"), (90, 66))
    b.h2("（三）其他前置条件")
    b.kv_table(
        [
            ("是否已完成考古调查勘探", "{{ archaeology_done }}"),
            ("是否纳入年度供地计划", "{{ in_annual_supply_plan }}"),
            ("是否纳入年度土地储备计划", "{{ in_annual_reserve_plan }}"),
        ]
    )
    b.findings_section("十一、合规审查意见")
    b.signature()
    b.provenance()
    return b.save()


def approval_memo() -> bytes:
    b = Builder("approval_memo", draft_header=False)
    b.title("{{ doc_title }}")
    b.doc.paragraphs[-1].paragraph_format.space_after = Pt(12)  # the form fits one page
    widths = (34, 50, 26, 46)
    table = b._table(7, widths)
    rows = table.rows
    b._cell(rows[0].cells[0], "呈报单位", "表格栏目")
    b._cell(rows[0].cells[1], "{{ department }}", "呈报单正文")
    b._cell(rows[0].cells[2], "呈报日期", "表格栏目")
    b._cell(rows[0].cells[3], "{{ submit_date }}", "呈报单正文")
    labels = ("事由", "方案要点", "合规审查意见", "经办人意见", "审核意见", "领导批示")
    heights_mm = (None, None, None, 15, 15, 28)
    for row, label, height in zip(rows[1:], labels, heights_mm, strict=True):
        b._cell(row.cells[0], label, "表格栏目")
        merged = row.cells[1].merge(row.cells[3])
        merged.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP
        if height:
            row.height = Mm(height)
    cells = [r.cells[1] for r in rows[1:]]

    def fill(cell: _Cell, lines: Sequence[tuple[str, str]]) -> None:
        first = True
        for text, style in lines:
            p = cell.paragraphs[0] if first else cell.add_paragraph()
            first = False
            p.style = style
            p.add_run(text)

    fill(cells[0], [("{{ subject }}", "呈报单正文")])
    fill(
        cells[1],
        [
            ("{%p for line in summary %}", "呈报单正文"),
            ("{{ line }}", "呈报单正文"),
            ("{%p endfor %}", "呈报单正文"),
        ],
    )
    fill(
        cells[2],
        [
            ("{{ review_summary }}", "呈报单正文"),
            ("{%p for f in findings %}", "呈报单正文"),
            ("{{ f.no }}. 【{{ f.severity }}】{{ f.message }}（依据：{{ f.cite }}）", "呈报单正文"),
            ("{%p endfor %}", "呈报单正文"),
        ],
    )
    fill(
        cells[3], [("{{ handler_opinion }}", "呈报单正文"), ("经办人：{{ handler }}", "呈报单签署")]
    )
    fill(
        cells[4],
        [
            ("{{ review_opinion }}", "呈报单正文"),
            ("审核人：{{ reviewer }}　{{ review_time }}", "呈报单签署"),
        ],
    )
    fill(cells[5], [("", "呈报单正文")])
    b.provenance()
    return b.save()


BUILDERS = {
    "reserve_plan": reserve_plan,
    "supply_plan": supply_plan,
    "approval_memo": approval_memo,
}


def build(doc_type: str) -> bytes:
    return BUILDERS[doc_type]()


def main(argv: Sequence[str] | None = None) -> int:
    """Write the templates next to this file (or into the directory given)."""
    args = list(sys.argv[1:] if argv is None else argv)
    target = Path(args[0]) if args else Path(__file__).resolve().parent
    for doc_type in BUILDERS:
        path = target / f"{doc_type}.docx"
        path.write_bytes(build(doc_type))
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
