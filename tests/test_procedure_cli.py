"""`landbot procedure PARCEL_FILE [--json]`: exit codes, JSON shape, the forwardable checklist."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bot.cli import main
from knowledge.corpus import load_corpus


def _write(tmp_path: Path, text: str, name: str = "parcel.yaml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


XINMI = """\
jurisdiction: 新密市
area_mu: 30
ownership: 集体
planned_use: 住宅用地
in_designated_zone: true
as_of: 2026-03-01
"""


def test_json_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["procedure", _write(tmp_path, XINMI), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0
    assert out["jurisdiction"] == {
        "name": "新密市",
        "chain": ["河南省", "郑州市", "新密市"],
        "status": "local",
    }
    assert out["reserve"]["mode"] == "做地"
    assert out["as_of"] == "2026-03-01"
    for step in out["reserve"]["steps"]:
        assert set(step["cite"]) == {"doc_id", "article"}
        assert step["title"] and step["actor"]
    assert out["supply"]["methods"] and isinstance(out["supply"]["rules"], list)
    assert all({"item", "cite"} <= set(p) for p in out["preconditions"])
    assert isinstance(out["notes"], list) and out["citations"]
    corpus = load_corpus()
    for c in out["citations"]:
        assert corpus.article(c["doc_id"], c["article"]) is not None


def test_json_parcel_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(
        tmp_path,
        json.dumps(
            {"jurisdiction": "嵩明县", "ownership": "集体", "as_of": "2026-01-01"},
            ensure_ascii=False,
        ),
        "parcel.json",
    )
    assert main(["procedure", path, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["reserve"]["mode"] == "征收储备"


def test_human_checklist(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["procedure", _write(tmp_path, XINMI)]) == 0
    text = capsys.readouterr().out
    assert "收储方式" in text and "做地" in text
    numbered = [line for line in text.splitlines() if re.match(r"\s+\d+\. 【", line)]
    assert len(numbered) > 10
    assert "四（二）1" in text and "《" in text
    assert "尚需补充的信息" in text


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("jurisdiction: 火星基地\n", "jurisdiction"),
        ("ownership: 集体\n", "jurisdiction"),
        ("jurisdiction: 新密市\nownershp: 集体\n", "ownershp"),
        ("jurisdiction: 新密市\nownership: 私有\n", "ownership"),
        ("jurisdiction: 新密市\nas_of: 明年\n", "as_of"),
        ("- just\n- a list\n", "mapping"),
        ("jurisdiction: [unclosed\n", "YAML"),
        # a date-shaped value that is no date: YAML itself raised ValueError (a traceback)
        ("jurisdiction: 新密市\nas_of: 2024-13-01\n", "as_of"),
        ("jurisdiction: 新密市\nas_of: 2024-02-30\n", "as_of"),
        ("jurisdiction: 新密市\nas_of: 1900-01-01\n", "1900-01-01"),
        ("jurisdiction: 新密市\n  bad: [\n", "line 2"),
    ],
)
def test_bad_input_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, needle: str
) -> None:
    rc = main(["procedure", _write(tmp_path, content)])
    err = capsys.readouterr().err
    assert rc == 2
    assert "Traceback" not in err
    assert "错误" in err and "Error" in err
    assert needle in err
    assert len(err.strip().splitlines()) == 1, err  # one line, Chinese and English (CONTRACT §2)


def test_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["procedure", str(tmp_path / "nope.yaml")]) == 2
    assert "nope.yaml" in capsys.readouterr().err
