"""Consent follow-up reminders: the worker (or, with none, the program's team leads) hears
once per referral and day that a follow-up is due today or overdue, however often the job
runs; referrals that are not due, or are finished, make no reminder."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from mtkcare import dates
from mtkcare.auth.service import Principal
from mtkcare.dates import today as org_today
from mtkcare.db import session_scope
from mtkcare.jobs.queue import Queue, enqueue
from mtkcare.jobs.reminders import REMINDERS, send_follow_up_reminders
from mtkcare.notifications.models import Notification
from mtkcare.programs.models import Program
from mtkcare.reference.service import ensure_reference_data, option_id_by_code
from mtkcare.referrals.models import Referral
from tests.factories import (
    SYSTEM,
    join_team,
    make_client,
    make_person,
    make_program,
    make_referral,
    move,
)
from tests.support.jobs import drain


def _referral(db: Session) -> Referral:
    client = make_client(db, last_name=f"Xwremind{uuid.uuid4().hex[:8]}", phone=None)
    return make_referral(
        db, client_id=client.id, service_type_id=option_id_by_code(db, "service_type", "housing")
    )


def _following_up(db: Session, lead: Principal, program: Program, worker: Principal | None):  # type: ignore[no-untyped-def]
    referral = move(db, lead, _referral(db), "ASSESSED", target_program_id=program.id)
    if worker is None:
        return referral
    referral = move(db, lead, referral, "AWAITING_CONSENT", assigned_staff_id=worker.user_id)
    return move(db, worker, referral, "FOLLOW_UP", follow_up_date=org_today())


def _reminders(db: Session, person: Principal) -> list[Notification]:
    return list(
        db.exec(
            select(Notification).where(
                Notification.recipient_id == person.user_id,
                Notification.kind == "referral.follow_up",
            )
        )
    )


@pytest.fixture
def program(reference: Session, team_lead: Principal, case_worker: Principal) -> Program:
    """A program led by the team lead, the case worker in its team."""
    program = make_program(reference, name="Safe Homes")
    join_team(reference, program, team_lead, role="LEAD")
    join_team(reference, program, case_worker)
    return program


def test_a_follow_up_due_today_reminds_its_worker_once_a_day(
    reference: Session, team_lead: Principal, case_worker: Principal, program: Program
) -> None:
    referral = _following_up(reference, team_lead, program, case_worker)
    today = org_today()

    assert send_follow_up_reminders(reference, SYSTEM, today) >= 1
    assert send_follow_up_reminders(reference, SYSTEM, today) == 0  # the job ran again
    (notice,) = _reminders(reference, case_worker)
    assert notice.title == f"Consent follow-up for {referral.tracking_id} is due today"
    assert notice.link == f"/referrals/view?id={referral.id}"
    assert _reminders(reference, team_lead) == []  # the worker has it

    send_follow_up_reminders(reference, SYSTEM, today + timedelta(days=1))
    send_follow_up_reminders(reference, SYSTEM, today + timedelta(days=1))
    titles = sorted(n.title for n in _reminders(reference, case_worker))
    assert len(titles) == 2
    assert "is overdue (due" in titles[1]


def test_without_a_worker_the_programs_team_leads_are_reminded(
    reference: Session, team_lead: Principal, case_worker: Principal, program: Program
) -> None:
    referral = _following_up(reference, team_lead, program, None)
    referral.follow_up_date = org_today() - timedelta(days=3)  # an older record's date
    reference.add(referral)
    reference.flush()
    send_follow_up_reminders(reference, SYSTEM)
    assert [n.title for n in _reminders(reference, team_lead)] == [
        f"Consent follow-up for {referral.tracking_id} is overdue "
        f"(due {dates.day(org_today() - timedelta(days=3))})"
    ]
    assert _reminders(reference, case_worker) == []


def test_future_and_finished_follow_ups_make_no_reminder(
    reference: Session, team_lead: Principal, case_worker: Principal, program: Program
) -> None:
    later = _following_up(reference, team_lead, program, case_worker)
    later.follow_up_date = org_today() + timedelta(days=2)
    finished = _following_up(reference, team_lead, program, case_worker)
    finished = move(
        reference, case_worker, finished, "WITHDRAWN", withdrawn_by="CLIENT", reason="Not needed"
    )
    finished.follow_up_date = org_today() - timedelta(days=1)  # a date a final status kept
    reference.add_all([later, finished])
    reference.flush()
    send_follow_up_reminders(reference, SYSTEM)
    assert _reminders(reference, case_worker) == []


def test_the_scheduled_job_sends_the_reminders(jobs: Queue) -> None:
    with session_scope() as s:
        ensure_reference_data(s)
        lead = make_person(s, "Team lead")
        worker = make_person(s, "Case worker")
        program = make_program(s, name=f"Reminder program {uuid.uuid4().hex[:6]}")
        join_team(s, program, lead, role="LEAD")
        join_team(s, program, worker)
        referral = _following_up(s, lead, program, worker)
    with session_scope() as s:
        enqueue(s, REMINDERS)
    drain(jobs.huey)
    with session_scope() as s:
        titles = [n.title for n in _reminders(s, worker)]
    assert titles == [f"Consent follow-up for {referral.tracking_id} is due today"]
