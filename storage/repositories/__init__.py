"""Repositories: data access over one session, returning domain objects (never ORM rows).

They flush but never commit: the service's unit of work decides when a change is saved.
One module a family of tables; every name is importable from here.
"""

from storage.repositories.audit import AuditRepository, HistoryRepository
from storage.repositories.base import to_jsonable
from storage.repositories.chat_sessions import ChatSessionRepository
from storage.repositories.documents import DocumentRepository
from storage.repositories.drafts import DraftRepository, ReviewRepository, StaleDraftError
from storage.repositories.inbox import InboxRepository
from storage.repositories.ledger import LedgerRepository
from storage.repositories.notifications import NotificationRepository
from storage.repositories.processed_updates import ProcessedUpdateRepository
from storage.repositories.users import InvitationRepository, UserRepository
from storage.repositories.web_sessions import LoginTokenRepository, WebSessionRepository

__all__ = [
    "AuditRepository",
    "ChatSessionRepository",
    "DocumentRepository",
    "DraftRepository",
    "HistoryRepository",
    "InboxRepository",
    "InvitationRepository",
    "LedgerRepository",
    "LoginTokenRepository",
    "NotificationRepository",
    "ProcessedUpdateRepository",
    "ReviewRepository",
    "StaleDraftError",
    "UserRepository",
    "WebSessionRepository",
    "to_jsonable",
]
