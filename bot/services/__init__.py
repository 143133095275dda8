"""Use cases, one transaction per inbound message; channels (terminal, Telegram) call these.

Each mutating call takes the caller's user id (from `ensure_user`), untrusted draft ids,
and an optional `update_id` (the channel's inbound update id: a re-delivery returns a
`Reply` with `duplicate=True` and changes nothing). Replies are returned only after
their changes were committed. Refusals are `LandbotError`s with a Chinese `.zh` line.
"""

from bot.services.drafting import (
    active_draft,
    copy_draft,
    handle_message,
    leave_draft,
    new_version,
    resume_draft,
    start_draft,
)
from bot.services.drafts import delete_draft, draft_history, get_draft, list_drafts, show_draft
from bot.services.errors import AccessDenied, DraftConflict, DraftNotEditable, DraftNotFound
from bot.services.identity import ensure_user, get_user
from bot.services.plans import export_draft, import_plan, parse_plan_text
from bot.services.results import DraftSummary, ExportedPlan, Reply

__all__ = [
    "AccessDenied",
    "DraftConflict",
    "DraftNotEditable",
    "DraftNotFound",
    "DraftSummary",
    "ExportedPlan",
    "Reply",
    "active_draft",
    "copy_draft",
    "delete_draft",
    "draft_history",
    "ensure_user",
    "export_draft",
    "get_draft",
    "get_user",
    "handle_message",
    "import_plan",
    "leave_draft",
    "list_drafts",
    "new_version",
    "parse_plan_text",
    "resume_draft",
    "show_draft",
    "start_draft",
]
