"""`landbot ask` through the real CLI entry point (CONTRACT §2, §4)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.cli import main
from knowledge.corpus import load_corpus

NATIONAL = {d.doc_id for d in load_corpus().documents.values() if d.is_national()}


def ask_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    assert main(["ask", *argv, "--json"]) == 0
    out = capsys.readouterr().out
    data: dict[str, Any] = json.loads(out)
    return data


def test_json_answer_has_the_contract_shape(capsys: pytest.CaptureFixture[str]) -> None:
    data = ask_json(capsys, "熔断以后怎么定竞得人？", "--jurisdiction", "郑州市金水区")
    assert data["question"] == "熔断以后怎么定竞得人？"
    assert data["procedure"] is None
    assert 1 <= len(data["answers"]) <= 3
    corpus = load_corpus()
    for answer in data["answers"]:
        assert {"doc_id", "title", "article", "text", "score"} <= set(answer)
        article = corpus.article(answer["doc_id"], answer["article"])
        assert article is not None and answer["text"] == article.text  # verbatim
        assert answer["title"] == corpus.documents[answer["doc_id"]].title
        assert isinstance(answer["score"], float) and 0.0 <= answer["score"] <= 1.0
    top = data["answers"][0]
    assert (top["doc_id"], top["article"]) == ("zhengzhou-2021-4", "四（二）")
    assert data["jurisdiction"]["chain"] == ["河南省", "郑州市", "金水区"]


def test_json_is_utf8_not_escaped(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "储备土地临时利用最长几年", "--json"]) == 0
    out = capsys.readouterr().out
    assert "储备土地" in out and "\\u" not in out


def test_k_limits_the_answers(capsys: pytest.CaptureFixture[str]) -> None:
    assert len(ask_json(capsys, "储备土地临时利用", "-k", "1")["answers"]) == 1
    assert len(ask_json(capsys, "储备土地临时利用", "-k", "5")["answers"]) > 1


def test_human_output_quotes_title_article_text_and_gist(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["ask", "嵩明储备土地临时出租最多几年"]) == 0
    out = capsys.readouterr().out
    assert "《嵩明县土地储备管理办法》第十九条" in out
    assert "> " in out and "一般不超过两年" in out
    assert "要点：" in out


def test_nothing_relevant_exits_zero_with_a_note(capsys: pytest.CaptureFixture[str]) -> None:
    for question in ("北京的容积率奖励政策", "", "???", "How long can reserve land be leased?"):
        data = ask_json(capsys, question)
        assert data["answers"] == []
        assert "未找到相关条文" in data["note"]
        assert data["procedure"] is None
    assert main(["ask", "北京的容积率奖励政策"]) == 0
    assert "未找到相关条文" in capsys.readouterr().out


def test_a_question_of_five_thousand_characters(capsys: pytest.CaptureFixture[str]) -> None:
    data = ask_json(capsys, "土" * 5000)
    assert data["answers"] == [] and "过长" in data["note"]


def test_unknown_jurisdiction_is_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "熔断以后怎么定竞得人", "--jurisdiction", "火星基地"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "火星基地" in captured.err and "错误" in captured.err and "Error" in captured.err
    assert "Traceback" not in captured.err


def test_outside_jurisdiction_gives_national_texts_and_a_note(
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = ask_json(capsys, "住宅用地出让最高年限是多少", "--jurisdiction", "北京市朝阳区")
    assert data["answers"]
    assert {a["doc_id"] for a in data["answers"]} <= NATIONAL
    assert "北京市朝阳区" in data["note"]


def test_bad_k_is_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "熔断", "-k", "0"]) == 2
    assert "-k" in capsys.readouterr().err
    assert main(["ask", "熔断", "-k", "three"]) == 2  # argparse's own usage error


def test_a_parcel_question_carries_the_procedure(capsys: pytest.CaptureFixture[str]) -> None:
    question = "新密市城区一块30亩的集体土地，规划住宅，在做地范围内，怎么走程序？"
    data = ask_json(capsys, question)
    assert isinstance(data["procedure"], dict)
    assert data["procedure"]["jurisdiction"]["name"] == "新密市"
    assert main(["ask", question]) == 0
    out = capsys.readouterr().out
    assert "【办理程序】" in out and "新密市" in out


def test_the_human_answer_prints_the_advisors_checklist(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`ask` and `procedure` print the same checklist for the same parcel."""
    from knowledge.parcel_question import advice_for_question
    from knowledge.procedure import render_checklist

    question = "焦作有块存量工业用地以前做过考古，两家企业都想要"
    advice = advice_for_question(question)
    assert advice is not None
    assert main(["ask", question]) == 0
    out = capsys.readouterr().out
    assert render_checklist(advice[0]) in out
    assert "协议出让" in out and "第三百四十七条" in out


def test_json_confidence_high_low_or_null(capsys: pytest.CaptureFixture[str]) -> None:
    """`confidence`: "high" when the first article answers, null (with no answers and a note)
    when nothing is offered; CONTRACT §4 extended, nothing removed."""
    strong = ask_json(capsys, "熔断以后怎么定竞得人？", "--jurisdiction", "郑州市金水区")
    assert strong["confidence"] == "high"
    assert "相关条文" not in strong.get("note", "")
    none = ask_json(capsys, "今天天气怎么样")
    assert none["confidence"] is None and none["answers"] == []
    assert none["note"].startswith("未找到相关条文")


def test_low_confidence_is_shown_as_related_articles(capsys: pytest.CaptureFixture[str]) -> None:
    """A plausible but weak answer (there are some among the officials' questions) is offered
    as 相关条文, before the articles, in JSON and in text."""
    from bench.search_eval import OFFICIALS, load
    from knowledge.search import search

    weak = [
        e["q"]
        for e in load(OFFICIALS)
        if not e.get("jurisdiction")
        and (r := search(e["q"])).confidence == "low"
        and r.missing is None
    ]
    assert weak, "no low-confidence answer left to show"
    question = weak[0]
    data = ask_json(capsys, question)
    assert data["confidence"] == "low" and data["answers"]
    assert "相关条文" in data["note"]
    assert main(["ask", question]) == 0
    out = capsys.readouterr().out
    assert out.index("【相关条文】") < out.index("1. 《")


def test_a_plan_year_not_held_is_said_first(capsys: pytest.CaptureFixture[str]) -> None:
    question = "郑州市2025年度住宅用地计划供应多少"
    data = ask_json(capsys, question)
    assert data["missing"].startswith("知识库中没有郑州市2025年度供应计划；最近的是2024年度")
    assert data["note"].startswith(data["missing"])
    assert data["confidence"] == "low"
    assert data["answers"] and {a["doc_id"] for a in data["answers"]} == {
        "zhengzhou-2024-supply-plan"
    }
    assert main(["ask", question]) == 0
    out = capsys.readouterr().out
    assert out.index("知识库中没有郑州市2025年度供应计划") < out.index("1. 《")


def test_a_plan_year_held_gets_no_notice(capsys: pytest.CaptureFixture[str]) -> None:
    for question in ("郑州市2024年度住宅用地计划供应多少", "郑州24年住宅用地计划供应多少公顷"):
        data = ask_json(capsys, question)
        assert "missing" not in data, question
        assert data["answers"][0]["doc_id"] == "zhengzhou-2024-supply-plan", question


def test_a_plan_of_a_place_without_plans_is_declined(capsys: pytest.CaptureFixture[str]) -> None:
    data = ask_json(capsys, "焦作24年国有建设用地供应计划有多少地")
    assert data["missing"].startswith("知识库中没有焦作市2024年度供应计划")
    assert data["answers"] == [] and data["confidence"] is None
