"""`landbot check PLAN_FILE [--json]`: exit codes, the JSON object of CONTRACT §4, human output,
bad input (exit 2 naming the key)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cli import main
from tests.rule_case_helpers import CLEAN_PLANS, PLANS


def _write(tmp_path: Path, name: str, overrides: dict[str, Any], *, suffix: str = ".yaml") -> Path:
    data = yaml.safe_load((PLANS / f"{name}.yaml").read_text("utf-8"))
    data["fields"].update(overrides)
    out = tmp_path / f"plan{suffix}"
    if suffix == ".json":
        out.write_text(json.dumps(data, ensure_ascii=False, default=str), "utf-8")
    else:
        out.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    return out


@pytest.mark.parametrize("name", CLEAN_PLANS)
def test_clean_plans_exit_0(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(PLANS / f"{name}.yaml")]) == 0
    out = capsys.readouterr().out
    assert "结论：通过" in out


def test_error_finding_exits_1_with_grouped_cited_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(
        tmp_path,
        "zhengzhou-residential-supply",
        {"circuit_breaker_pct": 131, "in_annual_supply_plan": False},
    )
    assert main(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert (
        out.index("【错误】")
        < out.index("【警示】")
        < out.index("【计算值】")
        < out.index("【说明】")
    )
    assert "《郑州市人民政府关于加强土地出让管理工作的意见》（郑政〔2021〕4号）四（二）" in out
    assert "方案熔断比例为 131%" in out


def test_json_output_is_the_contract_object(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(
        tmp_path, "zhengzhou-residential-supply", {"circuit_breaker_pct": 119.9}, suffix=".json"
    )
    assert main(["check", str(path), "--json"]) == 1
    raw = capsys.readouterr().out
    data = json.loads(raw)
    assert "熔断" in raw  # UTF-8, not \\u escapes
    assert {"kind", "passed", "findings", "computed"} <= set(data)
    assert data["kind"] == "supply_plan" and data["passed"] is False
    for f in data["findings"]:
        assert set(f) == {"rule_id", "severity", "field", "message", "cite"}
        assert f["severity"] in ("error", "warning", "info")
        assert set(f["cite"]) == {"doc_id", "article"}
    breaker = next(f for f in data["findings"] if f["rule_id"] == "zz4-circuit-breaker-range")
    assert breaker["field"] == "circuit_breaker_pct"
    assert breaker["cite"] == {"doc_id": "zhengzhou-2021-4", "article": "四（二）"}
    assert all(isinstance(v, int | float) for v in data["computed"].values())
    assert isinstance(data["notes"], list)


def test_json_passed_plan(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(PLANS / "songming-reserve.yaml"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["passed"] is True and data["findings"] == []
    assert data["computed"]["three_not_lower_floor_yuan"] == 41000000


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        ({"unknown_key": 1}, "unknown_key"),
        ({"term_years": "七十年"}, "term_years"),
        ({"plot_ratio_max": 80}, "plot_ratio_max"),
        ({"start_date": "1899-05-01"}, "start_date"),
        ({"jurisdiction": "zzzz-not-a-place"}, "jurisdiction"),
        ({"jurisdiction": "火星市奥林匹斯区"}, "jurisdiction"),  # not a place outside the KB
        ({"area_m2": -1}, "area_m2"),
        ({"supply_method": "赠与"}, "supply_method"),
    ],
)
def test_bad_input_exits_2_naming_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], overrides: dict[str, Any], key: str
) -> None:
    path = _write(tmp_path, "zhengzhou-residential-supply", overrides)
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert key in err and "Error:" in err and "Traceback" not in err


def test_unreadable_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(tmp_path / "missing.yaml")]) == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: supply_plan\nfields: [unclosed", "utf-8")
    assert main(["check", str(bad)]) == 2
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_file_with_a_byte_order_mark_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], suffix: str
) -> None:
    """Windows Notepad saves UTF-8 with a BOM; json.loads rejected it as invalid JSON."""
    path = _write(tmp_path, "jiaozuo-supply", {}, suffix=suffix)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert main(["check", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["passed"] is True


def test_outside_place_checks_national_rules_and_notes_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, "songming-supply", {"jurisdiction": "北京市朝阳区"})
    assert main(["check", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert any("仅按国家法律法规核查" in n for n in data["notes"])


def test_console_script_process(tmp_path: Path) -> None:
    path = _write(tmp_path, "jiaozuo-supply", {"payment_deadline_days": 800})
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "check", str(path), "--json"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    assert [f["rule_id"] for f in data["findings"] if f["severity"] == "error"] == [
        "jz-payment-two-years"
    ]
