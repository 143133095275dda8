"""`landbot kb list | show | validate` through the real CLI entry point."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from bot.cli import main
from knowledge import corpus as corpus_mod
from knowledge import problems as problems_mod
from knowledge import validate as validate_mod


def test_list(capsys):
    assert main(["kb", "list"]) == 0
    out = capsys.readouterr().out
    for doc_id in (
        "zhengzhou-2021-4",
        "songming-reserve-measures",
        "civil-code",
        "land-reserve-measures-2018",
    ):
        assert doc_id in out
    assert "郑政〔2021〕4号" in out
    assert "2024-01-01 至 2024-12-31" in out
    assert "2018-01-03 至 2023-01-02" in out
    assert "共 10 个文件" in out


def test_show_document(capsys):
    assert main(["kb", "show", "zhengzhou-2021-4"]) == 0
    out = capsys.readouterr().out
    assert "《郑州市人民政府关于加强土地出让管理工作的意见》" in out
    assert "文号：郑政〔2021〕4号" in out
    assert "[四（二）]" in out
    assert "参照执行" in out  # the 六（四） statement
    assert "报（竞）价首次达到出让起始价的120%—130%时熔断" in out


def test_show_article(capsys):
    assert main(["kb", "show", "zhengzhou-2021-4", "四（二）"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("《郑州市人民政府关于加强土地出让管理工作的意见》四（二）")
    assert "熔断后由网上交易系统随机摇号确定竞得人" in out
    assert "三（二）" not in out


def test_show_sub_item_label_with_space(capsys):
    # the label has a space: accepted quoted or as two shell words
    assert main(["kb", "show", "songming-reserve-measures", "第十三条", "7"]) == 0
    assert "三个不低于" in capsys.readouterr().out
    assert main(["kb", "show", "songming-reserve-measures", "第十三条 7"]) == 0
    assert "三个不低于" in capsys.readouterr().out


def test_show_unknown_document(capsys):
    assert main(["kb", "show", "zhengzhou-2021"]) == 2
    err = capsys.readouterr().err
    assert "没有文件" in err and "no document" in err
    assert "zhengzhou-2021-4" in err  # a hint
    assert "Traceback" not in err


def test_show_unknown_article(capsys):
    assert main(["kb", "show", "songming-reserve-measures", "第十三条 9"]) == 2
    err = capsys.readouterr().err
    assert "没有条文" in err and "no article" in err
    assert "第十三条 1" in err  # close labels


def test_validate_passes(capsys):
    assert main(["kb", "validate"]) == 0
    out = capsys.readouterr().out
    assert "知识库校验通过" in out


@pytest.fixture
def broken_corpus(tmp_path, monkeypatch):
    """A temporary copy of the corpus that the loader reads instead of the package's."""
    src = resources.files("knowledge").joinpath("corpus")
    dst = tmp_path / "corpus"
    dst.mkdir()
    for f in src.iterdir():
        if f.name.endswith(".yaml"):
            (dst / f.name).write_text(f.read_text("utf-8"), "utf-8")
    monkeypatch.setattr(corpus_mod, "corpus_dir", lambda: dst)
    corpus_mod.load_corpus.cache_clear()
    yield dst
    corpus_mod.load_corpus.cache_clear()


def _edit(path: Path, old: str, new: str, count: int = 1) -> int:
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new, count), "utf-8")
    return text[: text.index(old)].count("\n") + 1


def test_validate_reports_file_and_line(broken_corpus, capsys):
    f = broken_corpus / "zhengzhou-2021-4.yaml"
    line = _edit(f, "- label: 四（二）", "- label: 四（一）")  # duplicate label
    assert main(["kb", "validate"]) == 1
    out = capsys.readouterr().out
    assert f"zhengzhou-2021-4.yaml:{line}:" in out
    assert "重复" in out and "duplicate label" in out
    assert "知识库校验失败" in out


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("valid_to: 2024-12-31", "valid_to: 2023-12-31", "valid_to before valid_from"),
        ("valid_to: 2024-12-31", "valid_to: 2024-13-45", "ISO date"),
        ("scope: [河南省/郑州市]", "scope: [河南省/郑州市/不存在区]", "unknown place id"),
        ("level: city", "level: town", "level 'town'"),
        ("- label: 四（一）", "- label: 4-1", "malformed label"),
        ("doc_id: zhengzhou-2024-supply-plan", "doc_id: zz-2024", "file name"),
        ("front: [", "frnt: [", "unknown key"),
        ("level: city", "level: [city", "cannot parse"),
    ],
)
def test_validate_catches(broken_corpus, capsys, old, new, message):
    f = broken_corpus / "zhengzhou-2024-supply-plan.yaml"
    line = _edit(f, old, new)
    assert main(["kb", "validate"]) == 1
    out = capsys.readouterr().out
    assert message in out, out
    assert "zhengzhou-2024-supply-plan.yaml:" in out
    if message != "cannot parse":
        assert f"zhengzhou-2024-supply-plan.yaml:{line}:" in out, out


def test_validate_catches_bad_scope_rule_and_sub_item(broken_corpus, capsys):
    f = broken_corpus / "zhengzhou-2021-4.yaml"
    _edit(f, "articles: [三（三）, 六（一）, 六（二）]", "articles: [三（三）, 九（一）]")
    g = broken_corpus / "songming-reserve-measures.yaml"
    _edit(g, "7.土地评估报告，根据三个不低于", "7.土地评估报告，根据四个不低于")  # in the item only
    assert main(["kb", "validate"]) == 1
    out = capsys.readouterr().out
    assert "九（一）" in out
    assert "sub-item text not in parent" in out


_QUESTIONS = 'questions: ["2024年供应计划编制目的", "供应计划由谁编制"]'


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("questions: 供应计划由谁编制", "questions must be a list"),
        ('questions: ["2024年供应计划编制目的", ""]', "empty or non-text question"),
        ('questions: ["2024年供应计划编制目的", 42]', "empty or non-text question"),
        ('questions: ["谁编", "供应计划由谁编制"]', "question must have 4-40 characters"),
        ('questions: ["supply plan purpose?"]', "question must be Chinese"),
        ('questions: ["供应计划由谁编制", "供应计划由谁编制"]', "duplicate question"),
        (f'questions: ["{"供应计划" * 11}"]', "question must have 4-40 characters"),
    ],
)
def test_validate_catches_a_malformed_questions_field(broken_corpus, capsys, new, message):
    """The questions an article answers (doc2query) are data too: malformed ones are named
    with their file and line."""
    f = broken_corpus / "zhengzhou-2024-supply-plan.yaml"
    line = _edit(f, _QUESTIONS, new)
    assert main(["kb", "validate"]) == 1
    out = capsys.readouterr().out
    assert message in out, out
    assert f"zhengzhou-2024-supply-plan.yaml:{line}:" in out, out
    assert "一（一）" in out


def test_the_questions_field_is_loaded_beside_the_article():
    from knowledge.corpus import load_corpus

    article = load_corpus().article("zhengzhou-2024-supply-plan", "一（一）")
    assert article is not None
    assert article.questions == ("2024年供应计划编制目的", "供应计划由谁编制")
    assert "供应计划由谁编制" not in article.text  # never mixed into the policy text


def test_validators_are_extensible(monkeypatch, capsys):
    def extra() -> list[problems_mod.Problem]:
        problem = problems_mod.check_cite("zhengzhou-2021-4", "九（九）", "rules/x.yaml", 7)
        assert problem is not None
        return [problem]

    assert problems_mod.check_cite("zhengzhou-2021-4", "四（二）", "x", 1) is None
    assert problems_mod.check_cite("nope", "一", "x", 1) is not None
    monkeypatch.setattr(validate_mod, "VALIDATORS", [*validate_mod.VALIDATORS, extra])
    assert main(["kb", "validate"]) == 1
    out = capsys.readouterr().out
    assert "rules/x.yaml:7:" in out and "九（九）" in out


def test_a_crashing_validator_is_reported(monkeypatch, capsys):
    def boom() -> list[problems_mod.Problem]:
        raise RuntimeError("kaputt")

    monkeypatch.setattr(validate_mod, "VALIDATORS", [boom])
    assert main(["kb", "validate"]) == 1
    assert "kaputt" in capsys.readouterr().out


def test_kb_without_subcommand_prints_usage(capsys):
    assert main(["kb"]) == 2
    assert "validate" in capsys.readouterr().out


def test_package_corpus_untouched_by_the_fixture():
    corpus_mod.load_corpus.cache_clear()
    assert corpus_mod.load_corpus().document("zhengzhou-2021-4").article("四（二）") is not None
