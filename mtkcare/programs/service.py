"""Programs and enrolments. Deleting a program keeps its enrolments for reporting."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from mtkcare.auth.access import reads, service
from mtkcare.auth.permissions import Permission
from mtkcare.auth.service import Principal
from mtkcare.db import get_row, utcnow
from mtkcare.errors import NotFound, ValidationFailed
from mtkcare.fields import Kind, field
from mtkcare.programs.models import (
    Enrolment,
    EnrolmentStatus,
    Program,
    ProgramTeamMember,
    TeamRole,
)
from mtkcare.reference.cache import ProgramOption, lists
from mtkcare.reference.models import ServiceType
from mtkcare.users.service import require_active_user
from mtkcare.validation import Input, validate


class ProgramInput(Input):
    name: str = field("Program name", min_length=1, max_length=150)
    code: str = field(
        "Program code", hint="Short and unique, e.g. HOU-01", min_length=1, max_length=30
    )
    description: str | None = field(
        "Description", kind=Kind.TEXTAREA, default=None, max_length=5000
    )
    service_type_id: int = field(
        "Service type",
        hint="Referrals for this service type can be accepted into the program",
        reference="service_type",
    )
    capacity: int | None = field(
        "Capacity", hint="How many clients it can serve at once; blank if unlimited",
        default=None, ge=0, le=100000,
    )  # fmt: skip
    is_active: bool = field("Taking referrals", kind=Kind.CHECKBOX, default=True)


class EnrolmentInput(Input):
    client_id: int = field("Client")
    program_id: int = field("Program")
    referral_id: int | None = field("Referral", default=None)
    commencement_date: date = field("Commencement date")


def program_problem(session: Session, program_id: int, service_type_id: int | None) -> str | None:
    """Why the program may not take a referral for the service type (None: it may): the
    design rule "program assignment must match service type", for the service below and the
    workflow's guard (``mtkcare.referrals.moves``). Reads nothing protected."""
    program = lists(session).program(program_id)
    if program is None or not program.is_active:
        return "Choose a program that is taking referrals"
    if service_type_id is not None and program.service_type_id != service_type_id:
        return "Choose a program that provides the referral's service type"
    return None


@reads(Permission.PROGRAM_VIEW)
def check_program_matches_service_type(
    session: Session,
    actor: Principal,
    program_id: int,
    service_type_id: int | None,
    *,
    field: str = "target_program_id",
) -> None:
    """The design rule "program assignment must match service type"."""
    problem = program_problem(session, program_id, service_type_id)
    if problem is not None:
        raise ValidationFailed({field: problem})


@reads(Permission.PROGRAM_VIEW)
def program_choices(session: Session, actor: Principal) -> list[tuple[int, str]]:
    """Every program (id, name) by name, for filters (ones no longer taking referrals too)."""
    return [
        (program_id, name)
        for program_id, name in session.exec(
            select(Program.id, Program.name).order_by(col(Program.name), col(Program.id))
        ).all()
        if program_id is not None
    ]


@reads(Permission.PROGRAM_VIEW)
def active_programs_for(
    session: Session, actor: Principal, service_type_id: int
) -> list[ProgramOption]:
    """The programs taking referrals for the service type, by name."""
    return lists(session).active_programs_for(service_type_id)


@service(Permission.PROGRAM_MANAGE)
def create_program(session: Session, actor: Principal, **data: object) -> Program:
    details = validate(ProgramInput, data)
    st = session.get(ServiceType, details.service_type_id)
    if st is None or not st.is_active:
        raise ValidationFailed({"service_type_id": "Choose a service type from the list"})
    clash = session.exec(
        select(Program.id)
        .where(Program.code == details.code)
        .execution_options(include_deleted=True)
    ).first()
    if clash is not None:
        raise ValidationFailed({"code": "Another program already uses that code"})
    program = Program(**details.model_dump())
    session.add(program)
    return program


@service(Permission.PROGRAM_MANAGE)
def update_program(session: Session, actor: Principal, program_id: int, **data: object) -> Program:
    """Change a program's details (its code stays unique; deactivating stops new referrals
    being accepted into it, and keeps everything it already has)."""
    program = get_row(session, Program, program_id)
    current = {name: getattr(program, name) for name in ProgramInput.model_fields}
    details = validate(ProgramInput, {**current, **data})
    st = session.get(ServiceType, details.service_type_id)
    if st is None or not st.is_active:
        raise ValidationFailed({"service_type_id": "Choose a service type from the list"})
    clash = session.exec(
        select(Program.id)
        .where(Program.code == details.code, Program.id != program_id)
        .execution_options(include_deleted=True)
    ).first()
    if clash is not None:
        raise ValidationFailed({"code": "Another program already uses that code"})
    for name, value in details.model_dump().items():
        setattr(program, name, value)
    session.flush()
    return program


@service(Permission.PROGRAM_MANAGE)
def delete_program(session: Session, actor: Principal, program_id: int) -> Program:
    program = get_row(session, Program, program_id)
    program.is_deleted = True
    program.is_active = False
    return program


@service(Permission.PROGRAM_MANAGE)
def restore_program(session: Session, actor: Principal, program_id: int) -> Program:
    program = get_row(session, Program, program_id, include_deleted=True)
    program.is_deleted = False
    return program


@service(Permission.ENROLMENT_MANAGE)
def enrol_client(session: Session, actor: Principal, **data: object) -> Enrolment:
    details = validate(EnrolmentInput, data)
    from mtkcare.clients.service import require_client

    require_client(session, actor, details.client_id)
    check_program_matches_service_type(session, actor, details.program_id, None, field="program_id")
    enrolment = Enrolment(**details.model_dump(), status=EnrolmentStatus.ACTIVE.value)
    session.add(enrolment)
    return enrolment


# --------------------------------------------------------------------------------------------
# Program teams


class TeamMemberInput(Input):
    user_id: int = field("Staff member", kind=Kind.REFERENCE)
    role: TeamRole = field(
        "Role in the team",
        default=TeamRole.MEMBER,
        choices={TeamRole.MEMBER: "Member", TeamRole.LEAD: "Team lead"},
    )
    caseload_limit: int = field(
        "Caseload limit",
        hint="Most open referrals this person may hold in this program",
        default=25,
        ge=0,
        le=500,
    )


@service(Permission.PROGRAM_MANAGE)
def set_team_member(
    session: Session, actor: Principal, program_id: int, **data: object
) -> ProgramTeamMember:
    """Add a staff member to a program's team, or change their role or caseload limit."""
    details = validate(TeamMemberInput, data)
    get_row(session, Program, program_id)
    require_active_user(session, actor, details.user_id, field="user_id")
    member = session.exec(
        select(ProgramTeamMember)
        .where(
            ProgramTeamMember.program_id == program_id,
            ProgramTeamMember.user_id == details.user_id,
        )
        .execution_options(include_deleted=True)
    ).first()
    if member is None:
        member = ProgramTeamMember(program_id=program_id, user_id=details.user_id)
        session.add(member)
    member.is_deleted = False
    member.role = details.role.value
    member.caseload_limit = details.caseload_limit
    session.flush()
    return member


@service(Permission.PROGRAM_MANAGE)
def remove_team_member(
    session: Session, actor: Principal, program_id: int, user_id: int
) -> ProgramTeamMember:
    """Take someone off a team (their referrals stay assigned to them until reassigned)."""
    member = session.exec(
        select(ProgramTeamMember).where(
            ProgramTeamMember.program_id == program_id, ProgramTeamMember.user_id == user_id
        )
    ).first()
    if member is None:
        raise NotFound("That person is not in this program's team")
    member.is_deleted = True
    member.deleted_at = utcnow()
    member.deleted_by = actor.user_id
    return member
