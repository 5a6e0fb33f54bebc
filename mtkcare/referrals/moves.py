"""The one way a referral changes status. The board, the referral page, the intake wizard's
finish, consent recording, the partner API and jobs all call ``move_referral`` (or, inside a
service that already holds the locked referral, ``make_move``): it finds the move in
``workflow.py``, checks the move's permission, locks the row and compares the version the
user saw, gathers the facts the move's guards read, applies what the move asks for, and
writes the status-history row beside the audit row, all in the caller's transaction.

Who sees which referrals is decided here too (``visible``): every program for a holder of
``referral.view_all``; otherwise the referrals of the user's own program teams, the ones
assigned to or made by them, and new ones not yet in a program (they need triage).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from pydantic import field_validator
from sqlmodel import Session, col, func, select

from mtkcare.audit.models import AuditAction
from mtkcare.audit.service import record_event
from mtkcare.auth.access import reads, require, service
from mtkcare.auth.permissions import Permission
from mtkcare.auth.service import Principal
from mtkcare.dates import local, today
from mtkcare.db import utcnow
from mtkcare.errors import EditConflict, NotFound, ValidationFailed
from mtkcare.fields import SENSITIVE, Kind, field
from mtkcare.notifications.outbound import tell_organisation
from mtkcare.notifications.service import NoticeKind, notify
from mtkcare.programs.models import Enrolment, EnrolmentStatus, ProgramTeamMember
from mtkcare.programs.service import program_problem
from mtkcare.reference.cache import lists
from mtkcare.reference.models import DeclineReason
from mtkcare.referrals import live
from mtkcare.referrals.models import (
    ConsentRecord,
    ConsentStatus,
    Referral,
    ReferralStatus,
    ReferralStatusHistory,
    WithdrawnBy,
)
from mtkcare.referrals.workflow import (
    OPEN_STATUSES,
    OVERRIDES,
    STAFF,
    Guard,
    Move,
    ReferralFacts,
    decide,
    find_move,
    moves_from,
    status_label,
)
from mtkcare.settings import get_settings
from mtkcare.ui import routes
from mtkcare.users.models import User
from mtkcare.validation import Input, validate

S = ReferralStatus

WITHDRAWN_BY_WORDS = {WithdrawnBy.CLIENT: "the client", WithdrawnBy.REFERRER: "the referrer"}
STALE = "This referral changed — reload to see the change, then try again. Nothing was saved."


class MoveInput(Input):
    """What a move may ask for; each move names the fields its form shows (``Move.asks``)."""

    target_program_id: int | None = field(
        "Program",
        hint="Programs taking referrals for the referral's service type",
        kind=Kind.REFERENCE,
        default=None,
    )
    assigned_staff_id: int | None = field(
        "Staff member", hint="A member of the program's team", kind=Kind.REFERENCE, default=None
    )
    decline_reason_id: int | None = field(
        "Reason for declining", reference="decline_reason", default=None, privacy=SENSITIVE
    )
    follow_up_date: date | None = field(
        "Follow-up date", hint="When to ask the client again: today or later", default=None
    )
    commencement_date: date | None = field("Date service starts", default=None)
    withdrawn_by: WithdrawnBy | None = field(
        "Withdrawn by",
        choices={WithdrawnBy.CLIENT: "The client", WithdrawnBy.REFERRER: "The referrer"},
        default=None,
    )
    enrolment_outcome: EnrolmentStatus | None = field(
        "How the service ended",
        choices={
            EnrolmentStatus.COMPLETED: "Completed",
            EnrolmentStatus.TRANSFERRED: "Transferred to another provider",
        },
        default=None,
    )
    end_date: date | None = field(
        "Date service ended", hint="Today or earlier; blank for today", default=None
    )
    reason: str | None = field(
        "Reason", kind=Kind.TEXTAREA, default=None, max_length=2000, privacy=SENSITIVE
    )
    override_reason: str | None = field(
        "Override reason",
        hint="Only when you set a rule aside on purpose: say why (kept in the history)",
        kind=Kind.TEXTAREA,
        default=None,
        max_length=2000,
        privacy=SENSITIVE,
    )
    note: str | None = field(
        "Note",
        hint="Shown in the referral's timeline",
        kind=Kind.TEXTAREA,
        default=None,
        max_length=5000,
        privacy=SENSITIVE,
    )

    @field_validator("reason", "override_reason", "note", mode="after")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None

    @field_validator("end_date")
    @classmethod
    def _not_in_future(cls, value: date | None) -> date | None:
        if value is not None and value > today():
            raise ValueError("Enter the date service ended: today or earlier")
        return value


# --------------------------------------------------------------------------------------------
# Who sees which referrals


@reads(Permission.REFERRAL_VIEW)
def team_program_ids(session: Session, actor: Principal) -> list[int]:
    """The programs whose teams this user is in."""
    if actor.user_id is None:
        return []
    return list(
        session.exec(
            select(ProgramTeamMember.program_id).where(ProgramTeamMember.user_id == actor.user_id)
        ).all()
    )


@reads(Permission.REFERRAL_VIEW)
def visible(session: Session, actor: Principal) -> Any:
    """A condition on Referral: the referrals this user may see (see the module's note)."""
    if actor.can(Permission.REFERRAL_VIEW_ALL):
        return sa.true()
    uid = actor.user_id
    return sa.or_(
        col(Referral.target_program_id).is_(None),
        col(Referral.target_program_id).in_(team_program_ids(session, actor)),
        col(Referral.assigned_staff_id) == uid,
        col(Referral.created_by) == uid,
    )


@reads(Permission.REFERRAL_VIEW)
def require_referral(session: Session, actor: Principal, referral_id: int) -> Referral:
    """The referral, if it exists and this user may see it; NotFound otherwise (the same
    answer for both: a referral outside one's programs is not revealed)."""
    found = session.exec(
        select(Referral).where(Referral.id == referral_id, visible(session, actor))
    ).first()
    if found is None:
        raise NotFound(f"There is no referral with id {referral_id} that you can see")
    return found


def _locked(session: Session, actor: Principal, referral_id: int) -> Referral:
    """The referral, locked for this transaction (a concurrent move waits, then sees the new
    version), if this user may see it."""
    found = session.exec(
        select(Referral)
        .where(Referral.id == referral_id, visible(session, actor))
        .with_for_update()
        .execution_options(include_deleted=True, populate_existing=True)
    ).first()
    if found is None:
        raise NotFound(f"There is no referral with id {referral_id} that you can see")
    if found.is_deleted:
        raise EditConflict("This referral has been deleted. Nothing was saved.")
    return found


@reads(Permission.REFERRAL_VIEW)
def lock_for_change(
    session: Session, actor: Principal, referral_id: int, expected_version: int | None
) -> Referral:
    referral = _locked(session, actor, referral_id)
    if expected_version is not None and referral.version != expected_version:
        raise EditConflict(STALE)
    return referral


# --------------------------------------------------------------------------------------------
# The moves a user may make now


def moves_for(actor: Principal, status: str) -> list[Move]:
    """The moves from ``status`` this user's permissions allow (guards are checked when the
    move is made: they may need input)."""
    return [m for m in moves_from(status) if actor.can(m.permission)]


# --------------------------------------------------------------------------------------------
# Facts


def _staff_facts(
    session: Session, referral: Referral, program_id: int | None, staff_id: int | None
) -> dict[str, Any]:
    if staff_id is None:
        return {}
    user = session.get(User, staff_id)
    if user is None or user.is_deleted:
        return {}
    facts: dict[str, Any] = {
        "staff_active": user.is_active,
        "staff_name": f"{user.first_name} {user.last_name}",
    }
    member = (
        session.exec(
            select(ProgramTeamMember).where(
                ProgramTeamMember.program_id == program_id,
                ProgramTeamMember.user_id == staff_id,
            )
        ).first()
        if program_id is not None
        else None
    )
    if member is None:
        return facts
    load = session.exec(
        select(func.count())
        .select_from(Referral)
        .where(
            Referral.assigned_staff_id == staff_id,
            Referral.target_program_id == program_id,
            col(Referral.status).in_([s.value for s in OPEN_STATUSES]),
            Referral.id != referral.id,
        )
    ).one()
    return facts | {
        "staff_in_team": True,
        "staff_has_room": load < member.caseload_limit,
        "caseload_limit": member.caseload_limit,
    }


def _program_matches(session: Session, referral: Referral, program_id: int | None) -> bool:
    return (
        program_id is not None
        and program_problem(session, program_id, referral.service_type_id) is None
    )


def _facts(
    session: Session, referral: Referral, move_guards: tuple[Guard, ...], details: MoveInput
) -> ReferralFacts:
    program_id = details.target_program_id or referral.target_program_id
    staff_id = details.assigned_staff_id or referral.assigned_staff_id
    facts: dict[str, Any] = {
        "program_matches_service": _program_matches(session, referral, program_id),
        "client_linked": referral.client_id is not None and not referral.is_orphaned,
        "consent_required": referral.consent_required,
        "follow_up_date": details.follow_up_date,
        "commencement_date": details.commencement_date,
        "withdrawal_explained": details.withdrawn_by is not None and details.reason is not None,
        "reason_given": details.reason is not None,
        "reopen_days": get_settings().referral_reopen_days,
        "today": today(),
    }
    if any(g in STAFF for g in move_guards):
        facts |= _staff_facts(session, referral, program_id, staff_id)
    if {Guard.CONSENT_OBTAINED, Guard.CONSENT_DECLINED} & set(move_guards):
        latest = session.exec(
            select(ConsentRecord.status)
            .where(ConsentRecord.referral_id == referral.id)
            .order_by(col(ConsentRecord.id).desc())
        ).first()
        facts["consent_obtained"] = latest == ConsentStatus.OBTAINED.value
        facts["consent_declined"] = latest == ConsentStatus.DECLINED.value
        facts["consent_overridden"] = (
            session.exec(
                select(ReferralStatusHistory.id).where(
                    ReferralStatusHistory.referral_id == referral.id,
                    col(ReferralStatusHistory.overrides).contains("consent"),
                )
            ).first()
            is not None
        )
    if details.decline_reason_id is not None:
        reason = session.get(DeclineReason, details.decline_reason_id)
        facts["decline_reason_given"] = reason is not None and reason.is_active
    if referral.status_changed_at is not None:
        facts["final_since"] = local(referral.status_changed_at).date()
    return ReferralFacts(**facts)


def _may_override(actor: Principal) -> frozenset[Guard]:
    return frozenset(g for g, o in OVERRIDES.items() if actor.can(o.permission))


# --------------------------------------------------------------------------------------------
# Moving


@service(Permission.REFERRAL_VIEW)
def move_referral(
    session: Session,
    actor: Principal,
    referral_id: int,
    target: str,
    *,
    expected_version: int | None,
    **data: object,
) -> Referral:
    """Move the referral to ``target``. ``expected_version`` is the version the user's
    screen showed (``None`` only for a caller that locked and read it in this transaction).
    Refuses, changing nothing: a move not in the table (InvalidTransition), a move this user's
    role may not make (NotAllowed, audited), a referral changed since (EditConflict), and
    unmet guards (ValidationFailed, each message next to the field it is about)."""
    referral = lock_for_change(session, actor, referral_id, expected_version)
    move = find_move(referral.status, S(target) if target in S.__members__ else target)
    return make_move(session, actor, referral, move, validate(MoveInput, data))


@service(Permission.REFERRAL_VIEW)
def make_move(
    session: Session, actor: Principal, referral: Referral, move: Move, details: MoveInput
) -> Referral:
    """The move itself, on a referral this transaction has locked (``move_referral``, or a
    service such as ``record_consent`` that locked it first)."""
    require(actor, move.permission, resource="Referral", resource_id=referral.id, session=session)
    unasked = [
        name
        for name in MoveInput.model_fields
        if name not in move.asks and getattr(details, name) is not None
    ]
    if unasked:
        raise ValidationFailed(
            {name: f"'{move.label}' does not take {name.replace('_', ' ')}" for name in unasked}
        )
    facts = _facts(session, referral, move.guards, details)
    decision = decide(
        move.guards,
        facts,
        may_override=_may_override(actor),
        override_reason_given=details.override_reason is not None,
    )
    if decision.problems:
        raise ValidationFailed(decision.problems)
    if details.override_reason is not None and not decision.overridden:
        raise ValidationFailed(
            {"override_reason": "Nothing needs overriding: leave the override reason blank"}
        )
    worker_before = referral.assigned_staff_id
    _apply(session, actor, referral, move, details)
    reason = _reason_words(session, details)
    session.add(
        ReferralStatusHistory(
            referral_id=referral.id,  # type: ignore[arg-type]
            from_status=move.source.value,
            to_status=move.target.value,
            changed_by=actor.user_id,
            changed_at=referral.status_changed_at or utcnow(),
            reason=reason,
            note=details.note,
            overrides=",".join(OVERRIDES[g].name for g in decision.overridden) or None,
            override_reason=details.override_reason if decision.overridden else None,
        )
    )
    session.flush()
    _tell(session, actor, referral, move, worker_before)
    tell_organisation(session, referral, move.target.value, reason)
    live.announce(session, referral.id)
    return referral


def referral_link(referral_id: int | None) -> str:
    return f"{routes.REFERRAL}?id={referral_id}"


@service(Permission.REFERRAL_VIEW)
def tell_team_of_arrival(session: Session, actor: Principal, referral: Referral) -> None:
    """Tell the program's team a referral arrived in their program (not whoever moved it)."""
    if referral.target_program_id is None:
        return
    program = lists(session).program(referral.target_program_id)
    team = session.exec(
        select(ProgramTeamMember.user_id).where(
            ProgramTeamMember.program_id == referral.target_program_id
        )
    ).all()
    notify(
        session, team, kind=NoticeKind.ARRIVED, not_to=actor.user_id,
        title=f"Referral {referral.tracking_id} arrived in {program.name if program else 'your program'}",
        link=referral_link(referral.id), resource="Referral", resource_id=referral.id,
    )  # fmt: skip


def _tell(
    session: Session, actor: Principal, referral: Referral, move: Move, worker_before: int | None
) -> None:
    """Who hears of a move: the program's team when a referral arrives in it, a worker it is
    given to, and otherwise its worker when someone else moved it."""
    link, who = referral_link(referral.id), actor.display_name
    if move.target == S.ASSESSED:
        tell_team_of_arrival(session, actor, referral)
    worker = referral.assigned_staff_id
    if worker is not None and worker != worker_before:
        notify(
            session, [worker], kind=NoticeKind.ASSIGNED, not_to=actor.user_id,
            title=f"Referral {referral.tracking_id} is assigned to you",
            body=f"{who} assigned it ({status_label(move.target)})", link=link,
            resource="Referral", resource_id=referral.id,
        )  # fmt: skip
    elif worker is not None:
        notify(
            session, [worker], kind=NoticeKind.MOVED, not_to=actor.user_id,
            title=f"{who} moved {referral.tracking_id} to {status_label(move.target)}",
            link=link, resource="Referral", resource_id=referral.id,
        )  # fmt: skip


def _reason_words(session: Session, details: MoveInput) -> str | None:
    if details.decline_reason_id is not None:
        reason = session.get(DeclineReason, details.decline_reason_id)
        return reason.label if reason is not None else None
    if details.withdrawn_by is not None:
        return f"Withdrawn by {WITHDRAWN_BY_WORDS[details.withdrawn_by]}: {details.reason}"
    return details.reason


def _end_enrolments(
    session: Session, referral: Referral, status: str, day: date, why: str | None
) -> None:
    for enrolment in session.exec(
        select(Enrolment).where(
            Enrolment.referral_id == referral.id,
            Enrolment.status == EnrolmentStatus.ACTIVE.value,
        )
    ):
        enrolment.status = status
        enrolment.end_date = max(day, enrolment.commencement_date)
        enrolment.exit_reason = why


def _apply(
    session: Session, actor: Principal, referral: Referral, move: Move, details: MoveInput
) -> None:
    now = utcnow()
    if details.target_program_id is not None:
        referral.target_program_id = details.target_program_id
    if details.assigned_staff_id is not None:
        referral.assigned_staff_id = details.assigned_staff_id
    match move.target:
        case S.FOLLOW_UP:
            referral.follow_up_date = details.follow_up_date
        case S.APPROVED:
            referral.follow_up_date = None
            referral.decided_at, referral.decided_by = now, actor.user_id
        case S.DECLINED:
            referral.decline_reason_id = details.decline_reason_id
            referral.decline_notes = details.note
            referral.follow_up_date = None
            referral.decided_at, referral.decided_by = now, actor.user_id
        case S.ACTIVE:
            if referral.client_id is None or referral.target_program_id is None:
                raise ValidationFailed(
                    {"status": "Link a client and assign a program before service starts"}
                )
            assert details.commencement_date is not None
            referral.commencement_date = details.commencement_date
            session.add(
                Enrolment(
                    client_id=referral.client_id,
                    program_id=referral.target_program_id,
                    referral_id=referral.id,
                    status=EnrolmentStatus.ACTIVE.value,
                    commencement_date=details.commencement_date,
                )
            )
        case S.CLOSED | S.WITHDRAWN:
            outcome = (
                EnrolmentStatus.WITHDRAWN
                if move.target == S.WITHDRAWN
                else details.enrolment_outcome or EnrolmentStatus.COMPLETED
            )
            _end_enrolments(
                session, referral, outcome.value, details.end_date or today(), details.reason
            )
            referral.follow_up_date = None
            referral.decided_at, referral.decided_by = now, actor.user_id
        case S.PENDING:  # reopened: a fresh assessment
            referral.decline_reason_id = None
            referral.decline_notes = None
            referral.decided_at = referral.decided_by = None
            referral.follow_up_date = referral.commencement_date = None
    referral.status = move.target.value
    referral.status_changed_at = now
    referral.version += 1


@reads(Permission.REFERRAL_VIEW)
def check_staff_available(
    session: Session,
    actor: Principal,
    referral: Referral,
    staff_id: int,
    override_reason: str | None = None,
) -> tuple[Guard, ...]:
    """The workflow's "staff available?" guards for giving ``referral`` to ``staff_id``
    (ValidationFailed naming what is needed); returns the guards overridden with a reason."""
    details = validate(
        MoveInput, {"assigned_staff_id": staff_id, "override_reason": override_reason}
    )
    decision = decide(
        STAFF,
        _facts(session, referral, STAFF, details),
        may_override=_may_override(actor),
        override_reason_given=details.override_reason is not None,
    )
    if decision.problems:
        raise ValidationFailed(decision.problems)
    return decision.overridden


@service(Permission.REFERRAL_ASSIGN)
def assign_staff(
    session: Session,
    actor: Principal,
    referral_id: int,
    staff_id: int,
    *,
    expected_version: int | None = None,
    override_reason: str | None = None,
) -> Referral:
    """Give the referral to another staff member without changing its status: the same
    "staff available?" guards as a move that assigns, with the same caseload override."""
    referral = lock_for_change(session, actor, referral_id, expected_version)
    overridden = check_staff_available(session, actor, referral, staff_id, override_reason)
    if referral.assigned_staff_id != staff_id:
        referral.assigned_staff_id = staff_id
        referral.version += 1
        notify(
            session, [staff_id], kind=NoticeKind.ASSIGNED, not_to=actor.user_id,
            title=f"Referral {referral.tracking_id} is assigned to you",
            body=f"{actor.display_name} assigned it", link=referral_link(referral.id),
            resource="Referral", resource_id=referral.id,
        )  # fmt: skip
        live.announce(session, referral.id)
        if overridden:
            record_event(
                session, AuditAction.UPDATE, "Referral", user_id=actor.user_id,
                resource_id=referral.id,
                detail=f"Caseload limit overridden: {override_reason}",
            )  # fmt: skip
    return referral
