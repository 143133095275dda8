"""PDF conversion with a warm LibreOffice (skipped by name when LibreOffice is missing)."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from doc_templates import pdf
from doc_templates.render import render_document
from knowledge.checks import CheckResult
from knowledge.citation import Cite
from knowledge.findings import Finding
from knowledge.plan import load_plan_file
from tests.components import require_libreoffice, require_pdftotext

PLANS = Path(__file__).parent / "data" / "doc_plans"
AT = dt.datetime(2026, 6, 18, 9, 5)
WARNING = Finding(
    "t-warning",
    "warning",
    None,
    "熔断比例应在起始价的120%—130%之间",
    Cite("zhengzhou-2021-4", "四（二）"),
)


def document(name: str, doc_type: str, *findings: Finding) -> bytes:
    plan = load_plan_file(PLANS / f"{name}.yaml")
    return render_document(
        plan, doc_type, CheckResult(plan.kind, findings=list(findings)), generated_at=AT
    )


def pdf_text(data: bytes) -> str:
    exe = require_pdftotext()
    done = subprocess.run([exe, "-raw", "-", "-"], input=data, capture_output=True, check=True)
    return "".join(done.stdout.decode("utf-8").split())  # no wrapping, no spaces


@pytest.fixture(scope="module")
def converter() -> Iterator[pdf.PdfConverter]:
    require_libreoffice()
    conv = pdf.PdfConverter()
    assert conv.start()
    yield conv
    conv.stop()


def test_warm_converter_makes_the_three_documents(converter: pdf.PdfConverter) -> None:
    reserve = converter.convert(document("reserve_full", "reserve_plan", WARNING))
    supply = converter.convert(document("supply_full", "supply_plan"))
    memo = converter.convert(document("supply_full", "approval_memo", WARNING))
    assert reserve and supply and memo
    for data in (reserve, supply, memo):
        assert data.startswith(b"%PDF")
        page = PdfReader(io.BytesIO(data)).pages[0]
        width_mm = float(page.mediabox.width) / 72 * 25.4
        height_mm = float(page.mediabox.height) / 72 * 25.4
        assert (round(width_mm), round(height_mm)) == (210, 297)
    assert 4 <= len(PdfReader(io.BytesIO(reserve)).pages) <= 8
    assert 4 <= len(PdfReader(io.BytesIO(supply)).pages) <= 8
    assert len(PdfReader(io.BytesIO(memo)).pages) == 1  # the memo is a one-page form
    text = pdf_text(supply)
    assert "建设用地使用权出让供地方案" in text
    assert "25,000" in text and "37.5" in text
    assert "—1—" in text
    memo_text = pdf_text(memo)
    assert "审批呈报单" in memo_text
    assert "大写：人民币陆亿元整" in memo_text
    assert "《郑州市人民政府关于加强土地出让管理工作的意见》" in memo_text


def test_body_lines_hold_28_characters(converter: pdf.PdfConverter) -> None:
    data = converter.convert(document("supply_full", "supply_plan", WARNING))
    assert data is not None
    done = subprocess.run(
        [require_pdftotext(), "-layout", "-", "-"], input=data, capture_output=True, check=True
    )
    lines = [line.strip() for line in done.stdout.decode("utf-8").splitlines()]
    chinese = [line for line in lines if line and all(ord(c) > 0x2E80 for c in line)]
    assert max(len(line) for line in chinese) == 28


def test_rare_characters_reach_the_pdf(converter: pdf.PdfConverter) -> None:
    data = converter.convert(document("reserve_special", "reserve_plan"))
    assert data is not None
    text = pdf_text(data)
    assert "𠮷" in text and "龘" in text
    assert "{{x}}" in text


def broken_docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types")
        z.writestr("word/document.xml", "<w:document><unclosed>")
    return out.getvalue()


def test_a_bad_document_does_not_end_the_converter(converter: pdf.PdfConverter) -> None:
    assert converter.convert(b"this is not a docx") is None
    converter.convert(broken_docx())  # whatever LibreOffice makes of it, it must not hang
    assert converter.convert(document("supply_minimal", "supply_plan")) is not None


def test_converter_restarts_after_libreoffice_died(converter: pdf.PdfConverter) -> None:
    if converter.mode != "uno":
        pytest.skip("no Python with the LibreOffice UNO bindings (python3-uno)")
    converter._kill_worker()  # as if soffice had crashed
    assert converter.convert(document("supply_minimal", "supply_plan")) is not None
    assert converter.mode == "uno"


def test_one_shot_conversion_from_a_path(tmp_path: Path) -> None:
    require_libreoffice()
    path = tmp_path / "memo.docx"
    path.write_bytes(document("reserve_full", "approval_memo"))
    data = pdf.convert_once(path)
    assert data is not None and data.startswith(b"%PDF")


def test_stop_ends_libreoffice() -> None:
    require_libreoffice()
    conv = pdf.PdfConverter()
    conv.start()
    worker = conv._worker
    conv.stop()
    if worker is not None:
        assert worker.poll() is not None
    assert conv._workdir is None


def test_without_libreoffice_there_is_no_pdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf, "soffice_path", lambda: None)
    assert pdf.available() is False
    conv = pdf.PdfConverter()
    assert conv.start() is False
    assert conv.mode == "none"
    assert conv.convert(b"anything") is None
    conv.stop()
    assert "LibreOffice" in pdf.NO_PDF_NOTE and "未安装" in pdf.NO_PDF_NOTE


def test_font_aliases_map_the_official_fonts(tmp_path: Path) -> None:
    conf = pdf.fontconfig_file(tmp_path).read_text(encoding="utf-8")
    for family in ("仿宋_GB2312", "方正小标宋简体", "黑体", "楷体_GB2312", "宋体"):
        assert f"<family>{family}</family>" in conf
    assert "/etc/fonts/fonts.conf" in conf
