"""A GB/T 9704 Word document under construction: paragraphs, docxtpl tags and tables.

`Builder` knows the layout (styles, page, header and footer from layout.py) and how a
template is put together (a paragraph tag wraps whole paragraphs, a row tag whole rows);
build_templates.py says what each of the three documents contains. `save()` gives the same
bytes on every build, so the committed templates can be compared with a fresh build.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import docx
from docx.document import Document as DocxDocument
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm
from docx.table import Table, _Cell, _Row

from doc_templates import layout

FIXED_TIME = dt.datetime(2026, 1, 1, 0, 0, 0)
# Styles of python-docx's default template that the documents use; the rest are dropped.
KEPT_STYLES = frozenset(
    {"Normal", "DefaultParagraphFont", "TableNormal", "NoList", "TableGrid"}
    | {"Header", "HeaderChar", "Footer", "FooterChar"}
)
BODY = "公文正文"


class Builder:
    """Adds GB/T 9704 paragraphs, docxtpl tags and tables to a new document."""

    def __init__(self, title: str, draft_header: bool) -> None:
        """`title` is the file's own title (Word: File > Properties); `draft_header` puts
        草稿 in the page header of a plan with errors."""
        self.doc: DocxDocument = docx.Document()
        self.file_title = title
        # Value tags of kv_table rows that may break across pages: long free text, whose row
        # could be taller than the space left (a row that may not break then starts a new
        # page and leaves the rest of this one blank).
        self.long_values: frozenset[str] = frozenset()
        layout.setup_defaults(self.doc)
        layout.prune_styles(self.doc, KEPT_STYLES)
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
    def para(self, text: str, style: str = BODY, bold: bool = False) -> None:
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

    def tag(self, text: str) -> None:
        """A paragraph holding only a docxtpl paragraph tag ({%p ... %})."""
        self.doc.add_paragraph(text, style=BODY)

    @contextmanager
    def when(self, condition: str) -> Iterator[None]:
        """The paragraphs and tables added inside print only when `condition` holds."""
        self.tag(f"{{%p if {condition} %}}")
        yield
        self.tag("{%p endif %}")

    @contextmanager
    def each(self, loop: str) -> Iterator[None]:
        """The paragraphs added inside repeat for each item (`loop`: "f in findings")."""
        self.tag(f"{{%p for {loop} %}}")
        yield
        self.tag("{%p endfor %}")

    # tables ---------------------------------------------------------------------------
    def table(self, rows: int, widths_mm: Sequence[float]) -> Table:
        """A centred grid of fixed column widths whose rows never break across pages."""
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
        for row in table.rows:
            row._tr.get_or_add_trPr().insert(0, OxmlElement("w:cantSplit"))
        return table

    @staticmethod
    def allow_split(row: _Row) -> None:
        """Let a row of unbounded text break across pages."""
        tr_pr = row._tr.get_or_add_trPr()
        for flag in tr_pr.findall(qn("w:cantSplit")):
            tr_pr.remove(flag)

    @staticmethod
    def fill(cell: _Cell, lines: Sequence[tuple[str, str]]) -> None:
        """Write (text, style) paragraphs into a cell, starting in its empty first one."""
        for i, (text, style) in enumerate(lines):
            p = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
            p.style = style
            p.add_run(text)

    @classmethod
    def cell(cls, cell: _Cell, text: str, style: str) -> None:
        """One line of text, vertically centred."""
        cls.fill(cell, [(text, style)])
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER

    def _header_row(self, table: Table, header: Sequence[str]) -> None:
        row = table.rows[0]
        row._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))  # repeats on each page
        for cell, text in zip(row.cells, header, strict=True):
            self.cell(cell, text, "表格标题行")

    def kv_table(
        self, rows: Sequence[tuple[str, str]], widths_mm: tuple[float, float] = (66, 90)
    ) -> None:
        """Two columns: the label (as printed) and the value tag."""
        table = self.table(len(rows), widths_mm)
        for row, (label, value) in zip(table.rows, rows, strict=True):
            self.cell(row.cells[0], label, "表格栏目")
            self.cell(row.cells[1], value, "表格文字")
            if value in self.long_values:
                self.allow_split(row)

    def grid_table(
        self, header: Sequence[str], rows: Sequence[Sequence[str]], widths_mm: Sequence[float]
    ) -> None:
        """A header row and fixed rows; the first column is the label."""
        table = self.table(len(rows) + 1, widths_mm)
        self._header_row(table, header)
        for row, values in zip(table.rows[1:], rows, strict=True):
            for i, (cell, text) in enumerate(zip(row.cells, values, strict=True)):
                self.cell(cell, text, "表格栏目" if i == 0 else "表格文字")

    def loop_table(
        self,
        header: Sequence[str],
        loop: str,
        attrs: Sequence[str] = ("label", "value"),
        widths_mm: Sequence[float] = (90, 66),
    ) -> None:
        """A header row, then one row per item (`loop`: "r in five_checks", {%tr for %})
        showing the item's `attrs`."""
        var = loop.split()[0]
        table = self.table(4, widths_mm)
        rows = table.rows
        self._header_row(table, header)
        self.cell(rows[1].cells[0], f"{{%tr for {loop} %}}", "表格文字")
        for i, (cell, attr) in enumerate(zip(rows[2].cells, attrs, strict=True)):
            self.cell(cell, f"{{{{ {var}.{attr} }}}}", "表格栏目" if i == 0 else "表格文字")
        self.cell(rows[3].cells[0], "{%tr endfor %}", "表格文字")

    # the file -------------------------------------------------------------------------
    def save(self) -> bytes:
        props = self.doc.core_properties
        props.title = self.file_title
        props.author = "landbot"
        props.last_modified_by = "landbot"
        props.comments = "由 doc_templates/build_templates.py 生成，花括号内为模板标记"
        props.revision = 1
        props.created = props.modified = FIXED_TIME
        props.language = "zh-CN"
        out = io.BytesIO()
        self.doc.save(out)
        return deterministic_zip(out.getvalue())


def deterministic_zip(data: bytes) -> bytes:
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
