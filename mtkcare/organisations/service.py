"""External organisations that refer clients."""

from __future__ import annotations

from pydantic import EmailStr, Field, field_validator
from sqlmodel import Session, col, select

from mtkcare.auth.access import reads, service
from mtkcare.auth.permissions import Permission
from mtkcare.auth.service import Principal
from mtkcare.db import get_row
from mtkcare.errors import ValidationFailed
from mtkcare.notifications.outbound import webhook_problem
from mtkcare.organisations.models import ExternalOrganisation, OrganisationType
from mtkcare.validation import Input, validate


class OrganisationInput(Input):
    name: str = Field(title="Organisation name", min_length=1, max_length=200)
    org_type: OrganisationType = Field(default=OrganisationType.OTHER, title="Type")
    contact_name: str | None = Field(default=None, title="Contact name", max_length=200)
    email: EmailStr | None = Field(default=None, title="Email address")
    phone: str | None = Field(default=None, title="Phone number", max_length=40)
    address: str | None = Field(default=None, title="Address", max_length=1000)

    @field_validator("email", mode="before")
    @classmethod
    def _blank_email(cls, value: object) -> object:
        return None if value == "" else value


class NoticeInput(Input):
    """Where an organisation hears of decisions on its referrals."""

    notice_webhook_url: str | None = Field(
        default=None, title="Webhook address for decision notices", max_length=500
    )
    notice_email: EmailStr | None = Field(default=None, title="E-mail for decision notices")

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
) -> ExternalOrganisation:
    org = session.get(ExternalOrganisation, organisation_id)
    if org is None or org.is_deleted or not org.is_active:
        raise ValidationFailed({field: "Choose an organisation that is active"})
    return org


@service(Permission.ORGANISATION_MANAGE)
def create_organisation(session: Session, actor: Principal, **data: object) -> ExternalOrganisation:
    details = validate(OrganisationInput, data)
    org = ExternalOrganisation(**details.model_dump())
    session.add(org)
    return org


@service(Permission.ORGANISATION_MANAGE)
def delete_organisation(
    session: Session, actor: Principal, organisation_id: int
) -> ExternalOrganisation:
    org = get_row(session, ExternalOrganisation, organisation_id)
    org.is_deleted = True
    return org
