"""生成文件 and re-downloads: .docx (and PDF when the converter runs) with Chinese names."""

from __future__ import annotations

import logging

from telegram import InputFile, Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters

from bot import services
from bot.channels.telegram.handlers import ledger
from bot.channels.telegram.handlers.common import (
    Ctx,
    answer_callback,
    call_or_alert,
    claim,
    pressed,
    registered_user,
    stale,
)
from bot.channels.telegram.runtime import blocking, runtime, slow
from bot.channels.telegram.texts import esc
from bot.services import documents
from bot.services.documents import GeneratedFile
from knowledge.errors import LandbotError

log = logging.getLogger(__name__)
CAPTIONS = {"approval_memo": "审批呈报单", "reserve_plan": "储备方案", "supply_plan": "供地方案"}


async def send_file(context: Ctx, chat_id: int, f: GeneratedFile, caption: str = "") -> None:
    """Send one stored document to a chat."""
    what = CAPTIONS.get(f.doc_type, "文件")
    fmt = "PDF" if f.media_type == documents.PDF else "Word"
    text = caption or f"{what}（{fmt}）"
    await context.bot.send_document(
        chat_id,
        InputFile(f.content, filename=f.filename),
        caption=esc(text),
    )


async def send_files(context: Ctx, chat_id: int, files: list[GeneratedFile]) -> None:
    for f in files:
        try:
            await send_file(context, chat_id, f)
        except TelegramError:
            log.warning(
                "could not send document %s to chat %s", f.document_id, chat_id, exc_info=True
            )


async def on_generate(update: Update, context: Ctx) -> None:
    """生成文件: render the plan and its memo, send them."""
    press = await pressed(update, context)
    if press is None:
        return
    user, cb = press
    if update.effective_chat is None:
        await stale(update)
        return
    if not await claim(update, context):
        await answer_callback(update)
        return
    await answer_callback(update, "正在生成文件，请稍候……")
    rt = runtime(context)
    try:
        files = await slow(
            documents.generate,
            rt.database,
            user.id,
            cb.int(0),
            converter=rt.converter if rt.pdf_available() else None,
        )
    except LandbotError as exc:
        await update.effective_chat.send_message(esc(exc.zh))
        return
    await send_files(context, update.effective_chat.id, files)
    note = "" if rt.pdf_available() else "（本服务器未安装 PDF 转换组件，仅提供 Word 文件）"
    await update.effective_chat.send_message(
        f"已生成 {len(files)} 个文件{note}。以后可在“我的草稿”中重新下载。"
    )


async def on_download(update: Update, context: Ctx) -> None:
    """⬇ a stored document again."""
    press = await pressed(update, context)
    if press is None:
        return
    user, cb = press
    if update.effective_chat is None:
        await stale(update)
        return
    got_f = await call_or_alert(
        update, documents.fetch, runtime(context).database, user.id, cb.int(0)
    )
    if got_f is None:
        return
    (f,) = got_f
    if not await claim(update, context):
        await answer_callback(update)
        return
    await answer_callback(update)
    await send_file(context, update.effective_chat.id, f)


MAX_UPLOAD = 1_000_000
PLAN_SUFFIXES = (".yaml", ".yml", ".json")


async def on_upload(update: Update, context: Ctx) -> None:
    """A plan file (YAML/JSON, CONTRACT §3) sent as a document becomes a new draft; a workbook
    (.xlsx) goes into the supply ledger (handlers/ledger.py)."""
    msg = update.effective_message
    user = await registered_user(update, context)
    if msg is None or msg.document is None:
        return
    if user is None:
        from bot.channels.telegram.handlers.start import unregistered

        await unregistered(update, context, None)
        return
    doc = msg.document
    name = doc.file_name or "plan.yaml"
    workbook = name.lower().endswith(ledger.WORKBOOK_SUFFIXES)
    if not workbook and not name.lower().endswith(PLAN_SUFFIXES):
        if await claim(update, context):
            await msg.reply_text(
                "只能导入 YAML 或 JSON 格式的方案文件（.yaml / .json），或 Excel 供应台账（.xlsx）。"
            )
        return
    limit = ledger.MAX_WORKBOOK if workbook else MAX_UPLOAD
    if doc.file_size is not None and doc.file_size > limit:
        if await claim(update, context):
            await msg.reply_text(f"文件太大（超过 {limit // 1_000_000} MB）。")
        return
    tg_file = await doc.get_file()
    data = bytes(await tg_file.download_as_bytearray())
    if workbook:
        await ledger.upload(update, context, user, data[: limit + 1], name)
        return
    try:
        result = await blocking(
            services.import_plan, runtime(context).database, user.id, data[: MAX_UPLOAD + 1],
            filename=name, update_id=update.update_id,
        )  # fmt: skip
    except LandbotError as exc:
        if await claim(update, context):
            await msg.reply_text(esc(exc.zh))
        return
    from bot.channels.telegram.handlers.dialogue import send_reply

    await send_reply(update, result)


def register(app: Application) -> None:
    app.add_handler(CallbackQueryHandler(on_generate, pattern=r"^g:"))
    app.add_handler(CallbackQueryHandler(on_download, pattern=r"^dl:"))
    app.add_handler(MessageHandler(filters.Document.ALL, on_upload))
