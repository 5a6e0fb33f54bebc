"""In-app notifications: who is told of a referral's arrival, assignment and moves (never
the person who acted), and that each person reads and marks only their own."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from mtkcare.auth.service import Principal
from mtkcare.dates import today
from mtkcare.errors import NotFound
from mtkcare.notifications.models import Notification
from mtkcare.notifications.service import mark_all_read, mark_read, my_notifications, unread_count
from mtkcare.programs.models import Program
from mtkcare.referrals.moves import assign_staff
from tests.factories import join_team, make_client, make_person, make_program, make_referral, move


@pytest.fixture
def housing(
    reference: Session, team_lead: Principal, case_worker: Principal, intake_worker: Principal
) -> Program:
    program = make_program(reference, name="Notice Homes")
    join_team(reference, program, team_lead, role="LEAD")
    join_team(reference, program, case_worker)
    join_team(reference, program, intake_worker)
    return program


def titles(db: Session, person: Principal) -> list[str]:
    return [n.title for n in my_notifications(db, person)]


def test_the_team_hears_of_an_arrival_and_the_worker_of_an_assignment_but_not_the_actor(
    reference: Session,
    team_lead: Principal,
    case_worker: Principal,
    intake_worker: Principal,
    housing: Program,
) -> None:
    referral = make_referral(reference, client_id=make_client(reference, phone=None).id)
    move(reference, team_lead, referral, "ASSESSED", target_program_id=housing.id)
    arrived = f"Referral {referral.tracking_id} arrived in Notice Homes"
    assert titles(reference, case_worker) == titles(reference, intake_worker) == [arrived]
    assert titles(reference, team_lead) == []

    move(reference, team_lead, referral, "AWAITING_CONSENT", assigned_staff_id=case_worker.user_id)
    assert (
        titles(reference, case_worker)[0] == f"Referral {referral.tracking_id} is assigned to you"
    )
    assert len(titles(reference, intake_worker)) == 1  # not the assignee: nothing new

    move(reference, team_lead, referral, "FOLLOW_UP", follow_up_date=today())
    assert (
        titles(reference, case_worker)[0] == f"Tui Lead moved {referral.tracking_id} to Follow-up"
    )


def test_a_worker_moving_their_own_referral_is_not_told_of_it(
    reference: Session, team_lead: Principal, case_worker: Principal, housing: Program
) -> None:
    referral = make_referral(reference, client_id=make_client(reference, phone=None).id)
    move(reference, team_lead, referral, "ASSESSED", target_program_id=housing.id)
    move(reference, team_lead, referral, "AWAITING_CONSENT", assigned_staff_id=case_worker.user_id)
    before = unread_count(reference, case_worker)
    move(reference, case_worker, referral, "WITHDRAWN", withdrawn_by="CLIENT", reason="Moved")
    assert unread_count(reference, case_worker) == before


def test_reassigning_tells_the_new_worker(
    reference: Session, team_lead: Principal, intake_worker: Principal, housing: Program
) -> None:
    referral = make_referral(reference, client_id=make_client(reference, phone=None).id)
    move(reference, team_lead, referral, "ASSESSED", target_program_id=housing.id)
    assign_staff(reference, team_lead, referral.id, intake_worker.user_id)  # type: ignore[arg-type]
    notice = my_notifications(reference, intake_worker)[0]
    assert (notice.title, notice.link) == (
        f"Referral {referral.tracking_id} is assigned to you",
        f"/referrals/view?id={referral.id}",
    )


def test_each_person_reads_and_marks_only_their_own(
    reference: Session, team_lead: Principal, case_worker: Principal, housing: Program
) -> None:
    for _ in range(2):
        referral = make_referral(reference, client_id=make_client(reference, phone=None).id)
        move(reference, team_lead, referral, "ASSESSED", target_program_id=housing.id)
    assert unread_count(reference, case_worker) == 2
    mine = my_notifications(reference, case_worker)
    other = make_person(reference, "Case worker", username="otto.other")
    with pytest.raises(NotFound):
        mark_read(reference, other, mine[0].id)
    mark_read(reference, case_worker, mine[0].id)
    assert unread_count(reference, case_worker) == 1
    assert mark_all_read(reference, case_worker) == 1
    assert unread_count(reference, case_worker) == 0
    assert (
        reference.exec(select(Notification).where(Notification.recipient_id == other.user_id)).all()
        == []
    )
