"""Where and when: the parcel's place in the jurisdiction hierarchy, the date, and which
documents (and articles) apply there — always asked of the corpus, never hand-coded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from knowledge.citation import Cite
from knowledge.corpus import Document, applicability, applicable_documents, load_corpus
from knowledge.errors import BadInput
from knowledge.jurisdictions import Place, Resolution, resolve_place


@dataclass
class Context:
    resolution: Resolution | None  # None when the parcel names no place
    as_of: dt.date
    _cache: dict[tuple[str, str], str | None] = field(default_factory=dict)

    @property
    def place(self) -> Place | None:
        return self.resolution.place if self.resolution else None

    @property
    def status(self) -> str:
        """local | outside | missing."""
        return self.resolution.status if self.resolution else "missing"

    def name(self) -> str | None:
        if self.resolution is None:
            return None
        if self.place is not None:
            return self.place.name
        chain = self.resolution.chain()
        return chain[-1] if chain else self.resolution.text

    def chain(self) -> list[str]:
        return self.resolution.chain() if self.resolution else []

    def applicability(self, cite: Cite) -> str | None:
        """ "binding", "reference" or None for this article at this place and date."""
        key = (cite.doc_id, cite.article)
        if key not in self._cache:
            self._cache[key] = applicability(cite.doc_id, self.place, self.as_of, cite.article)
        return self._cache[key]

    def doc_applies(self, doc_id: str) -> str | None:
        return applicability(doc_id, self.place, self.as_of)

    def documents(self) -> list[Document]:
        return applicable_documents(self.place, self.as_of)

    def title(self, doc_id: str) -> str:
        doc = load_corpus().document(doc_id)
        return doc.title if doc else doc_id


def make_context(jurisdiction: str | None, as_of: dt.date) -> Context:
    """Resolve the parcel's place; an unrecognisable place is bad input (exit 2)."""
    if jurisdiction is None or not str(jurisdiction).strip():
        return Context(None, as_of)
    res = resolve_place(str(jurisdiction))
    if res.status == "unknown":
        raise BadInput(
            f"无法识别所在行政区「{jurisdiction}」：请写明县（市、区）名称，例如 新密市、郑州市金水区",
            f"jurisdiction {jurisdiction!r} is not a recognisable place",
        )
    return Context(res, as_of)
