"""Engine, sessions and the two mixins every business table uses (audit fields, soft delete).

The audit trail and the soft-delete filter are session hooks, so no service writes them by hand:
- before a flush, audit fields are stamped with the acting user (``session.info["actor_id"]``);
- after a flush, one ``audit_auditlog`` row per created, updated, soft-deleted or restored row is
  inserted on the same connection, so it commits or rolls back with the change (in an
  all-or-nothing transaction they are kept and inserted together, once, at its commit);
- ``insert_now`` writes one new row at once with a plain INSERT (no unit of work), stamped and
  audited the same way, for the hot paths that create rows;
- every ORM SELECT hides soft-deleted rows unless run with ``include_deleted=True``.
"""

from __future__ import annotations

import contextlib
import logging
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from functools import lru_cache
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import ORMExecuteState, make_transient_to_detached, with_loader_criteria
from sqlmodel import Field, Session, SQLModel

from mtkcare.settings import get_settings

# Stable constraint names, so migrations can drop them on every backend (SQLite batch mode too).
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

USER_FK = "users_user.id"


def utcnow() -> datetime:
    return datetime.now(UTC)


class Audited(SQLModel):
    """Audit fields, stamped automatically; a table with them gets an audit row per change."""

    __audit_resource__: ClassVar[str | None] = None
    __audit_redact__: ClassVar[frozenset[str]] = frozenset()

    created_at: datetime = Field(default_factory=utcnow, nullable=False)
    created_by: int | None = Field(default=None, foreign_key=USER_FK)
    updated_at: datetime = Field(default_factory=utcnow, nullable=False)
    updated_by: int | None = Field(default=None, foreign_key=USER_FK)


class SoftDelete(SQLModel):
    """Rows are never removed: deleting marks them, and normal queries stop seeing them."""

    is_deleted: bool = Field(
        default=False,
        nullable=False,
        index=True,
        sa_column_kwargs={"server_default": sa.false()},
    )
    deleted_at: datetime | None = Field(default=None)
    deleted_by: int | None = Field(default=None, foreign_key=USER_FK)


AUDIT_FIELD_NAMES = frozenset({"created_at", "created_by", "updated_at", "updated_by"})


class HardDeleteRefused(RuntimeError):
    """A soft-deletable row was passed to session.delete(); use the service's delete function."""


# --------------------------------------------------------------------------------------------
# Engine and sessions


def get_engine(url: str | None = None) -> Engine:
    """The engine for ``url``, or for the configured DATABASE_URL (read each time, so a
    changed setting is honoured; engines are shared per URL)."""
    return _engine_for(url or get_settings().database_url)


@lru_cache(maxsize=8)
def _engine_for(url: str) -> Engine:
    import mtkcare.models  # noqa: F401  (every table mapped before the first flush)

    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.close()

        return engine
    # Last in, first out: the connections in steady use stay warm and a surplus one goes idle
    # (and is pinged before its next use), rather than every connection taking turns.
    settings = get_settings()
    engine = sa.create_engine(
        url,
        pool_use_lifo=True,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
    )
    _ping_when_idle(engine)
    return engine


# A pooled connection unused this long is checked before it is handed out.
IDLE_BEFORE_PING = 10.0


def _ping_when_idle(engine: Engine) -> None:
    """Hand out only live connections without paying a round trip on every checkout
    (``pool_pre_ping`` would: one more per transaction, on every request). A connection that
    has sat in the pool for ``IDLE_BEFORE_PING`` seconds (long enough for the server to have
    restarted or a firewall to have dropped it) is pinged first; a dead one is replaced. A
    connection in steady use is handed out as it is: if the server went away mid-burst, the
    statement fails, SQLAlchemy empties the pool, and the next transaction connects anew."""

    @event.listens_for(engine, "checkin")
    def _last_used(_dbapi_conn: Any, record: Any) -> None:
        record.info["checked_in"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _check(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        if time.monotonic() - record.info.get("checked_in", 0.0) < IDLE_BEFORE_PING:
            return
        try:
            cursor = dbapi_conn.cursor()
            try:
                cursor.execute("SELECT 1")
            finally:
                cursor.close()
            dbapi_conn.rollback()  # hand it out idle, as the pool keeps it
        except Exception as exc:
            # The pool throws this connection away and tries another (or a new one).
            raise sa.exc.DisconnectionError() from exc


# Session flags: the caller abandons the whole transaction on any error (``session_scope``),
# and how deep in service calls the session is (``acting_as``).
ALL_OR_NOTHING = "all_or_nothing"
_DEPTH = "service_depth"
# The audit rows an all-or-nothing transaction has yet to insert (``_audit``).
PENDING_AUDIT = "pending_audit_rows"


@contextmanager
def session_scope(
    actor_id: int | None = None, *, url: str | None = None, all_or_nothing: bool = False
) -> Iterator[Session]:
    """One unit of work: commits at the end, rolls everything back on any error.
    ``all_or_nothing``: the caller lets any error end the unit (it never catches one inside
    and carries on), so the services it calls need no savepoints (see ``acting_as``)."""
    with Session(get_engine(url), expire_on_commit=False) as session:
        session.info["actor_id"] = actor_id
        session.info[ALL_OR_NOTHING] = all_or_nothing
        if all_or_nothing:
            # Nothing in it survives an error, so its audit rows can wait for its commit.
            session.info[PENDING_AUDIT] = []
        try:
            yield session
            session.commit()
        except BaseException as exc:
            session.rollback()
            # Work the error asked to have done once its transaction is gone (an audited
            # refusal that SQLite could not write beside an open write transaction).
            for then in getattr(exc, "after_rollback", ()):
                then()
            raise


@contextmanager
def read_scope(url: str | None = None) -> Iterator[Session]:
    """A session for a few single-statement reads outside any transaction (autocommit): no
    BEGIN and COMMIT round trips. Only for reads that need no snapshot shared between
    statements; anything that writes uses ``session_scope``."""
    with Session(_autocommit_engine(url or get_settings().database_url)) as session:
        yield session


@lru_cache(maxsize=8)
def _autocommit_engine(url: str) -> Engine:
    # Shares the pool of the URL's engine; its connections go back in their usual mode.
    return _engine_for(url).execution_options(isolation_level="AUTOCOMMIT")


AFTER_COMMIT = "after_commit_work"


def on_commit(session: Session, work: Callable[[], None]) -> None:
    """Run ``work`` once the session's transaction has committed (never if it rolls back):
    for telling the outside world (board viewers, jobs) only about what was kept."""
    session.info.setdefault(AFTER_COMMIT, []).append(work)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    for work in session.info.pop(AFTER_COMMIT, []):
        try:
            work()
        except Exception:
            logging.getLogger(__name__).exception("work after commit failed")


@event.listens_for(Session, "after_transaction_end")
def _forget_after_commit(session: Session, transaction: Any) -> None:
    # The outermost transaction ended without a commit (a savepoint's end changes nothing).
    if transaction.parent is None:
        session.info.pop(AFTER_COMMIT, None)


def holds_sqlite_write_lock(session: Session) -> bool:
    """True when ``session`` is SQLite and has written in its open transaction: SQLite then
    refuses every other writer until it ends."""
    bind = session.get_bind()
    if bind.dialect.name != "sqlite" or not session.in_transaction():
        return False
    raw = session.connection().connection.driver_connection
    return bool(getattr(raw, "in_transaction", False))


def get_row[M: SQLModel](
    session: Session, model: type[M], row_id: int, *, include_deleted: bool = False
) -> M:
    """The row of ``model`` with this id, unchecked and unaudited (only for services, after
    they have checked their caller); NotFound says "There is no client with id 7". Deleted
    rows only with ``include_deleted``."""
    from mtkcare.errors import NotFound

    # The session's own copy when it holds one (a row it just wrote or read), else one query.
    row = session.get(model, row_id, execution_options={"include_deleted": True})
    if row is not None and not include_deleted and getattr(row, "is_deleted", False):
        row = None
    if row is None:
        raise NotFound(f"There is no {_spoken(model.__name__)} with id {row_id}")
    return row


def _spoken(class_name: str) -> str:
    """ExternalOrganisation -> "external organisation"."""
    return " ".join(w.lower() for w in re.findall(r"[A-Z][a-z0-9]*", class_name))


def set_actor(session: Session, actor_id: int | None) -> None:
    session.info["actor_id"] = actor_id


@contextmanager
def acting_as(session: Session, actor_id: int | None) -> Iterator[None]:
    """One business write inside the caller's transaction: its audit rows name ``actor_id``
    and, if it fails part-way, a savepoint undoes its writes, so the caller's transaction
    never holds half of it. (``mtkcare.auth.access.service`` wraps every service in this.)

    A transaction opened with ``session_scope(all_or_nothing=True)`` is abandoned whole on
    any error (its caller never carries on after one), so a service called directly in it
    needs no savepoint of its own: that saves two round trips per service on a hot path.
    Services they call in turn still get theirs (an outer service may catch an inner one's
    error and carry on)."""
    previous = session.info.get("actor_id")
    depth = session.info.get(_DEPTH, 0)
    session.info["actor_id"] = actor_id
    session.info[_DEPTH] = depth + 1
    pending = session.info.get(PENDING_AUDIT)
    mark = len(pending) if pending is not None else 0
    try:
        if depth == 0 and session.info.get(ALL_OR_NOTHING):
            yield
            session.flush()
        else:
            with session.begin_nested():
                yield
                session.flush()
    except BaseException:
        if pending is not None:  # the savepoint took its rows back: their audit rows go too
            del pending[mark:]
        raise
    finally:
        session.info["actor_id"] = previous
        session.info[_DEPTH] = depth


# --------------------------------------------------------------------------------------------
# Soft-delete filter


@lru_cache(maxsize=1)
def _soft_delete_classes() -> tuple[type[SoftDelete], ...]:
    return tuple(
        mapper.class_
        for mapper in SQLModel._sa_registry.mappers
        if issubclass(mapper.class_, SoftDelete)
    )


def _not_deleted(cls: Any) -> Any:
    return cls.is_deleted == sa.false()


@lru_cache(maxsize=1)
def _soft_delete_criteria() -> tuple[Any, ...]:
    """One loader criterion per soft-deleted model, made once: building them for every select
    (a lambda analysed each time) cost about 0.3 ms a statement."""
    return tuple(
        with_loader_criteria(cls, _not_deleted, include_aliases=True)
        for cls in _soft_delete_classes()
    )


@event.listens_for(Session, "do_orm_execute")
def _hide_soft_deleted(state: ORMExecuteState) -> None:
    if (
        state.is_select
        and not state.is_column_load
        and not state.execution_options.get("include_deleted", False)
    ):
        state.statement = state.statement.options(*_soft_delete_criteria())


# --------------------------------------------------------------------------------------------
# Audit hooks


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


@lru_cache(maxsize=128)
def _columns_of(cls: type[SQLModel]) -> tuple[str, ...]:
    return tuple(attr.key for attr in sa.inspect(cls).column_attrs)


@lru_cache(maxsize=128)
def _audited_columns(cls: type[SQLModel]) -> tuple[str, ...]:
    """The columns an audit row records changes of (not the audit fields, id or version)."""
    skipped = AUDIT_FIELD_NAMES | {"id", "version"}
    return tuple(key for key in _columns_of(cls) if key not in skipped)


def _changes(obj: Audited, *, created: bool) -> dict[str, list[Any]]:
    state = sa.inspect(obj)
    redact = type(obj).__audit_redact__
    changes: dict[str, list[Any]] = {}
    for key in _audited_columns(type(obj)):
        if created:
            new = getattr(obj, key)
            if new is None:
                continue
            old = None
        else:
            hist = state.attrs[key].history
            if not hist.has_changes():
                continue
            old = hist.deleted[0] if hist.deleted else None
            new = hist.added[0] if hist.added else None
            if old == new:
                continue
        if key in redact:
            changes[key] = ["[redacted]" if old is not None else None, "[redacted]"]
        else:
            changes[key] = [_jsonable(old), _jsonable(new)]
    return changes


def audit_resource_name(obj_or_cls: Any) -> str:
    cls = obj_or_cls if isinstance(obj_or_cls, type) else type(obj_or_cls)
    return getattr(cls, "__audit_resource__", None) or cls.__name__


def _new_stamps(obj: Audited, actor: int | None, now: datetime) -> dict[str, Any]:
    """A new row's audit fields (those it was given kept)."""
    created = obj.created_at or now
    return {
        "created_at": created,
        "updated_at": created,
        "created_by": actor if obj.created_by is None else obj.created_by,
        "updated_by": actor if obj.updated_by is None else obj.updated_by,
    }


def _created_row(obj: Audited, actor: int | None, now: datetime) -> dict[str, Any]:
    """The CREATE audit row of a new row (its id known)."""
    from mtkcare.audit.models import AuditAction

    return {
        "user_id": actor,
        "action": AuditAction.CREATE.value,
        "resource": audit_resource_name(obj),
        "resource_id": _pk(obj),
        "timestamp": now,
        "changes": _changes(obj, created=True),
    }


def _audit(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert audit rows on the session's connection, or, in an all-or-nothing transaction,
    keep them for the one insert at its commit (``_write_pending_audit``)."""
    from mtkcare.audit.models import AuditLog

    if not rows:
        return
    pending = session.info.get(PENDING_AUDIT)
    if pending is not None:
        pending.extend(rows)
        return
    insert_rows(session.connection(), AuditLog.__table__, rows)  # type: ignore[attr-defined]


def insert_rows(connection: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (column name → value) into ``table`` on the connection, in its
    transaction: on PostgreSQL as multi-row INSERTs of up to ``MANY_AT_ONCE`` rows sent on
    the driver (``_DirectInsertMany``), elsewhere with Core's executemany. Rows may name
    different columns: each set of columns is inserted on its own (an executemany would take
    every row's columns from its first)."""
    by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        by_columns.setdefault(tuple(sorted(row)), []).append(row)
    for keys, alike in by_columns.items():
        for start in range(0, len(alike), MANY_AT_ONCE):
            chunk = alike[start : start + MANY_AT_ONCE]
            direct = _direct_insert_many(table, keys, len(chunk), connection.dialect)
            if direct is None:  # not PostgreSQL: the rest in one executemany
                connection.execute(sa.insert(table), alike[start:])
                break
            direct.run(connection, chunk)


@event.listens_for(Session, "before_commit")
def _write_pending_audit(session: Session) -> None:
    pending = session.info.get(PENDING_AUDIT)
    if pending is None:
        return
    session.flush()  # its audit rows join the pending ones
    session.info[PENDING_AUDIT] = None  # anything after this is written as it happens
    _audit(session, pending)


def on_driver(
    connection: sa.Connection, statements: list[tuple[str, dict[str, Any]]]
) -> list[list[tuple[Any, ...]]]:
    """Send ``statements`` (SQL as the dialect compiled it, with converted parameters) on the
    connection's PostgreSQL driver (psycopg), in its transaction, and return each one's rows.
    Core's execute spends about as much Python on a statement as the round trip itself (its
    cache key, parameter and result set-up); this about a quarter. The connection's statement
    listeners are told of each one, and a refusal is raised as SQLAlchemy raises it.

    Several statements go in one round trip (psycopg's pipeline mode; a transaction's BEGIN,
    when they are its first, goes on its own just before). PostgreSQL still runs them one
    after another, each with a snapshot taken when it starts: a read after a lock sees what
    the lock's holder committed. Where a statement fails, the ones after it are not run."""
    fairy = connection.connection
    driver = fairy.driver_connection
    assert driver is not None
    error = connection.dialect.loaded_dbapi.Error
    cursors = [fairy.cursor() for _ in statements]
    try:
        try:
            with driver.pipeline() if len(statements) > 1 else contextlib.nullcontext():
                for cursor, (sql, params) in zip(cursors, statements, strict=True):
                    if connection.dispatch.before_cursor_execute:
                        connection.dispatch.before_cursor_execute(
                            connection, cursor, sql, params, None, False
                        )
                    cursor.execute(sql, params)
            return [list(cursor.fetchall()) if cursor.description else [] for cursor in cursors]
        except error as exc:
            if connection.dialect.is_disconnect(exc, fairy.dbapi_connection, None):
                connection.invalidate(exc)
            sql, params = (
                statements[0] if len(statements) == 1 else ("; ".join(s for s, _ in statements), {})
            )
            raise sa.exc.DBAPIError.instance(sql, params, exc, error) from exc
    finally:
        for cursor in cursors:
            cursor.close()


def sends_on_driver(dialect: sa.Dialect) -> bool:
    """Whether ``on_driver`` can send on this dialect's connections (PostgreSQL, psycopg)."""
    return dialect.name == "postgresql" and dialect.driver == "psycopg"


@dataclass(frozen=True)
class _DirectRead:
    """A Core SELECT compiled once for PostgreSQL (psycopg), for ``read_rows``."""

    sql: str
    # Per parameter: its name, its type's conversion, its value when the caller gives none
    # (a literal in the statement).
    convert: tuple[tuple[str, Callable[[Any], Any] | None, Any], ...]
    returned: tuple[Callable[[Any], Any] | None, ...]  # per result column, Core's conversion


@lru_cache(maxsize=64)
def _direct_read(statement: sa.Select[Any], dialect: sa.Dialect) -> _DirectRead | None:
    """``statement`` ready to send directly, or None where Core must run it (another
    database; positional parameters; a result column converted by the driver's own column
    type, such as a number)."""
    if not sends_on_driver(dialect):
        return None
    compiled = statement.compile(dialect=dialect)
    if compiled.positional:
        return None
    try:
        returned = tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in statement.selected_columns
        )
    except TypeError:  # it needs the driver's column type
        return None
    convert = {
        name: (bind.type.dialect_impl(dialect).bind_processor(dialect), bind.effective_value)
        for bind, name in compiled.bind_names.items()
    }
    return _DirectRead(
        compiled.string,
        tuple((name, *conversion) for name, conversion in convert.items()),
        returned,
    )


def read_rows(
    connection: sa.Connection, statement: sa.Select[Any], params: dict[str, Any]
) -> list[tuple[Any, ...]]:
    """The rows of a Core SELECT (built once, at import: the compiled form is kept per
    statement) as tuples, each value converted as Core converts it: on PostgreSQL sent with
    ``on_driver`` (a quarter of Core's Python for a statement), elsewhere by Core. For reads
    on every request."""
    direct = _direct_read(statement, connection.dialect)
    if direct is None:
        return [tuple(row) for row in connection.execute(statement, params)]
    sent = {}
    for name, to_db, literal in direct.convert:
        value = params.get(name, literal)
        sent[name] = to_db(value) if to_db is not None else value
    rows = on_driver(connection, [(direct.sql, sent)])[0]
    if not any(direct.returned):
        return rows
    return [_from_db(direct.returned, row) for row in rows]


def _from_db(
    conversions: tuple[Callable[[Any], Any] | None, ...], row: tuple[Any, ...]
) -> tuple[Any, ...]:
    """A row from the driver with each column's own conversion applied (as Core's result)."""
    return tuple(
        convert(value) if convert is not None else value
        for convert, value in zip(conversions, row, strict=True)
    )


@dataclass(frozen=True)
class _DirectInsert:
    """A model's INSERT … RETURNING for one set of columns, compiled once for PostgreSQL
    (psycopg), and sent with ``on_driver``: the same SQL as Core's, the columns' own type
    conversions both ways."""

    sql: str
    convert: tuple[tuple[str, Callable[[Any], Any] | None], ...]  # per column, in order
    constants: dict[str, Any]  # the columns left out that Core fills with their constant
    returned: tuple[Callable[[Any], Any] | None, ...]

    def run(self, connection: sa.Connection, values: dict[str, Any]) -> tuple[Any, ...]:
        given = {**values, **self.constants}
        params = {
            name: (to_db(given[name]) if to_db is not None else given[name])
            for name, to_db in self.convert
        }
        (row,) = on_driver(connection, [(self.sql, params)])[0]
        return _from_db(self.returned, row)


@lru_cache(maxsize=256)
def _direct_insert(
    cls: type[SQLModel], keys: tuple[str, ...], dialect: sa.Dialect
) -> _DirectInsert | None:
    """``cls``'s INSERT of the columns ``keys`` ready to send directly, or None where Core
    sends it (another database; a parameter name the compiler changed)."""
    if not sends_on_driver(dialect):
        return None
    statement, _columns, _returned = _insert_plan(cls)
    compiled = statement.compile(dialect=dialect, column_keys=list(keys))
    table = sa.inspect(cls).local_table
    # Columns left out that have a constant default of their own: Core sends that constant.
    constants: dict[str, Any] = {}
    for name in set(compiled.binds) - set(keys):
        default = table.c[name].default if name in table.c else None
        if default is None or not default.is_scalar:
            return None
        constants[name] = default.arg
    if compiled.positional or sorted(compiled.binds) != sorted((*keys, *constants)):
        return None
    convert = tuple(
        (key, table.c[key].type.dialect_impl(dialect).bind_processor(dialect))
        for key in (*keys, *constants)
    )
    returned = tuple(
        c.type.dialect_impl(dialect).result_processor(dialect, None)
        for c in compiled.returning or ()
    )
    return _DirectInsert(compiled.string, convert, constants, returned)


MANY_AT_ONCE = 16  # rows in one multi-row INSERT on PostgreSQL (``insert_rows``)


@dataclass(frozen=True)
class _DirectInsertMany:
    """One INSERT of several rows (``VALUES (…), (…)``) of the same columns, compiled once per
    row count for PostgreSQL (psycopg) and sent with ``on_driver``: one statement where Core's
    executemany sends one per row (and spends several times the Python)."""

    sql: str
    convert: tuple[tuple[str, Callable[[Any], Any] | None], ...]  # per column, in order

    def run(self, connection: sa.Connection, rows: list[dict[str, Any]]) -> None:
        params = {
            f"{name}_{number}": (to_db(row[name]) if to_db is not None else row[name])
            for number, row in enumerate(rows)
            for name, to_db in self.convert
        }
        on_driver(connection, [(self.sql, params)])


@lru_cache(maxsize=2 * MANY_AT_ONCE)
def _direct_insert_many(
    table: sa.Table, keys: tuple[str, ...], count: int, dialect: sa.Dialect
) -> _DirectInsertMany | None:
    """``count`` rows of ``table``'s columns ``keys`` in one INSERT ready to send directly, or
    None where Core sends them (another database; a parameter name the compiler changed)."""
    if not sends_on_driver(dialect):
        return None
    statement = sa.insert(table).values(
        [
            {key: sa.bindparam(f"{key}_{number}", type_=table.c[key].type) for key in keys}
            for number in range(count)
        ]
    )
    compiled = statement.compile(dialect=dialect)
    wanted = {f"{key}_{number}" for key in keys for number in range(count)}
    if compiled.positional or set(compiled.binds) != wanted:
        return None
    convert = tuple(
        (key, table.c[key].type.dialect_impl(dialect).bind_processor(dialect)) for key in keys
    )
    return _DirectInsertMany(compiled.string, convert)


@lru_cache(maxsize=64)
def _insert_plan(
    cls: type[SQLModel],
) -> tuple[sa.Insert, tuple[tuple[str, str, bool], ...], tuple[str, ...]]:
    """A model's INSERT; per column its name, its attribute and whether the database fills it
    when it is left out (the key, a server default); and the attributes of those columns, which
    the INSERT returns."""
    mapper = sa.inspect(cls)
    table = mapper.local_table
    filled = [c for c in table.columns if c.primary_key or c.server_default is not None]
    columns = tuple(
        (column.key, mapper.get_property_by_column(column).key, column in filled)
        for column in table.columns
    )
    returned = tuple(mapper.get_property_by_column(c).key for c in filled)
    return sa.insert(table).returning(*filled), columns, returned


@lru_cache(maxsize=128)
def _row_plan(
    cls: type[SQLModel],
) -> tuple[frozenset[str], tuple[tuple[str, Any, bool], ...]] | None:
    """For ``new_row``: the model's field names, and per field it fills when left out, its
    default and whether that is a factory to call; None where only the model's own
    constructor will do (an alias, a mutable default it would copy, a default computed from
    other fields, a post-init hook, extra fields, validation on assignment)."""
    config = cls.model_config
    if (
        cls.__pydantic_post_init__
        or config.get("extra") == "allow"
        or config.get("validate_assignment")
    ):
        return None
    sa.orm.configure_mappers()  # what the constructor's first call would do
    defaults: list[tuple[str, Any, bool]] = []
    for name, field in cls.model_fields.items():
        if field.alias not in (None, name) or field.default_factory_takes_validated_data:
            return None
        if field.default_factory is not None:
            defaults.append((name, field.default_factory, True))
        elif not field.is_required():
            if not isinstance(field.default, _IMMUTABLE):
                return None
            defaults.append((name, field.default, False))
    return frozenset(cls.model_fields), tuple(defaults)


_IMMUTABLE = (type(None), bool, int, float, str, bytes, Enum, date, datetime, Decimal, tuple)


def new_row[M: SQLModel](cls: type[M], /, **values: Any) -> M:
    """A new (transient) row of table model ``cls``: what ``cls(**values)`` makes, the
    fields left out at their defaults, without SQLModel's constructor, which sends every
    field through SQLAlchemy's and pydantic's attribute setting one by one (some 60 µs for a
    referral, a tenth of a partner-API submission's Python). For the hot paths that create
    rows (``insert_now``'s callers). A name that is not a field is refused (TypeError)."""
    plan = _row_plan(cls)
    if plan is None or not values.keys().isdisjoint(cls.__sqlmodel_relationships__):
        return cls(**values)
    names, defaults = plan
    if not names.issuperset(values):
        unknown = ", ".join(sorted(set(values) - names))
        raise TypeError(f"{cls.__name__} has no field {unknown}")
    row: M = sa.inspect(cls).class_manager.new_instance()
    fields = row.__dict__
    for name, default, is_factory in defaults:
        if name not in values:
            fields[name] = default() if is_factory else default
    fields.update(values)
    object.__setattr__(row, "__pydantic_fields_set__", set(values))
    object.__setattr__(row, "__pydantic_extra__", None)
    object.__setattr__(row, "__pydantic_private__", None)
    return row


def insert_now[M: SQLModel](session: Session, obj: M) -> M:
    """Write one new row at once, without the unit of work: one INSERT … RETURNING its id, on
    the session's connection (on PostgreSQL straight to the driver: ``_DirectInsert``). An
    ``Audited`` row is stamped and gets its CREATE audit row exactly as a flush would give it.
    ``obj`` must be new (transient; ``new_row`` makes one cheaply); afterwards it is a
    persistent row of the session (``session.get`` finds it; changes to it are flushed and
    audited as usual). For the hot paths that create rows: a flush costs several times as
    much Python for the same INSERT."""
    state = sa.inspect(obj)
    if state.key is not None or state.session_id is not None:
        raise ValueError(f"insert_now takes a new row; this {type(obj).__name__} is not one")
    actor = session.info.get("actor_id")
    now = utcnow()
    # Still transient: its fields are written straight into its __dict__, which is what the
    # INSERT reads and what it is committed from below (no attribute events to fire yet).
    fields = obj.__dict__
    if isinstance(obj, Audited):
        fields.update(_new_stamps(obj, actor, now))
    statement, columns, returned = _insert_plan(type(obj))
    values = {}
    for name, attribute, filled_when_left_out in columns:
        value = fields.get(attribute)
        if value is not None or not filled_when_left_out:
            values[name] = value
    connection = session.connection()
    direct = _direct_insert(type(obj), tuple(values), connection.dialect)
    if direct is not None:
        row = direct.run(connection, values)
    else:
        row = connection.execute(statement, values).one()
    fields.update(zip(returned, row, strict=True))
    make_transient_to_detached(obj)
    session.add(obj)  # detached -> persistent: nothing left to write
    if isinstance(obj, Audited):
        _audit(session, [_created_row(obj, actor, now)])
    return obj


@event.listens_for(Session, "before_flush")
def _stamp_audit_fields(session: Session, _ctx: Any, _instances: Any) -> None:
    actor = session.info.get("actor_id")
    now = utcnow()
    for obj in session.deleted:
        if isinstance(obj, SoftDelete):
            raise HardDeleteRefused(
                f"{type(obj).__name__} rows are soft-deleted; call the service's delete function"
            )
    for obj in session.new:
        if isinstance(obj, Audited):
            for name, value in _new_stamps(obj, actor, now).items():
                setattr(obj, name, value)
    for obj in session.dirty:
        if isinstance(obj, Audited) and session.is_modified(obj, include_collections=False):
            changed = _changes(obj, created=False)
            if not changed:
                continue
            obj.updated_at = now
            obj.updated_by = actor
            if isinstance(obj, SoftDelete) and "is_deleted" in changed:
                if obj.is_deleted:
                    obj.deleted_at = now
                    obj.deleted_by = actor
                else:
                    obj.deleted_at = None
                    obj.deleted_by = None


@event.listens_for(Session, "after_flush")
def _write_audit_rows(session: Session, _ctx: Any) -> None:
    from mtkcare.audit.models import AuditAction

    actor = session.info.get("actor_id")
    rows: list[dict[str, Any]] = []
    now = utcnow()
    for obj in session.new:
        if isinstance(obj, Audited):
            rows.append(_created_row(obj, actor, now))
    for obj in session.dirty:
        if not isinstance(obj, Audited):
            continue
        changed = _changes(obj, created=False)
        changed = {k: v for k, v in changed.items() if k not in {"deleted_at", "deleted_by"}}
        if not changed:
            continue
        action = AuditAction.UPDATE
        if "is_deleted" in changed:
            action = AuditAction.DELETE if changed["is_deleted"][1] else AuditAction.RESTORE
        rows.append(
            {
                "user_id": actor,
                "action": action.value,
                "resource": audit_resource_name(obj),
                "resource_id": _pk(obj),
                "timestamp": now,
                "changes": changed,
            }
        )
    for obj in session.deleted:
        # Only link rows without soft delete get here (e.g. a permission taken off a role).
        if isinstance(obj, Audited):
            state = sa.inspect(obj)
            before = {
                key: [_jsonable(state.attrs[key].loaded_value), None]
                for key in _columns_of(type(obj))
                if key not in AUDIT_FIELD_NAMES and key != "id"
            }
            rows.append(
                {
                    "user_id": actor,
                    "action": AuditAction.DELETE.value,
                    "resource": audit_resource_name(obj),
                    "resource_id": _pk(obj),
                    "timestamp": now,
                    "changes": before,
                }
            )
    _audit(session, rows)


def _pk(obj: Any) -> str:
    return str(sa.inspect(obj).mapper.primary_key_from_instance(obj)[0])


def url_of(session: Session) -> str:
    """The database URL a session talks to (for work that needs its own transaction)."""
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    return engine.url.render_as_string(hide_password=False)
