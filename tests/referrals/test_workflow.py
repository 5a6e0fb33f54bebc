from __future__ import annotations

from datetime import date, timedelta

import pytest

from mtkcare.errors import InvalidTransition
from mtkcare.referrals.models import ReferralStatus as S
from mtkcare.referrals.workflow import (
    BOARD_COLUMNS,
    FINAL_STATUSES,
    MOVES,
    ReferralFacts,
    check_move,
    moves_from,
)


def test_every_status_is_a_board_column_once_and_the_design_sql_statuses_exist() -> None:
    assert sorted(BOARD_COLUMNS) == sorted(S)
    assert {"PENDING", "ACTIVE"} <= {s.value for s in S}


def test_every_open_status_can_move_on_and_final_ones_cannot() -> None:
    for status in S:
        if status in FINAL_STATUSES:
            assert moves_from(status) == []
        else:
            assert moves_from(status), status


def test_every_status_is_reachable_from_pending() -> None:
    reached, frontier = {S.PENDING}, [S.PENDING]
    while frontier:
        for move in moves_from(frontier.pop()):
            if move.target not in reached:
                reached.add(move.target)
                frontier.append(move.target)
    assert reached == set(S)


def test_a_move_not_in_the_table_is_refused_in_words() -> None:
    with pytest.raises(InvalidTransition, match="new cannot become in service"):
        check_move(S.PENDING, S.ACTIVE, ReferralFacts())


def test_accepting_needs_a_program_of_the_right_service_type() -> None:
    with pytest.raises(InvalidTransition, match="service type"):
        check_move(S.PENDING, S.ASSESSED, ReferralFacts())
    assert check_move(S.PENDING, S.ASSESSED, ReferralFacts(program_matches_service=True))


def test_consent_decides_the_next_status() -> None:
    today = date(2026, 5, 1)
    obtained = ReferralFacts(consent_obtained=True)
    assert check_move(S.AWAITING_CONSENT, S.APPROVED, obtained).target == S.APPROVED
    with pytest.raises(InvalidTransition, match="consent first"):
        check_move(S.AWAITING_CONSENT, S.APPROVED, ReferralFacts())
    with pytest.raises(InvalidTransition, match="reason"):
        check_move(S.AWAITING_CONSENT, S.DECLINED, ReferralFacts(consent_declined=True))
    past = ReferralFacts(follow_up_date=today - timedelta(days=1), today=today)
    with pytest.raises(InvalidTransition, match="follow-up date"):
        check_move(S.AWAITING_CONSENT, S.FOLLOW_UP, past)
    later = ReferralFacts(follow_up_date=today + timedelta(days=7), today=today)
    assert check_move(S.AWAITING_CONSENT, S.FOLLOW_UP, later)


def test_service_starts_only_with_consent_and_a_commencement_date() -> None:
    with pytest.raises(InvalidTransition):
        check_move(S.APPROVED, S.ACTIVE, ReferralFacts(consent_obtained=True))
    ready = ReferralFacts(consent_obtained=True, commencement_date=date(2026, 6, 1))
    assert check_move(S.APPROVED, S.ACTIVE, ready).target == S.ACTIVE


def test_each_move_names_a_permission_and_a_label() -> None:
    for move in MOVES:
        assert move.label and move.permission.value


def test_every_status_and_every_guard_has_its_words() -> None:
    from mtkcare.referrals.workflow import GUARD_MESSAGES, STATUS_LABELS, Guard

    assert set(STATUS_LABELS) == set(S)
    assert set(GUARD_MESSAGES) == set(Guard)
