"""Generated documents of a draft: render (.docx, PDF when a converter runs), store, fetch again.

Who may have a draft's documents: its owner, and the reviewers and admins of the owner's
department (they review it). Rendering happens outside any transaction; the files are
stored afterwards with the draft version and knowledge-base version they were made from.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any, Protocol

from bot.dialogue import answers_to_plan
from bot.services import engine
from bot.services.errors import DraftNotFound
from bot.services.review import ReviewRecord, latest_review, load_viewable_draft
from bot.services.transaction import load_user, parse_draft_id, transact
from knowledge.errors import LandbotError, ServiceUnavailable
from storage.db import Database, UnitOfWork
from storage.domain import Document, Draft
from storage.sqltypes import utcnow

log = logging.getLogger(__name__)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"
RENDERED_SINCE = utcnow()  # files rendered by this process's code (an upgrade renders anew)


class PdfConverter(Protocol):
    def convert(self, docx: bytes) -> bytes | None: ...


@dataclass(frozen=True)
class GeneratedFile:
    document_id: int
    doc_type: str
    filename: str
    media_type: str
    content: bytes


class GenerationFailed(LandbotError):
    exit_code = 1

    def __init__(self, what: str) -> None:
        super().__init__(
            f"生成{what}时出错，已填写的内容不受影响，请稍后重试或联系管理员",
            f"could not generate {what}; saved answers are unaffected",
        )


def doc_types_for(kind: str) -> tuple[str, ...]:
    """The documents 生成文件 makes: the plan itself and its approval memo."""
    return (kind, "approval_memo")


def _render(
    draft: Draft,
    doc_type: str,
    review: ReviewRecord | None,
    generated_at: dt.datetime,
) -> tuple[bytes, str]:
    from doc_templates.render import ReviewInfo, default_filename, render_document
    from knowledge.checks import check_plan

    plan = answers_to_plan(engine.state_of(draft))
    result = check_plan(plan)
    info: Any = None
    if review is not None:
        info = ReviewInfo(
            reviewer=review.reviewer,
            opinion=review.opinion,
            time=review.time,
            decision=review.decision,
        )
    content = render_document(plan, doc_type, result, generated_at=generated_at, review=info)
    return content, default_filename(plan, doc_type)


def generate(
    db: Database,
    user_id: int,
    draft_id: object,
    *,
    doc_types: tuple[str, ...] | None = None,
    converter: PdfConverter | None = None,
    generated_at: dt.datetime | None = None,
) -> list[GeneratedFile]:
    """Render, store and return the documents of a draft (.docx, and .pdf when possible)."""
    from knowledge.version import kb_version

    def read(uow: UnitOfWork) -> tuple[Draft, ReviewRecord | None]:
        user = load_user(uow, user_id)
        draft = load_viewable_draft(uow, user, draft_id)
        return draft, latest_review(uow, draft)

    draft, review = transact(db, read, readonly=True)
    when = generated_at or utcnow()
    rendered: list[tuple[str, str, str, bytes]] = []
    for doc_type in doc_types or doc_types_for(draft.kind):
        try:
            docx, filename = _render(draft, doc_type, review, when)
        except LandbotError:
            raise
        except Exception as exc:
            log.exception("rendering %s of draft %s failed", doc_type, draft.id)
            raise GenerationFailed("文件") from exc
        rendered.append((doc_type, filename, DOCX, docx))
        pdf = _to_pdf(converter, docx, draft.id)
        if pdf is not None:
            rendered.append((doc_type, filename.removesuffix(".docx") + ".pdf", PDF, pdf))
    version = kb_version()

    def store(uow: UnitOfWork) -> list[GeneratedFile]:
        out = []
        for doc_type, filename, media, content in rendered:
            doc = uow.documents.add(
                draft.id,
                doc_type=doc_type,
                filename=filename,
                media_type=media,
                content=content,
                kb_version=version,
                draft_version=draft.version,
                created_by=user_id,
            )
            out.append(GeneratedFile(doc.id, doc_type, filename, media, content))
        uow.audit.add(
            draft.id,
            user_id,
            "documents_generated",
            {"documents": [g.document_id for g in out], "draft_version": draft.version},
        )
        uow.commit()
        return out

    return transact(db, store)


def _to_pdf(converter: PdfConverter | None, docx: bytes, draft_id: int) -> bytes | None:
    if converter is None:
        return None
    try:
        return converter.convert(docx)
    except Exception:  # no PDF is not a failure: the .docx is what counts
        log.warning("PDF conversion of draft %s failed", draft_id, exc_info=True)
        return None


def list_documents(db: Database, user_id: int, draft_id: object) -> list[Document]:
    """The stored documents of a draft the user may see, newest first."""

    def work(uow: UnitOfWork) -> list[Document]:
        draft = load_viewable_draft(uow, load_user(uow, user_id), draft_id)
        return list(reversed(uow.documents.for_draft(draft.id)))

    return transact(db, work, readonly=True)


def fetch(db: Database, user_id: int, document_id: object) -> GeneratedFile:
    """A stored document again (DraftNotFound when it is not the user's to see)."""
    did = parse_draft_id(document_id)

    def work(uow: UnitOfWork) -> GeneratedFile:
        user = load_user(uow, user_id)
        doc = uow.documents.get(did)
        if doc is None:
            raise DraftNotFound(did)
        load_viewable_draft(uow, user, doc.draft_id)
        found = _stored_file(uow, doc)
        if found is None:
            raise DraftNotFound(did)
        return found

    return transact(db, work, readonly=True)


def _stored_file(uow: UnitOfWork, doc: Document) -> GeneratedFile | None:
    """The bytes of a stored document (in the database or in its file), or None if gone."""
    content = uow.documents.content(doc.id)
    if content is None and doc.path:
        try:
            with open(doc.path, "rb") as fh:
                content = fh.read()
        except OSError:
            log.warning("stored document %s is missing its file %s", doc.id, doc.path)
    if content is None:
        return None
    return GeneratedFile(doc.id, doc.doc_type, doc.filename, doc.media_type, content)


def _current(doc: Document, draft: Draft) -> bool:
    """Whether a stored document shows the draft as it is now: rendered from this version of
    the draft with this knowledge base, by this process's code (`RENDERED_SINCE`)."""
    from knowledge.version import kb_version

    return (
        doc.draft_version == draft.version
        and doc.kb_version == kb_version()
        and doc.created_at >= RENDERED_SINCE
    )


class PdfUnavailable(ServiceUnavailable):
    def __init__(self) -> None:
        super().__init__(
            "本服务器未安装 PDF 转换组件，请下载 Word 文件",
            "no PDF converter on this server; download the .docx instead",
        )


def one_document(
    db: Database,
    user_id: int,
    draft_id: object,
    doc_type: str,
    *,
    pdf: bool = False,
    converter: PdfConverter | None = None,
) -> GeneratedFile:
    """One document of a draft the user may see, as it is now: `doc_type` is the plan's own
    kind or approval_memo; a PDF needs a working converter (else `PdfUnavailable`). A file
    stored for the draft's current version is handed back again, not rendered and stored
    once more (a phone that taps 下载 twice gets the same file at once)."""
    wanted = PDF if pdf else DOCX

    def stored(uow: UnitOfWork) -> GeneratedFile | None:
        draft = load_viewable_draft(uow, load_user(uow, user_id), draft_id)
        if doc_type not in doc_types_for(draft.kind):
            raise DraftNotFound(f"{draft_id}/{doc_type}")
        doc = uow.documents.latest(draft.id, doc_type, wanted)
        return _stored_file(uow, doc) if doc is not None and _current(doc, draft) else None

    again = transact(db, stored, readonly=True)
    if again is not None:
        return again
    if pdf and converter is None:
        raise PdfUnavailable()
    files = generate(db, user_id, draft_id, doc_types=(doc_type,), converter=converter)
    found = next((f for f in files if f.media_type == wanted), None)
    if found is None:  # the converter failed on this file (logged): no PDF now
        raise PdfUnavailable()
    return found
