"""The Chinese texts and the menu of the Telegram channel (HTML; user text is escaped)."""

from __future__ import annotations

import html

from telegram import BotCommand, KeyboardButton, ReplyKeyboardMarkup

NEW_RESERVE = "新建储备方案"
NEW_SUPPLY = "新建供地方案"
MY_DRAFTS = "我的草稿"
ASK = "政策问答"
PROCEDURE = "程序判定"
LEDGER = "供应台账"
HELP = "帮助"
MENU_ROWS = [[NEW_RESERVE, NEW_SUPPLY], [MY_DRAFTS, ASK], [PROCEDURE, LEDGER, HELP]]
MENU_LABELS = frozenset(label for row in MENU_ROWS for label in row)

COMMANDS = [
    BotCommand("start", "主菜单"),
    BotCommand("new_supply", "新建供地方案"),
    BotCommand("new_reserve", "新建储备方案"),
    BotCommand("drafts", "我的草稿"),
    BotCommand("ask", "政策问答"),
    BotCommand("procedure", "程序判定"),
    BotCommand("ledger", "供应台账：对照年度供应计划的进度"),
    BotCommand("supplied", "登记已供应：台账编号 日期 依据 成交价"),
    BotCommand("review", "待我审核的方案"),
    BotCommand("cancel", "退出当前操作（已填内容保留）"),
    BotCommand("help", "帮助"),
]

REGISTER_PROMPT = (
    "您好！本机器人仅供已注册的土地储备与供应工作人员使用。\n"
    "请向管理员索取<b>邀请码</b>，然后直接把邀请码发给我（例如 ABCD-2345）。"
)
DISABLED = "您的账号已停用。如需继续使用，请联系管理员。"
ERROR = "抱歉，处理您的消息时出错了。您已填写的内容都已保存，请稍后重试或发送 /start 返回主菜单。"
BUSY = "数据库暂时无法使用。您已填写的内容都已保存，请稍后重试。"
STALE_BUTTON = "该按钮已失效，请使用最新一条消息中的按钮。"
NOT_ALLOWED = "您没有权限执行此操作。"

HELP_TEXT = (
    "<b>使用说明</b>\n"
    "• <b>新建储备方案 / 新建供地方案</b>：逐项回答问题，选择题点按钮，数字、日期和文字直接输入。"
    "每个问题下有 返回、跳过、查看、修改 按钮。\n"
    "• 每次回答后都会按您所在地区的政策自动核查，发现问题会引用原文提示。\n"
    "• 填完后点 <b>生成文件</b> 获取 Word（及 PDF）文件和审批呈报单，再点 <b>提交审核</b>。\n"
    "• <b>我的草稿</b>：继续填写、下载已生成的文件、删除草稿，或从已通过的方案新建版本。\n"
    "• <b>政策问答</b>：直接输入问题，回答附政策原文出处。\n"
    "• <b>程序判定</b>：回答几个关于地块的问题，得到应走的储备与供应程序清单。\n"
    "• <b>供应台账</b>：本部门地块对照年度供应计划的供应进度，可看进度图、导出 Excel；"
    "把 Excel 台账（.xlsx）直接发给我即可导入。\n"
    "• 随时发送 /start 回到主菜单，/cancel 退出当前操作（已填内容保留）。"
)


def esc(text: object) -> str:
    """User or data text made safe for Telegram HTML."""
    return html.escape(str(text), quote=False)


def menu_keyboard() -> ReplyKeyboardMarkup:
    """The persistent main menu under the text field."""
    return ReplyKeyboardMarkup(
        [[KeyboardButton(label) for label in row] for row in MENU_ROWS],
        resize_keyboard=True,
        is_persistent=True,
        input_field_placeholder="输入回答或问题",
    )


def welcome(name: str, role_label: str, department: str | None) -> str:
    dept = f"（{esc(department)}）" if department else ""
    return (
        f"{esc(name)}，您好！您的身份：<b>{esc(role_label)}</b>{dept}。\n"
        "请从下方菜单选择要办理的事项，或直接输入政策问题。"
    )
