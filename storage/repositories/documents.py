"""Generated documents (.docx / .pdf) of a draft: stored bytes or a file path, with a digest."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from storage.domain import Document
from storage.models import DocumentRow
from storage.repositories.base import Repository, to_domain
from storage.sqltypes import utcnow


class DocumentRepository(Repository):
    def add(
        self,
        draft_id: int,
        *,
        doc_type: str,
        filename: str,
        media_type: str,
        content: bytes,
        kb_version: str,
        draft_version: int,
        created_by: int | None = None,
        path: str | None = None,
    ) -> Document:
        """Store a generated document; `path` set means the bytes live in that file instead."""
        row = DocumentRow(
            draft_id=draft_id,
            created_by=created_by,
            doc_type=doc_type,
            filename=filename,
            media_type=media_type,
            content=None if path else content,
            path=path,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            kb_version=kb_version,
            draft_version=draft_version,
            created_at=utcnow(),
        )
        return self._insert(row, Document)

    def get(self, document_id: int) -> Document | None:
        return self._by_id(DocumentRow, Document, document_id)

    def content(self, document_id: int) -> bytes | None:
        return self.s.scalar(select(DocumentRow.content).where(DocumentRow.id == document_id))

    def latest(self, draft_id: int, doc_type: str, media_type: str) -> Document | None:
        """The newest stored document of this type and format of a draft, or None."""
        q = (
            select(DocumentRow)
            .where(
                DocumentRow.draft_id == draft_id,
                DocumentRow.doc_type == doc_type,
                DocumentRow.media_type == media_type,
            )
            .order_by(DocumentRow.id.desc())
            .limit(1)
        )
        row = self.s.scalars(q).first()
        return to_domain(Document, row) if row is not None else None

    def for_draft(self, draft_id: int) -> list[Document]:
        return self._of_draft(DocumentRow, Document, draft_id)
