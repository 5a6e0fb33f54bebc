"""Consent follow-up reminders: a scheduled job finds open referrals whose follow-up date is
today or has passed and tells their worker (or, with no worker yet, the program's team
leads) — once per referral, person and day, however often the job runs."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from mtkcare import dates
from mtkcare.auth.access import service
from mtkcare.auth.service import Principal
from mtkcare.db import session_scope
from mtkcare.jobs.queue import job
from mtkcare.notifications.service import NoticeKind, notify
from mtkcare.programs.models import ProgramTeamMember, TeamRole
from mtkcare.referrals.models import Referral
from mtkcare.referrals.moves import referral_link
from mtkcare.referrals.workflow import OPEN_STATUSES

REMINDERS = "referrals.follow_up_reminders"


@service()
def send_follow_up_reminders(session: Session, actor: Principal, today: date | None = None) -> int:
    """Remind about every open referral whose follow-up is due by ``today`` (the
    organisation's day); returns how many notifications were added."""
    today = today or dates.today()
    due = session.exec(
        select(Referral).where(
            col(Referral.follow_up_date) <= today,
            col(Referral.status).in_([s.value for s in OPEN_STATUSES]),
        )
    ).all()
    leads = _leads_by_program(session, {r.target_program_id for r in due if r.target_program_id})
    sent = 0
    for referral in due:
        follow_up = referral.follow_up_date
        assert follow_up is not None
        if referral.assigned_staff_id is not None:
            people = [referral.assigned_staff_id]
        else:
            people = leads.get(referral.target_program_id or 0, [])
        when = "is due today" if follow_up == today else f"is overdue (due {dates.day(follow_up)})"
        sent += notify(
            session, people, kind=NoticeKind.FOLLOW_UP,
            title=f"Consent follow-up for {referral.tracking_id} {when}",
            link=referral_link(referral.id), resource="Referral", resource_id=referral.id,
            once_key=f"follow-up:{referral.id}:{today.isoformat()}",
        )  # fmt: skip
    return sent


def _leads_by_program(session: Session, program_ids: set[int]) -> dict[int, list[int]]:
    if not program_ids:
        return {}
    found: dict[int, list[int]] = {}
    for program_id, user_id in session.exec(
        select(ProgramTeamMember.program_id, ProgramTeamMember.user_id).where(
            col(ProgramTeamMember.program_id).in_(program_ids),
            ProgramTeamMember.role == TeamRole.LEAD.value,
        )
    ):
        found.setdefault(program_id, []).append(user_id)
    return found


@job(REMINDERS, label="Consent follow-up reminders", max_attempts=3)
def follow_up_reminders() -> None:
    with session_scope() as db:
        send_follow_up_reminders(db, Principal.system("follow-up reminders"))
