"""Refusals of the services: each carries the Chinese line a channel shows to the person."""

from __future__ import annotations

from knowledge.errors import BadInput, LandbotError


class DraftNotFound(BadInput):
    """No such draft for this user (missing, deleted, or someone else's: not told apart)."""

    def __init__(self, draft_id: object) -> None:
        super().__init__(
            f"找不到编号为 {draft_id} 的草稿（可能已删除，或不属于您）",
            f"no draft {draft_id} of yours (it may have been deleted or belong to someone else)",
        )


class DraftNotEditable(BadInput):
    """The draft is submitted or approved: its answers can no longer change."""

    def __init__(self, draft_id: int, status_label: str) -> None:
        super().__init__(
            f"草稿 {draft_id} 当前状态为「{status_label}」，不能修改或删除",
            f"draft {draft_id} is {status_label} and can no longer be changed or deleted",
        )


class DraftConflict(LandbotError):
    """The draft kept changing under us (optimistic lock failed twice)."""

    exit_code = 1

    def __init__(self) -> None:
        super().__init__(
            "该草稿刚刚在别处被修改，您的这条消息没有保存，请重新发送",
            "the draft was changed elsewhere at the same time; your message was not saved, "
            "please send it again",
        )


class AccessDenied(LandbotError):
    """The user is unknown or deactivated."""

    exit_code = 1

    def __init__(self) -> None:
        super().__init__(
            "您的账号不存在或已停用，请联系管理员", "your account does not exist or is deactivated"
        )
