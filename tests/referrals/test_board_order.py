"""The order and paging of a board column: most urgent first, then longest in its status;
the first 50, the rest behind "show more". The same on PostgreSQL and on SQLite (the embedded
default), and the same whether the board is searched or filtered."""

from __future__ import annotations

import uuid

from sqlmodel import Session

from mtkcare.auth.service import Principal
from mtkcare.referrals.board import PER_COLUMN, BoardFilters, read_board
from tests.factories import SYSTEM, make_client, make_program, make_referral

# A pattern that is not already sorted, so the order read back is the board's own.
PRIORITIES = ["NORMAL", "URGENT", "LOW", "HIGH", "URGENT", "NORMAL", "HIGH", "LOW"]
RANK = {"URGENT": 0, "HIGH": 1, "NORMAL": 2, "LOW": 3}


def _new_referrals(db: Session, how_many: int) -> tuple[int, str, list[tuple[str, str]]]:
    """``how_many`` new referrals to one fresh program, of clients sharing one fresh surname,
    created one after another (so each waited longer than the next); their tracking ids with
    their priorities, in creation order."""
    program = make_program(db, name=f"Order {uuid.uuid4().hex[:6]}")
    surname = f"Xworder{uuid.uuid4().hex[:6]}"
    made = []
    for n in range(how_many):
        client = make_client(db, last_name=surname, phone=None)
        priority = PRIORITIES[n % len(PRIORITIES)]
        referral = make_referral(
            db, client_id=client.id, target_program_id=program.id, priority=priority
        )
        made.append((referral.tracking_id, priority))
    assert program.id is not None
    return program.id, surname, made


def _expected(made: list[tuple[str, str]]) -> list[str]:
    ordered = sorted(enumerate(made), key=lambda item: (RANK[item[1][1]], item[0]))
    return [tracking for _, (tracking, _priority) in ordered]


def _check(db: Session, who: Principal, how_many: int) -> None:
    program_id, surname, made = _new_referrals(db, how_many)
    expected = _expected(made)
    for filters in (BoardFilters(program_id=program_id), BoardFilters(q=surname)):
        column = next(
            c for c in read_board(db, who, filters, audit=False).columns if c.status == "PENDING"
        )
        assert [card.tracking_id for card in column.cards] == expected[:PER_COLUMN], filters
        assert (column.count, column.more) == (how_many, how_many > PER_COLUMN)
        bigger = read_board(db, who, filters, shown={"PENDING": 2 * PER_COLUMN}, audit=False)
        assert [c.tracking_id for c in bigger.columns[0].cards] == expected, filters


def test_a_column_shows_the_most_urgent_first_then_the_longest_waiting_fifty_at_a_time(
    reference: Session,
) -> None:
    _check(reference, SYSTEM, PER_COLUMN + 5)


def test_on_sqlite_a_column_has_the_same_order_and_paging(sqlite_db: Session) -> None:
    _check(sqlite_db, SYSTEM, PER_COLUMN + 5)
