"""Rows on their way to the database: ids handed out before insert, the audit fields and audit
changes of a new row, and the writer that inserts them in bulk (binary COPY on PostgreSQL, in a
background thread; Core executemany elsewhere)."""

from __future__ import annotations

import operator
import threading
from collections import Counter, defaultdict, deque
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date, datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel import SQLModel

from mtkcare.devdata.basics import Row
from mtkcare.models import Document, metadata

# Rows per INSERT statement (and per id reservation): big enough to amortise round trips,
# small enough to keep memory and statement size modest.
BATCH = 5000

_AUDIT_SKIP = frozenset({"id", "created_at", "created_by", "updated_at", "updated_by"})


def table_of(model: type[SQLModel]) -> sa.Table:
    return cast(sa.Table, model.__table__)  # type: ignore[attr-defined]


def json_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def stamps(at: datetime, by: int | None, *, soft_delete: bool = True) -> Row:
    """Audit fields of a row created at `at` by `by` and not changed since (not deleted)."""
    row: Row = {"created_at": at, "created_by": by, "updated_at": at, "updated_by": by}
    if soft_delete:
        row.update(is_deleted=False, deleted_at=None, deleted_by=None)
    return row


def created_changes(row: Row, redact: frozenset[str] = frozenset()) -> dict[str, list[Any]]:
    """The `changes` the session hook writes for a new row: every set field as [None, value]."""
    changes = {
        key: [None, value.isoformat() if isinstance(value, date) else value]  # datetime too
        for key, value in row.items()
        if value is not None and key not in _AUDIT_SKIP
    }
    for key in redact & changes.keys():
        changes[key] = [None, "[redacted]"]
    return changes


class Ids:
    """Primary keys handed out before insert, so child rows and audit rows can refer to them.

    PostgreSQL: taken from each table's sequence (safe next to other writers). SQLite: counted
    up from the current maximum (the generator holds the database's only write transaction).
    """

    def __init__(self, conn: sa.Connection, lock: threading.Lock) -> None:
        self._conn = conn
        self._lock = lock  # the connection is shared with the background writer
        self._pg = conn.dialect.name == "postgresql"
        self._free: dict[str, deque[int]] = defaultdict(deque)
        self._used: Counter[str] = Counter()
        self._tables: dict[str, sa.Table] = {}
        self._next: dict[str, int] = {}

    def take(self, table: sa.Table) -> int:
        free = self._free[table.name]
        if not free:
            self._tables[table.name] = table
            free.extend(self._reserve(table, BATCH))
        self._used[table.name] += 1
        return free.popleft()

    def top_up(self) -> None:
        """Reserve enough ids for another round like the last one, while the connection is
        free, so the next round does not wait for the background writer."""
        for name, used in self._used.items():
            missing = int(used * 1.2) - len(self._free[name])
            if missing > 0:
                self._free[name].extend(self._reserve(self._tables[name], missing + BATCH))
        self._used.clear()

    def _reserve(self, table: sa.Table, n: int) -> list[int]:
        self._tables[table.name] = table
        with self._lock:
            if self._pg:
                sequence = self._conn.execute(
                    sa.text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.name}
                ).scalar_one()
                return list(
                    self._conn.execute(
                        sa.text("SELECT nextval(CAST(:s AS regclass)) FROM generate_series(1, :n)"),
                        {"s": sequence, "n": n},
                    ).scalars()
                )
            start = self._next.get(table.name)
            if start is None:
                start = (self._conn.execute(sa.select(sa.func.max(table.c.id))).scalar() or 0) + 1
            self._next[table.name] = start + n
            return list(range(start, start + n))


class Writer:
    """Rows waiting to be inserted, written table by table in foreign-key order.

    On PostgreSQL the rows go in with binary COPY on the session's own connection (same
    transaction): several times faster than executemany for the million-row audit table. They
    are written from a background thread, so the next round of rows is generated while the
    server checks and indexes the last one. Elsewhere they go in as bulk Core inserts.
    """

    _order = [t.name for t in metadata.sorted_tables]

    def __init__(self, conn: sa.Connection, lock: threading.Lock) -> None:
        self.conn = conn
        self.pending: dict[str, list[Row]] = defaultdict(list)
        self._tables = {t.name: t for t in metadata.sorted_tables}
        self._lock = lock
        self._copy = conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg"
        self._executor = ThreadPoolExecutor(max_workers=1) if self._copy else None
        self._background: Future[None] | None = None

    def add(self, table: sa.Table, row: Row) -> None:
        self.pending[table.name].append(row)

    def flush(self, *, background: bool = False) -> None:
        batch, self.pending = self.pending, defaultdict(list)
        self.wait()
        if background and self._executor is not None:
            self._background = self._executor.submit(self._write, batch)
        else:
            self._write(batch)

    def wait(self) -> None:
        if self._background is not None:
            running, self._background = self._background, None
            running.result()  # re-raises the writer's error here

    def close(self) -> None:
        try:
            self.wait()
        finally:
            if self._executor is not None:
                self._executor.shutdown(wait=True)

    def _write(self, batch: dict[str, list[Row]]) -> None:
        with self._lock:
            for name in self._order:
                rows = batch.get(name)
                if not rows:
                    continue
                table = self._tables[name]
                links: list[dict[str, Any]] = []
                if name == Document.__tablename__:
                    # Versions point both ways (a new one to the one it replaces, an old one to
                    # its successor): insert older first without the forward link, then set it.
                    rows.sort(key=lambda r: r["version"])
                    links = [
                        {"row_id": r["id"], "successor": r["superseded_by_id"]}
                        for r in rows
                        if r["superseded_by_id"] is not None
                    ]
                    rows = [
                        dict(r, superseded_by_id=None) if r["superseded_by_id"] else r for r in rows
                    ]
                if self._copy:
                    self._copy_rows(table, rows)
                else:
                    insert = sa.insert(table)
                    for start in range(0, len(rows), BATCH):
                        self.conn.execute(insert, rows[start : start + BATCH])
                if links:
                    self.conn.execute(
                        sa.update(table)
                        .where(table.c.id == sa.bindparam("row_id"))
                        .values(superseded_by_id=sa.bindparam("successor")),
                        links,
                    )

    def _copy_rows(self, table: sa.Table, rows: list[Row]) -> None:
        from psycopg import sql

        columns = list(rows[0])
        # Binary COPY: no text formatting on our side, no text parsing on the server's.
        statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(
            sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, columns))
        )
        values = operator.itemgetter(*columns)
        driver = self.conn.connection.driver_connection
        with driver.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
            copy.set_types([_pg_type(table.c[name]) for name in columns])
            for row in rows:
                copy.write_row(values(row))


def _pg_type(column: sa.Column[Any]) -> str:
    """The PostgreSQL type a binary COPY must send for `column` (it has to match exactly)."""
    kind = column.type
    if isinstance(kind, sa.TypeDecorator):
        kind = kind.impl_instance
    if isinstance(kind, sa.JSON):
        return "jsonb" if isinstance(kind, postgresql.JSONB) else "json"
    if isinstance(kind, sa.Boolean):
        return "bool"
    if isinstance(kind, sa.DateTime):
        return "timestamptz" if kind.timezone else "timestamp"
    if isinstance(kind, sa.Date):
        return "date"
    if isinstance(kind, sa.BigInteger):
        return "int8"
    if isinstance(kind, sa.Integer):
        return "int4"
    if isinstance(kind, sa.String):  # String, Text and sqlmodel's AutoString
        return "text"
    raise TypeError(f"no COPY type for {column.table.name}.{column.name} ({column.type!r})")
