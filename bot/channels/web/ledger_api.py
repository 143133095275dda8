"""供应台账 on the web page: the progress card, the chart, the workbook out and in, and the
record of land actually supplied — the services of the Telegram card (bot/services/ledger*.py),
shown to the signed-in user over their own department's parcels."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.channels.web.api import content_disposition
from bot.channels.web.http import (
    api,
    body_bytes,
    call,
    database,
    json_body,
    signed_in,
    step,
    text_of,
)
from bot.services import ledger, ledger_record
from bot.services.ledger_card import card_text, scope_note
from bot.services.ledger_chart import render_chart
from bot.services.ledger_excel import WorkbookErrors, import_workbook
from bot.services.ledger_sheets import export_filename, write_workbook
from knowledge.errors import BadInput

MAX_WORKBOOK = 10_000_000  # as in Telegram
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHOWN_PROBLEMS = 20


def _scope(request: Request) -> dict[str, Any]:
    """`?year=2024&jurisdiction=金水区` (both optional, as `landbot ledger status`)."""
    year_text = request.query_params.get("year", "").strip()
    year: int | None = None
    if year_text:
        if not (year_text.isascii() and year_text.isdigit() and len(year_text) == 4):
            raise BadInput(
                f"年度「{year_text[:20]}」无效：应为四位年份，如 2024",
                "year must be a four-digit year such as 2024",
            )
        year = ledger.check_year(int(year_text))
    place = request.query_params.get("jurisdiction", "").strip()
    if len(place) > 64:
        raise BadInput("辖区名称太长（不超过 64 个字）", "jurisdiction is too long")
    return {"year": year, "jurisdiction": place or None}


def _attachment(content: bytes, media_type: str, filename: str, fallback: str) -> Response:
    headers = {
        "Content-Disposition": content_disposition(filename, fallback),
        "Cache-Control": "private, no-store",
    }
    return Response(content, media_type=media_type, headers=headers)


@api
async def status(request: Request) -> Response:
    """The card of `landbot ledger status` and the Telegram card, its JSON (CONTRACT §6), and
    the parcels approved but not yet recorded as supplied."""
    user = (await signed_in(request)).user
    scope = _scope(request)
    db = database(request)
    progress = await step(request, ledger.status, db, user.id, with_parcels=False, **scope)
    waiting = await step(request, ledger_record.awaiting_supply, db, user.id)
    return JSONResponse(
        {
            "card": card_text(progress),
            "scope": scope_note(user),
            "year": progress.year,
            "status": progress.to_json(),
            "waiting": [
                {"id": p.id, "project_name": p.project_name, "area_ha": p.area_m2 / 10000}
                for p in waiting
            ],
            "usage": ledger_record.USAGE,
        }
    )


@api
async def chart(request: Request) -> Response:
    user = (await signed_in(request)).user
    scope = _scope(request)
    progress = await step(
        request, ledger.status, database(request), user.id, with_parcels=False, curve=True,
        **scope,
    )  # fmt: skip
    png = await call(render_chart, progress)
    return _attachment(png, "image/png", f"{progress.year}年供应进度.png", "ledger.png")


@api
async def export(request: Request) -> Response:
    user = (await signed_in(request)).user
    progress = await step(request, ledger.status, database(request), user.id, **_scope(request))
    data = await call(write_workbook, progress)
    return _attachment(data, XLSX, export_filename(progress), "ledger.xlsx")


@api
async def import_file(request: Request) -> Response:
    """A workbook as the body (`X-File-Name`: its name, URL-encoded): its parcels into the
    user's department; a file with bad rows stores nothing and every bad row is listed."""
    user = (await signed_in(request)).user
    data = await body_bytes(request, MAX_WORKBOOK)
    name = unquote(request.headers.get("x-file-name", ""))[:200]
    try:
        result = await call(import_workbook, database(request), user.id, data, filename=name)
    except WorkbookErrors as exc:
        listed = [str(p) for p in exc.problems[:SHOWN_PROBLEMS]]
        return JSONResponse(
            {
                "error": exc.zh,
                "error_en": exc.en,
                "problems": listed,
                "more": len(exc.problems) - len(listed),
            },
            400,
        )
    return JSONResponse(
        {
            "inserted": result.inserted,
            "updated": result.updated,
            "skipped": [str(p) for p in result.skipped],
            "sheet": result.sheet,
        }
    )


@api
async def supplied(request: Request) -> Response:
    """`{"text": "12 2024年5月20日 出让合同 52000万元"}`: the land of that parcel was supplied
    (the line of Telegram's /supplied, parsed the same way)."""
    user = (await signed_in(request)).user
    text = text_of(await json_body(request), "text", limit=200)
    parcel = await step(request, ledger_record.record_supply_text, database(request), user.id, text)
    assert parcel.supplied_date is not None  # record_supply sets it
    return JSONResponse(
        {
            "id": parcel.id,
            "project_name": parcel.project_name,
            "supplied_date": parcel.supplied_date.isoformat(),
            "supply_basis": parcel.supply_basis,
            "final_price_yuan": parcel.final_price_yuan,
        }
    )


routes = [
    Route("/api/ledger", status, methods=["GET"]),
    Route("/api/ledger/chart.png", chart, methods=["GET"]),
    Route("/api/ledger/export.xlsx", export, methods=["GET"]),
    Route("/api/ledger/import", import_file, methods=["POST"]),
    Route("/api/ledger/supplied", supplied, methods=["POST"]),
]
