"""Generated documents (.docx / .pdf) of a draft: stored bytes or a file path, with a digest."""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.domain import Document
from storage.models import DocumentRow
from storage.sqltypes import utcnow


def _document(r: DocumentRow) -> Document:
    return Document(
        id=r.id,
        draft_id=r.draft_id,
        created_by=r.created_by,
        doc_type=r.doc_type,
        filename=r.filename,
        media_type=r.media_type,
        path=r.path,
        size=r.size,
        sha256=r.sha256,
        kb_version=r.kb_version,
        draft_version=r.draft_version,
        created_at=r.created_at,
    )


class DocumentRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

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
        self.s.add(row)
        self.s.flush()
        return _document(row)

    def get(self, document_id: int) -> Document | None:
        row = self.s.get(DocumentRow, document_id)
        return _document(row) if row else None

    def content(self, document_id: int) -> bytes | None:
        return self.s.scalar(select(DocumentRow.content).where(DocumentRow.id == document_id))

    def for_draft(self, draft_id: int) -> list[Document]:
        q = select(DocumentRow).where(DocumentRow.draft_id == draft_id).order_by(DocumentRow.id)
        return [_document(r) for r in self.s.scalars(q)]
