"""The reference lists and programs a process holds in memory (``mtkcare.reference.cache``):
any write to their tables, however it is made, gives ``reference_generation`` a new value (on
PostgreSQL and on SQLite); a session sees its own change at once, the next transaction sees a
change committed elsewhere, a change rolled back is never served, and an unchanged list is
not read again."""

from __future__ import annotations

from collections.abc import Iterator
from uuid import uuid4

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from mtkcare.db import get_engine, session_scope
from mtkcare.programs.models import Program
from mtkcare.reference.cache import GENERATION, lists, prime
from mtkcare.reference.models import CACHED_TABLES, Language, ServiceType
from tests.factories import SYSTEM, make_program
from tests.support.statements import statements_sent


def _generation(conn: sa.Connection) -> int:
    return conn.execute(sa.text("SELECT value FROM reference_generation WHERE id = 1")).scalar_one()


def _writes(conn: sa.Connection, table: str) -> Iterator[str]:
    """Insert, update and delete one row of ``table`` with plain SQL (as a script or a person
    with psql would), yielding after each."""
    code = f"g{uuid4().hex[:10]}"
    now = "2026-01-01 00:00:00"
    if table == Program.__tablename__:
        service_type = conn.execute(sa.text("SELECT min(id) FROM reference_servicetype")).scalar()
        conn.execute(
            sa.text(
                "INSERT INTO programs_program (name, code, service_type_id, is_active, is_deleted,"
                " created_at, updated_at) VALUES (:code, :code, :st, true, false, :now, :now)"
            ),
            {"code": code, "st": service_type, "now": now},
        )
    else:
        conn.execute(
            sa.text(
                f"INSERT INTO {table} (code, label, sort_order, is_active, created_at, updated_at)"
                " VALUES (:code, :code, 0, true, :now, :now)"
            ),
            {"code": code, "now": now},
        )
    yield "insert"
    conn.execute(sa.text(f"UPDATE {table} SET is_active = false WHERE code = :c"), {"c": code})
    yield "update"
    conn.execute(sa.text(f"DELETE FROM {table} WHERE code = :c"), {"c": code})
    yield "delete"


def _every_write_moves_the_generation(conn: sa.Connection) -> None:
    for table in CACHED_TABLES:
        seen = [_generation(conn)]
        for write in _writes(conn, table):
            seen.append(_generation(conn))
            assert seen[-1] != seen[-2], f"{write} on {table} left the generation as it was"


def test_every_write_to_a_cached_table_gives_a_new_generation_on_postgresql(
    reference: Session,
) -> None:
    _every_write_moves_the_generation(reference.connection())


@pytest.fixture(scope="module")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    from mtkcare.manage import migrate

    url = f"sqlite:///{tmp_path_factory.mktemp('reference-cache') / 'mtkcare.db'}"
    migrate(url)
    return url


def test_every_write_to_a_cached_table_gives_a_new_generation_on_sqlite(sqlite_url: str) -> None:
    engine = get_engine(sqlite_url)
    try:
        with engine.connect() as conn, conn.begin() as transaction:
            _every_write_moves_the_generation(conn)
            transaction.rollback()
    finally:
        engine.dispose()


def test_a_session_sees_its_own_change_to_the_lists_at_once(reference: Session) -> None:
    before = lists(reference)
    program = make_program(reference, SYSTEM)
    assert before.program(program.id) is None
    assert lists(reference).program(program.id) is not None
    reference.execute(sa.update(Program).where(Program.id == program.id).values(is_active=False))
    taken_off = lists(reference).program(program.id)
    assert taken_off is not None and not taken_off.is_active

    some = next(iter(lists(reference).by_id["service_type"].values()))
    row = reference.get(ServiceType, some.id)
    assert row is not None
    row.is_active = False
    reference.add(row)
    reference.flush()
    assert lists(reference).active("service_type", some.id) is None


def test_the_next_transaction_sees_a_change_committed_elsewhere(pg_url: str) -> None:
    code = f"zz-{uuid4().hex[:8]}"
    with session_scope(url=pg_url) as db:
        assert lists(db).active_code("language", code) is None  # the copy is now warm
    other = sa.create_engine(pg_url)  # another process's connection, committing by hand
    try:
        with other.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO reference_language (code, label, sort_order, is_active, "
                    "created_at, updated_at) VALUES (:c, 'Zazaki', 99, true, now(), now())"
                ),
                {"c": code},
            )
        with session_scope(url=pg_url) as db:
            assert lists(db).active_code("language", code) is not None
    finally:
        with other.begin() as conn:
            conn.execute(sa.text("DELETE FROM reference_language WHERE code = :c"), {"c": code})
        other.dispose()
    with session_scope(url=pg_url) as db:
        assert lists(db).active_code("language", code) is None


def test_a_change_that_was_rolled_back_is_never_served(pg_url: str) -> None:
    with session_scope(url=pg_url) as db:
        language = db.exec(sa.select(Language).order_by(Language.id)).scalars().first()  # type: ignore[call-overload]
        assert language is not None
        kept_label = language.label
    db = Session(get_engine(pg_url))
    try:
        row = db.get(Language, language.id)
        assert row is not None
        row.label = "Changed, then rolled back"
        db.add(row)
        db.flush()
        assert lists(db).by_id["language"][language.id].label == "Changed, then rolled back"
        db.rollback()
    finally:
        db.close()
    with session_scope(url=pg_url) as db:
        assert lists(db).by_id["language"][language.id].label == kept_label


def test_unchanged_lists_are_not_read_again(pg_url: str) -> None:
    with session_scope(url=pg_url) as db:
        lists(db)  # read under the current generation (if not already)
    with statements_sent(pg_url) as statements, session_scope(url=pg_url) as db:
        first = lists(db)
        again = lists(db)  # the same session: the generation is not read twice
    assert again is first
    assert len(statements) == 1 and "reference_generation" in statements[0]


def test_a_session_primed_with_the_generation_read_before_it_makes_no_read_of_its_own(
    pg_url: str,
) -> None:
    with session_scope(url=pg_url) as db:
        warm = lists(db)
    with get_engine(pg_url).connect() as conn:  # a read made just before (the key check)
        generation = conn.execute(sa.select(GENERATION)).scalar_one()
    with statements_sent(pg_url) as statements, session_scope(url=pg_url) as db:
        prime(db, generation)
        primed = lists(db)
    assert generation == warm.generation and primed is warm
    assert statements == []
