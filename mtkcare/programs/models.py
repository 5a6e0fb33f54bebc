"""Programs the provider runs, and clients' enrolments in them."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field

from mtkcare.db import USER_FK, Audited, SoftDelete


class EnrolmentStatus(StrEnum):
    ACTIVE = "ACTIVE"
    COMPLETED = "COMPLETED"
    WITHDRAWN = "WITHDRAWN"
    TRANSFERRED = "TRANSFERRED"


class TeamRole(StrEnum):
    MEMBER = "MEMBER"
    LEAD = "LEAD"


class Program(Audited, SoftDelete, table=True):
    __tablename__ = "programs_program"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=150, nullable=False)
    code: str = Field(max_length=30, unique=True, nullable=False)
    description: str | None = Field(default=None, sa_type=sa.Text)
    service_type_id: int = Field(foreign_key="reference_servicetype.id", nullable=False)
    is_active: bool = Field(default=True, nullable=False)
    capacity: int | None = Field(default=None)


class Enrolment(Audited, SoftDelete, table=True):
    __tablename__ = "programs_enrolment"

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client_management_client.id", nullable=False, index=True)
    program_id: int = Field(foreign_key="programs_program.id", nullable=False, index=True)
    referral_id: int | None = Field(
        default=None, foreign_key="referral_management_referral.id", index=True
    )
    status: str = Field(default=EnrolmentStatus.ACTIVE.value, max_length=12, nullable=False)
    commencement_date: date = Field(nullable=False)
    end_date: date | None = Field(default=None)
    exit_reason: str | None = Field(default=None, sa_type=sa.Text)


class ProgramTeamMember(Audited, SoftDelete, table=True):
    """A staff member in a program's team. Their caseload limit counts the open referrals
    assigned to them in this program."""

    __tablename__ = "programs_programteammember"
    __table_args__ = (sa.UniqueConstraint("program_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    program_id: int = Field(foreign_key="programs_program.id", nullable=False, index=True)
    user_id: int = Field(foreign_key=USER_FK, nullable=False, index=True)
    role: str = Field(default=TeamRole.MEMBER.value, max_length=10, nullable=False)
    caseload_limit: int = Field(default=25, nullable=False)
