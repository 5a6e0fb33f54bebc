"""Referrals: how they enter, get a program and a staff member, and how consent is recorded.
Every status change goes through ``moves.py`` (the rules themselves are ``workflow.py``)."""

from __future__ import annotations

import secrets
from datetime import date

from pydantic import EmailStr, field_validator, model_validator
from sqlmodel import Session, col, select

from mtkcare import dates
from mtkcare.auth.access import reads, require, service
from mtkcare.auth.permissions import Permission
from mtkcare.auth.service import Principal
from mtkcare.db import insert_now, new_row, utcnow
from mtkcare.errors import NotFound, ValidationFailed
from mtkcare.fields import IDENTIFYING, SENSITIVE, Kind, field
from mtkcare.organisations.service import require_active_organisation
from mtkcare.programs.service import check_program_matches_service_type
from mtkcare.reference.cache import Option, lists
from mtkcare.reference.models import DeclineReason
from mtkcare.referrals import live
from mtkcare.referrals.models import (
    ConsentMethod,
    ConsentRecord,
    ConsentStatus,
    Referral,
    ReferralPriority,
    ReferralSource,
    ReferralStatus,
    ReferralStatusHistory,
)
from mtkcare.referrals.moves import (
    MoveInput,
    check_staff_available,
    lock_for_change,
    make_move,
    tell_team_of_arrival,
    visible,
)
from mtkcare.referrals.workflow import find_move
from mtkcare.validation import Input, validate

TRACKING_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: read out over the phone


def new_tracking_id() -> str:
    return "REF-" + "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(8))


def referred_today_or_before(value: date) -> date:
    """A referral date's rule (the intake's, and the partner API's)."""
    if value > dates.today():
        raise ValueError("Enter a referral date that is today or in the past")
    return value


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
    external_reference: str | None = field(
        "Their reference",
        hint="The referring organisation's own reference for this case",
        default=None,
        max_length=100,
    )
    partner_reports_consent: bool | None = field(
        "Consent, as the referrer reports it",
        hint="What the referring organisation says; a consent record is still made by staff",
        kind=Kind.CHECKBOX,
        default=None,
        privacy=SENSITIVE,
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
        return referred_today_or_before(value)

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


def _check_service_type(session: Session, service_type_id: int) -> Option:
    service_type = lists(session).active("service_type", service_type_id)
    if service_type is None:
        raise ValidationFailed({"service_type_id": "Choose a service type from the list"})
    return service_type


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
    if details.assigned_staff_id is not None and details.assigned_staff_id != actor.user_id:
        require(actor, Permission.REFERRAL_ASSIGN, resource="Referral", session=session)
    if details.client_id is not None:
        from mtkcare.clients.service import require_client

        require_client(session, actor, details.client_id)
    service_type = _check_service_type(session, details.service_type_id)
    now = utcnow()
    referral = new_row(
        Referral,
        **details.model_dump(),
        tracking_id=new_tracking_id(),
        status=ReferralStatus.PENDING.value,
        status_changed_at=now,
        consent_required=service_type.consent_required,
    )
    insert_now(session, referral)
    if referral.assigned_staff_id is not None:
        # The same "staff available?" guards as every assignment (active, in the team, room).
        check_staff_available(session, actor, referral, referral.assigned_staff_id)
    # The history's first row: the referral arrived (no ``from``).
    insert_now(
        session,
        new_row(
            ReferralStatusHistory,
            referral_id=referral.id,
            to_status=referral.status,
            changed_by=actor.user_id,
            changed_at=now,
        ),
    )
    if referral.target_program_id is not None:  # else there is no team to tell
        tell_team_of_arrival(session, actor, referral)
    live.announce(session, referral.id)
    return referral


@service(Permission.REFERRAL_ASSIGN)
def assign_program(
    session: Session,
    actor: Principal,
    referral_id: int,
    program_id: int,
    *,
    expected_version: int | None = None,
) -> Referral:
    referral = lock_for_change(session, actor, referral_id, expected_version)
    check_program_matches_service_type(session, actor, program_id, referral.service_type_id)
    if referral.target_program_id != program_id:
        referral.target_program_id = program_id
        referral.version += 1
        live.announce(session, referral.id)
    return referral


@service(Permission.REFERRAL_ASSIGN, Permission.CLIENT_VIEW)
def link_client(
    session: Session,
    actor: Principal,
    referral_id: int,
    client_id: int,
    *,
    expected_version: int | None = None,
) -> Referral:
    from mtkcare.clients.service import require_client

    referral = lock_for_change(session, actor, referral_id, expected_version)
    require_client(session, actor, client_id)
    referral.client_id = client_id
    referral.is_orphaned = False
    referral.version += 1
    live.announce(session, referral.id)
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
        today = dates.today()
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
    """Keep the consent record, then make the move it leads to (the move service checks the
    move's permission and guards, and writes the history)."""
    if consent.decline_reason_id is not None:
        reason = session.get(DeclineReason, consent.decline_reason_id)
        if reason is None or not reason.is_active:
            raise ValidationFailed({"decline_reason_id": "Choose a reason from the list"})
    target = CONSENT_TARGET[consent.status]
    move = None if referral.status == target else find_move(referral.status, target)
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
    session.flush()
    if move is None:  # asked again while following up: a new follow-up date
        if consent.status == ConsentStatus.REQUESTED:
            referral.follow_up_date = consent.follow_up_date
            referral.version += 1
            live.announce(session, referral.id)
        return record
    asked = {
        "decline_reason_id": consent.decline_reason_id,
        "follow_up_date": consent.follow_up_date,
    }
    make_move(
        session,
        actor,
        referral,
        move,
        MoveInput(**{name: value for name, value in asked.items() if name in move.asks}),
    )
    return record


@service(Permission.CONSENT_RECORD)
def record_consent(
    session: Session,
    actor: Principal,
    referral_id: int,
    *,
    expected_version: int | None = None,
    **data: object,
) -> ConsentRecord:
    """Obtained -> approved; declined -> declined with the reason; pending -> follow-up date."""
    consent = validate(ConsentInput, data)
    referral = lock_for_change(session, actor, referral_id, expected_version)
    return _apply_consent(session, actor, referral, consent)


def _awaiting_consent(session: Session, actor: Principal, client_id: int) -> Referral:
    waiting = list(
        session.exec(
            select(Referral)
            .where(
                Referral.client_id == client_id,
                col(Referral.status).in_(
                    [ReferralStatus.AWAITING_CONSENT.value, ReferralStatus.FOLLOW_UP.value]
                ),
                visible(session, actor),
            )
            .with_for_update()
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
