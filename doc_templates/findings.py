"""合规审查意见: the check's findings as numbered rows with their citations, the cited
articles quoted once each, and a one-line summary (shared by the plans and the memo)."""

from __future__ import annotations

from collections.abc import Callable

from knowledge.citation import Cite
from knowledge.findings import SEVERITY_LABELS, SEVERITY_ORDER, Finding
from knowledge.plan import schema

# A citation → (`《title》（文号）article` as printed, the article's verbatim text or None).
CiteLookup = Callable[[Cite], tuple[str, str | None]]


def corpus_cite(cite: Cite) -> tuple[str, str | None]:
    """`《title》（文号）article` and the verbatim article text, from the knowledge base."""
    from knowledge.corpus import load_corpus

    doc = load_corpus().document(cite.doc_id)
    if doc is None:
        return f"{cite.doc_id} {cite.article}", None
    number = f"（{doc.number}）" if doc.number else ""
    article = doc.article(cite.article)
    return f"《{doc.title}》{number}{cite.article}", article.text if article else None


def sorted_findings(findings: list[Finding]) -> list[Finding]:
    """Errors first, then warnings, then notes; the rules' own order within a level."""
    return sorted(findings, key=lambda f: SEVERITY_ORDER.get(f.severity, 9))


def finding_rows(findings: list[Finding], lookup: CiteLookup) -> list[dict[str, str]]:
    """The findings numbered in their printed order, each with its severity and citation."""
    sch = schema()
    return [
        {
            "no": str(number),
            "severity": SEVERITY_LABELS.get(f.severity, f.severity),
            "field": sch.label(f.field) if f.field else "",
            "message": f.message,
            "cite": lookup(f.cite)[0],
        }
        for number, f in enumerate(sorted_findings(findings), start=1)
    ]


def cited_articles(findings: list[Finding], lookup: CiteLookup) -> list[dict[str, str]]:
    """Each cited article once, in the order the sorted findings cite them, with its text."""
    seen: set[Cite] = set()
    rows = []
    for f in sorted_findings(findings):
        if f.cite in seen:
            continue
        seen.add(f.cite)
        cite_text, text = lookup(f.cite)
        rows.append({"cite": cite_text, "text": text or "（知识库中未找到该条文）"})
    return rows


def error_count(findings: list[Finding]) -> int:
    """How many findings are errors (a plan with errors is a 草稿)."""
    return sum(f.severity == "error" for f in findings)


def review_summary(findings: list[Finding]) -> str:
    if not findings:
        return "经对照适用的政策规则核查，未发现不符合规定的情形。"
    counts = {level: sum(f.severity == level for f in findings) for level in SEVERITY_ORDER}
    parts = "、".join(f"{SEVERITY_LABELS[k]}{n}项" for k, n in counts.items() if n)
    text = f"经对照适用的政策规则核查，发现{parts}"
    if counts["error"]:
        return text + "。存在错误项，须修改后再行报批。"
    return text + "，请逐项核实。"
