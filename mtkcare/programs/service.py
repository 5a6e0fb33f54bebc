"""Programs and enrolments. Deleting a program keeps its enrolments for reporting."""

from __future__ import annotations

from datetime import date

from pydantic import Field
from sqlmodel import Session, col, select

from mtkcare.auth.access import reads, service
from mtkcare.auth.permissions import Permission
from mtkcare.auth.service import Principal
from mtkcare.db import get_row
from mtkcare.errors import ValidationFailed
from mtkcare.programs.models import Enrolment, EnrolmentStatus, Program
from mtkcare.reference.models import ServiceType
from mtkcare.validation import Input, validate


class ProgramInput(Input):
    name: str = Field(title="Program name", min_length=1, max_length=150)
    code: str = Field(title="Program code", min_length=1, max_length=30)
    description: str | None = Field(default=None, title="Description", max_length=5000)
    service_type_id: int = Field(title="Service type")
    capacity: int | None = Field(default=None, title="Capacity", ge=0)
    is_active: bool = Field(default=True, title="Taking referrals")


class EnrolmentInput(Input):
    client_id: int = Field(title="Client")
    program_id: int = Field(title="Program")
    referral_id: int | None = Field(default=None, title="Referral")
    commencement_date: date = Field(title="Commencement date")


@reads(Permission.PROGRAM_VIEW)
def check_program_matches_service_type(
    session: Session,
    actor: Principal,
    program_id: int,
    service_type_id: int | None,
    *,
    field: str = "target_program_id",
) -> Program:
    """The design rule "program assignment must match service type"."""
    program = session.get(Program, program_id)
    if program is None or program.is_deleted or not program.is_active:
        raise ValidationFailed({field: "Choose a program that is taking referrals"})
    if service_type_id is not None and program.service_type_id != service_type_id:
        raise ValidationFailed(
            {field: "Choose a program that provides the referral's service type"}
        )
    return program


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
def active_programs_for(session: Session, actor: Principal, service_type_id: int) -> list[Program]:
    return list(
        session.exec(
            select(Program)
            .where(Program.service_type_id == service_type_id, Program.is_active)
            .order_by(col(Program.name))
        )
    )


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
