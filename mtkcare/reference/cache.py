"""The reference lists and the programs, held in memory by each process and checked for
freshness with one small read.

Every check of a code or an id against a list (a language, a service type, a program taking
referrals) used to be a query, several per intake. Now ``lists(session)`` answers them from a
``Lists`` copy read under the current value of ``reference_generation``, which database
triggers change on every write to those tables (migration 0022): any process, any writer
(the admin screens, a migration, ``psql``). A process whose copy was read under another value
reads the lists again, whole (a few dozen rows).

Within a session the value is read once and kept until the session flushes (a flush is a
subtransaction of its own), runs an ORM UPDATE, DELETE or INSERT statement on one of those
tables, or a transaction or savepoint of it ends: a session that changes a list sees its own
change at once, as a query would show it. A change made with plain SQL on the session's
connection is seen from its next transaction or flush.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState
from sqlmodel import Session

from mtkcare.programs.models import Program
from mtkcare.reference.models import (
    CACHED_TABLES,
    REFERENCE_TABLES,
    ReferenceGeneration,
    ServiceType,
)

_SEEN = "reference_generation_seen"


@dataclass(frozen=True)
class Option:
    """One option of a reference list."""

    id: int
    code: str
    label: str
    sort_order: int
    is_active: bool
    # Service types only: whether a referral for it needs the client's consent.
    consent_required: bool = True


@dataclass(frozen=True)
class ProgramOption:
    """A program (not deleted), as the referral rules need it."""

    id: int
    name: str
    code: str
    description: str | None
    service_type_id: int
    is_active: bool


@dataclass(frozen=True)
class Lists:
    generation: int | None
    by_id: dict[str, dict[int, Option]] = field(default_factory=dict)
    by_code: dict[str, dict[str, Option]] = field(default_factory=dict)
    programs: dict[int, ProgramOption] = field(default_factory=dict)

    def active(self, kind: str, option_id: int | None) -> Option | None:
        """The active option of list ``kind`` with this id, or None."""
        option = self.by_id[kind].get(option_id) if option_id is not None else None
        return option if option is not None and option.is_active else None

    def active_code(self, kind: str, code: str | None) -> Option | None:
        """The active option of list ``kind`` with this code, or None."""
        option = self.by_code[kind].get(code) if code is not None else None
        return option if option is not None and option.is_active else None

    def program(self, program_id: int | None) -> ProgramOption | None:
        """The program with this id (taking referrals or not), or None if there is none."""
        return self.programs.get(program_id) if program_id is not None else None

    def active_programs_for(self, service_type_id: int) -> list[ProgramOption]:
        """The programs taking referrals for the service type, by name."""
        return sorted(
            (
                p
                for p in self.programs.values()
                if p.service_type_id == service_type_id and p.is_active
            ),
            key=lambda p: (p.name, p.id),
        )


_lock = threading.Lock()
_held: Lists | None = None

_GENERATION = sa.select(ReferenceGeneration.__table__.c.value).where(  # type: ignore[attr-defined]
    ReferenceGeneration.__table__.c.id == 1  # type: ignore[attr-defined]
)


def _read(conn: sa.Connection, generation: int | None) -> Lists:
    lists = Lists(generation)
    for kind, model in REFERENCE_TABLES.items():
        table = model.__table__  # type: ignore[attr-defined]
        wanted = [table.c.id, table.c.code, table.c.label, table.c.sort_order, table.c.is_active]
        if model is ServiceType:
            wanted.append(table.c.consent_required)
        options = [Option(*row) for row in conn.execute(sa.select(*wanted))]
        lists.by_id[kind] = {o.id: o for o in options}
        lists.by_code[kind] = {o.code: o for o in options}
    program = Program.__table__  # type: ignore[attr-defined]
    for row in conn.execute(
        sa.select(
            program.c.id,
            program.c.name,
            program.c.code,
            program.c.description,
            program.c.service_type_id,
            program.c.is_active,
        ).where(program.c.is_deleted == sa.false())
    ):
        lists.programs[row[0]] = ProgramOption(*row)
    return lists


# The current generation as a column, for a read that comes just before a transaction anyway
# (the partner API's key check): ``prime`` then spares that transaction ``lists``'s own read.
GENERATION = _GENERATION.scalar_subquery()


def prime(session: Session, generation: int | None) -> None:
    """Give ``session``, before it has asked ``lists`` anything, the generation a read made
    (``GENERATION``) just before its transaction or as its first statement. A change
    committed in between is seen from the next transaction, as if this one had read it
    first."""
    if generation is not None and _SEEN not in session.info:
        session.info[_SEEN] = generation


def lists(session: Session) -> Lists:
    """The reference lists and programs as ``session``'s transaction sees them."""
    global _held
    conn = session.connection()
    generation = session.info.get(_SEEN)
    if generation is None:
        generation = conn.execute(_GENERATION).scalar()
        session.info[_SEEN] = generation
    held = _held
    if held is not None and generation is not None and held.generation == generation:
        return held
    fresh = _read(conn, generation)
    if generation is not None:  # no generation row (not migrated yet): nothing to keep
        with _lock:
            _held = fresh
    return fresh


def forget() -> None:
    """Drop this process's copy (the next ``lists`` reads them again)."""
    global _held
    with _lock:
        _held = None


_CACHED_CLASSES: tuple[type, ...] = (*REFERENCE_TABLES.values(), Program)


@event.listens_for(Session, "do_orm_execute")
def _bulk_change(state: ORMExecuteState) -> None:
    if (state.is_update or state.is_delete or state.is_insert) and any(
        getattr(m, "class_", None) in _CACHED_CLASSES for m in state.all_mappers
    ):
        state.session.info.pop(_SEEN, None)


@event.listens_for(Session, "after_transaction_end")
def _transaction_ended(session: Session, _transaction: Any) -> None:
    # Also at the end of every flush that wrote something (a flush is a subtransaction).
    session.info.pop(_SEEN, None)


assert set(CACHED_TABLES) == {c.__tablename__ for c in _CACHED_CLASSES}  # type: ignore[attr-defined]
