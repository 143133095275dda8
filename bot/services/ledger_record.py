"""Recording supply in one typed line (the chat channels): `12 2024年5月20日 出让合同 52000万元`
is parcel 12 of the ledger, supplied on that date by that document at that final price; and the
department's parcels still waiting for it (方案已批, not yet supplied)."""

from __future__ import annotations

import datetime as dt
import re

from bot.dialogue.parsers import ParseContext, Parsed, ParseError, parse_answer
from bot.services import ledger
from bot.services.ledger_columns import SUPPLY_BASES
from bot.services.transaction import transact
from knowledge.errors import BadInput
from knowledge.plan import schema
from storage.db import Database, UnitOfWork
from storage.domain import LedgerParcel

EXAMPLE = "12 2024年5月20日 出让合同 52000万元"
USAGE = f"格式：台账编号 供应日期 供应依据（{'、'.join(SUPPLY_BASES)}）[成交价]，例如 {EXAMPLE}"
_BASIS_WORDS = {**{b: b for b in SUPPLY_BASES}, "成交": "成交确认书", "合同": "出让合同"}


def _bad(zh: str) -> BadInput:
    return BadInput(f"{zh}。{USAGE}", f"{zh}; expected: ID DATE BASIS [PRICE], e.g. {EXAMPLE}")


def parse_supply_line(text: str, today: dt.date) -> tuple[str, dt.date, str, float | None]:
    """(ledger id, date, basis, price in yuan or None) of a typed line, or BadInput."""
    tokens = [t for t in re.split(r"[\s,，;；]+", text.strip()) if t]
    if not tokens:
        raise _bad("请写明要登记的地块")
    pid = tokens.pop(0).lstrip("#＃")
    if not pid.isascii() or not pid.isdigit():
        raise _bad(f"「{pid}」不是台账编号")
    basis = next((_BASIS_WORDS[t] for t in tokens if t in _BASIS_WORDS), None)
    if basis is None:
        raise _bad("未写明供应依据")
    rest = [t for t in tokens if t not in _BASIS_WORDS]
    if not rest:
        raise _bad("未写明供应日期")
    ctx = ParseContext(today=today)
    day = _value("prepared_date", rest[0], ctx)
    price = _value("reserve_price_yuan", rest[1], ctx) if rest[1:] else None
    if len(rest) > 2:
        raise _bad(f"多余的内容「{' '.join(rest[2:])}」")
    when = day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day))
    return pid, when, basis, None if price is None else float(str(price))


def _value(key: str, text: str, ctx: ParseContext) -> object:
    """A date or an amount, parsed as the dialogue parses answers (2024年5月20日, 5.2亿元)."""
    try:
        parsed = parse_answer(schema().keys[key], text, ctx)
    except ParseError as exc:
        raise _bad(exc.zh.rstrip("。")) from None
    if not isinstance(parsed, Parsed):
        raise _bad(f"「{text}」无法识别")
    return parsed.value


def record_supply_text(
    db: Database, user_id: int, text: str, *, today: dt.date | None = None
) -> LedgerParcel:
    """Record supply from a typed line (`parse_supply_line`)."""
    on = today or dt.date.today()
    pid, day, basis, price = parse_supply_line(text, on)
    return ledger.record_supply(
        db, user_id, pid, supplied_date=day, basis=basis, final_price_yuan=price, today=on
    )


def awaiting_supply(db: Database, user_id: int, limit: int = 5) -> list[LedgerParcel]:
    """The parcels of the user's department approved but not yet supplied, oldest first."""

    def work(uow: UnitOfWork) -> list[LedgerParcel]:
        who = ledger.viewer(uow, user_id)
        return uow.ledger.with_status(
            "approved", who.department, everyone=who.everyone, limit=limit
        )

    return transact(db, work, readonly=True)
