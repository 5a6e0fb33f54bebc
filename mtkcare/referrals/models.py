"""Referrals (the entry point of every flow) and the consent records that decide them."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field

from mtkcare.db import USER_FK, Audited, SoftDelete


class ReferralStatus(StrEnum):
    PENDING = "PENDING"  # submitted, awaiting initial assessment
    ASSESSED = "ASSESSED"  # meets criteria, program assigned
    AWAITING_CONSENT = "AWAITING_CONSENT"  # staff assigned, consent requested
    FOLLOW_UP = "FOLLOW_UP"  # consent pending, follow-up date set
    APPROVED = "APPROVED"  # consent obtained, commencement to schedule
    ACTIVE = "ACTIVE"  # enrolled, service delivery under way
    DECLINED = "DECLINED"  # did not meet criteria, or the client declined consent
    CLOSED = "CLOSED"  # service finished, or closed without starting
    WITHDRAWN = "WITHDRAWN"  # the client or the referrer withdrew it


class WithdrawnBy(StrEnum):
    CLIENT = "CLIENT"
    REFERRER = "REFERRER"


class ReferralSource(StrEnum):
    EXTERNAL = "EXTERNAL"
    INTERNAL = "INTERNAL"
    SELF = "SELF"


class ReferralPriority(StrEnum):
    LOW = "LOW"
    NORMAL = "NORMAL"
    HIGH = "HIGH"
    URGENT = "URGENT"


class ConsentStatus(StrEnum):
    REQUESTED = "REQUESTED"
    OBTAINED = "OBTAINED"
    DECLINED = "DECLINED"
    WITHDRAWN = "WITHDRAWN"


class ConsentMethod(StrEnum):
    WRITTEN = "WRITTEN"
    VERBAL = "VERBAL"
    ELECTRONIC = "ELECTRONIC"
    GUARDIAN = "GUARDIAN"


class Referral(Audited, SoftDelete, table=True):
    __tablename__ = "referral_management_referral"
    __table_args__ = (
        sa.Index("ix_referral_management_referral_status_is_deleted", "status", "is_deleted"),
        # The board: a column's cards by priority, then longest waiting first.
        sa.Index(
            "ix_referral_management_referral_board",
            "status",
            "priority",
            "status_changed_at",
            "id",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    tracking_id: str = Field(max_length=20, unique=True, nullable=False)
    client_id: int | None = Field(
        default=None, foreign_key="client_management_client.id", index=True
    )
    source: str = Field(default=ReferralSource.INTERNAL.value, max_length=10, nullable=False)
    external_organisation_id: int | None = Field(
        default=None,
        foreign_key="external_organisation_management_externalorganisation.id",
        index=True,
    )
    referrer_name: str | None = Field(default=None, max_length=200)
    referrer_email: str | None = Field(default=None, max_length=254)
    referrer_phone: str | None = Field(default=None, max_length=40)
    # What a referring organisation's system said (the partner API): its own reference for
    # the case, and whether it says the client consented. Information for staff only: the
    # workflow's consent guard still needs a consent record that staff make.
    external_reference: str | None = Field(default=None, max_length=100)
    partner_reports_consent: bool | None = Field(default=None)
    referral_date: date = Field(nullable=False)
    reason: str = Field(sa_type=sa.Text, nullable=False)
    priority: str = Field(default=ReferralPriority.NORMAL.value, max_length=10, nullable=False)
    service_type_id: int | None = Field(default=None, foreign_key="reference_servicetype.id")
    target_program_id: int | None = Field(
        default=None, foreign_key="programs_program.id", index=True
    )
    assigned_staff_id: int | None = Field(default=None, foreign_key=USER_FK, index=True)
    status: str = Field(default=ReferralStatus.PENDING.value, max_length=20, nullable=False)
    status_changed_at: datetime | None = Field(default=None)
    follow_up_date: date | None = Field(default=None)
    commencement_date: date | None = Field(default=None)
    decline_reason_id: int | None = Field(default=None, foreign_key="reference_declinereason.id")
    decline_notes: str | None = Field(default=None, sa_type=sa.Text)
    decided_at: datetime | None = Field(default=None)
    decided_by: int | None = Field(default=None, foreign_key=USER_FK)
    # Copied from the service type when the referral is made (see ServiceType).
    consent_required: bool = Field(default=True, nullable=False)
    # Set when the referral's client is soft-deleted: the referral stays for reporting.
    is_orphaned: bool = Field(
        default=False, nullable=False, sa_column_kwargs={"server_default": sa.false()}
    )
    # Bumped by every change: a move or edit made on an older version is refused.
    version: int = Field(default=1, nullable=False, sa_column_kwargs={"server_default": "1"})
    # The duplicate check of a client the partner API created (referrals/duplicate_check.py):
    # when it ran, and the existing client it found likely to be the same person — "possible
    # duplicate — check" until staff link the referral to them or say it is someone else.
    duplicate_checked_at: datetime | None = Field(default=None)
    possible_duplicate_of_id: int | None = Field(
        default=None, foreign_key="client_management_client.id", index=True
    )


class ConsentRecord(Audited, SoftDelete, table=True):
    __tablename__ = "referral_management_consentrecord"

    id: int | None = Field(default=None, primary_key=True)
    referral_id: int = Field(
        foreign_key="referral_management_referral.id", nullable=False, index=True
    )
    client_id: int | None = Field(
        default=None, foreign_key="client_management_client.id", index=True
    )
    status: str = Field(default=ConsentStatus.REQUESTED.value, max_length=12, nullable=False)
    method: str | None = Field(default=None, max_length=12)
    scope: str | None = Field(default=None, sa_type=sa.Text)
    requested_at: datetime | None = Field(default=None)
    obtained_at: datetime | None = Field(default=None)
    declined_at: datetime | None = Field(default=None)
    expires_on: date | None = Field(default=None)
    recorded_by: int | None = Field(default=None, foreign_key=USER_FK)
    notes: str | None = Field(default=None, sa_type=sa.Text)


class ReferralStatusHistory(Audited, table=True):
    """One row per status change (and one for the referral's creation, with no ``from``):
    the referral page's timeline. Written only by the move service, never changed."""

    __tablename__ = "referral_management_referralstatushistory"

    id: int | None = Field(default=None, primary_key=True)
    referral_id: int = Field(
        foreign_key="referral_management_referral.id", nullable=False, index=True
    )
    from_status: str | None = Field(default=None, max_length=20)
    to_status: str = Field(max_length=20, nullable=False)
    changed_by: int | None = Field(default=None, foreign_key=USER_FK)
    changed_at: datetime = Field(nullable=False)
    reason: str | None = Field(default=None, sa_type=sa.Text)
    note: str | None = Field(default=None, sa_type=sa.Text)
    # Which rule a permitted user set aside for this move ("consent", "caseload"), and why.
    overrides: str | None = Field(default=None, max_length=40)
    override_reason: str | None = Field(default=None, sa_type=sa.Text)


class ReferralNote(Audited, SoftDelete, table=True):
    """A note on a referral, by a member of staff (its author and time are the audit stamps)."""

    __tablename__ = "referral_management_referralnote"

    id: int | None = Field(default=None, primary_key=True)
    referral_id: int = Field(
        foreign_key="referral_management_referral.id", nullable=False, index=True
    )
    text: str = Field(sa_type=sa.Text, nullable=False)
