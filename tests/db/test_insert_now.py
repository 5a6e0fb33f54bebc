"""``insert_now`` writes a new row with one plain INSERT, stamped and audited exactly as a
flush writes it, and leaves it a persistent row of the session. In an all-or-nothing
transaction the audit rows wait for the commit and go in together; whatever a failed
savepoint took back loses its audit rows too, and a rollback writes none."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import uuid4

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from mtkcare.audit.models import AuditLog
from mtkcare.clients.models import Client
from mtkcare.db import (
    MANY_AT_ONCE,
    _audit,
    _direct_insert,
    _direct_insert_many,
    acting_as,
    insert_now,
    session_scope,
)
from mtkcare.jobs.models import Job
from tests.support.statements import statements_sent


def _client(last_name: str, **extra: Any) -> Client:
    return Client(first_name="Ines", last_name=last_name, date_of_birth=date(1984, 5, 6), **extra)


def _audit_rows(session: Session, resource_ids: list[str]) -> list[AuditLog]:
    return list(
        session.exec(
            select(AuditLog)
            .where(AuditLog.resource == "Client", col(AuditLog.resource_id).in_(resource_ids))
            .order_by(col(AuditLog.id))
        )
    )


def test_a_row_inserted_now_is_stamped_and_audited_as_a_flush_would_do_it(db: Session) -> None:
    db.info["actor_id"] = None
    flushed = _client("Flushed", phone="0700 900 123", email="ines@example.org")
    db.add(flushed)
    db.flush()
    now = insert_now(db, _client("Flushed", phone="0700 900 123", email="ines@example.org"))

    assert now.id is not None and now.id != flushed.id
    stored = (
        db.connection()
        .execute(
            sa.select(Client.__table__).where(Client.__table__.c.id == now.id)  # type: ignore[attr-defined]
        )
        .one()
    )
    assert stored.last_name == "Flushed" and stored.email == "ines@example.org"
    assert stored.created_at is not None and stored.updated_at == stored.created_at
    assert stored.version == 1 and stored.is_deleted is False

    by_flush, by_insert = _audit_rows(db, [str(flushed.id), str(now.id)])
    assert (by_insert.action, by_insert.resource) == (by_flush.action, by_flush.resource)
    assert by_insert.changes == by_flush.changes  # the same fields, the same values


def test_a_row_inserted_now_belongs_to_the_session_and_later_changes_are_audited(
    db: Session,
) -> None:
    row = insert_now(db, _client("Persistent"))
    assert sa.inspect(row).persistent
    assert db.get(Client, row.id) is row  # from the session, no second copy

    row.phone = "0700 111 222"
    db.flush()
    changes = [(a.action, a.changes) for a in _audit_rows(db, [str(row.id)])]
    assert changes[-1] == ("UPDATE", {"phone": [None, "0700 111 222"]})


def test_a_column_the_database_fills_is_filled_on_the_row_too(db: Session) -> None:
    row = _client("Defaulted")
    row.version = None  # type: ignore[assignment]  # left to its server default
    insert_now(db, row)
    assert row.version == 1
    assert (
        db.connection()
        .execute(
            sa.text("SELECT version FROM client_management_client WHERE id = :id"), {"id": row.id}
        )
        .scalar_one()
        == 1
    )


def test_an_all_or_nothing_transaction_writes_its_audit_rows_once_at_commit(
    pg_url: str,
) -> None:
    name = f"Together-{uuid4().hex[:8]}"
    with statements_sent(pg_url) as seen, session_scope(url=pg_url, all_or_nothing=True) as db:
        rows = [insert_now(db, _client(name)) for _ in range(3)]
        rows[0].email = "first@example.org"  # an ORM change: its audit row waits too
        db.flush()
        assert not _audit_rows(db, [str(r.id) for r in rows])  # not yet written
    assert sum(1 for s in seen if s.startswith("INSERT INTO audit_auditlog")) == 1
    with session_scope(url=pg_url) as db:
        written = _audit_rows(db, [str(r.id) for r in rows])
    assert [a.action for a in written] == ["CREATE", "CREATE", "CREATE", "UPDATE"]


def test_a_rolled_back_all_or_nothing_transaction_writes_no_audit_row(pg_url: str) -> None:
    name = f"Abandoned-{uuid4().hex[:8]}"
    ids: list[str] = []
    with pytest.raises(RuntimeError), session_scope(url=pg_url, all_or_nothing=True) as db:
        ids.append(str(insert_now(db, _client(name)).id))
        raise RuntimeError("the caller gives up")
    with session_scope(url=pg_url) as db:
        assert not _audit_rows(db, ids)
        assert db.exec(select(Client).where(Client.last_name == name)).first() is None


def test_audit_rows_of_a_failed_savepoint_go_with_its_rows(pg_url: str) -> None:
    name = f"Savepoint-{uuid4().hex[:8]}"
    lost_ids: list[int | None] = []
    # The outer acting_as is a service called directly (no savepoint of its own); the inner
    # one a nested service (its own savepoint), which fails while the outer one carries on.
    with session_scope(url=pg_url, all_or_nothing=True) as db, acting_as(db, None):
        kept = insert_now(db, _client(name))
        with pytest.raises(RuntimeError), acting_as(db, None):
            lost_ids.append(insert_now(db, _client(name)).id)
            raise RuntimeError("the nested service fails")
    lost_id = lost_ids[0]
    with session_scope(url=pg_url) as db:
        assert [a.resource_id for a in _audit_rows(db, [str(kept.id), str(lost_id)])] == [
            str(kept.id)
        ]
        assert db.get(Client, lost_id) is None


def _stored(session: Session, model: type[Any], row_id: int) -> dict[str, Any]:
    table = model.__table__
    found = session.connection().execute(sa.select(table).where(table.c.id == row_id)).one()
    return dict(found._mapping)


def test_on_postgresql_it_is_one_statement_on_the_driver_and_writes_what_a_flush_writes(
    db: Session, pg_url: str
) -> None:
    # A JSON column, a time zone, booleans, server defaults and constant defaults: each is
    # converted as Core converts it.
    args = {"referral": 7, "why": "étude", "nested": [1, None, True]}
    flushed = Job(name="insert-now-test", args=args, ticket=str(uuid4()))
    db.add(flushed)
    db.flush()
    flushed_client = _client("Direct", interpreter_required=True, email="d@example.org")
    db.add(flushed_client)
    db.flush()
    every_column = tuple(c.key for c in Job.__table__.columns if c.key != "id")  # type: ignore[attr-defined]
    assert _direct_insert(Job, every_column, db.connection().dialect) is not None  # the direct way
    with statements_sent(pg_url) as seen:
        job = insert_now(db, Job(name="insert-now-test", args=args, ticket=flushed.ticket))
        client = insert_now(db, _client("Direct", interpreter_required=True, email="d@example.org"))
    # Each: its INSERT … RETURNING, seen by the engine's listeners as any statement is (the
    # client's audit row follows it: outside all-or-nothing it is written at once).
    assert [s.split(" (")[0] for s in seen] == [
        "INSERT INTO jobs_job",
        "INSERT INTO client_management_client",
        "INSERT INTO audit_auditlog",
    ]
    moving = {"id", "created_at", "updated_at", "next_attempt_at", "ticket"}
    for model, by_flush, by_insert in ((Job, flushed, job), (Client, flushed_client, client)):
        want = _stored(db, model, by_flush.id)
        got = _stored(db, model, by_insert.id)
        assert {k: v for k, v in got.items() if k not in moving} == {
            k: v for k, v in want.items() if k not in moving
        }
    assert _stored(db, Job, job.id)["args"] == args
    assert client.is_deleted is False and client.version == 1  # the returned columns


def test_a_refused_row_raises_as_sqlalchemy_raises_it(db: Session) -> None:
    with pytest.raises(sa.exc.IntegrityError, match="ticket"):
        insert_now(db, Job(name="insert-now-test", args={}, ticket=None))  # type: ignore[arg-type]


def _audit_probe(count: int, resource: str, **extra: Any) -> list[dict[str, Any]]:
    return [
        {
            "user_id": None,
            "action": "UPDATE",
            "resource": resource,
            "resource_id": str(number),
            "timestamp": datetime(2026, 1, 2, 3, 4, number % 60, tzinfo=UTC),
            "changes": {"name": [None, f"Zoë {number}"], "flags": [[1, None], {"a": True}]},
            **extra,
        }
        for number in range(count)
    ]


def _stored_audit(session: Session, resource: str) -> list[tuple[Any, ...]]:
    table = AuditLog.__table__  # type: ignore[attr-defined]
    found = session.connection().execute(
        sa.select(
            table.c.user_id, table.c.action, table.c.resource_id, table.c.timestamp,
            table.c.changes, table.c.ip_address,
        )
        .where(table.c.resource == resource)
        .order_by(table.c.id)
    )  # fmt: skip
    return [tuple(row) for row in found]


def test_audit_rows_go_in_one_insert_and_are_stored_as_cores_executemany_stores_them(
    db: Session, pg_url: str
) -> None:
    table = AuditLog.__table__  # type: ignore[attr-defined]
    assert _direct_insert_many(table, tuple(_audit_probe(1, "x")[0]), 3, db.connection().dialect)
    with statements_sent(pg_url) as seen:
        _audit(db, _audit_probe(3, "ProbeDirect"))
    assert len(seen) == 1 and seen[0].count("::JSON") == 3  # one statement, three rows
    db.connection().execute(sa.insert(table), _audit_probe(3, "ProbeCore"))
    assert _stored_audit(db, "ProbeDirect") == _stored_audit(db, "ProbeCore")
    assert len(_stored_audit(db, "ProbeDirect")) == 3


def test_many_audit_rows_or_rows_of_other_columns_are_written_all_the_same(
    db: Session, pg_url: str
) -> None:
    with statements_sent(pg_url) as seen:
        _audit(db, _audit_probe(MANY_AT_ONCE + 5, "ProbeMany"))
    inserts = [s for s in seen if s.startswith("INSERT INTO audit_auditlog")]
    assert [s.count("::JSON") for s in inserts] == [MANY_AT_ONCE, 5]  # INSERTs of so many rows
    assert [row[2] for row in _stored_audit(db, "ProbeMany")] == [
        str(n) for n in range(MANY_AT_ONCE + 5)
    ]
    mixed = _audit_probe(2, "ProbeMixed") + _audit_probe(1, "ProbeMixed", ip_address="10.0.0.9")
    _audit(db, mixed)
    assert [row[-1] for row in _stored_audit(db, "ProbeMixed")] == [None, None, "10.0.0.9"]
