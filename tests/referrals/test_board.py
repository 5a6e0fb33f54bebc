"""The board's reads (mtkcare.referrals.board) and its handlers over the socket."""

from __future__ import annotations

import json
import time
import uuid
from datetime import timedelta

from sqlmodel import Session, select

from mtkcare.audit.models import AuditLog
from mtkcare.auth.service import Principal, principal_of
from mtkcare.dates import today
from mtkcare.db import session_scope
from mtkcare.programs.models import Program
from mtkcare.reference.service import ensure_reference_data
from mtkcare.referrals.board import BoardFilters, address_of, filters_from_address, read_board
from mtkcare.referrals.models import Referral, ReferralStatusHistory
from mtkcare.users.models import User
from tests.auth.test_every_handler_is_guarded import app_handlers
from tests.factories import join_team, make_client, make_program, make_referral, move
from tests.support.web import Person, Tab, session_cookie, sign_in


def _column(board, status: str):  # type: ignore[no-untyped-def]
    return next(c for c in board.columns if c.status == status)


def _three_referrals_one_assessed(
    reference: Session, team_lead: Principal, tag: str
) -> tuple[Program, str, list[Referral]]:
    """Three new referrals of clients with one fresh surname; the first accepted into a
    program the team lead leads."""
    program = make_program(reference, name="Board Homes")
    join_team(reference, program, team_lead, role="LEAD")
    surname = f"{tag}{uuid.uuid4().hex[:6]}"
    referrals = [
        make_referral(reference, client_id=make_client(reference, last_name=surname, phone=None).id)
        for _ in range(3)
    ]
    move(reference, team_lead, referrals[0], "ASSESSED", target_program_id=program.id)
    return program, surname, referrals


def test_the_board_shows_open_columns_with_counts_and_the_users_moves(
    reference: Session, team_lead: Principal
) -> None:
    program, surname, referrals = _three_referrals_one_assessed(reference, team_lead, "Xwboard")

    board = read_board(reference, team_lead, BoardFilters(q=surname))

    assert [c.label for c in board.columns] == [
        "New", "Assessed", "Awaiting consent", "Follow-up", "Approved", "In service",
    ]  # fmt: skip
    assert (_column(board, "PENDING").count, _column(board, "ASSESSED").count) == (2, 1)
    assert _column(board, "ASSESSED").cards[0].program == "Board Homes"
    assert [m.label for m in _column(board, "PENDING").moves] == [
        "Accept into a program", "Decline", "Withdraw",
    ]  # fmt: skip
    shown = reference.exec(
        select(AuditLog).where(AuditLog.action == "LIST", AuditLog.detail == "referrals board")
    ).all()[-1]
    assert sorted(shown.changes["ids"]) == sorted(r.id for r in referrals)  # type: ignore[index]


def test_after_a_move_the_two_columns_read_again_match_the_whole_boards(
    reference: Session, team_lead: Principal
) -> None:
    program, surname, referrals = _three_referrals_one_assessed(reference, team_lead, "Xwpartial")
    for filters in (BoardFilters(q=surname), BoardFilters(program_id=program.id)):
        whole = read_board(reference, team_lead, filters, audit=False)
        part = read_board(reference, team_lead, filters, audit=False, only={"PENDING", "ASSESSED"})
        assert [c.status for c in part.columns] == ["PENDING", "ASSESSED"]
        assert part.columns == [_column(whole, "PENDING"), _column(whole, "ASSESSED")]
        assert part.total == sum(c.count for c in part.columns) <= whole.total
    assert read_board(reference, team_lead, BoardFilters(q=surname), only={"PENDING"}).total == 2


def test_closed_referrals_show_only_on_request_and_only_the_last_30_days(
    reference: Session, team_lead: Principal
) -> None:
    program = make_program(reference, name="Closed Homes")
    join_team(reference, program, team_lead, role="LEAD")
    surname = f"Xwclosed{uuid.uuid4().hex[:6]}"
    recent, old = (
        make_referral(reference, client_id=make_client(reference, last_name=surname, phone=None).id)
        for _ in range(2)
    )
    for r in (recent, old):
        move(reference, team_lead, r, "WITHDRAWN", withdrawn_by="REFERRER", reason="Not needed")
    old.status_changed_at = old.status_changed_at - timedelta(days=31)  # type: ignore[operator]
    reference.flush()
    assert "WITHDRAWN" not in [
        c.status for c in read_board(reference, team_lead, BoardFilters(q=surname)).columns
    ]
    board = read_board(reference, team_lead, BoardFilters(q=surname, show_closed=True))
    assert [c.id for c in _column(board, "WITHDRAWN").cards] == [recent.id]


def test_staff_see_only_their_programs_cards_and_overdue_follow_ups_are_marked(
    reference: Session, team_lead: Principal, case_worker: Principal
) -> None:
    mine, theirs = make_program(reference, name="Mine"), make_program(reference, name="Theirs")
    join_team(reference, mine, team_lead, role="LEAD")
    join_team(reference, theirs, team_lead, role="LEAD")
    join_team(reference, mine, case_worker)
    surname = f"Xwscope{uuid.uuid4().hex[:6]}"
    a, b = (
        make_referral(reference, client_id=make_client(reference, last_name=surname, phone=None).id)
        for _ in range(2)
    )
    move(reference, team_lead, a, "ASSESSED", target_program_id=mine.id)
    move(reference, team_lead, b, "ASSESSED", target_program_id=theirs.id)
    a.follow_up_date = today() - timedelta(days=2)
    reference.flush()
    board = read_board(reference, case_worker, BoardFilters(q=surname))
    cards = _column(board, "ASSESSED").cards
    assert [c.id for c in cards] == [a.id]
    assert cards[0].overdue and cards[0].follow_up.startswith("Follow-up overdue since")
    overdue = read_board(reference, team_lead, BoardFilters(q=surname, overdue_only=True))
    assert [c.id for c in _column(overdue, "ASSESSED").cards] == [a.id]


def test_the_address_round_trips_the_filters() -> None:
    filters = BoardFilters(**filters_from_address({"program": "4", "closed": "1", "q": "ana"}))
    assert address_of(filters) == "/referrals?program=4&closed=1&q=ana"
    assert filters_from_address({"unknown": "x", "priority": " "}) == {}


def handler(name: str) -> str:
    return next(n for n, _ in app_handlers() if n.endswith(f"board_state.{name}"))


def test_without_referral_view_every_board_handler_is_refused(
    backend: str, person: Person, pg_url: str
) -> None:
    with session_scope(url=pg_url) as db:
        ensure_reference_data(db)
        client = make_client(db, None, last_name="Xwboardrefused", phone=None)
        referral_id = make_referral(db, None, client_id=client.id).id
    admin = person("Administrator")  # no referral.view
    token = session_cookie(sign_in(backend, admin.username))
    names = sorted(
        n.rsplit(".", 1)[-1] for n, _ in app_handlers() if "board_state____board_state." in n
    )
    payloads = {
        "apply_filters": {"form_data": {"q": "Zz"}},
        "show_more": {"status": "PENDING"},
        "choose_move": {"referral_id": referral_id, "target": "WITHDRAWN"},
        "start_drag": {"referral_id": referral_id},
        "drop_on": {"target": "WITHDRAWN"},
        "set_move_open": {"is_open": False},
        "make_move": {"form_data": {"withdrawn_by": "CLIENT", "reason": "x"}},
    }
    assert {"load", "choose_move", "drop_on", "make_move", "show_more"} <= set(names)
    with Tab(backend, cookie=token) as tab:
        for name in names:
            received = tab.send(handler(name), payloads.get(name, {}), pathname="/referrals")
            text = json.dumps(received)
            assert "You are not allowed to do that." in text, (name, text)
            assert "Xwboardrefused" not in text and "tracking_id" not in text, (name, text)
    with session_scope(url=pg_url) as db:
        assert db.get(Referral, referral_id).status == "PENDING"  # type: ignore[union-attr]
        moved = db.exec(
            select(ReferralStatusHistory).where(ReferralStatusHistory.referral_id == referral_id)
        ).all()
        assert len(moved) == 1


def test_the_mover_sees_the_card_leave_its_column_first_then_the_columns_read_again(
    backend: str, person: Person, pg_url: str
) -> None:
    lead = person("Team lead")
    with session_scope(url=pg_url) as db:
        ensure_reference_data(db)
        program = make_program(db, name=f"Quick answer {uuid.uuid4().hex[:6]}")
        join_team(db, program, principal_of(db, db.get(User, lead.id)), role="LEAD")  # type: ignore[arg-type]
        staying, leaving = (
            make_referral(
                db, None, target_program_id=program.id,
                client_id=make_client(db, None, last_name="Xwquickanswer", phone=None).id,
            )
            for _ in range(2)
        )  # fmt: skip
        ids = (staying.id, leaving.id)
    token = session_cookie(sign_in(backend, lead.username))
    at = {"pathname": "/referrals", "query": {"program": str(program.id)}}

    def pending(update: dict) -> tuple[list[int], int] | None:  # type: ignore[type-arg]
        for state, changes in update.get("delta", {}).items():
            for name, columns in changes.items():
                if state.endswith("board_state____board_state") and name.startswith("columns"):
                    for column in columns:
                        if column["status"] == "PENDING":
                            return [card["id"] for card in column["cards"]], column["count"]
        return None

    with Tab(backend, cookie=token) as tab:
        got = tab.send(handler("load"), {}, **at, until=program.name, wait=10)
        loaded = [p for p in map(pending, got) if p]
        assert loaded[-1] == (sorted(ids), 2)
        tab.send(handler("choose_move"), {"referral_id": ids[1], "target": "WITHDRAWN"}, **at)
        before = len(tab.received)
        tab.send(
            handler("make_move"),
            {"form_data": {"withdrawn_by": "CLIENT", "reason": "Moved out of the region"}},
            **at,
            until="is now withdrawn",
            wait=10,
        )
        deadline = time.monotonic() + 10  # the second board comes after the re-read
        while (
            time.monotonic() < deadline
            and len([p for p in map(pending, tab.received[before:]) if p]) < 2
        ):
            time.sleep(0.05)
        answered = tab.received[before:]
    boards = [p for p in map(pending, answered) if p]
    # First the card off its column, at once; then the column read again, which agrees.
    assert boards == [([ids[0]], 1), ([ids[0]], 1)], answered
    first_board = next(i for i, u in enumerate(answered) if pending(u))
    told = next(i for i, u in enumerate(answered) if "is now withdrawn" in json.dumps(u))
    assert first_board < told
    with session_scope(url=pg_url) as db:
        assert db.get(Referral, ids[1]).status == "WITHDRAWN"  # type: ignore[union-attr]
