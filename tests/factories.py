"""Factories with overrides. They go through the service layer, like the app does; set-up
that names no actor acts as the system principal (the one jobs and the bootstrap use)."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session, select

from mtkcare.auth.service import Principal, principal_of, sync_roles
from mtkcare.clients.models import Client
from mtkcare.clients.service import create_client
from mtkcare.dates import today as org_today
from mtkcare.programs.models import Program, ProgramTeamMember
from mtkcare.programs.service import create_program, set_team_member
from mtkcare.reference.service import option_id_by_code
from mtkcare.referrals.models import Referral
from mtkcare.referrals.moves import move_referral
from mtkcare.referrals.service import create_referral
from mtkcare.users.models import Role, User, UserRole
from mtkcare.users.service import create_user

_seq = itertools.count(1)
SYSTEM = Principal.system("test set-up")


def make_user(db: Session, actor: Principal | None = None, **overrides: Any) -> User:
    n = next(_seq)
    data: dict[str, Any] = {
        "username": f"staff{n}",
        "email": f"staff{n}@example.org",
        "first_name": "Staff",
        "last_name": f"Member{n}",
    }
    data.update(overrides)
    return create_user(db, actor or SYSTEM, **data)


def make_person(db: Session, *roles: str, **overrides: Any) -> Principal:
    """A staff member holding ``roles``, as the principal they act as."""
    sync_roles(db)
    user = make_user(db, **overrides)
    for name in roles:
        role_id = db.exec(select(Role.id).where(Role.name == name)).one()
        db.add(UserRole(user_id=user.id, role_id=role_id))  # type: ignore[arg-type]
    db.flush()
    return principal_of(db, user)


def make_client(db: Session, actor: Principal | None = None, **overrides: Any) -> Client:
    n = next(_seq)
    data: dict[str, Any] = {
        "first_name": "Aroha",
        "last_name": f"Ngata{n}",
        "date_of_birth": date(1988, 4, 12),
        "phone": "021 555 0123",
        "primary_language_id": option_id_by_code(db, "language", "en"),
    }
    data.update(overrides)
    return create_client(db, actor or SYSTEM, **data)


def make_program(
    db: Session, actor: Principal | None = None, service_type: str = "housing", **overrides: Any
) -> Program:
    n = next(_seq)
    data: dict[str, Any] = {
        "name": f"Program {n}",
        "code": f"P{n:04d}",
        "service_type_id": option_id_by_code(db, "service_type", service_type),
    }
    data.update(overrides)
    return create_program(db, actor or SYSTEM, **data)


def make_referral(db: Session, actor: Principal | None = None, **overrides: Any) -> Referral:
    data: dict[str, Any] = {
        "referral_date": org_today() - timedelta(days=2),
        "reason": "Needs support finding stable housing.",
        "service_type_id": option_id_by_code(db, "service_type", "housing"),
    }
    data.update(overrides)
    return create_referral(db, actor or SYSTEM, **data)


def join_team(
    db: Session,
    program: Program,
    person: Principal,
    *,
    role: str = "MEMBER",
    caseload_limit: int = 25,
) -> ProgramTeamMember:
    return set_team_member(
        db, SYSTEM, program.id,  # type: ignore[arg-type]
        user_id=person.user_id, role=role, caseload_limit=caseload_limit,
    )  # fmt: skip


def move(db: Session, actor: Principal, referral: Referral, target: str, **data: Any) -> Referral:
    """The referral moved by ``actor`` through the one move service, on the version in hand."""
    return move_referral(
        db, actor, referral.id, target,  # type: ignore[arg-type]
        expected_version=referral.version, **data,
    )  # fmt: skip
