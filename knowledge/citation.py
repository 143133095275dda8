"""A citation: a document and an article in the document's own numbering (CONTRACT §4)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Cite:
    doc_id: str
    article: str  # e.g. 四（二）, 第十三条, （十三）, 三（二）2, 第十三条 7

    def to_json(self) -> dict[str, str]:
        return {"doc_id": self.doc_id, "article": self.article}
