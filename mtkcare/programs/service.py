"""Programs and enrolments. Deleting a program keeps its enrolments for reporting."""

from __future__ import annotations

from datetime import date

from pydantic import Field
from sqlmodel import Session, col, select

from mtkcare.db import service
from mtkcare.errors import NotFound, ValidationFailed
from mtkcare.programs.models import Enrolment, EnrolmentStatus, Program
from mtkcare.reference.models import ServiceType
from mtkcare.users.models import User
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


def get_program(session: Session, program_id: int, *, include_deleted: bool = False) -> Program:
    stmt = select(Program).where(Program.id == program_id)
    if include_deleted:
        stmt = stmt.execution_options(include_deleted=True)
    program = session.exec(stmt).first()
    if program is None:
        raise NotFound(f"There is no program with id {program_id}")
    return program


def check_program_matches_service_type(
    session: Session,
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


def active_programs_for(session: Session, service_type_id: int) -> list[Program]:
    return list(
        session.exec(
            select(Program)
            .where(Program.service_type_id == service_type_id, Program.is_active)
            .order_by(col(Program.name))
        )
    )


@service
def create_program(session: Session, actor: User | None, **data: object) -> Program:
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


@service
def delete_program(session: Session, actor: User | None, program_id: int) -> Program:
    program = get_program(session, program_id)
    program.is_deleted = True
    program.is_active = False
    return program


@service
def restore_program(session: Session, actor: User | None, program_id: int) -> Program:
    program = get_program(session, program_id, include_deleted=True)
    program.is_deleted = False
    return program


@service
def enrol_client(session: Session, actor: User | None, **data: object) -> Enrolment:
    details = validate(EnrolmentInput, data)
    from mtkcare.clients.service import get_client

    get_client(session, details.client_id)
    check_program_matches_service_type(session, details.program_id, None, field="program_id")
    enrolment = Enrolment(**details.model_dump(), status=EnrolmentStatus.ACTIVE.value)
    session.add(enrolment)
    return enrolment
