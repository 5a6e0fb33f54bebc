"""Client business functions: every write validates, writes and is audited in the caller's
transaction (the audit rows come from the session hooks in mtkcare.db)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import sqlalchemy as sa
from pydantic import AfterValidator, BaseModel, EmailStr, Field, field_validator
from sqlmodel import Session, col, func, select

from mtkcare.audit.models import AuditAction
from mtkcare.audit.service import record_event
from mtkcare.auth.access import require
from mtkcare.auth.permissions import Permission
from mtkcare.auth.service import Principal
from mtkcare.clients.models import (
    Client,
    ClientCulturalIdentity,
    ClientEmergencyContact,
    Gender,
    RiskLevel,
)
from mtkcare.db import service, url_of, utcnow
from mtkcare.errors import EditConflict, NotFound, ValidationFailed
from mtkcare.reference.models import CulturalIdentity, Language, RelationshipType
from mtkcare.referrals.models import Referral
from mtkcare.users.models import User
from mtkcare.validation import Input, validate

# --------------------------------------------------------------------------------------------
# Inputs


def _phone(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    digits = [c for c in value if c.isdigit()]
    allowed = set("0123456789 +-()")
    if len(digits) < 6 or len(digits) > 15 or not set(value) <= allowed:
        raise ValueError("Enter a phone number with 6 to 15 digits, like 021 555 0123")
    return value


Phone = Annotated[str | None, AfterValidator(_phone)]


class ClientDetails(Input):
    first_name: str = Field(title="First name", min_length=1, max_length=100)
    last_name: str = Field(title="Last name", min_length=1, max_length=100)
    preferred_name: str | None = Field(default=None, title="Preferred name", max_length=100)
    date_of_birth: date = Field(title="Date of birth")
    gender: Gender = Field(default=Gender.NOT_STATED, title="Gender")
    email: EmailStr | None = Field(default=None, title="Email address")
    phone: Phone = Field(default=None, title="Phone number")
    address_line1: str | None = Field(default=None, title="Address line 1", max_length=200)
    address_line2: str | None = Field(default=None, title="Address line 2", max_length=200)
    suburb: str | None = Field(default=None, title="Suburb", max_length=100)
    city: str | None = Field(default=None, title="Town or city", max_length=100)
    postcode: str | None = Field(default=None, title="Postcode", max_length=10)
    primary_language_id: int | None = Field(default=None, title="Primary language")
    interpreter_required: bool = Field(default=False, title="Interpreter needed")
    notes: str | None = Field(default=None, title="Notes", max_length=5000)

    @field_validator("date_of_birth")
    @classmethod
    def _in_the_past(cls, value: date) -> date:
        if value >= date.today():
            raise ValueError("Enter a date of birth in the past")
        if value.year < 1900:
            raise ValueError("Enter a date of birth after 1900")
        return value

    @field_validator("email", mode="before")
    @classmethod
    def _blank_email(cls, value: object) -> object:
        return None if value == "" else value


class EmergencyContactInput(Input):
    name: str = Field(title="Contact's name", min_length=1, max_length=200)
    relationship_type_id: int | None = Field(default=None, title="Relationship")
    phone: Phone = Field(default=None, title="Contact's phone number")
    email: EmailStr | None = Field(default=None, title="Contact's email address")
    is_primary: bool = Field(default=False, title="Main contact")
    notes: str | None = Field(default=None, title="Notes", max_length=2000)

    @field_validator("email", mode="before")
    @classmethod
    def _blank_email(cls, value: object) -> object:
        return None if value == "" else value


class RiskAssessmentInput(Input):
    risk_level: RiskLevel = Field(title="Risk level")
    risk_factors: str | None = Field(default=None, title="Risk factors", max_length=5000)
    risk_notes: str | None = Field(default=None, title="Risk notes", max_length=5000)


# --------------------------------------------------------------------------------------------
# Views (what callers, and the browser, may receive)


class ClientRow(BaseModel):
    id: int
    full_name: str
    preferred_name: str
    date_of_birth: str
    phone: str
    city: str
    risk_level: str


class ClientPage(BaseModel):
    rows: list[ClientRow]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def _row(c: Client) -> ClientRow:
    return ClientRow(
        id=c.id or 0,
        full_name=f"{c.last_name}, {c.first_name}",
        preferred_name=c.preferred_name or "",
        date_of_birth=c.date_of_birth.isoformat(),
        phone=c.phone or "",
        city=c.city or "",
        risk_level=c.risk_level or "",
    )


# --------------------------------------------------------------------------------------------
# Reads


def get_client(session: Session, client_id: int, *, include_deleted: bool = False) -> Client:
    stmt = select(Client).where(Client.id == client_id)
    if include_deleted:
        stmt = stmt.execution_options(include_deleted=True)
    client = session.exec(stmt).first()
    if client is None:
        raise NotFound(f"There is no client with id {client_id}")
    return client


def list_clients(
    session: Session, *, page: int = 1, page_size: int = 25, search: str = ""
) -> ClientPage:
    """One page of clients, sorted by name; ``search`` matches the start of either name,
    the preferred name, or the phone number."""
    page = max(1, page)
    page_size = min(max(1, page_size), 200)
    stmt = select(Client)
    count = select(func.count()).select_from(Client)
    term = search.strip()
    if term:
        # Staff type names, not patterns: % and _ match themselves.
        escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like = f"{escaped.lower()}%"
        cond = sa.or_(
            func.lower(Client.first_name).like(like, escape="\\"),
            func.lower(Client.last_name).like(like, escape="\\"),
            func.lower(func.coalesce(Client.preferred_name, "")).like(like, escape="\\"),
            col(Client.phone).like(f"{escaped}%", escape="\\"),
        )
        stmt = stmt.where(cond)
        count = count.where(cond)
    total = session.exec(count).one()
    last_page = max(1, -(-total // page_size))
    page = min(page, last_page)
    rows = session.exec(
        stmt.order_by(col(Client.last_name), col(Client.first_name), col(Client.id))
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    return ClientPage(rows=[_row(c) for c in rows], total=total, page=page, page_size=page_size)


def load_client_for(
    session: Session,
    principal: Principal | None,
    client_id: int,
    *,
    include_deleted: bool = False,
) -> Client:
    """The client, if ``principal`` may see clients (NotFound and NotAllowed otherwise).
    Looking at a client is itself audited (who looked at whom), in the caller's transaction.
    Callers that show risk details check ``client.view_risk`` on top. A deleted client is
    only found with ``include_deleted``, which needs the permission to delete (and restore)
    clients."""
    viewer = require(
        principal,
        Permission.CLIENT_VIEW,
        resource="Client",
        resource_id=client_id,
        url=url_of(session),
    )
    if include_deleted:
        require(
            viewer,
            Permission.CLIENT_DELETE,
            resource="Client",
            resource_id=client_id,
            url=url_of(session),
        )
    client = get_client(session, client_id, include_deleted=include_deleted)
    record_event(session, AuditAction.VIEW, "Client", user_id=viewer.user_id, resource_id=client_id)
    return client


# --------------------------------------------------------------------------------------------
# Writes


def _check_language(session: Session, language_id: int | None) -> None:
    if language_id is None:
        return
    language = session.get(Language, language_id)
    if language is None or not language.is_active:
        raise ValidationFailed({"primary_language_id": "Choose a primary language from the list"})


def check_client_details(session: Session, data: dict[str, object]) -> ClientDetails:
    """Validated client details, with the language checked against reference data."""
    details = validate(ClientDetails, data)
    _check_language(session, details.primary_language_id)
    return details


@service
def create_client(session: Session, actor: User | None, **data: object) -> Client:
    details = check_client_details(session, data)
    client = Client(**details.model_dump())
    session.add(client)
    session.flush()
    return client


@service
def update_client(
    session: Session,
    actor: User | None,
    client_id: int,
    *,
    expected_version: int | None = None,
    **changes: object,
) -> Client:
    """Save changed details. ``expected_version`` is the version the user's form was opened
    on: if someone else saved (or deleted) the client since, nothing is saved."""
    # FOR UPDATE: a concurrent save waits for this one, then sees the new version.
    client = session.exec(
        select(Client)
        .where(Client.id == client_id)
        .with_for_update()
        .execution_options(include_deleted=True, populate_existing=True)
    ).first()
    if client is None:
        raise NotFound(f"There is no client with id {client_id}")
    if client.is_deleted:
        raise EditConflict("This client has been deleted by someone else; nothing was saved.")
    if expected_version is not None and client.version != expected_version:
        raise EditConflict(
            "Someone else changed this client while you were editing. Nothing was saved: "
            "reload to see their changes, then make yours again."
        )
    current = ClientDetails.model_validate(
        {name: getattr(client, name) for name in ClientDetails.model_fields}, strict=False
    ).model_dump()
    details = validate(ClientDetails, {**current, **changes})
    _check_language(session, details.primary_language_id)
    for name, value in details.model_dump().items():
        setattr(client, name, value)
    if session.is_modified(client):
        client.version += 1
    session.flush()
    return client


@service
def add_emergency_contact(
    session: Session, actor: User | None, client_id: int, **data: object
) -> ClientEmergencyContact:
    get_client(session, client_id)
    contact = validate(EmergencyContactInput, data)
    if not contact.phone:
        raise ValidationFailed({"phone": "Enter a phone number for the emergency contact"})
    if contact.relationship_type_id is not None:
        rel = session.get(RelationshipType, contact.relationship_type_id)
        if rel is None or not rel.is_active:
            raise ValidationFailed({"relationship_type_id": "Choose a relationship from the list"})
    row = ClientEmergencyContact(client_id=client_id, **contact.model_dump())
    session.add(row)
    session.flush()
    return row


@service
def set_cultural_identities(
    session: Session,
    actor: User | None,
    client_id: int,
    identity_ids: list[int],
    notes: str | None = None,
) -> list[int]:
    """Make the client's identities exactly ``identity_ids`` (removed ones are soft-deleted,
    re-added ones restored)."""
    client = get_client(session, client_id)
    wanted = set(identity_ids)
    if wanted:
        found = set(
            session.exec(
                select(CulturalIdentity.id).where(
                    col(CulturalIdentity.id).in_(wanted), CulturalIdentity.is_active
                )
            ).all()
        )
        if found != wanted:
            raise ValidationFailed(
                {"cultural_identities": "Choose cultural identities from the list"}
            )
    existing = {
        link.cultural_identity_id: link
        for link in session.exec(
            select(ClientCulturalIdentity)
            .where(ClientCulturalIdentity.client_id == client_id)
            .execution_options(include_deleted=True)
        )
    }
    for identity_id, link in existing.items():
        link.is_deleted = identity_id not in wanted
    for identity_id in wanted - existing.keys():
        session.add(ClientCulturalIdentity(client_id=client_id, cultural_identity_id=identity_id))
    if notes is not None:
        client.cultural_identity_notes = notes.strip() or None
    session.flush()
    return sorted(wanted)


@service
def assess_risk(session: Session, actor: User | None, client_id: int, **data: object) -> Client:
    assessment = validate(RiskAssessmentInput, data)
    client = get_client(session, client_id)
    client.risk_level = assessment.risk_level.value
    client.risk_factors = assessment.risk_factors
    client.risk_notes = assessment.risk_notes
    client.risk_assessed_at = utcnow()
    client.risk_assessed_by = actor.id if actor else None
    session.flush()
    return client


@service
def delete_client(session: Session, actor: User | None, client_id: int) -> Client:
    """Soft-delete the client. Their referrals stay, marked orphaned (design: cascade rules)."""
    client = get_client(session, client_id)
    client.is_deleted = True
    for referral in session.exec(select(Referral).where(Referral.client_id == client_id)):
        referral.is_orphaned = True
    session.flush()
    return client


@service
def restore_client(session: Session, actor: User | None, client_id: int) -> Client:
    client = get_client(session, client_id, include_deleted=True)
    if not client.is_deleted:
        return client
    client.is_deleted = False
    for referral in session.exec(select(Referral).where(Referral.client_id == client_id)):
        referral.is_orphaned = False
    session.flush()
    return client
