"""The reserve mode (征收储备 / 收回储备 / 收购储备 / 做地 / null) and why, with its grounds."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from knowledge.citation import Cite
from knowledge.procedure.context import Context
from knowledge.procedure.facts import Facts, evaluate
from knowledge.procedure.spec import Ground, Knowledge, ZoneMode

NONE = "none"  # the condition value for "already reserve land"


@dataclass
class ModeDecision:
    mode: str | None  # CONTRACT §4 value; None when already reserve land or undetermined
    acquisition: str | None  # 征收 | 收回 | 收购 | "none" | None (undetermined)
    ground: Ground | None
    reason: str
    cites: list[Cite] = field(default_factory=list)
    determined: bool = True
    provisional: bool = False  # depends on a fact still missing (e.g. the 做地 zone)
    needs: list[str] = field(default_factory=list)  # parcel keys that would decide it
    inferred: dict[str, Any] = field(default_factory=dict)
    zone: ZoneMode | None = None
    in_zone: bool | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def condition_mode(self) -> str | None:
        """The value conditions test: the mode, "none" for reserve land, None if unknown."""
        if self.acquisition == NONE:
            return NONE
        return self.mode if self.determined else None

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(self.needs)


def _text_of(fields: Mapping[str, Any]) -> str:
    return " ".join(str(fields.get(k) or "") for k in ("reserve_basis", "current_use"))


# "没按合同交清", "未按约定及时缴纳": the qualifier between the negation and the verb is dropped
# so that the keywords (没交清, 未缴) match; the text as written is matched too.
_QUALIFIER = re.compile(
    r"(?<=[没未])(有)?((按照?|依照?)(出让)?(合同|约定|期限|规定)(约定)?|及时|按时|按期|足额)+"
)


def mentions(keywords: Iterable[str], text: str) -> bool:
    """True when `text` (a stated reserve basis) contains one of the keywords."""
    plain = _QUALIFIER.sub("", text)
    return any(k in text or k in plain for k in keywords)


def _matches(ground: Ground, text: str) -> bool:
    return mentions(ground.keywords, text)


def _requires(
    ground: Ground, ownership: str | None, current_right: str | None
) -> tuple[bool | None, set[str]]:
    facts = Facts(
        values={"ownership": ownership, "current_right": current_right},
        sources={"ownership": ("ownership",), "current_right": ("current_right",)},
    )
    return evaluate(ground.requires, facts)


def _ground_cites(ctx: Context, kn: Knowledge, ground: Ground, facts: Facts) -> list[Cite]:
    out: list[Cite] = []
    cands = [c.cite for c in ground.cites if evaluate(c.when, facts)[0] is True]
    if ground.acquisition:
        cands += list(kn.acquisition_cites.get(ground.acquisition, ()))
    for cite in cands:
        if cite not in out and ctx.applicability(cite) is not None:
            out.append(cite)
    return out


def _base_decision(fields: Mapping[str, Any], kn: Knowledge) -> ModeDecision:
    """The acquisition from ownership, current right and the stated basis (place-independent)."""
    ownership = fields.get("ownership")
    right = fields.get("current_right")
    text = _text_of(fields)
    inferred: dict[str, Any] = {}
    if ownership is None and right == "划拨":
        ownership = inferred["ownership"] = "国有"
    already = next((g for g in kn.grounds if g.acquisition is None), None)
    if already is not None and _matches(already, text) and ownership != "集体":
        if ownership is None:
            inferred["ownership"] = "国有"
        return ModeDecision(None, NONE, already, already.reason, inferred=inferred)
    if ownership == "集体":
        g = kn.collective
        return ModeDecision(
            kn.modes[g.acquisition or "征收"], g.acquisition, g, g.reason, inferred=inferred
        )
    undecided: set[str] = set()
    for g in kn.grounds:
        if g.acquisition is None or not _matches(g, text):
            continue
        probe_owner = ownership or "国有"  # a state-land ground implies state land
        ok, keys = _requires(g, probe_owner, right)
        if ok is None:
            undecided |= keys
            continue
        if ok:
            if ownership is None:
                inferred["ownership"] = "国有"
            return ModeDecision(
                kn.modes[g.acquisition], g.acquisition, g, g.reason, inferred=inferred
            )
    needs = sorted(undecided)
    if not fields.get("reserve_basis"):
        needs = ["ownership"] if ownership is None else []
        needs += ["current_right"] if right is None and ownership == "国有" else []
        needs.append("reserve_basis")
    elif not undecided:
        needs = ["ownership"] if ownership is None else []
    reason = (
        "尚不能判定收储方式："
        + (
            "已说明的储备依据未对应到知识库中的法定情形，"
            if fields.get("reserve_basis") and not undecided
            else ""
        )
        + "请补充所列信息。"
    )
    if not needs:
        needs = ["reserve_basis"]
    return ModeDecision(None, None, None, reason, determined=False, needs=needs, inferred=inferred)


def decide_mode(fields: Mapping[str, Any], ctx: Context, kn: Knowledge) -> ModeDecision:
    """The reserve mode at this place and date, with the applicable grounds cited."""
    d = _base_decision(fields, kn)
    ownership = fields.get("ownership") or d.inferred.get("ownership")
    probe = Facts(
        values={"current_right": fields.get("current_right"), "ownership": ownership}, sources={}
    )
    if d.ground is not None:
        d.cites = _ground_cites(ctx, kn, d.ground, probe)
        if not d.cites:
            d.notes.append(
                f"知识库中适用于该地、该日期的文件未直接规定“{d.ground.label}”这一收储情形，"
                "收储方式按一般规定判断，请向主管部门核实。"
            )
    zone = next((z for z in kn.zone_modes if ctx.doc_applies(z.doc_id) is not None), None)
    if zone is None or d.acquisition == NONE:
        return d
    d.zone = zone
    zone_cites = [c for c in zone.cites if ctx.applicability(c) is not None]
    in_zone = fields.get("in_designated_zone")
    d.in_zone = in_zone
    if in_zone is True:
        base = d.mode
        d.mode, d.determined = zone.mode, True
        d.reason = zone.inside_reason + (f"（土地取得方式：{base}）" if base else "")
        d.cites = zone_cites + [c for c in d.cites if c not in zone_cites]
    elif in_zone is False:
        d.reason = f"{zone.outside_reason}{d.reason}"
        d.cites = d.cites + [c for c in zone_cites if c not in d.cites]
    else:
        d.provisional = True
        d.needs = [*d.needs, "in_designated_zone"]
        d.reason = f"{zone.unknown_reason}若不在做地范围内：{d.reason}"
        d.cites = d.cites + [c for c in zone_cites if c not in d.cites]
    return d
