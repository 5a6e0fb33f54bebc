"""What a client's record page sends the browser: small typed views, and the helpers that
read its forms (no Reflex state here)."""

from __future__ import annotations

from dataclasses import dataclass

from mtkcare import dates
from mtkcare.clients import record as rec

PROFILE_FORM = "profile"
CONTACT_FORM = "contact"
IDENTITY_FORM = "identity"
RISK_FORM = "risk"
IDENTITY_PREFIX = "identity:"


# --------------------------------------------------------------------------------------------
# What the browser receives


@dataclass
class Fact:
    label: str
    value: str  # "" when nothing is recorded


@dataclass
class ContactCard:
    id: int
    name: str
    relationship: str
    phone: str
    email: str
    main: bool
    notes: str


@dataclass
class IdentityChoice:
    id: int
    label: str
    field: str  # the checkbox's name in the form
    held: bool


@dataclass
class Assessment:
    level: str
    level_label: str
    factors: str
    notes: str
    assessed_by: str
    assessed_at: str
    recorded_by: str = ""
    recorded_at: str = ""


@dataclass
class ReferralLine:
    id: int
    tracking_id: str
    date: str
    status_label: str
    program: str
    orphaned: bool


@dataclass
class EnrolmentLine:
    id: int
    program: str
    status_label: str
    commencement: str
    end: str
    referral_id: int = 0


@dataclass
class HistoryLine:
    id: int
    sentence: str


def assessment_view(view: rec.RiskView) -> Assessment:
    return Assessment(
        level=view.level,
        level_label=view.level_label,
        factors=view.factors,
        notes=view.notes,
        assessed_by=view.assessed_by,
        assessed_at=dates.moment(view.assessed_at),
    )


def deleted_note(record: rec.ClientRecord) -> str:
    if not record.is_deleted:
        return ""
    by = record.deleted_by or "someone no longer on the staff list"
    when = dates.moment(record.deleted_at)
    return f"This client was deleted on {when} by {by}; their referrals are kept."
