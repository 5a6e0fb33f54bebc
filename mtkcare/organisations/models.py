"""External organisations that refer clients, with the credentials their systems use."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from mtkcare.db import USER_FK, Audited, SoftDelete, utcnow


class OrganisationType(StrEnum):
    GOVERNMENT = "GOVERNMENT"
    HEALTH = "HEALTH"
    EDUCATION = "EDUCATION"
    COMMUNITY = "COMMUNITY"
    JUSTICE = "JUSTICE"
    OTHER = "OTHER"


class ExternalOrganisation(Audited, SoftDelete, table=True):
    __tablename__ = "external_organisation_management_externalorganisation"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, nullable=False, index=True)
    org_type: str = Field(default=OrganisationType.OTHER.value, max_length=12, nullable=False)
    contact_name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=40)
    address: str | None = Field(default=None, sa_type=sa.Text)
    is_active: bool = Field(default=True, nullable=False)
    # Where decisions on its referrals are sent (declined, withdrawn, service started): an
    # https webhook, an e-mail address, or both.
    notice_webhook_url: str | None = Field(default=None, max_length=500)
    notice_email: str | None = Field(default=None, max_length=254)
    # Partner API requests a minute this organisation may send (None: MTKCARE_API_RATE_LIMIT).
    api_rate_limit: int | None = Field(default=None)


class ApiKey(Audited, table=True):
    """One API key of an organisation's system. The key itself is shown once, when issued;
    only its visible ``prefix`` and a keyed hash (HMAC-SHA256 under the app's secret) are
    kept. A rotated key stays valid until its ``expires_at`` (the grace period); a revoked one
    stops at once."""

    __tablename__ = "external_organisation_management_apikey"
    # The audit trail is kept for years and read by auditors: it keeps that a key was
    # issued, by whom and its prefix, never anything that could check a guess.
    __audit_redact__ = frozenset({"key_hash"})

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(
        foreign_key="external_organisation_management_externalorganisation.id",
        nullable=False,
        index=True,
    )
    prefix: str = Field(max_length=16, nullable=False, unique=True)
    key_hash: str = Field(max_length=64, nullable=False)
    expires_at: datetime | None = Field(default=None)
    last_used_at: datetime | None = Field(default=None)
    revoked_at: datetime | None = Field(default=None)
    revoked_by: int | None = Field(default=None, foreign_key=USER_FK)
    # The key that replaced this one, when it was rotated.
    replaced_by_id: int | None = Field(
        default=None, foreign_key="external_organisation_management_apikey.id"
    )


class IdempotencyKey(SQLModel, table=True):
    """The answer given to an organisation's request that carried an ``Idempotency-Key``: the
    same key with the same body gets this answer again (and nothing is created twice); with
    another body, 409. Kept at least 24 hours (``api.idempotency``)."""

    __tablename__ = "external_organisation_management_idempotencykey"
    __table_args__ = (sa.UniqueConstraint("organisation_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(
        foreign_key="external_organisation_management_externalorganisation.id", nullable=False
    )
    key: str = Field(max_length=200, nullable=False)
    request_sha256: str = Field(max_length=64, nullable=False)
    status_code: int = Field(nullable=False)
    response_body: str = Field(sa_type=sa.Text, nullable=False)
    location: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow, nullable=False, index=True)


class ApiAccessLog(SQLModel, table=True):
    """Every call of the partner API (the design document's "Log API Access"): who (the
    organisation, by its key's prefix), what, the answer, how long it took, from where.
    Written in batches (``mtkcare.api.access_log``), never a transaction of its own per call."""

    __tablename__ = "external_organisation_management_apiaccesslog"
    __table_args__ = (
        sa.Index("ix_apiaccesslog_organisation_id_timestamp", "organisation_id", "timestamp"),
    )

    id: int | None = Field(default=None, primary_key=True)
    timestamp: datetime = Field(default_factory=utcnow, nullable=False)
    organisation_id: int | None = Field(
        default=None, foreign_key="external_organisation_management_externalorganisation.id"
    )
    key_prefix: str | None = Field(default=None, max_length=16)
    method: str = Field(max_length=10, nullable=False)
    path: str = Field(max_length=300, nullable=False)
    status: int = Field(nullable=False)
    duration_ms: float = Field(nullable=False)
    ip_address: str | None = Field(default=None, max_length=45)
    idempotency_key: str | None = Field(default=None, max_length=200)
