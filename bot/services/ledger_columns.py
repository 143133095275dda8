"""The columns of the ledger workbook (README: 供应台账 workbook): headers with units, what a
cell may hold, and how a cell becomes a ledger value or a one-line Chinese reason it cannot."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from storage.domain import LEDGER_STATUS_LABELS

M2_PER_MU = 10000 / 15
M2_PER_HA = 10000.0
YUAN_PER_WAN = 10000.0
SUPPLY_BASES = ("成交确认书", "出让合同", "划拨决定书")


class CellError(ValueError):
    """A cell that cannot be read: `.zh` says why, in Chinese."""

    def __init__(self, zh: str) -> None:
        super().__init__(zh)
        self.zh = zh


@dataclass(frozen=True)
class Column:
    key: str  # the ledger column it fills (area_*: all fill area_m2)
    header: str  # the header of the exported workbook, with its unit
    width: float
    # Numbers that need one (areas, prices); whole numbers and dates need none (openpyxl writes
    # a date as yyyy-mm-dd by itself)
    number_format: str = "General"
    required: bool = False
    export: bool = True
    read: bool = True  # False: written for people, ignored on import (计划分类)


COLUMNS: tuple[Column, ...] = (
    Column("id", "台账编号", 9),
    Column("parcel_code", "宗地编号", 16),
    Column("project_name", "项目名称", 40, required=True),
    Column("jurisdiction", "所在行政区", 16, required=True),
    Column("land_use", "土地用途", 14, required=True),
    Column("category", "计划分类", 13, read=False),
    Column("area_ha", "面积（公顷）", 13, "#,##0.0000"),
    Column("area_m2", "面积（平方米）", 15, "#,##0.00"),
    Column("area_mu", "面积（亩）", 12, "#,##0.00", export=False),
    Column("plan_year", "计划年度", 10),
    Column("planned_quarter", "计划季度", 10),
    Column("in_plan", "列入年度供应计划", 12),
    Column("supply_method", "供应方式", 12),
    Column("status", "状态", 10),
    Column("submitted_date", "方案报送日期", 13),
    Column("approved_date", "方案批准日期", 13),
    Column("supplied_date", "供应日期", 13),
    Column("supply_basis", "供应依据", 12),
    Column("final_price_wan", "成交价（万元）", 15, "#,##0.00"),
    Column("department", "部门", 22),
    Column("draft_id", "方案草稿编号", 12, read=False),
    Column("note", "备注", 30),
)
BY_KEY = {c.key: c for c in COLUMNS}
AREA_KEYS = ("area_m2", "area_ha", "area_mu")
_STATUS_OF_LABEL = {label: code for code, label in LEDGER_STATUS_LABELS.items()}


def header_key(text: str) -> str:
    """A header as compared: no spaces, half-width parentheses, lower case (面积(公顷) = 面积（公顷）)."""
    t = re.sub(r"\s+", "", str(text)).replace("（", "(").replace("）", ")")
    return t.lower()


HEADER_INDEX = {header_key(c.header): c for c in COLUMNS if c.read}
HEADER_INDEX.update({c.key: c for c in COLUMNS if c.read})


def parse_column_map(text: str | None) -> dict[str, Column]:
    """`--columns "地块编号=宗地编号,用地面积(亩)=面积（亩）"`: the file's header → a column
    (by its header or key). Raises ValueError naming the part it cannot read."""
    out: dict[str, Column] = {}
    for part in re.split(r"[,，;；\n]", text or ""):
        if not part.strip():
            continue
        source, sep, target = part.partition("=")
        column = HEADER_INDEX.get(header_key(target)) if sep else None
        if not source.strip() or column is None:
            raise ValueError(part.strip())
        out[header_key(source)] = column
    return out


# ------------------------------------------------------------------------- cells


def _text(value: Any, limit: int) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if len(text) > limit:
        raise CellError(f"内容超过 {limit} 个字")
    return text or None


def number(value: Any) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise CellError(f"「{value}」不是数字")
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip().replace(",", "").replace("，", "")
    try:
        return float(text)
    except ValueError:
        raise CellError(f"「{str(value).strip()[:20]}」不是数字") from None


def positive(value: Any) -> float | None:
    n = number(value)
    if n is not None and not n > 0:
        raise CellError(f"「{value}」应大于 0")
    return n


def integer(value: Any, low: int, high: int) -> int | None:
    n = number(value)
    if n is None:
        return None
    if not n.is_integer() or not low <= n <= high:
        raise CellError(f"「{value}」应为 {low}—{high} 之间的整数")
    return int(n)


_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")


def date(value: Any) -> dt.date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    m = _DATE.fullmatch(str(value).strip())
    try:
        if m:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        pass
    raise CellError(f"「{str(value).strip()[:20]}」不是日期，应如 2024-05-20 或 2024年5月20日")


def yes_no(value: Any) -> bool | None:
    text = _text(value, 10)
    if text is None:
        return None
    if text in ("是", "已列入", "列入", "true", "TRUE", "1"):
        return True
    if text in ("否", "未列入", "false", "FALSE", "0"):
        return False
    raise CellError(f"「{text}」应为 是 或 否")


def choice(key: str) -> Callable[[Any], str | None]:
    from knowledge.plan import match_choice, schema

    spec = schema().keys[key]

    def read(value: Any) -> str | None:
        text = _text(value, 40)
        if text is None:
            return None
        found = match_choice(spec, text)
        if found is None:
            raise CellError(
                f"「{text}」不是有效的{spec.label}，应为 {'、'.join(spec.choices)} 之一"
            )
        return found

    return read


def status(value: Any) -> str | None:
    text = _text(value, 10)
    if text is None:
        return None
    if text in _STATUS_OF_LABEL:
        return _STATUS_OF_LABEL[text]
    if text in LEDGER_STATUS_LABELS:
        return text
    raise CellError(f"「{text}」不是有效的状态，应为 {'、'.join(_STATUS_OF_LABEL)} 之一")


def basis(value: Any) -> str | None:
    text = _text(value, 20)
    if text is None:
        return None
    if text == "成交":
        return "成交确认书"
    if text not in SUPPLY_BASES:
        raise CellError(f"「{text}」不是有效的供应依据，应为 {'、'.join(SUPPLY_BASES)} 之一")
    return text


def readers() -> dict[str, Callable[[Any], Any]]:
    """Column key → cell reader (raises CellError)."""
    return {
        "id": lambda v: integer(v, 1, 2**31 - 1),
        "parcel_code": lambda v: _text(v, 64),
        "project_name": lambda v: _text(v, 200),
        "jurisdiction": lambda v: _text(v, 128),
        "land_use": choice("land_use"),
        "area_ha": positive,
        "area_m2": positive,
        "area_mu": positive,
        "plan_year": lambda v: integer(v, 2000, 2100),
        "planned_quarter": lambda v: integer(v, 1, 4),
        "in_plan": yes_no,
        "supply_method": choice("supply_method"),
        "status": status,
        "submitted_date": date,
        "approved_date": date,
        "supplied_date": date,
        "supply_basis": basis,
        "final_price_wan": positive,
        "department": lambda v: _text(v, 128),
        "note": lambda v: _text(v, 500),
    }


def to_m2(key: str, value: float) -> float:
    return value * {"area_m2": 1.0, "area_ha": M2_PER_HA, "area_mu": M2_PER_MU}[key]
