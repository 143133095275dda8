"""Build the three Word templates (reserve_plan, supply_plan, approval_memo) with python-docx.

Run `python -m doc_templates.build_templates` after changing this file (or builder.py,
layout.py, or a label in knowledge/plan_schema.yaml) and commit the .docx files with it; a test
checks that the committed templates equal what this script builds. The templates hold the
layout and the wording; every value comes from the context builder (doc_templates/context.py)
through docxtpl tags that only print and loop.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.shared import Mm, Pt

from doc_templates import DOC_LABELS
from doc_templates.builder import Builder
from doc_templates.context import THREE_NOT_LOWER
from knowledge.plan import schema

# A value's label in the documents is its label in the plan schema, except for these
# (the documents' own wording, or values the context builder derives).
DOC_FIELD_LABELS = {
    "department": "编制单位",
    "supply_method": "出让方式",
    "sale_reference_price_yuan_m2": "销售参考房价",
    "surrounding_price_yuan_m2": "周边实际成交房价",
    "construction_cost_yuan_m2": "建安成本",
    "taxes_yuan_m2": "税费",
    "financial_cost_yuan_m2": "财务成本",
    "reasonable_profit_yuan_m2": "合理利润",
    "floor_price_yuan_m2": "楼面价",
    "cost_total": "收储成本合计",
    "breaker_price": "熔断价格",
}
PLANNING_KEYS = (
    "plot_ratio_max",
    "plot_ratio_min",
    "building_density_max_pct",
    "green_ratio_min_pct",
    "height_limit_m",
)
FINDING_LINE = "{{ f.no }}. 【{{ f.severity }}】{{ f.message }}（依据：{{ f.cite }}）"


# Free text long enough to fill a page in a table cell (more than ~200 characters).
LONG_TEXT_MIN = 200


def long_value_tags() -> frozenset[str]:
    """The value tags of free-text keys whose table row must be allowed to break."""
    return frozenset(
        f"{{{{ {s.key} }}}}"
        for s in schema().keys.values()
        if s.type in ("text", "flag_text") and (s.max_len or 0) > LONG_TEXT_MIN
    )


def fields(*keys: str) -> list[tuple[str, str]]:
    """Table rows (label, value tag) for context keys."""
    sch = schema()
    return [(DOC_FIELD_LABELS.get(k) or sch.label(k), f"{{{{ {k} }}}}") for k in keys]


def new_document(doc_type: str, draft_header: bool) -> Builder:
    b = Builder(f"{DOC_LABELS[doc_type]}模板", draft_header)
    b.long_values = long_value_tags()
    b.title("{{ doc_title }}")
    return b


def plan_opening(doc_type: str) -> Builder:
    """A plan's title and, for a plan with errors, the draft note under it."""
    b = new_document(doc_type, draft_header=True)
    with b.when("is_draft"):
        b.para("{{ draft_note }}", bold=True)
    return b


def findings_section(b: Builder, heading: str) -> None:
    """合规审查意见: summary, each finding with its citation, quoted articles, notes."""
    b.h1(heading)
    b.para("{{ review_summary }}")
    with b.each("f in findings"):
        b.para(FINDING_LINE)
    with b.each("n in notes"):
        b.para("{{ n }}")
    with b.when("computed"):
        b.h2("（一）测算结果")
        b.loop_table(("项目", "结果"), "c in computed")
    with b.when("cited_articles"):
        b.h2("（二）引用条款原文")
        with b.each("a in cited_articles"):
            b.para("{{ a.cite }}：{{ a.text }}")


def plan_closing(b: Builder) -> bytes:
    """The signature block, the provenance line, and the file."""
    b.para("")
    b.para("{{ department }}", "落款")
    b.para("{{ prepared_date }}", "落款")
    b.para("{{ provenance }}", "溯源信息")
    return b.save()


# --- the three documents --------------------------------------------------------------


def reserve_plan() -> bytes:
    b = plan_opening("reserve_plan")
    b.h1("一、项目概况")
    b.kv_table(
        fields(
            "project_name",
            "parcel_code",
            "jurisdiction",
            "department",
            "handler",
            "prepared_date",
            "in_annual_reserve_plan",
            "in_annual_supply_plan",
            "intended_users",
        )
    )
    b.h1("二、地块基本情况")
    b.kv_table(
        fields(
            "location",
            "boundaries",
            "area_m2",
            "planned_use",
            "land_use",
            "in_designated_zone",
            "existing_construction_land",
        )
    )
    b.h1("三、权属与现状")
    b.kv_table(
        fields("ownership", "current_right", "current_use", "resettlement_done", "archaeology_done")
    )
    b.h1("四、收储方式及依据")
    b.kv_table(fields("reserve_mode", "government_approval"))
    b.h2("（一）储备依据")
    b.para("{{ reserve_basis }}")
    b.h1("五、规划条件")
    b.kv_table(fields(*PLANNING_KEYS))
    b.h1("六、收储成本及资金来源")
    b.kv_table(
        fields(
            "compensation_cost_yuan",
            "development_cost_yuan",
            "other_cost_yuan",
            "cost_total",
            "cost_audited",
        )
    )
    b.h2("（一）资金来源")
    b.para("{{ funding_source }}")
    b.h1("七、拟供应方式及起始价")
    b.kv_table(fields("proposed_supply_method", "start_price_yuan"))
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
    b.kv_table(fields("development_cost_yuan", "temporary_use", "temporary_use_years"))
    b.h1("九、五项核查")
    b.loop_table(("核查事项", "情况"), "r in five_checks")
    findings_section(b, "十、合规审查意见")
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
    return plan_closing(b)


def supply_plan() -> bytes:
    b = plan_opening("supply_plan")
    b.h1("一、地块基本情况")
    b.kv_table(
        fields(
            "project_name",
            "parcel_code",
            "jurisdiction",
            "location",
            "boundaries",
            "area_m2",
            "ownership",
            "current_right",
            "existing_construction_land",
            "in_designated_zone",
            "intended_users",
            "department",
            "handler",
            "prepared_date",
        )
    )
    b.h2("（一）储备依据")
    b.para("{{ reserve_basis }}")
    b.h1("二、土地用途与现状")
    b.kv_table(fields("land_use", "planned_use", "current_use", "land_status"))
    b.h1("三、出让年限与规划指标")
    b.kv_table(fields("term_years", *PLANNING_KEYS, "standard_land"))
    b.h2("（一）配建设施")
    b.para("{{ bundled_facilities }}")
    b.h1("四、开竣工时间")
    b.kv_table(fields("start_date", "completion_date"))
    b.h1("五、出让底价和起始价")
    b.kv_table(
        fields(
            "reserve_price_yuan",
            "start_price_yuan",
            "benchmark_price_yuan",
            "appraisal_agencies",
            "review_experts",
        )
    )
    b.h2("（一）剩余法测算（元/平方米楼面）")
    b.kv_table(
        fields(
            "sale_reference_price_yuan_m2",
            "surrounding_price_yuan_m2",
            "construction_cost_yuan_m2",
            "taxes_yuan_m2",
            "financial_cost_yuan_m2",
            "reasonable_profit_yuan_m2",
            "floor_price_yuan_m2",
        )
    )
    b.h1("六、出让方式及竞价规则")
    b.kv_table(fields("supply_method", "deposit_yuan", "bid_increment_yuan"))
    with b.when("show_breaker"):
        b.h2("（一）熔断及熔断后竞得规则")
        b.kv_table(
            fields(
                "circuit_breaker_pct",
                "breaker_price",
                "post_breaker_rule",
                "self_hold_pct",
                "correction_coefficient",
            )
        )
    b.h1("七、竞买人资格条件")
    b.para("{{ bidder_qualifications }}")
    b.h1("八、出让须知")
    b.para("{{ notice_terms }}")
    b.h1("九、出让价款支付期限")
    b.kv_table(fields("payment_deadline_days"))
    b.h1("十、净地及供应前核查")
    b.h2("（一）净地条件")
    b.loop_table(("净地条件", "是否具备"), "r in net_land")
    b.h2("（二）五项核查")
    b.loop_table(("核查事项", "情况"), "r in five_checks")
    b.h2("（三）其他前置条件")
    b.kv_table(fields("archaeology_done", "in_annual_supply_plan", "in_annual_reserve_plan"))
    findings_section(b, "十一、合规审查意见")
    return plan_closing(b)


def approval_memo() -> bytes:
    """审批呈报单: a one-page form table, 领导批示 left blank for a signature."""
    b = new_document("approval_memo", draft_header=False)
    b.doc.paragraphs[-1].paragraph_format.space_after = Pt(12)  # the form fits one page
    rows = b.table(7, (34, 50, 26, 46)).rows
    b.cell(rows[0].cells[0], "呈报单位", "表格栏目")
    b.cell(rows[0].cells[1], "{{ department }}", "呈报单正文")
    b.cell(rows[0].cells[2], "呈报日期", "表格栏目")
    b.cell(rows[0].cells[3], "{{ submit_date }}", "呈报单正文")
    # label, row height (None: as the text needs), lines, signature line
    form: Sequence[tuple[str, float | None, Sequence[str], str | None]] = (
        ("事由", None, ["{{ subject }}"], None),
        ("方案要点", None, ["{%p for line in summary %}", "{{ line }}", "{%p endfor %}"], None),
        (
            "合规审查意见",
            None,
            ["{{ review_summary }}", "{%p for f in findings %}", FINDING_LINE, "{%p endfor %}"],
            None,
        ),
        ("经办人意见", 15, ["{{ handler_opinion }}"], "经办人：{{ handler }}"),
        ("审核意见", 15, ["{{ review_opinion }}"], "审核人：{{ reviewer }}　{{ review_time }}"),
        ("领导批示", 28, [""], None),
    )
    for row, (label, height_mm, lines, signature) in zip(rows[1:], form, strict=True):
        b.cell(row.cells[0], label, "表格栏目")
        merged = row.cells[1].merge(row.cells[3])
        merged.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP
        if height_mm:
            row.height = Mm(height_mm)
        if label != "领导批示":  # text of any length: may continue on the next page
            b.allow_split(row)
        styled = [(line, "呈报单正文") for line in lines]
        b.fill(merged, styled + ([(signature, "呈报单签署")] if signature else []))
    b.para("{{ provenance }}", "溯源信息")
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
