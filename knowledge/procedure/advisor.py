"""`advise(parcel, as_of)`: which procedure applies to a parcel, every item cited.

The knowledge (grounds, steps, methods, preconditions) is data; this module only selects what
applies at the parcel's place and date (corpus applicability) and to its facts, orders it, and
lists the facts still needed to decide the rest.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from knowledge.citation import Cite
from knowledge.corpus import Document as CorpusDocument
from knowledge.corpus import load_corpus
from knowledge.plan import Plan
from knowledge.procedure.context import Context, make_context
from knowledge.procedure.facts import Facts, derive, holds
from knowledge.procedure.loader import load_knowledge
from knowledge.procedure.modes import ModeDecision, decide_mode
from knowledge.procedure.result import (
    CitedText,
    Document,
    MethodVerdict,
    Precondition,
    ProcedureResult,
    Step,
)
from knowledge.procedure.spec import Knowledge

LAW = "land-administration-law"
HA = 10000.0


def advise(parcel: Plan, as_of: dt.date | None = None) -> ProcedureResult:
    """The procedure for a parcel (CONTRACT §3 parcel keys) on `as_of` (default today)."""
    return advise_fields(parcel.fields, as_of)


def advise_fields(fields: Mapping[str, Any], as_of: dt.date | None = None) -> ProcedureResult:
    """Like `advise`, from normalised parcel fields; `jurisdiction` may be missing."""
    kn = load_knowledge()
    on = as_of or dt.date.today()
    ctx = make_context(fields.get("jurisdiction"), on)
    d = decide_mode(fields, ctx, kn)
    ownership = fields.get("ownership") or d.inferred.get("ownership")
    facts = derive(
        fields,
        ctx.place,
        d.condition_mode,
        d.acquisition,
        d.ground.id if d.ground else None,
        d.sources,
        ownership,
        d.in_zone,
    )
    steps = _steps(kn, ctx, facts)
    methods, reasons, excluded, not_addressed = _methods(kn, ctx, facts)
    rules = [
        CitedText(r.text, r.cite, app)
        for r in kn.rules
        if (app := ctx.applicability(r.cite)) and holds(r.when, r.unless, facts)
    ]
    preconditions = _preconditions(kn, ctx, facts, fields)
    reserve_rules = _approval_authority(ctx, facts, fields)
    notes = _notes(ctx, d, steps, rules, preconditions)
    notes += _draft_notes(fields, d, methods, excluded)
    needed = set(d.needs) | facts.needed
    if ctx.status == "missing":
        needed.add("jurisdiction")
    if ownership != "国有":  # the current right and the basis matter for state land only
        needed.discard("current_right")
        if ownership == "集体":
            needed.discard("reserve_basis")
    missing = [(k, q) for k, q in kn.questions.items() if k in needed and fields.get(k) is None]
    corpus = load_corpus()
    docs = [
        Document(doc.doc_id, doc.title, doc.number, _doc_applicability(ctx, doc))
        for doc in ctx.documents()
    ]
    titles = {doc_id: doc.title for doc_id, doc in corpus.documents.items()}
    return ProcedureResult(
        as_of=on,
        jurisdiction_name=ctx.name(),
        chain=ctx.chain(),
        jurisdiction_status=ctx.status,
        documents=docs,
        mode=d.mode,
        mode_determined=d.determined,
        mode_provisional=d.provisional,
        mode_reason=d.reason,
        mode_cites=d.cites,
        reserve_rules=reserve_rules,
        steps=steps,
        methods=methods,
        method_reasons=reasons,
        excluded=excluded,
        not_addressed=not_addressed,
        supply_rules=rules,
        preconditions=preconditions,
        notes=notes,
        missing=missing,
        inferred=d.inferred,
        titles=titles,
    )


def missing_facts(fields: Mapping[str, Any], as_of: dt.date | None = None) -> list[tuple[str, str]]:
    """The parcel keys the advisor still needs, each with its question in Chinese, in order.

    Keys that can be inferred (or that would not change the answer) are not listed.
    """
    return advise_fields(fields, as_of).missing


def _doc_applicability(ctx: Context, doc: CorpusDocument) -> str:
    """ "binding", or "partly reference" when some of its articles are only 参照执行 here."""
    base = ctx.doc_applies(doc.doc_id) or "binding"
    place = ctx.place
    if place is not None and any(
        r.applicability == "reference" and r.covers_place(place) for r in doc.scope_rules
    ):
        return "partly reference"
    return base


def _applicable(ctx: Context, cites: tuple[Cite, ...] | list[Cite]) -> list[Cite]:
    return [c for c in cites if ctx.applicability(c) is not None]


def _steps(kn: Knowledge, ctx: Context, facts: Facts) -> list[Step]:
    chosen: list[tuple[int, Step, tuple[str, ...]]] = []
    for i, spec in enumerate(kn.steps):
        app = ctx.applicability(spec.cite)
        if app is None or not holds(spec.when, spec.unless, facts):
            continue
        step = Step(
            spec.title,
            spec.actor,
            spec.cite,
            spec.phase,
            app,
            _applicable(ctx, spec.see_also),
            spec.id,
        )
        chosen.append((i, step, spec.supersedes if app == "binding" else ()))
    by_id = {s.id: s for _, s, _ in chosen}
    dropped: set[str] = set()
    for _, step, supersedes in chosen:
        for target in supersedes:
            old = by_id.get(target)
            if old is None or target in dropped:
                continue
            dropped.add(target)
            for c in (old.cite, *old.see_also):
                if c not in step.see_also and c != step.cite:
                    step.see_also.append(c)
    order = {spec.id: (spec.phase != "reserve", spec.order) for spec in kn.steps}
    kept = [(i, s) for i, s, _ in chosen if s.id not in dropped]
    kept.sort(key=lambda pair: (*order[pair[1].id], pair[0]))
    return [s for _, s in kept]


def _methods(
    kn: Knowledge, ctx: Context, facts: Facts
) -> tuple[list[str], list[MethodVerdict], list[MethodVerdict], list[str]]:
    allowed: dict[str, MethodVerdict] = {}
    excluded: dict[str, MethodVerdict] = {}
    for rule in kn.method_rules:
        if ctx.applicability(rule.cite) is None or not holds(rule.when, rule.unless, facts):
            continue
        extra = _applicable(ctx, rule.see_also)
        for target, names in ((allowed, rule.allow), (excluded, rule.exclude)):
            for m in names:
                if m in target:
                    v = target[m]
                    for c in (rule.cite, *extra):
                        if c != v.cite and c not in v.see_also:
                            v.see_also.append(c)
                else:
                    target[m] = MethodVerdict(m, rule.reason, rule.cite, list(extra))
    methods = [m for m in kn.methods if m in allowed and m not in excluded]
    reasons = [allowed[m] for m in methods]
    out_excluded = [excluded[m] for m in kn.methods if m in excluded]
    not_addressed = [m for m in kn.methods if m not in allowed and m not in excluded]
    return methods, reasons, out_excluded, not_addressed


def _status(value: Any) -> str:
    if value is True:
        return "已满足"
    if value is False:
        return "未满足"
    return "待确认"


def _preconditions(
    kn: Knowledge, ctx: Context, facts: Facts, fields: Mapping[str, Any]
) -> list[Precondition]:
    out: list[Precondition] = []
    for spec in kn.preconditions:
        app = ctx.applicability(spec.cite)
        if app is None or not holds(spec.when, spec.unless, facts):
            continue
        value = fields.get(spec.fact) if spec.fact else None
        if spec.fact and value is None:
            facts.needed.add(spec.fact)
        out.append(
            Precondition(
                spec.item,
                spec.cite,
                spec.stage,
                _status(value) if spec.fact else "须办理",
                spec.fact,
                app,
            )
        )
    for arch in kn.archaeology:
        app = ctx.applicability(arch.cite)
        if app is None:
            continue
        exempt = [label for key, label in arch.exempt_facts.items() if fields.get(key) is True]
        if exempt:
            item, status = arch.exempt_item.format(reason="、".join(exempt)), "可免除"
        elif all(fields.get(key) is False for key in arch.exempt_facts):
            item, status = arch.required_item, "须办理"
        else:
            item, status = arch.unknown_item, "待确认"
            facts.needed.update(k for k in arch.exempt_facts if fields.get(k) is None)
        out.append(Precondition(item, arch.cite, "entry", status, None, app))
    order = {"entry": 0, "expropriation": 1, "supply": 2}
    out.sort(key=lambda p: order[p.stage])
    return out


def _approval_authority(ctx: Context, facts: Facts, fields: Mapping[str, Any]) -> list[CitedText]:
    """Who approves the expropriation (土地管理法 第四十六条), from area and land type."""
    cite = Cite(LAW, "第四十六条")
    if facts.get("acquisition") != "征收" or ctx.applicability(cite) is None:
        return []
    area = fields.get("area_m2")
    use = str(fields.get("current_use") or "")
    ha = f"{area / HA:.4g}公顷" if area else ""
    arable = "耕地" in use or "农田" in use
    if "永久基本农田" in use:
        text = "征收永久基本农田，由国务院批准"
    elif area is not None and area > 70 * HA:
        text = f"征收土地{ha}，超过七十公顷，由国务院批准"
    elif area is not None and area > 35 * HA and arable:
        text = f"征收永久基本农田以外的耕地{ha}，超过三十五公顷，由国务院批准"
    elif area is not None and use:
        limit = "三十五" if arable else "七十"
        text = f"征收土地{ha}，未超过{limit}公顷，由省、自治区、直辖市人民政府批准"
    elif area is not None and area <= 35 * HA:
        facts.needed.add("current_use")
        text = (
            f"征收土地{ha}，未超过三十五公顷：不涉及永久基本农田的，由省、自治区、直辖市人民政府"
            "批准；涉及永久基本农田的，由国务院批准"
        )
    else:
        facts.needed.update(k for k in ("area_m2", "current_use") if not fields.get(k))
        text = (
            "征收永久基本农田、永久基本农田以外的耕地超过三十五公顷、其他土地超过七十公顷的，"
            "由国务院批准；其他由省、自治区、直辖市人民政府批准（需面积和现状地类确定）"
        )
    return [CitedText(text, cite)]


def _draft_notes(
    fields: Mapping[str, Any], d: ModeDecision, methods: list[str], excluded: list[MethodVerdict]
) -> list[str]:
    """Where a plan's own choices (reserve_mode, supply method) disagree with the advice."""
    notes: list[str] = []
    chosen_mode = fields.get("reserve_mode")
    if chosen_mode and d.determined and d.mode not in (None, "做地") and chosen_mode != d.mode:
        notes.append(f"方案所填收储方式“{chosen_mode}”与判定结果“{d.mode}”不一致，请核对。")
    reasons = {v.method: v for v in excluded}
    for key in ("supply_method", "proposed_supply_method"):
        method = fields.get(key)
        if method in reasons:
            notes.append(f"方案所填供应方式“{method}”不可采用：{reasons[method].reason}")
        elif method and methods and method not in methods:
            notes.append(f"方案所填供应方式“{method}”在适用文件中没有依据，请核实。")
    return notes


def _notes(
    ctx: Context,
    d: ModeDecision,
    steps: list[Step],
    rules: list[CitedText],
    preconditions: list[Precondition],
) -> list[str]:
    notes: list[str] = []
    if ctx.status == "outside":
        where = "".join(ctx.chain()) or ctx.name()
        notes.append(
            f"知识库未收录{where}的地方政策，以下仅依据国家法律法规判定；"
            "当地的地方性规定请另行查阅。"
        )
    elif ctx.status == "missing":
        notes.append("未说明地块所在地，以下仅依据国家法律法规判定；请补充所在县（市、区）。")
    notes.extend(d.notes)
    corpus = load_corpus()
    for doc in corpus.documents.values():
        if not doc.governs(ctx.place) or doc.in_force(ctx.as_of):
            continue
        notes.append(
            f"《{doc.title}》的有效期为{doc.validity_text()}，判定日期"
            f"{ctx.as_of.isoformat()}不在其期内，未予适用。"
        )
    for doc in ctx.documents():
        if doc.draft:
            notes.append(f"《{doc.title}》为征询意见稿，其规定尚待正式印发，引用时请注意核实。")
    apps = [x.applicability for x in steps] + [x.applicability for x in rules]
    if "reference" in apps + [p.applicability for p in preconditions]:
        notes.append("标注“参照执行”的内容，按文件规定在本地可参照执行，而非必须执行。")
    return notes
