"""Plan files (CONTRACT §3) in and out of drafts: export a draft, import a file as a draft."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.dialogue import answers_to_plan
from bot.services import engine
from bot.services.results import ExportedPlan, Reply
from bot.services.transaction import load_own_draft, load_user, transact
from knowledge.plan import KIND_LABELS, dump_plan_yaml, plan_from_mapping
from knowledge.plan_files import parse_mapping_bytes, parse_mapping_text
from storage.db import Database, UnitOfWork


def export_draft(db: Database, user_id: int, draft_id: object) -> ExportedPlan:
    """One of the user's drafts as a plan file (answered fields only; check `draft.complete`)."""

    def work(uow: UnitOfWork) -> ExportedPlan:
        user = load_user(uow, user_id)
        draft = load_own_draft(uow, user, draft_id)
        plan = answers_to_plan(engine.state_of(draft))
        uow.audit.add(draft.id, user.id, "exported", {"fields": len(plan.fields)})
        uow.commit()
        filename = f"{KIND_LABELS[draft.kind]}-{draft.id}.yaml"
        return ExportedPlan(filename, dump_plan_yaml(plan), plan, engine.summary(draft))

    return transact(db, work)


def parse_plan_text(data: bytes | str, filename: str = "plan.yaml") -> Any:
    """The mapping in an uploaded plan file (JSON or YAML), within the limits of
    `knowledge.plan_files`; unreadable, oversized or malformed is `BadInput`."""
    as_json = filename.lower().endswith(".json")
    if isinstance(data, bytes):
        return parse_mapping_bytes(data, filename, as_json=as_json)
    return parse_mapping_text(data, filename, as_json=as_json)


def import_plan(
    db: Database,
    user_id: int,
    data: bytes | str,
    *,
    filename: str = "plan.yaml",
    update_id: int | None = None,
    today: dt.date | None = None,
) -> Reply:
    """A new draft from a plan file, validated like `landbot check`; the dialogue continues
    at the first missing answer. Bad files are `BadInput` and create nothing."""
    plan = plan_from_mapping(parse_plan_text(data, filename))
    prefill = plan.to_file_dict()["fields"]

    def work(uow: UnitOfWork) -> Reply:
        user = load_user(uow, user_id)
        if update_id is not None and not uow.processed.claim(user.channel, update_id):
            return Reply(duplicate=True)
        state, out = engine.begin(plan.kind, prefill=prefill, today=today, from_file=True)
        draft = uow.drafts.add(user.id, plan.kind, **engine.columns(state))
        for key, value in state.answers.items():
            uow.history.add(draft.id, user.id, key, None, value)
        uow.audit.add(
            draft.id, user.id, "imported", {"filename": filename[:200], "fields": len(prefill)}
        )
        uow.chat_sessions.set(user.id, active_draft_id=draft.id, mode="drafting")
        uow.commit()
        label = KIND_LABELS[plan.kind]
        intro = engine.info(
            f"已从文件导入{label}（编号 {draft.id}），共 {len(state.answers)} 项答案。"
        )
        return Reply(
            messages=[intro, *out.messages],
            draft=engine.summary(draft),
            done=out.done,
            findings=list(out.findings),
        )

    return transact(db, work)
