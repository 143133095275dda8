"""Policy checks of a plan: findings with citations and computed values (CONTRACT §4).

The data types are fixed here so that the dialogue, the documents and the CLI can rely on
them. The rules are data (`knowledge/rules/*.yaml`, see `knowledge/rules/COVERAGE.md`), compiled
once by `knowledge.rules_engine`; `check_plan` resolves the place and date and runs them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from knowledge.findings import Finding
from knowledge.plan import Plan


@dataclass
class CheckResult:
    kind: str
    findings: list[Finding] = field(default_factory=list)
    computed: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    place: str | None = None  # the resolved jurisdiction, e.g. 河南省郑州市新密市 (None: outside)
    as_of: dt.date | None = None  # the date the rules were taken at (prepared_date or today)

    @property
    def passed(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "passed": self.passed,
            "findings": [f.to_json() for f in self.findings],
            "computed": self.computed,
            "notes": self.notes,
        }


def preload() -> None:
    """Read now what `check_plan` reads on first use (the rule files, the places), so that a
    long-running channel pays for it at start-up and not inside its first answer."""
    from knowledge.jurisdictions import all_places
    from knowledge.rules_engine.loader import load_rules

    load_rules()
    all_places()


def check_plan(plan: Plan, today: dt.date | None = None, *, partial: bool = False) -> CheckResult:
    """Check `plan` against every rule in force for its jurisdiction and date.

    The date is the plan's `prepared_date`, else `today`, else the current date. Only rules of
    documents that govern the plan's jurisdiction on that date are evaluated; a place outside the
    knowledge base gets the national rules only (and a note), an unrecognisable place is
    `BadInput` naming `jurisdiction`. `partial=True` is for a draft in the dialogue: rules about
    fields not yet answered stay silent (a missing value is "not yet", not a breach).
    """
    from knowledge.rules_engine.evaluate import evaluate
    from knowledge.rules_engine.loader import load_rules

    on = plan.get("prepared_date") or today or dt.date.today()
    result = CheckResult(kind=plan.kind, as_of=on)
    if plan.get("prepared_date") is None and not partial:
        result.notes.append(
            f"未填写编制日期（prepared_date），按 {on.isoformat()} 判断政策的适用和有效期。"
        )
    place, place_name = _place(plan, result)
    ruleset = load_rules()
    fields = dict(plan.fields)
    if fields.get("land_use") is None and plan.land_use is not None:
        fields["land_use"] = plan.land_use  # 规划用途 stands in for 土地用途 until it is given
    ev = evaluate(ruleset, plan.kind, fields, place, on, partial=partial, place_name=place_name)
    result.findings = ev.findings
    result.computed = ev.computed
    result.notes.extend(_document_notes(ruleset, plan.kind, ev.documents, place, on))
    return result


def _place(plan: Plan, result: CheckResult) -> tuple[Any, str]:
    """The resolved jurisdiction (None outside the knowledge base) and its short name."""
    from knowledge.errors import BadInput
    from knowledge.jurisdictions import resolve_place

    text = plan.get("jurisdiction")
    if not text:
        result.notes.append("未填写所在行政区（jurisdiction），仅按国家法律法规核查。")
        return None, "该地"
    resolution = resolve_place(str(text))
    if resolution.status == "unknown":
        raise BadInput(
            f"字段 jurisdiction 的值「{text}」无法识别为行政区：应为行政区名称，如 郑州市金水区、新密市",
            f"key 'jurisdiction' has an unrecognised place {text!r}: expected a place name "
            "such as 郑州市金水区 or 新密市",
        )
    if resolution.status == "outside" or resolution.place is None:
        result.notes.append(
            f"「{text}」不在知识库收录的辖区内，未载入该地的地方政策，仅按国家法律法规核查。"
        )
        return None, str(text)
    result.place = resolution.place.display
    return resolution.place, resolution.place.name


def _document_notes(
    ruleset: Any, kind: str, documents: set[str], place: Any, on: dt.date
) -> list[str]:
    from knowledge.corpus import load_corpus

    corpus = load_corpus()
    notes: list[str] = []
    for note in ruleset.period_notes:
        doc = corpus.document(note.doc_id)
        if kind not in note.kinds or doc is None or place is None:
            continue
        if not doc.governs(place) or doc.in_force(on):
            continue
        notes.append(
            note.template.render(
                {
                    "_place": place.name,
                    "_year": str(on.year),
                    "_title": doc.title,
                    "_validity": doc.validity_text(),
                }
            )
        )
    for doc_id in sorted(documents):
        doc = corpus.document(doc_id)
        if doc is not None and doc.draft:
            notes.append(
                f"《{doc.title}》为征询意见稿，据其所作的核查仅供参考，以正式印发文本为准。"
            )
    return notes
