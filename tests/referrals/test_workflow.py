from __future__ import annotations

from datetime import date, timedelta

import pytest

from mtkcare.auth.permissions import ROLE_PERMISSIONS, Permission
from mtkcare.errors import InvalidTransition
from mtkcare.referrals.models import ReferralStatus as S
from mtkcare.referrals.moves import MoveInput
from mtkcare.referrals.workflow import (
    BOARD_COLUMNS,
    FINAL_STATUSES,
    GUARD_FIELDS,
    MOVES,
    OPEN_STATUSES,
    OVERRIDES,
    Guard,
    ReferralFacts,
    check_move,
    decide,
    find_move,
    moves_from,
)


def test_every_status_is_a_board_column_once_and_the_design_sql_statuses_exist() -> None:
    assert sorted(BOARD_COLUMNS) == sorted(S)
    assert {"PENDING", "ACTIVE"} <= {s.value for s in S}


def test_final_statuses_can_only_be_reopened_and_open_ones_can_always_be_withdrawn() -> None:
    for status in FINAL_STATUSES:
        assert [(m.target, m.permission) for m in moves_from(status)] == [
            (S.PENDING, Permission.REFERRAL_REOPEN)
        ]
    for status in OPEN_STATUSES:
        withdraw = find_move(status, S.WITHDRAWN)
        assert withdraw.guards == (Guard.WITHDRAWAL_EXPLAINED,)
        assert {"withdrawn_by", "reason"} <= set(withdraw.asks)


def test_only_a_team_lead_may_reopen() -> None:
    holders = [
        role for role, perms in ROLE_PERMISSIONS.items() if Permission.REFERRAL_REOPEN in perms
    ]
    assert holders == ["Team lead"]


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


def test_a_finished_referral_reopens_only_within_the_window_and_with_a_reason() -> None:
    today = date(2026, 5, 31)
    recent = ReferralFacts(final_since=today - timedelta(days=30), reopen_days=30, today=today)
    assert decide(find_move(S.DECLINED, S.PENDING).guards, recent).problems == {
        "reason": "Give a reason"
    }
    old = ReferralFacts(
        final_since=today - timedelta(days=31), reopen_days=30, today=today, reason_given=True
    )
    assert decide(find_move(S.CLOSED, S.PENDING).guards, old).problems == {
        "status": "Only a referral closed in the last 30 days can be reopened"
    }


def test_approval_without_consent_is_refused_unless_overridden_with_a_reason() -> None:
    guards = find_move(S.AWAITING_CONSENT, S.APPROVED).guards
    none = ReferralFacts()
    assert decide(guards, none).problems == {"status": "Record the client's consent first"}
    may = frozenset({Guard.CONSENT_OBTAINED})
    no_reason = decide(guards, none, may_override=may)
    assert "give the reason in 'Override reason'" in no_reason.problems["status"]
    given = decide(guards, none, may_override=may, override_reason_given=True)
    assert (given.problems, given.overridden) == ({}, (Guard.CONSENT_OBTAINED,))


def test_consent_not_required_by_the_service_lets_approval_and_start_through() -> None:
    facts = ReferralFacts(consent_required=False, commencement_date=date(2026, 6, 1))
    assert check_move(S.APPROVED, S.ACTIVE, facts).target == S.ACTIVE
    with pytest.raises(InvalidTransition, match="consent first"):
        check_move(S.APPROVED, S.ACTIVE, ReferralFacts(commencement_date=date(2026, 6, 1)))


def test_staff_must_be_active_in_the_team_and_under_their_caseload() -> None:
    guards = find_move(S.ASSESSED, S.AWAITING_CONSENT).guards
    outsider = ReferralFacts(staff_active=True, client_linked=True)
    assert decide(guards, outsider).problems == {
        "assigned_staff_id": "Assign a member of the program's team"
    }
    full = ReferralFacts(
        staff_active=True, staff_in_team=True, client_linked=True,
        staff_name="Carl Case", caseload_limit=12,
    )  # fmt: skip
    assert decide(guards, full).problems == {
        "assigned_staff_id": "Carl Case has reached their caseload limit of 12 in this program: "
        "choose someone else"
    }
    overridden = decide(
        guards, full, may_override=frozenset({Guard.STAFF_HAS_ROOM}), override_reason_given=True
    )
    assert overridden.overridden == (Guard.STAFF_HAS_ROOM,) and not overridden.problems


def test_every_move_asks_only_for_move_inputs_and_every_guard_names_a_field() -> None:
    for move in MOVES:
        assert set(move.asks) <= set(MoveInput.model_fields), move
        for guard in move.guards:
            field = GUARD_FIELDS.get(guard, "status")
            assert field == "status" or field in move.asks or guard in (
                Guard.PROGRAM_MATCHES_SERVICE, Guard.STAFF_ACTIVE, Guard.STAFF_IN_TEAM,
                Guard.STAFF_HAS_ROOM,
            ), (move, guard)  # fmt: skip
        if any(g in OVERRIDES for g in move.guards):
            assert "override_reason" in move.asks, move
        assert set(move.required) <= set(move.asks), move


def test_withdrawing_needs_who_and_why_and_declining_needs_a_reason() -> None:
    assert find_move(S.ACTIVE, S.WITHDRAWN).required == ("withdrawn_by", "reason")
    assert find_move(S.PENDING, S.DECLINED).required == ("decline_reason_id",)
    assert find_move(S.FOLLOW_UP, S.AWAITING_CONSENT).required == ()


def test_every_override_and_every_move_permission_is_held_by_some_role() -> None:
    held = set().union(*ROLE_PERMISSIONS.values())
    assert {m.permission for m in MOVES} <= held
    assert {o.permission for o in OVERRIDES.values()} <= held
