"""Repositories fill domain objects from rows by name: every domain field must be a column."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import inspect

from storage import domain, models

PAIRS = [
    (domain.User, models.UserRow),
    (domain.Invitation, models.InvitationRow),
    (domain.Draft, models.DraftRow),
    (domain.Review, models.ReviewRow),
    (domain.AnswerChange, models.AnswerHistoryRow),
    (domain.AuditEvent, models.AuditEventRow),
    (domain.Document, models.DocumentRow),
]


@pytest.mark.parametrize(("obj", "row"), PAIRS, ids=[d.__name__ for d, _ in PAIRS])
def test_every_domain_field_is_a_column_of_the_same_name(obj: type, row: type) -> None:
    columns = {c.key for c in inspect(row).column_attrs}
    fields = {f.name for f in dataclasses.fields(obj)}
    assert fields <= columns, f"{obj.__name__} fields without a column: {fields - columns}"


def test_a_document_object_never_carries_the_bytes() -> None:
    assert "content" not in {f.name for f in dataclasses.fields(domain.Document)}
