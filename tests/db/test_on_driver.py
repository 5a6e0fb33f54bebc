"""``on_driver`` sends statements straight to psycopg in the connection's transaction, several
in one round trip: PostgreSQL still runs them in order, each with a snapshot of its own, so a
read sent behind a lock sees what the lock's holder committed while it waited. A refusal is
raised as SQLAlchemy raises it."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from mtkcare.db import _direct_read, get_engine, on_driver, read_rows
from tests.support.statements import statements_sent

LOCK = "SELECT pg_advisory_xact_lock(hashtextextended(%(key)s, 0))"
MARKED = "SELECT count(*) FROM audit_auditlog WHERE resource = 'OnDriverTest' AND resource_id = %(marker)s"


def test_a_read_sent_with_a_lock_sees_what_the_locks_holder_committed_meanwhile(
    pg_url: str,
) -> None:
    engine = get_engine(pg_url)
    key, marker = f"on-driver {uuid.uuid4()}", uuid.uuid4().hex
    seen: dict[str, Any] = {}

    def waiter() -> None:
        with engine.connect() as conn, conn.begin():
            seen["rows"] = on_driver(conn, [(LOCK, {"key": key}), (MARKED, {"marker": marker})])

    with engine.connect() as holder:
        with holder.begin():
            holder.execute(sa.text(LOCK.replace("%(key)s", ":key")), {"key": key})
            waiting = threading.Thread(target=waiter)
            waiting.start()
            time.sleep(0.5)
            assert waiting.is_alive()  # held up by the lock, its read not yet run
            holder.execute(
                sa.text(
                    "INSERT INTO audit_auditlog (action, resource, resource_id, timestamp, changes)"
                    " VALUES ('CREATE', 'OnDriverTest', :marker, now(), '{}')"
                ),
                {"marker": marker},
            )
        waiting.join(timeout=10)
    # The lock's own answer (one row, void), then the read, which found the row committed
    # while it waited: it was not read with a snapshot taken before the lock.
    locked, read = seen["rows"]
    assert len(locked) == 1 and read == [(1,)]


def test_each_statement_is_told_to_the_engines_listeners(pg_url: str) -> None:
    with statements_sent(pg_url) as seen, get_engine(pg_url).connect() as conn:
        on_driver(conn, [("SELECT 1", {}), ("SELECT %(n)s::int", {"n": 2})])
    assert seen == ["SELECT 1", "SELECT %(n)s::int"]


def test_a_refused_statement_is_raised_as_sqlalchemy_raises_it(pg_url: str) -> None:
    with get_engine(pg_url).connect() as conn:
        with pytest.raises(sa.exc.ProgrammingError, match="nowhere"), conn.begin():
            on_driver(conn, [("SELECT 1", {}), ("SELECT nope FROM nowhere", {})])
        assert conn.execute(sa.text("SELECT 2")).scalar_one() == 2  # the connection lives on


# ``read_rows``: a Core SELECT of plain columns, compiled once, sent on the driver.
_AUDIT = sa.table(
    "audit_auditlog",
    sa.column("id", sa.Integer),
    sa.column("timestamp", sa.DateTime(timezone=True)),
    sa.column("action", sa.String),
    sa.column("resource", sa.String),
    sa.column("resource_id", sa.String),
    sa.column("changes", sa.JSON),
)
_SINCE = sa.select(_AUDIT.c.resource_id, _AUDIT.c.timestamp, sa.literal(7).label("seven")).where(
    _AUDIT.c.resource == "ReadRowsTest",
    _AUDIT.c.timestamp >= sa.bindparam("since", type_=sa.DateTime(timezone=True)),
)


class _Shouted(sa.types.TypeDecorator[str]):
    """A column type that converts what the database returns (as ours for times do)."""

    impl = sa.String
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        return None if value is None else value.upper() + "!"


_CONVERTED = sa.select(_AUDIT.c.resource_id, sa.type_coerce(_AUDIT.c.action, _Shouted())).where(
    _AUDIT.c.resource == "ReadRowsTest"
)
_NUMBERS = sa.select(_AUDIT.c.resource_id, sa.cast(_AUDIT.c.id, sa.Numeric(10, 2))).where(
    _AUDIT.c.resource == "ReadRowsTest"
)


def _probe_rows(conn: sa.Connection) -> None:
    conn.execute(
        sa.insert(_AUDIT),
        [
            {"timestamp": datetime(2026, 5, day, 9, tzinfo=UTC), "action": "UPDATE",
             "resource": "ReadRowsTest",
             "resource_id": str(day), "changes": {"day": day}}
            for day in (1, 2, 3)
        ],
    )  # fmt: skip


def test_read_rows_gives_cores_rows_in_one_statement_on_the_driver(pg_url: str) -> None:
    engine = get_engine(pg_url)
    with engine.connect() as conn, conn.begin():
        _probe_rows(conn)
        assert _direct_read(_SINCE, conn.dialect) is not None
        since = {"since": datetime(2026, 5, 2, tzinfo=UTC)}
        with statements_sent(pg_url) as seen:
            rows = read_rows(conn, _SINCE, since)
        assert len(seen) == 1
        assert rows == [tuple(row) for row in conn.execute(_SINCE, since)]
        assert [(r[0], r[2]) for r in rows] == [("2", 7), ("3", 7)]  # literals' own values
        conn.rollback()


def test_read_rows_converts_values_as_core_does_or_leaves_them_to_core(pg_url: str) -> None:
    engine = get_engine(pg_url)
    with engine.connect() as conn, conn.begin():
        _probe_rows(conn)
        assert _direct_read(_CONVERTED, conn.dialect) is not None
        converted = read_rows(conn, _CONVERTED, {})
        assert sorted(converted) == [(str(d), "UPDATE!") for d in (1, 2, 3)]
        assert converted == [tuple(row) for row in conn.execute(_CONVERTED)]
        # A number is converted by the driver's own column type: Core reads it.
        assert _direct_read(_NUMBERS, conn.dialect) is None
        assert read_rows(conn, _NUMBERS, {}) == [tuple(row) for row in conn.execute(_NUMBERS)]
        conn.rollback()
