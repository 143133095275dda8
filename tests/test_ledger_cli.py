"""`landbot ledger status|export|import|chart|supply` (CONTRACT §6) on the embedded database."""

from __future__ import annotations

import datetime as dt
import json
import struct
from pathlib import Path

import pytest

from bot.cli import main
from bot.services.ledger_chart import cjk_family
from tests.components import require
from tests.ledgerkit import ROWS_2024, workbook


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LANDBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("LANDBOT_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def ledger_file(tmp_path: Path, rows: list[list[object]] = ROWS_2024) -> Path:
    path = tmp_path / "台账.xlsx"
    path.write_bytes(workbook(rows))
    return path


def test_status_json_is_the_contract_object(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ledger", "import", str(ledger_file(tmp_path))]) == 0
    assert "新增 3 宗" in capsys.readouterr().out
    assert main(["ledger", "status", "--jurisdiction", "郑州市", "--year", "2024", "--json"]) == 0
    j = json.loads(capsys.readouterr().out)
    assert set(j) >= {"plan", "supplied", "milestones", "parcels"}
    assert j["plan"] == {
        "doc_id": "zhengzhou-2024-supply-plan",
        "jurisdiction": "郑州市市本级",
        "period": ["2024-01-01", "2024-12-31"],
        "total_ha": 3927.94,
        "by_use": {
            "住宅用地": 871.73,
            "商服用地": 186.52,
            "工矿仓储用地": 924.05,
            "其他用地": 1945.64,
        },
        "cite": {"doc_id": "zhengzhou-2024-supply-plan", "article": "四（一）"},
    }
    assert j["supplied"]["total_ha"] == 10.0 and j["supplied"]["by_use"]["住宅用地"] == 10.0
    assert [(m["date"], m["target_pct"]) for m in j["milestones"]] == [
        ("2024-06-30", 50), ("2024-09-30", 75), ("2024-12-31", 100),
    ]  # fmt: skip
    assert all(m["cite"] == {"doc_id": "zhengzhou-2024-supply-plan", "article": "六（二）"}
               for m in j["milestones"])  # fmt: skip
    assert j["milestones"][0]["actual_pct"] == round(10 * 100 / 3927.94, 2)
    first = j["parcels"][0]
    assert {k: first[k] for k in ("parcel_code", "project_name", "jurisdiction", "land_use",
                                  "area_ha", "status", "supplied_date")} == {
        "parcel_code": "JS-1", "project_name": "金水区住宅地块", "jurisdiction": "金水区",
        "land_use": "住宅用地", "area_ha": 10.0, "status": "supplied",
        "supplied_date": "2024-03-08",
    }  # fmt: skip
    # the 新密 parcel is not in the 市本级 plan's parcels
    assert [p["parcel_code"] for p in j["parcels"]] == ["JS-1", "JK-2"]
    assert main(["ledger", "status", "--jurisdiction", "新密市", "--year", "2024", "--json"]) == 0
    county = json.loads(capsys.readouterr().out)
    assert county["plan"] is None and county["milestones"] == []
    assert [p["parcel_code"] for p in county["parcels"]] == ["XM-3"]


def test_status_prints_the_card(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["ledger", "import", str(ledger_file(tmp_path))])
    capsys.readouterr()
    assert main(["ledger", "status", "--year", "2024"]) == 0
    out = capsys.readouterr().out
    assert "供应台账：郑州市市本级2024年度国有建设用地供应计划" in out
    assert "· 住宅用地 10.00 / 871.73（1.15%）" in out
    assert "· 6月30日 目标 50%" in out and "待供应：列入计划 1 宗 20.00 公顷" in out
    assert "依据：《郑州市市本级2024年度国有建设用地供应计划》四（一）、四（二）、六（二）" in out


@pytest.mark.parametrize(
    ("argv", "zh"),
    [
        (["ledger", "status", "--jurisdiction", "火星市"], "无法识别的行政区"),
        (["ledger", "status", "--year", "24"], "年度应为四位数字"),
        (["ledger", "status", "--year", "1999"], "年度「1999」无效"),
        (["ledger", "import", "没有这个文件.xlsx"], "找不到文件"),
        (["ledger", "import", "x.xlsx", "--columns", "a=b"], "--columns"),
        (["ledger", "supply", "1", "--date", "2024-05-01", "--basis", "口头"], "供应依据"),
        (
            ["ledger", "supply", "99", "--date", "2024-05-01", "--basis", "出让合同"],
            "台账中没有编号",
        ),
        (["ledger", "export"], "-o/--output"),
    ],
)
def test_bad_input_exits_2_with_one_bilingual_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], zh: str
) -> None:
    if "--columns" in argv:
        (tmp_path / "x.xlsx").write_bytes(workbook(ROWS_2024))
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and zh in err[0] and " / Error: " in err[0], err
    assert "Traceback" not in err[0]


def test_import_lists_every_bad_row_and_stores_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [*ROWS_2024, ["K-4", "坏行", "金水区", "住宅用地", "十亩", 2024, None]]
    path = ledger_file(tmp_path, rows)
    assert main(["ledger", "import", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[0] == "工作表「地块台账」第 5 行 E 列（面积（公顷））：「十亩」不是数字"
    assert err[-1].startswith("错误：台账文件有 1 行数据有误，未导入任何数据")
    main(["ledger", "status", "--year", "2024", "--json"])
    assert json.loads(capsys.readouterr().out)["parcels"] == []
    assert main(["ledger", "import", str(path), "--skip-bad-rows"]) == 0
    captured = capsys.readouterr()
    assert "新增 3 宗" in captured.out and "跳过 1 行" in captured.out
    assert "已跳过：工作表「地块台账」第 5 行" in captured.err


def test_a_renamed_docx_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.test_ledger_excel import _docx

    path = tmp_path / "台账.xlsx"
    path.write_bytes(_docx())
    assert main(["ledger", "import", str(path)]) == 2
    assert "Word 文档（.docx）" in capsys.readouterr().err


def test_export_import_round_trip_and_supply(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["ledger", "import", str(ledger_file(tmp_path))])
    out = tmp_path / "导出.xlsx"
    assert main(["ledger", "export", "--year", "2024", "-o", str(out)]) == 0
    assert "已导出 2 宗" in capsys.readouterr().out
    assert main(["ledger", "import", str(out)]) == 0
    assert "新增 0 宗，更新 2 宗" in capsys.readouterr().out
    main(["ledger", "status", "--year", "2024", "--json"])
    jk = next(
        p for p in json.loads(capsys.readouterr().out)["parcels"] if p["parcel_code"] == "JK-2"
    )
    argv = ["ledger", "supply", str(jk["id"]), "--date", "2024-08-01", "--basis", "出让合同",
            "--price-yuan", "12000000"]  # fmt: skip
    assert main(argv) == 0 and "已供应" in capsys.readouterr().out
    main(["ledger", "status", "--year", "2024", "--json"])
    j = json.loads(capsys.readouterr().out)
    assert j["supplied"]["total_ha"] == 30.0 and j["supplied"]["by_use"]["工矿仓储用地"] == 20.0
    # taken today (after 2024): every milestone of the 2024 plan has passed
    assert dt.date.today().year > 2024 and all(m["days_left"] < 0 for m in j["milestones"])


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_a_chinese_font_installed_after_matplotlib_cached_its_list_is_found(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The operator installs fonts-noto-cjk after a first chart failed: matplotlib's cached font
    list does not have it, and the chart must not keep failing until that cache is deleted."""
    from matplotlib import font_manager

    from bot.services import ledger_chart

    require(cjk_family() is not None, "a CJK font (fonts-noto-cjk)")
    family = cjk_family()
    manager = font_manager.fontManager
    files = {f.fname for f in manager.ttflist if f.name in ledger_chart.CJK_FAMILIES}
    stale = [f for f in manager.ttflist if f.fname not in files]
    assert len(stale) < len(manager.ttflist)
    monkeypatch.setattr(manager, "ttflist", stale)  # the list as cached before the install
    monkeypatch.setattr(ledger_chart, "_found", [])
    assert ledger_chart.cjk_family() == family
    assert any(f.name == family for f in manager.ttflist)


def test_chart_is_a_png_sized_for_a_phone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require(cjk_family() is not None, "a CJK font (fonts-noto-cjk)")
    main(["ledger", "import", str(ledger_file(tmp_path))])
    out = tmp_path / "进度.png"
    assert main(["ledger", "chart", "--year", "2024", "-o", str(out)]) == 0
    data = out.read_bytes()
    width, height = png_size(data)
    assert (width, height) == (1080, 1620)  # upright, the width of a phone screen
    assert 30_000 < len(data) < 1_500_000
    assert main(["ledger", "chart", "--jurisdiction", "新密市", "--year", "2024", "-o",
                 str(tmp_path / "新密.png")]) == 0  # fmt: skip
    assert png_size((tmp_path / "新密.png").read_bytes()) == (1080, 1620)
