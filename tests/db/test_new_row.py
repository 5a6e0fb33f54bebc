"""``new_row(cls, **values)`` makes the same new row as ``cls(**values)`` (every table model:
its fields, their defaults, what pydantic and SQLAlchemy see), without SQLModel's
constructor; it refuses a name that is not a field, and the row it makes is written, flushed
and audited like any other."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session, SQLModel, col, select

import mtkcare.models  # noqa: F401  (every table model registered)
from mtkcare.audit.models import AuditLog
from mtkcare.clients.models import Client
from mtkcare.db import _row_plan, insert_now, new_row
from mtkcare.jobs.models import Job
from mtkcare.referrals.models import Referral

MOMENT = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)


def _table_models() -> list[type[SQLModel]]:
    return sorted(
        {mapper.class_ for mapper in SQLModel._sa_registry.mappers}, key=lambda c: c.__name__
    )


def _given(cls: type[SQLModel]) -> dict[str, Any]:
    """A value for every required field (by its type), none for the others."""
    values: dict[str, Any] = {}
    for name, field in cls.model_fields.items():
        if not field.is_required():
            continue
        kind = field.annotation
        values[name] = (
            MOMENT if kind is datetime else MOMENT.date() if kind is date else
            True if kind is bool else 7 if kind is int else 1.5 if kind is float else
            {"k": 1} if kind is dict else "x"
        )  # fmt: skip
    return values


def _timestamps(cls: type[SQLModel]) -> set[str]:
    """Fields whose default is the time of construction (differs between two rows)."""
    return {
        name
        for name, field in cls.model_fields.items()
        if field.default_factory is not None and field.annotation in (datetime, datetime | None)
    }


@pytest.mark.parametrize("cls", _table_models(), ids=lambda c: c.__name__)
def test_a_new_row_is_what_the_models_constructor_makes(cls: type[SQLModel]) -> None:
    assert _row_plan(cls) is not None, "every table model takes the quick path"
    given = _given(cls)
    made, quick = cls(**given), new_row(cls, **given)

    assert type(quick) is cls
    skip = _timestamps(cls)
    expected = {k: v for k, v in made.model_dump().items() if k not in skip}
    assert {k: v for k, v in quick.model_dump().items() if k not in skip} == expected
    assert quick.model_fields_set == made.model_fields_set == set(given)
    for name in skip:  # a fresh default per row, as the constructor gives
        assert isinstance(getattr(quick, name), datetime)
    state = sa.inspect(quick)
    assert state.transient and not state.expired_attributes
    for key in (attr.key for attr in state.mapper.column_attrs):
        assert getattr(quick, key) == getattr(made, key) or key in skip


def test_mutable_defaults_are_not_shared_between_rows() -> None:
    first, second = new_row(Job, name="a", ticket="t1"), new_row(Job, name="b", ticket="t2")
    first.args["touched"] = True
    assert second.args == {}


def test_a_name_that_is_not_a_field_is_refused() -> None:
    with pytest.raises(TypeError, match="Referral has no field colour"):
        new_row(Referral, colour="red")


def test_a_new_row_is_flushed_and_audited_like_a_constructed_one(db: Session) -> None:
    db.info["actor_id"] = None
    details = {"first_name": "Ana", "last_name": "Quick", "date_of_birth": date(1990, 1, 2)}
    constructed, quick = Client(**details), new_row(Client, **details)
    db.add_all([constructed, quick])
    db.flush()
    assert quick.id is not None and quick.created_at is not None and quick.version == 1

    rows = list(
        db.exec(
            select(AuditLog)
            .where(
                AuditLog.resource == "Client",
                col(AuditLog.resource_id).in_([str(constructed.id), str(quick.id)]),
            )
            .order_by(col(AuditLog.id))
        )
    )
    assert len(rows) == 2 and rows[1].changes == rows[0].changes
    assert rows[0].changes["last_name"] == [None, "Quick"]

    quick.phone = "0700 000 111"  # tracked like any row's change
    db.flush()
    assert db.get(Client, quick.id).phone == "0700 000 111"  # type: ignore[union-attr]


def test_insert_now_refuses_a_row_that_is_not_new(db: Session) -> None:
    row = insert_now(db, new_row(Job, name="insert-now-twice", ticket="once"))
    with pytest.raises(ValueError, match="insert_now takes a new row"):
        insert_now(db, row)
