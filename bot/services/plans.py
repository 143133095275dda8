"""Plan files (CONTRACT §3) in and out of drafts: export a draft, import a file as a draft."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.dialogue import answers_to_plan
from bot.services import engine
from bot.services.results import ExportedPlan, Reply
from bot.services.transaction import load_own_draft, load_user, transact
from knowledge.errors import BadInput
from knowledge.plan import KIND_LABELS, dump_plan_yaml, parse_mapping_text, plan_from_mapping
from storage.db import Database, UnitOfWork

MAX_PLAN_FILE_BYTES = 1_000_000


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
    """The mapping in an uploaded plan file (JSON or YAML); unreadable is `BadInput`."""
    if len(data) > MAX_PLAN_FILE_BYTES:
        raise BadInput(
            f"文件 {filename} 太大（超过 1 MB），方案文件只含字段",
            f"{filename} is too large (over 1 MB) for a plan file",
        )
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise BadInput(
                f"无法读取文件 {filename}（应为 UTF-8 编码的 JSON 或 YAML）",
                f"cannot read {filename}: expected UTF-8 JSON or YAML",
            ) from None
    return parse_mapping_text(data, filename, as_json=filename.lower().endswith(".json"))


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
