"""The terminal channel: `landbot chat` piped and in-process, `landbot drafts`, faults."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot import services
from bot.channels.terminal import EOF_NOTE, Console, run_chat
from bot.cli import main
from bot.dialogue import load_form
from knowledge.plan import plan_from_mapping, schema
from storage.db import Database
from tests.servicekit import answer_script

ROOT = Path(__file__).resolve().parent.parent


def landbot(
    args: list[str], stdin: str, env: dict[str, str], cwd: Path
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        cwd=cwd,
        timeout=120,
    )


def chat(db: Database, user: str, lines: list[str], out_dir: Path) -> tuple[int, str]:
    """Run a terminal session in-process with `lines` as the piped input."""
    uid = services.ensure_user(db, "terminal", user, user).id
    stdin, stdout = io.StringIO("".join(f"{line}\n" for line in lines)), io.StringIO()
    code = run_chat(db, uid, Console(stdin, stdout), out_dir)
    return code, stdout.getvalue()


def _plan_keys(kind: str) -> set[str]:
    return {s.key for s in schema().keys_for(kind)}


def test_piped_stdin_completes_and_exports_both_plans(tmp_path: Path) -> None:
    """What `make run` must allow: a new user completes and exports both plans."""
    lines = ["1", *answer_script("reserve_plan"), "1", "", "2",
             *answer_script("supply_plan"), "1", "", "4"]  # fmt: skip
    env = {"LANDBOT_DATA_DIR": str(tmp_path / "data"), "LANDBOT_DATABASE_URL": ""}
    result = landbot(["chat", "--user", "新用户"], "\n".join(lines) + "\n", env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout.count("已全部填写完毕") == 2
    assert "再见" in result.stdout
    for kind, name in (("reserve_plan", "储备方案-1.yaml"), ("supply_plan", "供地方案-2.yaml")):
        assert f"已导出方案文件：{tmp_path / name}" in result.stdout
        plan = plan_from_mapping(yaml.safe_load((tmp_path / name).read_text("utf-8")))
        assert plan.kind == kind
        assert len(plan.fields) >= 0.8 * len(_plan_keys(kind))


def test_eof_leaves_the_draft_resumable(tmp_path: Path) -> None:
    env = {"LANDBOT_DATA_DIR": str(tmp_path / "data"), "LANDBOT_DATABASE_URL": ""}
    answers = answer_script("supply_plan")
    first = landbot(["chat", "--user", "zhang"], "2\n" + "\n".join(answers[:3]) + "\n", env,
                    tmp_path)  # fmt: skip
    assert first.returncode == 0, first.stderr
    assert EOF_NOTE in first.stdout
    second = landbot(["chat", "--user", "zhang"], "1\n" + answers[3] + "\n", env, tmp_path)
    assert second.returncode == 0, second.stderr
    assert "您有一份未完成的草稿" in second.stdout and "已填 3/" in second.stdout
    assert f"继续填写供地方案《{answers[0]}》" in second.stdout
    listed = landbot(["drafts", "list", "--user", "zhang", "--json"], "", env, tmp_path)
    [row] = yaml.safe_load(listed.stdout)
    assert row["answered"] == 4 and row["kind"] == "supply_plan" and not row["complete"]
    other = landbot(["chat", "--user", "li"], "4\n", env, tmp_path)
    assert "未完成的草稿" not in other.stdout  # someone else's draft is not offered


@pytest.mark.parametrize(
    "url",
    ["postgresql+psycopg://landbot:pw@127.0.0.1:1/landbot?connect_timeout=2", "bogus://nowhere"],
)
def test_unreachable_or_bad_database_url_is_a_clear_error(tmp_path: Path, url: str) -> None:
    result = landbot(["chat", "--user", "a"], "4\n", {"LANDBOT_DATABASE_URL": url}, tmp_path)
    assert result.returncode == 1
    assert "错误：" in result.stderr and "Error:" in result.stderr
    assert "Traceback" not in result.stderr and ":pw@" not in result.stderr


def test_corrupt_sqlite_file_is_a_clear_error(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "landbot.sqlite3").write_bytes(b"\x00garbage, not SQLite\x00" * 300)
    for args in (["chat", "--user", "a"], ["drafts", "list"]):
        result = landbot(args, "4\n", {"LANDBOT_DATA_DIR": str(data),
                                       "LANDBOT_DATABASE_URL": ""}, tmp_path)  # fmt: skip
        assert result.returncode == 1
        assert "无法使用数据库" in result.stderr and "Traceback" not in result.stderr


# -- in-process sessions (both database backends) ---------------------------------------


def test_menu_refuses_unknown_choices_and_quits(database: Database, tmp_path: Path) -> None:
    code, out = chat(database, "a", ["9", "新建", "4"], tmp_path)
    assert code == 0
    assert out.count("请输入 1-4 之间的数字") == 2 and "再见" in out


def test_menu_takes_short_words_as_well_as_numbers(database: Database, tmp_path: Path) -> None:
    """储备 / 供地 / 草稿 / 退出 pick the menu items, as the words officials type do."""
    code, out = chat(database, "m", ["供地", "取消", "储备方案", "取消", "草稿", "3", "退出"],
                     tmp_path)  # fmt: skip
    assert code == 0 and "请输入 1-4 之间的数字" not in out
    assert "开始填写供地方案" in out and "开始填写储备方案" in out
    assert "您的草稿" in out and "再见" in out


def test_numbered_options_answer_choice_questions(database: Database, tmp_path: Path) -> None:
    answers = answer_script("reserve_plan")
    assert load_form("reserve_plan").has("ownership")
    # Answer up to the ownership question (国有 | 集体), then pick option 2 by number.
    upto = answers[: answers.index("国有")] if "国有" in answers else None
    assert upto is not None
    code, out = chat(database, "a", ["1", *upto, "2"], tmp_path)
    assert code == 0 and "[1] 国有  [2] 集体" in out
    assert "已记录 土地所有权性质：集体" in out
    uid = services.ensure_user(database, "terminal", "a").id
    [draft] = services.list_drafts(database, uid)
    assert draft.current_field != "ownership"


def test_my_drafts_view_export_delete(database: Database, tmp_path: Path) -> None:
    answers = answer_script("reserve_plan")
    code, out = chat(database, "wang", ["1", *answers[:2], "取消", "3", "1", "2", "3", "1", "3",
                                        "", "3", "1", "4", "1", "4"], tmp_path)  # fmt: skip
    assert code == 0
    assert "已退出储备方案填写" in out
    assert answers[0] in out  # the review card shows the answers
    assert "已导出方案文件" in out and (tmp_path / "储备方案-1.yaml").is_file()
    assert "草稿 1 已删除" in out
    uid = services.ensure_user(database, "terminal", "wang").id
    assert services.list_drafts(database, uid) == []


def test_resume_offer_continues_at_the_same_field(database: Database, tmp_path: Path) -> None:
    answers = answer_script("supply_plan")
    code, out = chat(database, "zhao", ["2", *answers[:5]], tmp_path)
    assert code == 0 and EOF_NOTE in out
    code, out = chat(database, "zhao", ["1"], tmp_path)
    assert "您有一份未完成的草稿" in out
    assert "第 6/" in out.split("继续填写供地方案")[1]


def test_drafts_command_list_export_import_delete(
    settings: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    from bot.settings import Settings

    assert isinstance(settings, Settings)
    monkeypatch.setenv("LANDBOT_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("LANDBOT_DATABASE_URL", settings.database_url)
    monkeypatch.chdir(tmp_path)
    plan = tmp_path / "in.yaml"
    plan.write_text("kind: supply_plan\nfields:\n  project_name: 导入项目\n  area_ha: 2\n", "utf-8")
    assert main(["drafts", "import", str(plan), "--user", "u1"]) == 0
    assert "已导入为草稿 1" in capsys.readouterr().out
    assert main(["drafts", "list", "--user", "u1"]) == 0
    assert "《导入项目》" in capsys.readouterr().out
    assert main(["drafts", "export", "1", "-o", "out.yaml", "--user", "u1"]) == 0
    captured = capsys.readouterr()
    assert "尚未填完" in captured.err
    exported = yaml.safe_load((tmp_path / "out.yaml").read_text("utf-8"))
    assert exported == {"kind": "supply_plan",
                        "fields": {"project_name": "导入项目", "area_m2": 20000.0}}  # fmt: skip
    assert main(["drafts", "export", "1", "-o", "x.yaml", "--user", "u2"]) == 2
    assert "找不到编号为 1 的草稿" in capsys.readouterr().err
    assert not (tmp_path / "x.yaml").exists()
    assert main(["drafts", "copy", "1", "--user", "u2"]) == 2  # not theirs
    assert main(["drafts", "copy", "1", "--user", "u1"]) == 0
    assert "已复制草稿 1" in capsys.readouterr().out
    assert main(["drafts", "delete", "2", "--user", "u1"]) == 0
    assert main(["drafts", "delete", "1", "--user", "u2"]) == 2
    assert main(["drafts", "delete", "1", "--user", "u1"]) == 0
    assert main(["drafts", "list", "--user", "u1"]) == 0
    assert "还没有草稿" in capsys.readouterr().out
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: supply_plan\nfields:\n  area: 5\n", "utf-8")
    assert main(["drafts", "import", str(bad), "--user", "u1"]) == 2
    err = capsys.readouterr().err
    assert "未知的键 area" in err and "Traceback" not in err
    assert main(["drafts", "import", str(tmp_path / "missing.yaml")]) == 2


def test_multi_field_message_paste_and_copy(database: Database, tmp_path: Path) -> None:
    lines = ["2", "面积30亩，住宅用地，挂牌出让，出让年限70年", "1",
             "粘贴", "项目名称: 一号地", "地块编号：郑政出〔2024〕12号", "", "确认", "取消",
             "3", "1", "5", "取消", "4"]  # fmt: skip
    code, out = chat(database, "li", lines, tmp_path)
    assert code == 0 and "Traceback" not in out
    assert "识别到 4 项" in out and "[1] 确认  [2] 修改" in out and "已填入 4 项" in out
    assert "每行一项" in out and "识别到 2 项" in out and "已填入 2 项" in out
    assert "已复制草稿 1" in out
    uid = services.ensure_user(database, "terminal", "li").id
    first, copy = sorted(services.list_drafts(database, uid), key=lambda d: d.id)
    assert first.title == "一号地" and copy.title is None and copy.answered == 4
