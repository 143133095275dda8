"""End to end through the real python-telegram-bot HTTP stack: the local Bot API server,
`landbot run` as a subprocess, people pressing buttons and typing in their chats."""

from __future__ import annotations

import io
import re
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.services import users
from tests.components import soffice_path
from tests.telegram.fake_api import SentMessage
from tests.telegram.harness import (
    QUESTION,
    Harness,
    answer,
    draft_id_of,
    last_question,
    running_bot,
    wait_for,
)
from tests.telegram.server import ChatDriver

pytestmark = pytest.mark.slow

# A whole 供地方案 (住宅用地, 挂牌出让), keyed by the label of each question. Lists are
# consumed in order (a rejected answer first, or the sub-questions of 净地条件 / 五项核查).
SUPPLY = {
    "项目名称": "金水区某地块<国有>建设用地使用权出让",
    "地块编号": "跳过",
    "所在行政区": "郑州市金水区",
    "坐落位置": "金水路与经三路交叉口西南角",
    "四至": "东至经三路，南至规划支路，西至经二路，北至金水路",
    "土地面积": "2.5万平方米",
    "土地所有权性质": "国有",
    "现使用权类型": "无",
    "现状用途": "储备土地，现为空地",
    "土地现状": "已完成拆迁，场地平整，无地上建筑物",
    "规划用途": "住宅用地",
    "土地用途": "住宅用地",
    "储备依据": "原划拨土地依法收回后纳入储备",
    "是否在做地范围内": "否",
    "是否存量建设用地": "是",
    "是否纳入年度供地计划": "是",
    "是否纳入年度土地储备计划": "是",
    "意向用地者数量": "3",
    "容积率上限": "2.5",
    "容积率下限": "1.0",
    "建筑密度上限": "25%",
    "绿地率下限": "35%",
    "建筑限高（米）": "80米",
    "配建设施": "配建一所 12 班幼儿园，建成后无偿移交",
    "约定开工时间": "2027-06-01",
    "约定竣工时间": ["明年六月", "2030/6/1"],
    "供应方式": "挂牌出让",
    "出让年限（年）": "七十年",
    "销售参考房价（元/平方米）": "1.5万元/平方米",
    "周边实际成交房价（元/平方米）": "14200",
    "建安成本（元/平方米楼面）": "3500元/平方米",
    "税费（元/平方米楼面）": "1200元/㎡",
    "财务成本（元/平方米楼面）": "600元每平方米",
    "合理利润（元/平方米楼面）": "1500",
    "楼面价（元/平方米）": "跳过",
    "评估机构数量": "三家",
    "评审专家人数": "3位",
    "出让底价": "2.05亿元",
    "起始价": "贰亿零伍佰万元整",
    "竞买保证金": "4100万元",
    "竞价阶梯（增价幅度）": "100万",
    "熔断比例（占起始价）": "百分之一百五十",
    "熔断后竞得规则": "摇号",
    "竞买人资格条件": "中华人民共和国境内外的法人、自然人和其他组织均可参加",
    "出让须知": "跳过",
    "价款支付期限（天）": "30天",
    "净地条件": ["是", "是", "是", "是", "是"],
    "五项核查": ["是", "是", "是", "是", "是"],
    "是否已完成考古调查勘探": "是",
    "经办人": "李四",
    "经办单位": "郑州市自然资源和规划局",
    "编制日期": "2026年3月1日",
}


def _label(msg: SentMessage) -> str | None:
    m = re.search(r"第 \d+/\d+ 项 · (.+)", msg.text)
    return m.group(1).strip() if m else None


def walk(chat: ChatDriver, first: list[SentMessage], answers: dict[str, object],
         stop_at: str | None = None, limit: int = 90) -> list[SentMessage]:  # fmt: skip
    """Answer questions by label until the form is complete (or `stop_at` is asked)."""
    queue = {k: list(v) if isinstance(v, list) else [v] for k, v in answers.items()}
    seen = list(first)
    msgs = first
    label: str | None = None
    for _ in range(limit):
        q = msgs[-1]
        if not q.text.startswith("⚠️ "):  # a rejected answer: same question, new buttons
            q = last_question(msgs)
            if "填写情况" in q.text and "填写完毕" not in q.text:
                seen.extend(chat.until("填写完毕"))
                return seen
            if "填写完毕" in q.text:
                return seen
            label = _label(q)
        assert label is not None, q.text
        if label == stop_at:
            return seen
        assert queue.get(label), f"no answer for {label!r}"
        reply = str(queue[label].pop(0) if len(queue[label]) > 1 else queue[label][0])
        msgs = answer(chat, q, reply)
        seen.extend(msgs)
    raise AssertionError("the form did not finish")


def docx_text(content: bytes) -> str:
    """All text of a .docx (paragraphs and table cells); it must open with python-docx."""
    import docx

    doc = docx.Document(io.BytesIO(content))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    with running_bot(tmp_path_factory.mktemp("e2e")) as h:
        yield h


def test_unregistered_user_gets_only_the_registration_prompt(harness: Harness) -> None:
    stranger = harness.server.chat(9001, "陌生人")
    stranger.say("熔断比例是多少？")
    (msg,) = stranger.wait(1, timeout=30)
    assert "邀请码" in msg.text and msg.buttons == []
    stranger.say("/start")
    stranger.say("新建供地方案")
    for m in stranger.wait(2):
        assert "邀请码" in m.text and "第 1/" not in m.text and m.keyboard == []
    stranger.say("ABCD-EFGH")  # looks like a code, is not one
    assert "不存在" in stranger.wait(1)[0].text
    # a button press (forged data) from a stranger: answered, nothing sent
    stranger.press(msg, "g:1", raw=True)
    wait_for(lambda: len(stranger.callback_answers()) == 1)
    assert "注册" in (stranger.callback_answers()[0]["text"] or "")
    assert stranger.quiet(0.5) == []
    assert users.lookup(harness.db, "telegram", 9001) is None


def test_clerk_fills_a_supply_plan_reviewer_approves(harness: Harness) -> None:
    clerk = harness.register(2001, "李经办")
    reviewer = harness.register(2002, "王审核", role="reviewer")
    assert [c["command"] for c in harness.server.commands()][:2] == ["start", "new_supply"]

    clerk.say("/start")
    menu = clerk.wait(1)[0]
    assert menu.keyboard[0] == ["新建储备方案", "新建供地方案"]
    clerk.say("新建供地方案")
    first = clerk.until(QUESTION)
    q1 = last_question(first)
    draft = draft_id_of(q1)
    assert [lbl for lbl, _ in q1.buttons[-1]] == ["查看", "修改"]

    # the project name is escaped HTML; a rejected date is explained; buttons and typing mix
    seen = walk(clerk, first, SUPPLY, stop_at="熔断后竞得规则")
    texts = "\n".join(m.text for m in seen)
    assert "金水区某地块<国有>建设用地使用权出让" in texts
    assert "例如：2027年6月1日" in texts
    finding = next(m for m in seen if "熔断" in m.text and "错误" in m.text)
    assert "四（二）" in finding.text  # the article it enforces
    assert any("修改" in lbl for row in finding.buttons for lbl, _ in row)

    # an old question's button is refused and changes nothing
    stale_q = next(m for m in seen if _label(m) == "土地面积")  # answered by typing
    clerk.press(stale_q, "返回")
    wait_for(lambda: any("失效" in (a["text"] or "") for a in clerk.callback_answers()))
    assert clerk.quiet(0.3) == []
    # a tampered button naming someone else's draft (the reviewer starts one)
    reviewer.say("新建储备方案")
    other = draft_id_of(last_question(reviewer.until(QUESTION)))
    n_answers = len(clerk.callback_answers())
    clerk.press(stale_q, f"d:{other}:1:cmd:back", raw=True)
    wait_for(lambda: len(clerk.callback_answers()) > n_answers)
    assert "失效" in (clerk.callback_answers()[-1]["text"] or "")
    assert clerk.quiet(0.3) == []

    # a re-delivered answer is processed once
    current = last_question(clerk.sent)
    assert _label(current) == "熔断后竞得规则", current.text
    update = clerk.press(current, "摇号")
    after = clerk.until(QUESTION)
    clerk.redeliver(update)
    assert clerk.quiet(1.0) == []
    seen = walk(clerk, after, SUPPLY)
    done = seen[-1]
    assert "错误" in done.text  # the circuit-breaker finding still blocks submission
    assert [lbl for lbl, _ in done.buttons[-1]] == ["生成文件"]

    # correct the finding with its 修改 button
    clerk.press(finding, "修改")
    msgs = clerk.until(QUESTION)
    assert _label(last_question(msgs)) == "熔断比例（占起始价）"
    clerk.say("125%")
    msgs = clerk.until("填写完毕")
    assert any("已消除" in m.text for m in msgs)
    final = msgs[-1]
    assert [lbl for lbl, _ in final.buttons[-1]] == ["生成文件", "提交审核"]

    # documents
    clerk.press(final, "生成文件")
    docs = [m for m in clerk.until("已生成", timeout=120) if m.document is not None]
    names = [m.document.file_name for m in docs if m.document]
    assert any(n and n.endswith("供地方案.docx") for n in names), names
    assert any(n and "审批呈报单" in n for n in names), names
    if soffice_path():  # LibreOffice installed (CI): the PDFs come too
        assert any(n and n.endswith("供地方案.pdf") for n in names), names

    plan_doc = next(m for m in docs if m.document and m.document.file_name
                    and m.document.file_name.endswith("供地方案.docx"))  # fmt: skip
    body = docx_text(clerk.download(plan_doc)).replace("\n", "")
    assert "金水区某地块<国有>建设用地使用权出让" in body

    # submission → the reviewer is notified with the summary and the memo
    clerk.press(final, "提交审核")
    assert "已提交审核" in clerk.wait_text("已提交审核").text
    card = reviewer.wait_text("待审核", timeout=20)
    assert "李经办" in card.text and str(draft) in card.text
    memo = reviewer.wait(1)[0]
    assert memo.document is not None and "审批呈报单" in (memo.document.file_name or "")
    reviewer.press(card, "通过")
    assert "通过" in reviewer.wait_text("已记录").text
    note = clerk.wait_text("审核通过", timeout=20)
    assert "王审核" in note.text
    approved_memo = clerk.wait(1)[0]
    assert approved_memo.document is not None
    memo_text = docx_text(clerk.download(approved_memo))
    assert "王审核" in memo_text and "同意" in memo_text  # the reviewer's opinion, recorded

    # the approved draft is locked; 我的草稿 offers 新建版本 and the files again
    clerk.say("我的草稿")
    listing = clerk.until("已审核通过")
    entry = listing[-1]
    labels = [lbl for row in entry.buttons for lbl, _ in row]
    assert "新建版本" in labels and any(lbl.startswith("⬇") for lbl in labels)
    clerk.press(entry, next(lbl for lbl in labels if lbl.startswith("⬇")))
    again = clerk.wait(1)[0]
    assert again.document is not None
    clerk.press(entry, "新建版本")
    assert "新版本" in clerk.wait_text("新版本").text


def test_policy_question_quotes_the_article(harness: Harness) -> None:
    asker = harness.register(2101, "赵科员")
    asker.say("政策问答")
    asker.wait_text("政策问题")
    asker.say("熔断以后怎么确定竞得人？")
    ans = asker.wait_text("原文", timeout=30)
    full = [lbl for row in ans.buttons for lbl, _ in row if lbl.startswith("查看全文")]
    assert full, ans.text
    asker.press(ans, full[0])
    article = asker.wait(1, timeout=20)[0]
    assert "《" in article.text and len(article.text) > 30


def test_kill9_mid_dialogue_then_restart_continues(harness: Harness) -> None:
    clerk = harness.register(2201, "周经办")
    clerk.say("新建供地方案")
    msgs = clerk.until(QUESTION)
    msgs = walk(clerk, msgs, SUPPLY, stop_at="土地面积")
    assert harness.bot is not None
    harness.bot.kill9()
    clerk.say("2.5万平方米")  # arrives while the bot is down
    harness.start()
    # (the kill may come after the last reply went out but before its update was marked
    # done: the restarted bot then first repeats the question with a note that the message
    # was saved, see bot/channels/telegram/inbox.py)
    msgs = clerk.until(r"第 \d+/\d+ 项 · 土地所有权性质", timeout=40)
    text = "\n".join(m.text for m in msgs)
    assert "已记录 土地面积" in text
    assert text.count("已记录 土地面积") == 1


def test_logs_name_updates_but_never_the_token(harness: Harness) -> None:
    logs = harness.logs()
    assert "ready" in logs
    token = harness.server.token
    assert token not in logs and token.split(":", 1)[1] not in logs
    assert "Traceback" not in logs, logs[-3000:]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_webhook_mode_checks_the_secret_token(tmp_path: Path) -> None:
    port = _free_port()
    url = f"http://127.0.0.1:{port}/landbot/hook"
    args = ["--webhook", url, "--listen", "127.0.0.1", "--port", str(port),
            "--secret-token", "s3cret_T"]  # fmt: skip
    with running_bot(tmp_path, {}, args) as h:
        wait_for(lambda: h.server.api.webhook["url"] == url, timeout=30)
        person = h.server.chat(3001, "网页")
        person.say("你好")
        assert "邀请码" in person.wait(1, timeout=20)[0].text
        forged = httpx.post(url, json={"update_id": 999, "message": {}}, timeout=5,
                            headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"})  # fmt: skip
        assert forged.status_code == 403
