"""What the programs pages and the workload page show, read for one user: the programs list,
one program (details, team, its open referrals and active enrolments), and each worker's
load against their caseload limits. Small typed rows for the browser, never table rows;
lists of clients or referrals shown are audited (one LIST row each)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, func, select

from mtkcare import dates
from mtkcare.audit.service import record_shown
from mtkcare.auth.access import reads
from mtkcare.auth.permissions import Permission
from mtkcare.auth.service import Principal
from mtkcare.clients.models import Client
from mtkcare.db import get_row
from mtkcare.programs.models import (
    Enrolment,
    EnrolmentStatus,
    Program,
    ProgramTeamMember,
    TeamRole,
)
from mtkcare.reference.models import ServiceType
from mtkcare.referrals.models import Referral
from mtkcare.referrals.moves import team_program_ids, visible
from mtkcare.referrals.workflow import OPEN_STATUSES, status_label
from mtkcare.users.models import User

OPEN = [s.value for s in OPEN_STATUSES]
ROLE_WORDS = {TeamRole.LEAD.value: "Team lead", TeamRole.MEMBER.value: "Member"}


@dataclass(frozen=True)
class ProgramLine:
    id: int
    name: str
    code: str
    service_type: str
    active: bool
    capacity: str
    team_size: int
    open_referrals: int
    active_enrolments: int


@dataclass(frozen=True)
class TeamLine:
    user_id: int
    name: str
    role: str
    role_label: str
    caseload_limit: int
    open_referrals: int
    over_limit: bool


@dataclass(frozen=True)
class ReferralRow:
    id: int
    tracking_id: str
    client_name: str
    status_label: str
    worker: str


@dataclass(frozen=True)
class EnrolmentRow:
    id: int
    client_id: int
    client_name: str
    commencement: str


@dataclass(frozen=True)
class ProgramPage:
    id: int
    name: str
    code: str
    description: str
    service_type: str
    service_type_id: int
    active: bool
    capacity: str
    team: list[TeamLine]
    referrals: list[ReferralRow]
    enrolments: list[EnrolmentRow]


def _counts(session: Session, column: object, where: list[object]) -> dict[int, int]:
    return {
        key: n
        for key, n in session.execute(
            sa.select(column, func.count()).where(*where).group_by(column)  # type: ignore[call-overload]
        ).all()
        if key is not None
    }


@reads(Permission.PROGRAM_VIEW)
def list_programs(session: Session, actor: Principal) -> list[ProgramLine]:
    """Every program (those no longer taking referrals too), by name."""
    programs = session.exec(select(Program).order_by(col(Program.name))).all()
    types = dict(session.exec(select(ServiceType.id, ServiceType.label)).all())
    team = _counts(
        session,
        col(ProgramTeamMember.program_id),
        [col(ProgramTeamMember.is_deleted) == sa.false()],
    )
    open_referrals = _counts(
        session,
        col(Referral.target_program_id),
        [col(Referral.status).in_(OPEN), col(Referral.is_deleted) == sa.false()],
    )
    enrolled = _counts(
        session,
        col(Enrolment.program_id),
        [Enrolment.status == EnrolmentStatus.ACTIVE.value, col(Enrolment.is_deleted) == sa.false()],
    )
    return [
        ProgramLine(
            id=p.id or 0,
            name=p.name,
            code=p.code,
            service_type=types.get(p.service_type_id, ""),
            active=p.is_active,
            capacity=str(p.capacity) if p.capacity is not None else "Unlimited",
            team_size=team.get(p.id or 0, 0),
            open_referrals=open_referrals.get(p.id or 0, 0),
            active_enrolments=enrolled.get(p.id or 0, 0),
        )
        for p in programs
    ]


def _open_load(session: Session, program_id: int | None = None) -> dict[tuple[int, int], int]:
    """Open referrals per (program, assigned worker)."""
    where: list[Any] = [
        col(Referral.status).in_(OPEN),
        col(Referral.assigned_staff_id).is_not(None),
    ]
    if program_id is not None:
        where.append(col(Referral.target_program_id) == program_id)
    return {
        (program, worker): n
        for program, worker, n in session.exec(
            select(Referral.target_program_id, Referral.assigned_staff_id, func.count())
            .where(*where)
            .group_by(col(Referral.target_program_id), col(Referral.assigned_staff_id))
        ).all()
        if program is not None and worker is not None
    }


@reads(Permission.PROGRAM_VIEW)
def program_page(session: Session, actor: Principal, program_id: int) -> ProgramPage:
    program = get_row(session, Program, program_id)
    service_type = session.get(ServiceType, program.service_type_id)
    load = _open_load(session, program_id)
    members = session.exec(
        select(ProgramTeamMember, User.first_name, User.last_name)
        .join(User, col(User.id) == col(ProgramTeamMember.user_id))
        .where(ProgramTeamMember.program_id == program_id)
        .order_by(col(ProgramTeamMember.role), col(User.first_name), col(User.last_name))
    ).all()
    team = [
        TeamLine(
            user_id=m.user_id,
            name=f"{first} {last}",
            role=m.role,
            role_label=ROLE_WORDS.get(m.role, m.role),
            caseload_limit=m.caseload_limit,
            open_referrals=load.get((program_id, m.user_id), 0),
            over_limit=load.get((program_id, m.user_id), 0) > m.caseload_limit,
        )
        for m, first, last in members
    ]
    referrals: list[ReferralRow] = []
    enrolments: list[EnrolmentRow] = []
    if actor.can(Permission.REFERRAL_VIEW):
        worker: Any = aliased(User)
        rows = session.execute(
            sa.select(
                col(Referral.id),
                col(Referral.tracking_id),
                col(Referral.status),
                col(Client.first_name),
                col(Client.last_name),
                worker.first_name,
                worker.last_name,
            )
            .join(Client, col(Client.id) == col(Referral.client_id), isouter=True)
            .join(worker, worker.id == col(Referral.assigned_staff_id), isouter=True)
            .where(
                col(Referral.target_program_id) == program_id,
                col(Referral.status).in_(OPEN),
                visible(session, actor),
            )
            .order_by(col(Referral.status_changed_at).desc())
            .limit(200)
        ).all()
        referrals = [
            ReferralRow(
                id=rid,
                tracking_id=tracking,
                client_name=f"{cf} {cl}" if cf else "No client linked",
                status_label=status_label(status),
                worker=f"{wf} {wl}" if wf else "Unassigned",
            )
            for rid, tracking, status, cf, cl, wf, wl in rows
        ]
    if actor.can(Permission.CLIENT_VIEW):
        rows2 = session.execute(
            sa.select(
                col(Enrolment.id),
                col(Client.id),
                col(Client.first_name),
                col(Client.last_name),
                col(Enrolment.commencement_date),
            )
            .join(Client, col(Client.id) == col(Enrolment.client_id))
            .where(
                col(Enrolment.program_id) == program_id,
                col(Enrolment.status) == EnrolmentStatus.ACTIVE.value,
            )
            .order_by(col(Client.last_name), col(Client.first_name))
            .limit(200)
        ).all()
        enrolments = [
            EnrolmentRow(
                id=eid,
                client_id=cid,
                client_name=f"{first} {last}",
                commencement=dates.day(starts),
            )  # fmt: skip
            for eid, cid, first, last, starts in rows2
        ]
    if referrals or enrolments:
        record_shown(
            session, "Program", user_id=actor.user_id, what=f"program {program.code}",
            query={"program_id": program_id},
            ids=[r.id for r in referrals] + [e.client_id for e in enrolments],
        )  # fmt: skip
    return ProgramPage(
        id=program.id or 0,
        name=program.name,
        code=program.code,
        description=program.description or "",
        service_type=service_type.label if service_type else "",
        service_type_id=program.service_type_id,
        active=program.is_active,
        capacity=str(program.capacity) if program.capacity is not None else "",
        team=team,
        referrals=referrals,
        enrolments=enrolments,
    )


@reads(Permission.PROGRAM_VIEW)
def program_details(session: Session, actor: Principal, program_id: int) -> dict[str, Any]:
    """A program's own fields (its edit form starts from them)."""
    program = get_row(session, Program, program_id)
    return {
        name: getattr(program, name)
        for name in ("name", "code", "description", "service_type_id", "capacity", "is_active")
    }


@reads(Permission.PROGRAM_MANAGE)
def staff_choices(session: Session, actor: Principal) -> list[tuple[str, str]]:
    """Active staff, for adding to a team."""
    return [
        (str(uid), f"{first} {last}")
        for uid, first, last in session.exec(
            select(User.id, User.first_name, User.last_name)
            .where(User.is_active)
            .order_by(col(User.first_name), col(User.last_name))
        ).all()
    ]


# --------------------------------------------------------------------------------------------
# Workload


@dataclass(frozen=True)
class WorkloadLine:
    user_id: int
    name: str
    programs: str
    open_referrals: int
    active_enrolments: int
    caseload_limit: int
    over_limit: bool


@dataclass
class _Tally:
    name: str
    programs: list[str] = field(default_factory=list)
    open: int = 0
    enrolled: int = 0
    limit: int = 0


@reads(Permission.REFERRAL_DECIDE)
def workload(session: Session, actor: Principal) -> list[WorkloadLine]:
    """Per worker in this user's programs (every program for view-all): their open referrals
    and active enrolments there, against the sum of their caseload limits there."""
    programs = (
        [p for p in session.exec(select(Program.id)).all() if p is not None]
        if actor.can(Permission.REFERRAL_VIEW_ALL)
        else team_program_ids(session, actor)
    )
    if not programs:
        return []
    names = dict(session.exec(select(Program.id, Program.name)).all())
    members = session.exec(
        select(ProgramTeamMember, User.first_name, User.last_name)
        .join(User, col(User.id) == col(ProgramTeamMember.user_id))
        .where(col(ProgramTeamMember.program_id).in_(programs), User.is_active)
    ).all()
    load = _open_load(session)
    enrolled = {
        (program, worker): n
        for program, worker, n in session.exec(
            select(Enrolment.program_id, Referral.assigned_staff_id, func.count())
            .join(Referral, col(Referral.id) == col(Enrolment.referral_id))
            .where(
                Enrolment.status == EnrolmentStatus.ACTIVE.value,
                col(Enrolment.program_id).in_(programs),
            )
            .group_by(col(Enrolment.program_id), col(Referral.assigned_staff_id))
        ).all()
        if worker is not None
    }
    totals: dict[int, _Tally] = {}
    for member, first, last in members:
        tally = totals.setdefault(member.user_id, _Tally(f"{first} {last}"))
        key = (member.program_id, member.user_id)
        tally.programs.append(names.get(member.program_id, ""))
        tally.open += load.get(key, 0)
        tally.enrolled += enrolled.get(key, 0)
        tally.limit += member.caseload_limit
    lines = [
        WorkloadLine(
            user_id=uid,
            name=t.name,
            programs=", ".join(sorted(t.programs)),
            open_referrals=t.open,
            active_enrolments=t.enrolled,
            caseload_limit=t.limit,
            over_limit=t.open > t.limit,
        )
        for uid, t in totals.items()
    ]
    return sorted(lines, key=lambda w: (-w.open_referrals, w.name))
