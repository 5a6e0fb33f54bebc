"""External organisations that refer clients: their details, their partner-API limit and
where decisions on their referrals are sent; deactivating one stops its API keys at once
(``mtkcare.api.keys.authenticate_key`` reads ``is_active`` on every request)."""

from __future__ import annotations

import sqlalchemy as sa
from pydantic import EmailStr, field_validator
from sqlmodel import Session, col, select

from mtkcare.auth.access import reads, service
from mtkcare.auth.permissions import Permission
from mtkcare.auth.service import Principal
from mtkcare.db import get_row, read_rows
from mtkcare.errors import ValidationFailed
from mtkcare.fields import IDENTIFYING, Kind, field
from mtkcare.notifications.outbound import webhook_problem
from mtkcare.organisations.models import ExternalOrganisation, OrganisationType
from mtkcare.validation import Input, validate

TYPE_WORDS: dict[str, str] = {
    OrganisationType.GOVERNMENT.value: "Government agency",
    OrganisationType.HEALTH.value: "Health provider",
    OrganisationType.EDUCATION.value: "School or education provider",
    OrganisationType.COMMUNITY.value: "Community organisation",
    OrganisationType.JUSTICE.value: "Justice or police",
    OrganisationType.OTHER.value: "Other",
}
# Partner API requests a minute one organisation may be given (the default is
# MTKCARE_API_RATE_LIMIT).
MAX_RATE_LIMIT = 100_000


class OrganisationInput(Input):
    name: str = field("Organisation name", min_length=1, max_length=200)
    org_type: OrganisationType = field("Type", default=OrganisationType.OTHER, choices=TYPE_WORDS)
    contact_name: str | None = field(
        "Contact name",
        hint="The person we talk to there",
        default=None,
        max_length=200,
        privacy=IDENTIFYING,
    )
    email: EmailStr | None = field("Email address", default=None, privacy=IDENTIFYING)
    phone: str | None = field("Phone number", default=None, max_length=40, privacy=IDENTIFYING)
    address: str | None = field("Address", kind=Kind.TEXTAREA, default=None, max_length=1000)
    api_rate_limit: int | None = field(
        "API requests a minute",
        hint="How many partner API requests a minute its systems may send. Leave blank for "
        "the default every organisation gets.",
        default=None,
        ge=1,
        le=MAX_RATE_LIMIT,
    )

    @field_validator("email", mode="before")
    @classmethod
    def _blank_email(cls, value: object) -> object:
        return None if value == "" else value


class NoticeInput(Input):
    """Where an organisation hears of decisions on its referrals."""

    notice_webhook_url: str | None = field(
        "Webhook address for decision notices",
        hint="Its system gets a JSON message here when a referral is declined, withdrawn or "
        "starts service. It must start with https://",
        default=None,
        max_length=500,
    )
    notice_email: EmailStr | None = field(
        "E-mail for decision notices",
        hint="Someone there gets an e-mail for the same decisions",
        default=None,
    )

    @field_validator("notice_webhook_url", "notice_email", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("notice_webhook_url")
    @classmethod
    def _https(cls, value: str | None) -> str | None:
        if value is not None:
            problem = webhook_problem(value)
            if problem is not None:
                raise ValueError(problem)
        return value


@service(Permission.ORGANISATION_MANAGE)
def set_decision_notices(
    session: Session, actor: Principal, organisation_id: int, **data: object
) -> ExternalOrganisation:
    """Set (or clear) the organisation's webhook and e-mail for decision notices."""
    details = validate(NoticeInput, data)
    org = get_row(session, ExternalOrganisation, organisation_id)
    org.notice_webhook_url = details.notice_webhook_url
    org.notice_email = str(details.notice_email) if details.notice_email else None
    session.add(org)
    return org


@reads()
def active_organisations(session: Session, actor: Principal) -> list[ExternalOrganisation]:
    """Organisations that may refer clients now, by name (for choice lists)."""
    return list(
        session.exec(
            select(ExternalOrganisation)
            .where(ExternalOrganisation.is_active)
            .order_by(col(ExternalOrganisation.name))
        )
    )


@reads()
def require_active_organisation(
    session: Session,
    actor: Principal,
    organisation_id: int,
    *,
    field: str = "external_organisation_id",
) -> None:
    """The organisation may refer clients now (active, not deleted); else ValidationFailed
    naming ``field``. Two plain columns, not the ORM row: every referral from outside asks."""
    session.flush()  # a change to it made in this session counts (nothing to do if none)
    found = read_rows(session.connection(), _STANDING, {"id": organisation_id})
    if not found or found[0] != (True, False):  # (is_active, is_deleted)
        raise ValidationFailed({field: "Choose an organisation that is active"})


_ORGANISATIONS = ExternalOrganisation.__table__  # type: ignore[attr-defined]
_STANDING = sa.select(_ORGANISATIONS.c.is_active, _ORGANISATIONS.c.is_deleted).where(
    _ORGANISATIONS.c.id == sa.bindparam("id")
)


def _details(data: dict[str, object]) -> OrganisationInput:
    details = validate(OrganisationInput, data)
    # One space between words, as the command line cleans a name (so both find the same one).
    details.name = " ".join(details.name.split())
    return details


@service(Permission.ORGANISATION_MANAGE)
def create_organisation(session: Session, actor: Principal, **data: object) -> ExternalOrganisation:
    details = _details(data)
    org = ExternalOrganisation(**details.model_dump())
    session.add(org)
    return org


@service(Permission.ORGANISATION_MANAGE)
def update_organisation(
    session: Session, actor: Principal, organisation_id: int, **data: object
) -> ExternalOrganisation:
    """Change an organisation's details and API limit (fields not given keep their values);
    the audit row names each change."""
    org = get_row(session, ExternalOrganisation, organisation_id)
    current = {name: getattr(org, name) for name in OrganisationInput.model_fields}
    details = _details({**current, **data})
    for name, value in details.model_dump().items():
        setattr(org, name, value)
    session.add(org)
    return org


@service(Permission.ORGANISATION_MANAGE)
def deactivate_organisation(
    session: Session, actor: Principal, organisation_id: int
) -> ExternalOrganisation:
    """The organisation stops: every API key of it is refused (403) from its next request,
    and it can no longer be chosen for new referrals. Its referrals, keys and log are kept."""
    org = get_row(session, ExternalOrganisation, organisation_id)
    if not org.is_active:
        raise ValidationFailed({"organisation_id": "This organisation is already inactive"})
    org.is_active = False
    session.add(org)
    return org


@service(Permission.ORGANISATION_MANAGE)
def reactivate_organisation(
    session: Session, actor: Principal, organisation_id: int
) -> ExternalOrganisation:
    """The organisation may refer again; its keys that are neither revoked nor expired work
    again."""
    org = get_row(session, ExternalOrganisation, organisation_id)
    if org.is_active:
        raise ValidationFailed({"organisation_id": "This organisation is already active"})
    org.is_active = True
    session.add(org)
    return org


@service(Permission.ORGANISATION_MANAGE)
def delete_organisation(
    session: Session, actor: Principal, organisation_id: int
) -> ExternalOrganisation:
    org = get_row(session, ExternalOrganisation, organisation_id)
    org.is_deleted = True
    return org
