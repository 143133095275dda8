"""供应台账: the progress card of the user's department against the annual plan, the chart as
a photo and the workbook as a document (bot/services/ledger*.py does the work)."""

from __future__ import annotations

from telegram import Chat, InputFile, Update
from telegram.ext import Application, CallbackQueryHandler

from bot.channels.telegram.handlers.common import (
    Ctx,
    answer_callback,
    claim,
    pressed,
    reply,
    stale,
)
from bot.channels.telegram.handlers.dialogue import send_outs
from bot.channels.telegram.render import text_messages
from bot.channels.telegram.runtime import blocking, runtime, slow
from bot.channels.telegram.texts import esc
from bot.services import ledger, ledger_record
from bot.services.ledger_card import card_text, scope_note
from bot.services.ledger_chart import render_chart
from bot.services.ledger_excel import WorkbookErrors, import_workbook
from bot.services.ledger_sheets import export_filename, write_workbook
from knowledge.errors import LandbotError
from storage.domain import User

WORKBOOK_SUFFIXES = (".xlsx", ".xls")
MAX_WORKBOOK = 10_000_000
SHOWN_PROBLEMS = 10


def buttons(year: int) -> list[list[tuple[str, str]]]:
    return [[("进度图", f"lc:{year}"), ("导出 Excel", f"lx:{year}")]]


async def show(update: Update, context: Ctx, user: User) -> None:
    """The card (menu 供应台账 or /ledger), with buttons for the chart and the workbook."""
    if not await claim(update, context):
        return
    db = runtime(context).database
    try:
        progress = await blocking(ledger.status, db, user.id, with_parcels=False)
    except LandbotError as exc:
        await reply(update, exc.zh)
        return
    note = scope_note(user)
    lines = [card_text(progress)] + ([note] if note else [])
    waiting = await blocking(ledger_record.awaiting_supply, db, user.id)
    if waiting:
        lines.append("方案已批、待登记供应：")
        lines += [f"· #{p.id} {p.project_name}（{p.area_m2 / 10000:.2f} 公顷）" for p in waiting]
        lines.append(f"登记供应：发送 /supplied {ledger_record.EXAMPLE}")
    await send_outs(update, text_messages("\n".join(lines), buttons(progress.year)))


async def supplied(update: Update, context: Ctx, user: User, text: str) -> None:
    """/supplied 台账编号 日期 依据 [成交价]: the land of that parcel was supplied."""
    if not await claim(update, context):
        return
    db = runtime(context).database
    if not text.strip():
        await reply(update, esc(ledger_record.USAGE))
        return
    try:
        parcel = await blocking(ledger_record.record_supply_text, db, user.id, text)
    except LandbotError as exc:
        await reply(update, esc(exc.zh))
        return
    price = (
        f"，成交价 {parcel.final_price_yuan / 10000:,.2f} 万元" if parcel.final_price_yuan else ""
    )
    assert parcel.supplied_date is not None
    await reply(
        update,
        f"已登记供应：#{parcel.id} {esc(parcel.project_name)}，{parcel.supplied_date.isoformat()} "
        f"{esc(parcel.supply_basis or '')}{price}。",
    )


async def _press(update: Update, context: Ctx, note: str) -> tuple[User, int, Chat] | None:
    """The user, year and chat of a 进度图 / 导出 press, once (a re-delivery gives None)."""
    press = await pressed(update, context)
    if press is None:
        return None
    user, cb = press
    chat = update.effective_chat
    if chat is None:
        await stale(update)
        return None
    if not await claim(update, context):
        await answer_callback(update)
        return None
    await answer_callback(update, note)
    return user, cb.int(0), chat


async def on_chart(update: Update, context: Ctx) -> None:
    """进度图: the chart of that year as a photo."""
    got = await _press(update, context, "正在生成进度图……")
    if got is None:
        return
    user, year, chat = got
    db = runtime(context).database
    try:
        progress = await blocking(
            ledger.status, db, user.id, year=year, with_parcels=False, curve=True
        )
        png = await slow(render_chart, progress)
    except LandbotError as exc:
        await chat.send_message(exc.zh)
        return
    where = progress.plan.jurisdiction if progress.plan else progress.place
    caption = f"{where}{progress.year}年度供应进度"
    await chat.send_photo(InputFile(png, filename="供应进度.png"), caption=caption)


async def on_export(update: Update, context: Ctx) -> None:
    """导出 Excel: the workbook (parcels and progress) of that year as a document."""
    got = await _press(update, context, "正在导出……")
    if got is None:
        return
    user, year, chat = got
    db = runtime(context).database
    try:
        progress = await blocking(ledger.status, db, user.id, year=year)
        data = await slow(write_workbook, progress)
    except LandbotError as exc:
        await chat.send_message(exc.zh)
        return
    n = len(progress.parcels or ())
    await chat.send_document(
        InputFile(data, filename=export_filename(progress)),
        caption=f"供应台账（{n} 宗地块，含供应进度表）",
    )


async def upload(update: Update, context: Ctx, user: User, data: bytes, name: str) -> None:
    """An Excel workbook sent as a document: its parcels into the ledger, in the user's
    department; a file with bad rows stores nothing and the rows are listed."""
    db = runtime(context).database
    try:
        result = await slow(
            import_workbook, db, user.id, data, filename=name, update_id=update.update_id
        )
    except WorkbookErrors as exc:
        if await claim(update, context):
            listed = [str(p) for p in exc.problems[:SHOWN_PROBLEMS]]
            more = len(exc.problems) - len(listed)
            lines = [exc.zh.split("：", 1)[0] + "。请改正后重新发送：", *listed]
            if more > 0:
                lines.append(f"……另有 {more} 处")
            await send_outs(update, text_messages("\n".join(lines)))
        return
    except LandbotError as exc:
        if await claim(update, context):
            await reply(update, esc(exc.zh))
        return
    if result.duplicate:
        return
    skipped = f"，跳过 {len(result.skipped)} 处" if result.skipped else ""
    await reply(
        update,
        f"已导入供应台账（工作表「{esc(result.sheet)}」）：新增 {result.inserted} 宗，"
        f"更新 {result.updated} 宗{skipped}。点“供应台账”查看进度。",
    )


def register(app: Application) -> None:
    app.add_handler(CallbackQueryHandler(on_chart, pattern=r"^lc:"))
    app.add_handler(CallbackQueryHandler(on_export, pattern=r"^lx:"))
