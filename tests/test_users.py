"""Users, roles and one-time invitations: the service and `landbot users`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.cli import main
from bot.services import users
from knowledge.errors import BadInput
from storage.db import Database
from storage.sqltypes import utcnow


def test_code_format_and_normalisation() -> None:
    code = users.new_code()
    assert len(code) == 8 and set(code) <= set(users.CODE_ALPHABET)
    shown = users.format_code(code)
    assert users.normalise_code(shown.lower()) == code
    assert users.normalise_code(f"  {code[:4]} {code[4:]} ") == code
    assert users.normalise_code("你好") is None
    assert users.normalise_code("ABCD-0123") is None  # 0 and 1 are never used


def test_invitation_is_spent_once(database: Database) -> None:
    inv = users.invite(database, role="reviewer", department="郑州市土地储备中心")
    reg = users.register(
        database,
        channel="telegram",
        external_id=501,
        display_name="李审核",
        code_text=users.format_code(inv.code).lower(),
    )
    assert reg.created and reg.user.role == "reviewer"
    assert reg.user.department == "郑州市土地储备中心"
    # the same account sending the code again changes nothing
    again = users.register(
        database, channel="telegram", external_id=501, display_name="李审核", code_text=inv.code
    )
    assert not again.created and again.user.id == reg.user.id
    # someone else cannot reuse it
    with pytest.raises(users.InvitationRefused, match="已被使用"):
        users.register(
            database, channel="telegram", external_id=502, display_name="X", code_text=inv.code
        )
    assert users.lookup(database, "telegram", 502) is None
    with database.unit_of_work(readonly=True) as uow:
        actions = [e.action for e in _audit(uow)]
    assert actions == ["invitation_created", "user_registered"]


def _audit(uow):  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from storage.models import AuditEventRow

    return list(uow.session.scalars(select(AuditEventRow).order_by(AuditEventRow.id)))


def test_unknown_expired_and_malformed_codes(database: Database) -> None:
    with pytest.raises(users.InvitationRefused, match="不存在"):
        users.register(
            database, channel="telegram", external_id=1, display_name="A", code_text="ABCD-EFGH"
        )
    with pytest.raises(users.InvitationRefused, match="格式"):
        users.register(
            database, channel="telegram", external_id=1, display_name="A", code_text="我要注册"
        )
    inv = users.invite(database, role="clerk", department="某中心")
    with database.unit_of_work() as uow:
        from storage.models import InvitationRow

        row = uow.session.get(InvitationRow, inv.id)
        assert row is not None
        row.expires_at = utcnow() - dt.timedelta(minutes=1)
        uow.commit()
    with pytest.raises(users.InvitationRefused, match="过期"):
        users.register(
            database, channel="telegram", external_id=1, display_name="A", code_text=inv.code
        )


def test_redelivered_registration_is_processed_once(database: Database) -> None:
    inv = users.invite(database, role="clerk", department="某中心")
    users.register(
        database,
        channel="telegram",
        external_id=7,
        display_name="A",
        code_text=inv.code,
        update_id=900,
    )
    users.disable(database, users.lookup(database, "telegram", 7).id)  # type: ignore[union-attr]
    inv2 = users.invite(database, role="clerk", department="某中心")
    with pytest.raises(users.AlreadyProcessed):
        users.register(
            database,
            channel="telegram",
            external_id=7,
            display_name="A",
            code_text=inv2.code,
            update_id=900,
        )
    again = users.register(
        database,
        channel="telegram",
        external_id=7,
        display_name="A",
        code_text=inv2.code,
        update_id=901,
    )
    assert again.created and again.user.active  # a new invitation re-activates


def test_bad_role_and_department(database: Database) -> None:
    with pytest.raises(BadInput):
        users.invite(database, role="boss", department="某中心")
    with pytest.raises(BadInput):
        users.invite(database, role="clerk", department="  ")


def test_reviewers_of_department(database: Database) -> None:
    admin = users.create_admin(
        database, channel="telegram", external_id=1, display_name="管理员", department="甲中心"
    )
    with database.unit_of_work(readonly=True) as uow:
        assert [u.id for u in users.reviewers_of(uow, "甲中心")] == [admin.id]
    inv = users.invite(database, role="reviewer", department="甲中心")
    rev = users.register(
        database, channel="telegram", external_id=2, display_name="审", code_text=inv.code
    ).user
    inv = users.invite(database, role="reviewer", department="乙中心")
    users.register(
        database, channel="telegram", external_id=3, display_name="乙", code_text=inv.code
    )
    with database.unit_of_work(readonly=True) as uow:
        assert [u.id for u in users.reviewers_of(uow, "甲中心")] == [rev.id]
    users.disable(database, rev.id)
    with database.unit_of_work(readonly=True) as uow:
        assert [u.id for u in users.reviewers_of(uow, "甲中心")] == [admin.id]


def test_cli_users(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LANDBOT_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("LANDBOT_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    assert (
        main(
            [
                "users",
                "create-admin",
                "--telegram-id",
                "42",
                "--name",
                "张管理",
                "--department",
                "郑州市土地储备中心",
            ]
        )
        == 0
    )
    assert "管理员已就绪" in capsys.readouterr().out
    assert main(["users", "invite", "--role", "clerk", "--department", "郑州市土地储备中心"]) == 0
    code = capsys.readouterr().out.splitlines()[0]
    assert users.normalise_code(code) is not None
    assert main(["users", "list", "--invitations"]) == 0
    out = capsys.readouterr().out
    assert "张管理" in out and "管理员" in out and code in out and "未使用" in out
    assert main(["users", "disable", "1"]) == 0
    assert "已停用" in capsys.readouterr().out
    assert main(["users", "disable", "99"]) == 2
    assert "99" in capsys.readouterr().err
    assert main(["users", "invite", "--role", "boss", "--department", "x"]) == 2
