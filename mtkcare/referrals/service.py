"""Referrals: how they enter, get a program and a staff member. The status workflow itself
(moves, consent decisions) lives in ``workflow.py`` once the referral board arrives."""

from __future__ import annotations

import secrets
from datetime import date

from pydantic import EmailStr, field_validator, model_validator
from sqlmodel import Session, col, select

from mtkcare.auth.access import reads, require, service
from mtkcare.auth.permissions import Permission
from mtkcare.auth.service import Principal
from mtkcare.db import get_row, utcnow
from mtkcare.errors import NotFound, ValidationFailed
from mtkcare.fields import IDENTIFYING, SENSITIVE, Kind, field
from mtkcare.organisations.service import require_active_organisation
from mtkcare.programs.models import Enrolment, EnrolmentStatus
from mtkcare.programs.service import check_program_matches_service_type
from mtkcare.reference.models import DeclineReason, ServiceType
from mtkcare.referrals.models import (
    ConsentMethod,
    ConsentRecord,
    ConsentStatus,
    Referral,
    ReferralPriority,
    ReferralSource,
    ReferralStatus,
)
from mtkcare.referrals.workflow import ReferralFacts, check_move
from mtkcare.users.service import require_active_user
from mtkcare.validation import Input, validate

TRACKING_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: read out over the phone


def new_tracking_id() -> str:
    return "REF-" + "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(8))


class ReferralInput(Input):
    source: ReferralSource = field(
        "Referral source",
        hint="Where the referral comes from",
        default=ReferralSource.INTERNAL,
        choices={
            ReferralSource.INTERNAL: "Internal",
            ReferralSource.EXTERNAL: "External organisation",
            ReferralSource.SELF: "Self-referral",
        },
    )
    # Organisations are not a reference list: callers pass the active ones as options.
    external_organisation_id: int | None = field(
        "Referring organisation",
        hint="Only active organisations are listed",
        kind=Kind.REFERENCE,
        default=None,
    )
    referrer_name: str | None = field(
        "Referrer's name", default=None, max_length=200, privacy=IDENTIFYING
    )
    referrer_email: EmailStr | None = field(
        "Referrer's email address", default=None, privacy=IDENTIFYING
    )
    referrer_phone: str | None = field(
        "Referrer's phone number",
        kind=Kind.PHONE,
        default=None,
        max_length=40,
        privacy=IDENTIFYING,
    )
    referral_date: date = field(
        "Referral date", hint="The day the referral was made: today or earlier"
    )
    reason: str = field(
        "Reason for referral",
        hint="What the client needs, in the referrer's words where possible",
        kind=Kind.TEXTAREA,
        min_length=1,
        max_length=10000,
        privacy=SENSITIVE,
    )
    priority: ReferralPriority = field(
        "Priority",
        default=ReferralPriority.NORMAL,
        choices={
            ReferralPriority.LOW: "Low",
            ReferralPriority.NORMAL: "Normal",
            ReferralPriority.HIGH: "High",
            ReferralPriority.URGENT: "Urgent",
        },
    )
    service_type_id: int = field("Service type", reference="service_type")
    # Programs are not a reference list either: the ones taking referrals for the service type.
    target_program_id: int | None = field(
        "Program",
        hint="Programs taking referrals for the referral's service type",
        kind=Kind.REFERENCE,
        default=None,
    )
    assigned_staff_id: int | None = field("Assigned staff member", default=None)
    client_id: int | None = field("Client", default=None)

    @field_validator("referral_date")
    @classmethod
    def _not_in_future(cls, value: date) -> date:
        if value > date.today():
            raise ValueError("Enter a referral date that is today or in the past")
        return value

    @field_validator("referrer_email", mode="before")
    @classmethod
    def _blank_email(cls, value: object) -> object:
        return None if value == "" else value

    @model_validator(mode="after")
    def _external_needs_organisation(self) -> ReferralInput:
        if self.source == ReferralSource.EXTERNAL and self.external_organisation_id is None:
            raise ValidationFailed(
                {
                    "external_organisation_id": "Choose the organisation that made this external referral"
                }
            )
        return self


def _check_service_type(session: Session, service_type_id: int) -> None:
    st = session.get(ServiceType, service_type_id)
    if st is None or not st.is_active:
        raise ValidationFailed({"service_type_id": "Choose a service type from the list"})


@reads(Permission.REFERRAL_CREATE)
def check_referral(session: Session, actor: Principal, data: dict[str, object]) -> ReferralInput:
    """Validated referral details, with the service type and organisation checked."""
    details = validate(ReferralInput, data)
    _check_service_type(session, details.service_type_id)
    if details.external_organisation_id is not None:
        require_active_organisation(session, actor, details.external_organisation_id)
    return details


@service(Permission.REFERRAL_CREATE)
def create_referral(session: Session, actor: Principal, **data: object) -> Referral:
    """A new referral, PENDING. Assigning it to someone else than oneself needs
    ``referral.assign``."""
    details = check_referral(session, actor, data)
    if details.target_program_id is not None:
        check_program_matches_service_type(
            session, actor, details.target_program_id, details.service_type_id
        )
    if details.assigned_staff_id is not None:
        if details.assigned_staff_id != actor.user_id:
            require(actor, Permission.REFERRAL_ASSIGN, resource="Referral", session=session)
        require_active_user(session, actor, details.assigned_staff_id)
    if details.client_id is not None:
        from mtkcare.clients.service import require_client

        require_client(session, actor, details.client_id)
    referral = Referral(
        **details.model_dump(),
        tracking_id=new_tracking_id(),
        status=ReferralStatus.PENDING.value,
        status_changed_at=utcnow(),
    )
    session.add(referral)
    return referral


def move_referral(referral: Referral, target: ReferralStatus, facts: ReferralFacts) -> None:
    """Move the referral to ``target`` if the workflow allows it and its guards hold (the
    caller's service gathers ``facts``); InvalidTransition says why not."""
    check_move(referral.status, target, facts)
    referral.status = target.value
    referral.status_changed_at = utcnow()


@service(Permission.REFERRAL_ASSIGN)
def assign_program(
    session: Session, actor: Principal, referral_id: int, program_id: int
) -> Referral:
    referral = get_row(session, Referral, referral_id)
    check_program_matches_service_type(session, actor, program_id, referral.service_type_id)
    referral.target_program_id = program_id
    return referral


@service(Permission.REFERRAL_ASSIGN)
def assign_staff(session: Session, actor: Principal, referral_id: int, staff_id: int) -> Referral:
    referral = get_row(session, Referral, referral_id)
    require_active_user(session, actor, staff_id)
    referral.assigned_staff_id = staff_id
    return referral


@service(Permission.REFERRAL_ASSIGN, Permission.CLIENT_VIEW)
def link_client(session: Session, actor: Principal, referral_id: int, client_id: int) -> Referral:
    from mtkcare.clients.service import require_client

    referral = get_row(session, Referral, referral_id)
    require_client(session, actor, client_id)
    referral.client_id = client_id
    referral.is_orphaned = False
    return referral


# --------------------------------------------------------------------------------------------
# Consent


# What each consent answer asks for beside it, in the order asked, and of those what it needs
# (with the message when it is missing): the service's rule, and both consent forms' layout.
CONSENT_ASKS: dict[ConsentStatus, tuple[str, ...]] = {
    ConsentStatus.OBTAINED: ("method", "scope", "expires_on"),
    ConsentStatus.DECLINED: ("decline_reason_id",),
    ConsentStatus.REQUESTED: ("follow_up_date",),
}
CONSENT_NEEDS: dict[ConsentStatus, dict[str, str]] = {
    ConsentStatus.OBTAINED: {"method": "Choose how the client gave consent"},
    ConsentStatus.DECLINED: {"decline_reason_id": "Choose a reason for declining"},
    ConsentStatus.REQUESTED: {"follow_up_date": "Set a follow-up date that is today or later"},
}


class ConsentInput(Input):
    status: ConsentStatus = field(
        "Consent",
        choices={
            ConsentStatus.OBTAINED: "Consent obtained",
            ConsentStatus.REQUESTED: "Asked, not yet given: follow up later",
            ConsentStatus.DECLINED: "Consent declined: the referral is declined",
        },
        privacy=SENSITIVE,
    )
    method: ConsentMethod | None = field(
        "How consent was given",
        default=None,
        choices={
            ConsentMethod.WRITTEN: "Written (signed form)",
            ConsentMethod.VERBAL: "Verbal",
            ConsentMethod.ELECTRONIC: "Electronic",
            ConsentMethod.GUARDIAN: "By a parent or guardian",
        },
        privacy=SENSITIVE,
    )
    scope: str | None = field(
        "What the consent covers",
        hint="For example: sharing details with housing providers",
        kind=Kind.TEXTAREA,
        default=None,
        max_length=2000,
        privacy=SENSITIVE,
    )
    expires_on: date | None = field(
        "Consent expiry date", hint="Leave blank if the consent does not expire", default=None
    )
    decline_reason_id: int | None = field(
        "Reason for declining", default=None, reference="decline_reason", privacy=SENSITIVE
    )
    follow_up_date: date | None = field(
        "Follow-up date", hint="When to ask the client again: today or later", default=None
    )
    notes: str | None = field(
        "Notes", kind=Kind.TEXTAREA, default=None, max_length=5000, privacy=SENSITIVE
    )

    @model_validator(mode="after")
    def _what_each_answer_needs(self) -> ConsentInput:
        problems = {
            name: message
            for name, message in CONSENT_NEEDS.get(self.status, {}).items()
            if getattr(self, name) is None
        }
        today = date.today()
        if (
            self.status == ConsentStatus.REQUESTED
            and self.follow_up_date is not None
            and self.follow_up_date < today
        ):
            problems["follow_up_date"] = CONSENT_NEEDS[ConsentStatus.REQUESTED]["follow_up_date"]
        if self.expires_on is not None and self.expires_on <= today:
            problems["expires_on"] = "Enter an expiry date in the future"
        if problems:
            raise ValidationFailed(problems)
        return self


CONSENT_TARGET = {
    ConsentStatus.OBTAINED: ReferralStatus.APPROVED,
    ConsentStatus.DECLINED: ReferralStatus.DECLINED,
    ConsentStatus.REQUESTED: ReferralStatus.FOLLOW_UP,
}


def _apply_consent(
    session: Session, actor: Principal, referral: Referral, consent: ConsentInput
) -> ConsentRecord:
    if consent.decline_reason_id is not None:
        reason = session.get(DeclineReason, consent.decline_reason_id)
        if reason is None or not reason.is_active:
            raise ValidationFailed({"decline_reason_id": "Choose a reason from the list"})
    target = CONSENT_TARGET[consent.status]
    if referral.status != target:
        check_move(
            referral.status,
            target,
            ReferralFacts(
                consent_obtained=consent.status == ConsentStatus.OBTAINED,
                consent_declined=consent.status == ConsentStatus.DECLINED,
                decline_reason_given=consent.decline_reason_id is not None,
                follow_up_date=consent.follow_up_date,
                today=date.today(),
            ),
        )
    now = utcnow()
    record = ConsentRecord(
        referral_id=referral.id,  # type: ignore[arg-type]
        client_id=referral.client_id,
        status=consent.status.value,
        method=consent.method.value if consent.method else None,
        scope=consent.scope,
        expires_on=consent.expires_on,
        requested_at=now,
        obtained_at=now if consent.status == ConsentStatus.OBTAINED else None,
        declined_at=now if consent.status == ConsentStatus.DECLINED else None,
        recorded_by=actor.user_id,
        notes=consent.notes,
    )
    session.add(record)
    if referral.status != target:
        referral.status = target.value
        referral.status_changed_at = now
    if consent.status == ConsentStatus.REQUESTED:
        referral.follow_up_date = consent.follow_up_date
    if consent.status == ConsentStatus.DECLINED:
        referral.decline_reason_id = consent.decline_reason_id
        referral.decided_at = now
        referral.decided_by = actor.user_id
    return record


@service(Permission.CONSENT_RECORD)
def record_consent(
    session: Session, actor: Principal, referral_id: int, **data: object
) -> ConsentRecord:
    """Obtained -> approved; declined -> declined with the reason; pending -> follow-up date."""
    consent = validate(ConsentInput, data)
    return _apply_consent(session, actor, get_row(session, Referral, referral_id), consent)


def _awaiting_consent(session: Session, actor: Principal, client_id: int) -> Referral:
    waiting = list(
        session.exec(
            select(Referral).where(
                Referral.client_id == client_id,
                col(Referral.status).in_(
                    [ReferralStatus.AWAITING_CONSENT.value, ReferralStatus.FOLLOW_UP.value]
                ),
            )
        )
    )
    if len(waiting) != 1:
        from mtkcare.clients.service import require_client

        name = require_client(session, actor, client_id)
        raise ValidationFailed(
            {
                f"client_{client_id}": (
                    f"{name} has no referral waiting for consent"
                    if not waiting
                    else f"{name} has {len(waiting)} referrals waiting for consent; "
                    "record their consent one referral at a time"
                )
            }
        )
    return waiting[0]


@service(Permission.CONSENT_RECORD)
def record_bulk_consent(
    session: Session, actor: Principal, client_ids: list[int], **data: object
) -> list[ConsentRecord]:
    """The same consent for several clients at once (each on their one referral waiting for
    consent). All or nothing: any problem with any client saves nothing. Audited per client."""
    consent = validate(ConsentInput, data)
    ids = list(dict.fromkeys(client_ids))
    if not ids:
        raise ValidationFailed({"client_ids": "Select at least one client"})
    errors: dict[str, str] = {}
    referrals: list[Referral] = []
    for client_id in ids:
        try:
            referrals.append(_awaiting_consent(session, actor, client_id))
        except ValidationFailed as exc:
            errors.update(exc.errors)
        except NotFound as exc:
            errors[f"client_{client_id}"] = exc.message
    if errors:
        raise ValidationFailed(errors)
    return [_apply_consent(session, actor, referral, consent) for referral in referrals]


@service(Permission.ENROLMENT_MANAGE)
def start_service(
    session: Session, actor: Principal, referral_id: int, commencement_date: date
) -> Enrolment:
    """Approved referral -> the client's enrolment in the referral's program, and the referral
    becomes ACTIVE (service delivery begins)."""
    referral = get_row(session, Referral, referral_id)
    obtained = session.exec(
        select(ConsentRecord.id).where(
            ConsentRecord.referral_id == referral_id,
            ConsentRecord.status == ConsentStatus.OBTAINED.value,
        )
    ).first()
    check_move(
        referral.status,
        ReferralStatus.ACTIVE,
        ReferralFacts(consent_obtained=obtained is not None, commencement_date=commencement_date),
    )
    if referral.client_id is None or referral.target_program_id is None:
        raise ValidationFailed(
            {"referral": "Link a client and assign a program before service starts"}
        )
    enrolment = Enrolment(
        client_id=referral.client_id,
        program_id=referral.target_program_id,
        referral_id=referral.id,
        status=EnrolmentStatus.ACTIVE.value,
        commencement_date=commencement_date,
    )
    session.add(enrolment)
    referral.commencement_date = commencement_date
    referral.status = ReferralStatus.ACTIVE.value
    referral.status_changed_at = utcnow()
    return enrolment
