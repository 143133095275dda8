"""`landbot generate` (CONTRACT §2): documents written, exit statuses, bad input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import docx
import pytest

from bot.cli import main
from doc_templates import pdf
from tests.components import require_libreoffice

PLANS = Path(__file__).parent / "data" / "doc_plans"


def test_writes_the_named_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "方案.docx"
    code = main(
        ["generate", str(PLANS / "reserve_full.yaml"), "--doc", "reserve_plan", "-o", str(out)]
    )
    assert code == 0
    document = docx.Document(str(out))
    assert document.paragraphs[0].text.replace("\n", "").startswith("新密市青屏街道")
    assert str(out) in capsys.readouterr().out


def test_default_name_in_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for doc in ("supply_plan", "approval_memo"):
        assert main(["generate", str(PLANS / "supply_full.yaml"), "--doc", doc]) == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [
        "金水区北三环南侧地块国有建设用地使用权出让供地方案.docx",
        "金水区北三环南侧地块国有建设用地使用权出让供地方案审批呈报单.docx",
    ]


def test_output_directory_gets_the_default_name(tmp_path: Path) -> None:
    assert (
        main(
            [
                "generate",
                str(PLANS / "supply_minimal.yaml"),
                "--doc",
                "supply_plan",
                "-o",
                str(tmp_path),
            ]
        )
        == 0
    )
    assert (tmp_path / "焦作市某工业地块供地方案.docx").is_file()


def test_json_plan_file_works(tmp_path: Path) -> None:
    plan = tmp_path / "p.json"
    plan.write_text(
        '{"kind": "reserve_plan", "fields": {"project_name": "甲地块", "area_mu": 30}}',
        encoding="utf-8",
    )
    out = tmp_path / "o.docx"
    assert main(["generate", str(plan), "--doc", "approval_memo", "-o", str(out)]) == 0
    text = "\n".join(c.text for t in docx.Document(str(out)).tables for c in t._cells)
    assert "20,000平方米（30亩，2公顷）" in text


@pytest.mark.parametrize(
    ("plan", "doc", "needle"),
    [
        ("supply_full.yaml", "reserve_plan", "--doc supply_plan"),
        ("reserve_full.yaml", "supply_plan", "--doc reserve_plan"),
        ("missing.yaml", "reserve_plan", "找不到文件"),
    ],
)
def test_bad_input_exits_2_without_writing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], plan: str, doc: str, needle: str
) -> None:
    out = tmp_path / "x.docx"
    assert main(["generate", str(PLANS / plan), "--doc", doc, "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert needle in err and "Error:" in err and "Traceback" not in err
    assert not out.exists()


def test_unknown_document_type_is_one_bilingual_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """argparse printed a usage block and an English error; CONTRACT §2 wants one line."""
    out = tmp_path / "x.docx"
    assert main(["generate", str(PLANS / "supply_full.yaml"), "--doc", "memo", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("错误：") and "Error:" in err
    assert "--doc" in err and "approval_memo" in err
    assert not out.exists()


def test_bad_plan_and_bad_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = tmp_path / "bad.yaml"
    plan.write_text("kind: supply_plan\nfields:\n  term_yeers: 70\n", encoding="utf-8")
    assert main(["generate", str(plan), "--doc", "supply_plan"]) == 2
    assert "term_yeers" in capsys.readouterr().err
    good = PLANS / "supply_minimal.yaml"
    assert (
        main(["generate", str(good), "--doc", "supply_plan", "-o", str(tmp_path / "no" / "x.docx")])
        == 2
    )
    assert main(["generate", str(good), "--doc", "supply_plan", "-o", str(tmp_path / "x.txt")]) == 2
    assert main(["generate", str(good), "--doc", "memo"]) == 2  # argparse: unknown choice
    assert list(tmp_path.iterdir()) == [plan]


def test_existing_file_is_replaced_whole(tmp_path: Path) -> None:
    out = tmp_path / "o.docx"
    out.write_bytes(b"old")
    assert (
        main(
            ["generate", str(PLANS / "supply_minimal.yaml"), "--doc", "supply_plan", "-o", str(out)]
        )
        == 0
    )
    docx.Document(str(out))
    assert [p.name for p in tmp_path.iterdir()] == ["o.docx"]  # no temporary file left


def test_written_file_has_ordinary_permissions(tmp_path: Path) -> None:
    """The temporary file of an atomic write is 0600: the document was unreadable to the
    colleagues sharing the folder. A new file follows the umask, a replaced one keeps its mode."""
    import os

    old_umask = os.umask(0o022)
    try:
        new = tmp_path / "new.docx"
        assert (
            main(
                [
                    "generate",
                    str(PLANS / "supply_minimal.yaml"),
                    "--doc",
                    "supply_plan",
                    "-o",
                    str(new),
                ]
            )
            == 0
        )
        assert new.stat().st_mode & 0o777 == 0o644
        kept = tmp_path / "kept.docx"
        kept.write_bytes(b"old")
        kept.chmod(0o664)
        assert (
            main(
                [
                    "generate",
                    str(PLANS / "supply_minimal.yaml"),
                    "--doc",
                    "supply_plan",
                    "-o",
                    str(kept),
                ]
            )
            == 0
        )
        assert kept.stat().st_mode & 0o777 == 0o664
    finally:
        os.umask(old_umask)


def test_pdf_without_libreoffice_writes_the_docx_and_a_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(pdf, "soffice_path", lambda: None)
    out = tmp_path / "o.docx"
    assert (
        main(
            [
                "generate",
                str(PLANS / "supply_full.yaml"),
                "--doc",
                "supply_plan",
                "-o",
                str(out),
                "--pdf",
            ]
        )
        == 0
    )
    assert out.is_file() and not out.with_suffix(".pdf").exists()
    err = capsys.readouterr().err
    assert "未安装 LibreOffice" in err and "LibreOffice is not installed" in err


def test_pdf_beside_the_docx(tmp_path: Path) -> None:
    require_libreoffice()
    out = tmp_path / "memo.docx"
    assert (
        main(
            [
                "generate",
                str(PLANS / "reserve_full.yaml"),
                "--doc",
                "approval_memo",
                "-o",
                str(out),
                "--pdf",
            ]
        )
        == 0
    )
    assert out.with_suffix(".pdf").read_bytes().startswith(b"%PDF")


def test_runs_as_a_module(tmp_path: Path) -> None:
    out = tmp_path / "o.docx"
    cmd = [sys.executable, "-m", "bot", "generate", str(PLANS / "supply_minimal.yaml")]
    done = subprocess.run(
        [*cmd, "--doc", "supply_plan", "-o", str(out)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert out.is_file()
