"""Client business functions: every write validates, writes and is audited in the caller's
transaction (the audit rows come from the session hooks in mtkcare.db)."""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from pydantic import AfterValidator, BaseModel, EmailStr, Field, field_validator
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, func, select

from mtkcare import dates
from mtkcare.audit.models import AuditAction
from mtkcare.audit.service import record_event, record_shown
from mtkcare.auth.access import reads, refuse, require, service
from mtkcare.auth.permissions import Permission
from mtkcare.auth.service import Principal
from mtkcare.clients.duplicates import fold_name, name_key, phone_key
from mtkcare.clients.models import (
    GENDER_LABELS,
    RISK_LABELS,
    Client,
    ClientCulturalIdentity,
    ClientEmergencyContact,
    ContactMethod,
    Gender,
    RiskLevel,
)
from mtkcare.db import get_row, insert_now, new_row, utcnow
from mtkcare.errors import EditConflict, NotFound, ValidationFailed
from mtkcare.fields import IDENTIFYING, SENSITIVE, Kind, field
from mtkcare.programs.models import Enrolment, EnrolmentStatus, Program
from mtkcare.reference.cache import lists
from mtkcare.reference.models import CulturalIdentity, RelationshipType
from mtkcare.referrals.models import Referral, ReferralStatus
from mtkcare.referrals.workflow import OPEN_STATUSES
from mtkcare.validation import Input, validate

# --------------------------------------------------------------------------------------------
# Inputs


# A phone number: how many digits, what may separate them, and the rule in words (forms'
# messages and the partner API's description both say it this way).
PHONE_DIGITS = (6, 15)
PHONE_SEPARATORS = " +-()"
PHONE_RULE = (
    f"{PHONE_DIGITS[0]} to {PHONE_DIGITS[1]} digits; spaces, +, -, ( and ) may separate them"
)
PHONE_EXAMPLE = "021 555 0123"


def _phone(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    digits = [c for c in value if c.isdigit()]
    allowed = set("0123456789" + PHONE_SEPARATORS)
    low, high = PHONE_DIGITS
    if not low <= len(digits) <= high or not set(value) <= allowed:
        raise ValueError(f"Enter a phone number with {low} to {high} digits, like {PHONE_EXAMPLE}")
    return value


Phone = Annotated[str | None, AfterValidator(_phone)]


def born_before_today(value: date) -> date:
    """A date of birth's rule (the client record's, and the partner API's)."""
    if value >= dates.today():
        raise ValueError("Enter a date of birth in the past")
    if value.year < 1900:
        raise ValueError("Enter a date of birth after 1900")
    return value


class ClientDetails(Input):
    first_name: str = field("First name", min_length=1, max_length=100, privacy=IDENTIFYING)
    last_name: str = field("Last name", min_length=1, max_length=100, privacy=IDENTIFYING)
    preferred_name: str | None = field(
        "Preferred name",
        hint="What they like to be called",
        default=None,
        max_length=100,
        privacy=IDENTIFYING,
    )
    date_of_birth: date = field(
        "Date of birth",
        hint="Day, month and year, in the order the box shows",
        privacy=IDENTIFYING,
    )
    gender: Gender = field(
        "Gender", default=Gender.NOT_STATED, choices=GENDER_LABELS, privacy=SENSITIVE
    )
    phone: Phone = field(
        "Phone number",
        hint="Like 021 555 0123",
        kind=Kind.PHONE,
        default=None,
        max_length=40,
        privacy=IDENTIFYING,
        history="phone",
    )
    email: EmailStr | None = field(
        "Email address", default=None, max_length=254, privacy=IDENTIFYING
    )
    address_line1: str | None = field(
        "Address line 1", default=None, max_length=200, privacy=IDENTIFYING
    )
    address_line2: str | None = field(
        "Address line 2", default=None, max_length=200, privacy=IDENTIFYING
    )
    suburb: str | None = field("Suburb", default=None, max_length=100, privacy=IDENTIFYING)
    city: str | None = field("Town or city", default=None, max_length=100, privacy=IDENTIFYING)
    postcode: str | None = field("Postcode", default=None, max_length=10, privacy=IDENTIFYING)
    primary_language_id: int | None = field("Primary language", default=None, reference="language")
    interpreter_required: bool = field("Interpreter needed", default=False)
    preferred_contact_method: ContactMethod | None = field("Preferred contact method", default=None)
    notes: str | None = field(
        "Notes", default=None, max_length=5000, kind=Kind.TEXTAREA, privacy=SENSITIVE
    )

    @field_validator("date_of_birth")
    @classmethod
    def _in_the_past(cls, value: date) -> date:
        return born_before_today(value)

    @field_validator("email", mode="before")
    @classmethod
    def _blank_email(cls, value: object) -> object:
        return None if value == "" else value


class EmergencyContactInput(Input):
    name: str = field(
        "Contact's name", min_length=1, max_length=200, privacy=IDENTIFYING, history="name"
    )
    relationship_type_id: int | None = field(
        "Relationship to the client",
        default=None,
        reference="relationship_type",
        history="relationship",
    )
    phone: Phone = field(
        "Contact's phone number",
        kind=Kind.PHONE,
        default=None,
        max_length=40,
        privacy=IDENTIFYING,
        history="phone",
    )
    email: EmailStr | None = field(
        "Contact's email address",
        default=None,
        max_length=254,
        privacy=IDENTIFYING,
        history="email address",
    )
    is_primary: bool = field("Main contact", default=False)
    notes: str | None = field("Notes", default=None, max_length=2000, kind=Kind.TEXTAREA)

    @field_validator("email", mode="before")
    @classmethod
    def _blank_email(cls, value: object) -> object:
        return None if value == "" else value


class CulturalIdentityInput(Input):
    identity_ids: list[int] = field(
        "Cultural identity",
        hint="Choose all that apply, in the client's own words where possible",
        default_factory=list,
        reference="cultural_identity",
    )
    cultural_identity_notes: str | None = field(
        "Cultural identity notes",
        hint="Iwi, hapū or other cultural detail",
        default=None,
        max_length=2000,
        kind=Kind.TEXTAREA,
        privacy=SENSITIVE,
    )


class RiskAssessmentInput(Input):
    risk_level: RiskLevel = field(
        "Risk level",
        hint="Critical: immediate danger to the client or others; contact a team lead now",
        choices=RISK_LABELS,
        privacy=SENSITIVE,
    )
    risk_factors: str | None = field(
        "Risk factors", default=None, max_length=5000, kind=Kind.TEXTAREA, privacy=SENSITIVE
    )
    risk_notes: str | None = field(
        "Risk notes", default=None, max_length=5000, kind=Kind.TEXTAREA, privacy=SENSITIVE
    )


# --------------------------------------------------------------------------------------------
# Views (what callers, and the browser, may receive)


class ClientRow(BaseModel):
    id: int
    full_name: str  # "Last, First", as the list sorts
    name: str  # "First Last", as people say it
    preferred_name: str
    date_of_birth: str
    phone: str
    city: str
    risk_level: str
    # The programs the client is in service with or referred to ("Housing First (referred)").
    programs: list[str]
    status: str  # a ClientStatus value other than AWAITING_CONSENT
    awaiting_consent: bool  # has a referral waiting for a consent decision


class ClientPage(BaseModel):
    rows: list[ClientRow]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


# --------------------------------------------------------------------------------------------
# The clients list: what it can be filtered and sorted by


PAGE_SIZES: tuple[int, ...] = (10, 25, 50, 100)


class ClientStatus(StrEnum):
    """Where a client stands, from their enrolments and referrals (the list's Status column
    and filter). The first three are exclusive, in this order of precedence:

    - IN_SERVICE: at least one active enrolment in a program.
    - REFERRED: no active enrolment, at least one open referral (any status but declined or
      closed).
    - NO_OPEN_REFERRAL: neither.

    AWAITING_CONSENT is a filter only, across the other three: the client has a referral
    waiting for a consent decision (awaiting consent or follow-up), which is what bulk
    consent needs. The list shows it as a marker beside the status."""

    IN_SERVICE = "in_service"
    REFERRED = "referred"
    AWAITING_CONSENT = "awaiting_consent"
    NO_OPEN_REFERRAL = "no_open_referral"


class ClientSort(StrEnum):
    NAME = "name"  # surname A-Z, then first name
    NAME_DESC = "name_desc"  # surname Z-A
    DATE_OF_BIRTH = "dob"  # oldest first
    NEWEST = "newest"  # most recently added first


NOT_ASSESSED = "NONE"  # the risk filter's value for clients without a risk assessment
RiskFilter = Literal["LOW", "MEDIUM", "HIGH", "CRITICAL", "NONE"]

WAITING_FOR_CONSENT = (ReferralStatus.AWAITING_CONSENT.value, ReferralStatus.FOLLOW_UP.value)
_OPEN_REFERRAL = tuple(sorted(s.value for s in OPEN_STATUSES))


class ClientListQuery(Input):
    """What the list was asked for. The state builds it from what the browser sent; anything
    outside these values is refused, never guessed at."""

    page: int = Field(default=1, ge=1, title="Page")
    page_size: Literal[10, 25, 50, 100] = Field(default=25, title="Clients per page")
    search: str = Field(default="", max_length=100, title="Search")
    program_id: int | None = Field(default=None, ge=1, le=2**31 - 1, title="Program")
    status: ClientStatus | None = Field(default=None, title="Status")
    risk_level: RiskFilter | None = Field(default=None, title="Risk level")
    sort: ClientSort = Field(default=ClientSort.NAME, title="Sort by")


def _active_enrolment() -> sa.ColumnElement[bool]:
    return sa.exists().where(
        col(Enrolment.client_id) == col(Client.id),
        col(Enrolment.status) == EnrolmentStatus.ACTIVE.value,
        col(Enrolment.is_deleted) == sa.false(),
    )


def _referral_in(statuses: tuple[str, ...]) -> sa.ColumnElement[bool]:
    return sa.exists().where(
        col(Referral.client_id) == col(Client.id),
        col(Referral.status).in_(statuses),
        col(Referral.is_deleted) == sa.false(),
    )


def _escape_like(text: str) -> str:
    # Staff type names, not patterns: % and _ match themselves.
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


_PHONE_TEXT = re.compile(r"^\+?[0-9 ()\-.]+$")


def _search_condition(term: str) -> sa.ColumnElement[bool] | None:
    """Digits mean the start of a phone number (in any format); anything else the start of a
    name, first name first or surname first ("ngat", "Ngāta", "aroha ng" all find Aroha
    Ngata). Both go through the expression indexes of migration 0003, normalised the same way
    (clients/duplicates.py), so a search never reads the whole table."""
    if not term:
        return None
    if _PHONE_TEXT.match(term) and any(c.isdigit() for c in term):
        key = phone_key(term)
        if key is None:
            return sa.false()
        return func.mtkcare_phone_key(col(Client.phone)).like(f"{_escape_like(key)}%", escape="\\")
    key = fold_name(term)
    if not key:
        return sa.false()  # only punctuation: nothing can start with it
    pattern = f"{_escape_like(key)}%"
    first, last = col(Client.first_name), col(Client.last_name)
    return sa.or_(
        func.mtkcare_name_key(first, last).like(pattern, escape="\\"),
        func.mtkcare_name_key(last, first).like(pattern, escape="\\"),
    )


@reads(Permission.CLIENT_VIEW)
def matching_client_ids(
    session: Session, actor: Principal, term: str, limit: int = 2000
) -> list[int]:
    """The ids of clients whose name (first name or surname first) or phone starts with
    ``term``, through the same indexes as the clients list's search (for other lists that
    search by client, e.g. the referrals board)."""
    condition = _search_condition(" ".join(term.split()))
    if condition is None:
        return []
    _use_python_keys_on_sqlite(session)
    return [
        cid
        for cid in session.exec(select(Client.id).where(condition).limit(limit)).all()
        if cid is not None
    ]


def _filters(query: ClientListQuery) -> list[sa.ColumnElement[bool]]:
    found: list[sa.ColumnElement[bool]] = []
    search = _search_condition(" ".join(query.search.split()))
    if search is not None:
        found.append(search)
    if query.program_id is not None:
        # One IN over a UNION, not EXISTS OR EXISTS (which PostgreSQL tests client by client).
        enrolled = select(col(Enrolment.client_id)).where(
            col(Enrolment.program_id) == query.program_id,
            col(Enrolment.status) == EnrolmentStatus.ACTIVE.value,
            col(Enrolment.is_deleted) == sa.false(),
        )
        referred = select(col(Referral.client_id)).where(
            col(Referral.target_program_id) == query.program_id,
            col(Referral.status).in_(_OPEN_REFERRAL),
            col(Referral.is_deleted) == sa.false(),
        )
        found.append(col(Client.id).in_(sa.union(enrolled, referred)))
    match query.status:
        case ClientStatus.IN_SERVICE:
            found.append(_active_enrolment())
        case ClientStatus.REFERRED:
            found.append(sa.and_(~_active_enrolment(), _referral_in(_OPEN_REFERRAL)))
        case ClientStatus.AWAITING_CONSENT:
            found.append(_referral_in(WAITING_FOR_CONSENT))
        case ClientStatus.NO_OPEN_REFERRAL:
            found.append(sa.and_(~_active_enrolment(), ~_referral_in(_OPEN_REFERRAL)))
    if query.risk_level == NOT_ASSESSED:
        found.append(col(Client.risk_level).is_(None))
    elif query.risk_level is not None:
        found.append(col(Client.risk_level) == query.risk_level)
    return found


def _order(sort: ClientSort, entity: Any = Client) -> tuple[Any, ...]:
    last, first, cid = entity.last_name, entity.first_name, entity.id
    match sort:
        case ClientSort.NAME_DESC:
            return (last.desc(), first.desc(), cid.desc())
        case ClientSort.DATE_OF_BIRTH:
            return (entity.date_of_birth, last, first, cid)
        case ClientSort.NEWEST:
            return (entity.created_at.desc(), cid.desc())
    return (last, first, cid)


def _use_python_keys_on_sqlite(session: Session) -> None:
    # SQLite has no mtkcare_name_key / mtkcare_phone_key (PostgreSQL functions of migration
    # 0003): give its connection their Python twins, so both databases run the same query.
    if session.get_bind().dialect.name != "sqlite":
        return
    dbapi = session.connection().connection.driver_connection
    dbapi.create_function("mtkcare_name_key", 2, name_key, deterministic=True)  # type: ignore[union-attr]
    dbapi.create_function("mtkcare_phone_key", 1, phone_key, deterministic=True)  # type: ignore[union-attr]


def _where_they_stand(
    session: Session, client_ids: list[int]
) -> dict[int, tuple[list[str], str, bool]]:
    """Programs, status and "awaiting consent" of the clients of one page (two small
    queries on the page's ids, not a join over the whole list)."""
    if not client_ids:
        return {}
    enrolled: dict[int, list[str]] = {i: [] for i in client_ids}
    referred: dict[int, list[str]] = {i: [] for i in client_ids}
    has_open: set[int] = set()
    waiting: set[int] = set()
    for client_id, program in session.exec(
        select(Enrolment.client_id, Program.name)
        .join(Program, col(Program.id) == col(Enrolment.program_id))
        .where(
            col(Enrolment.client_id).in_(client_ids),
            col(Enrolment.status) == EnrolmentStatus.ACTIVE.value,
        )
        .order_by(col(Program.name))
    ):
        if program not in enrolled[client_id]:
            enrolled[client_id].append(program)
    for referred_id, status, program in session.exec(
        select(Referral.client_id, Referral.status, Program.name)
        .join(Program, col(Program.id) == col(Referral.target_program_id), isouter=True)
        .where(col(Referral.client_id).in_(client_ids), col(Referral.status).in_(_OPEN_REFERRAL))
        .order_by(col(Program.name))
    ):
        if referred_id is None:
            continue
        has_open.add(referred_id)
        if status in WAITING_FOR_CONSENT:
            waiting.add(referred_id)
        if program and program not in enrolled[referred_id] + referred[referred_id]:
            referred[referred_id].append(program)
    found = {}
    for i in client_ids:
        if enrolled[i]:
            status = ClientStatus.IN_SERVICE
        elif i in has_open:
            status = ClientStatus.REFERRED
        else:
            status = ClientStatus.NO_OPEN_REFERRAL
        programs = enrolled[i] + [f"{name} (referred)" for name in referred[i]]
        found[i] = (programs, status.value, i in waiting)
    return found


# --------------------------------------------------------------------------------------------
# Reads


# Up to this many matches, a filtered list page sorts the matches rather than walk the
# whole list in order (see list_clients).
FEW_MATCHES = 20_000


@reads(Permission.CLIENT_VIEW)
def list_clients(session: Session, actor: Principal, **asked: object) -> ClientPage:
    """One page of clients and how many match, filtered and sorted as ``asked`` (the fields
    of ``ClientListQuery``; unknown values raise ValidationFailed). A page past the end gives
    the last page. Risk is field-level: only a viewer with ``client.view_risk`` may filter by
    it or receive it. Every page shown is audited (who listed which clients, asked how), so
    paging through the whole list leaves a trail."""
    query = validate(ClientListQuery, asked)
    show_risk = actor.can(Permission.CLIENT_VIEW_RISK)
    if query.risk_level is not None and not show_risk:
        raise refuse(
            actor, Permission.CLIENT_VIEW_RISK, resource="Client", session=session,
            detail="filter the clients list by risk needs client.view_risk",
        )  # fmt: skip
    _use_python_keys_on_sqlite(session)
    where = _filters(query)
    total = session.exec(select(func.count()).select_from(Client).where(*where)).one()
    last_page = max(1, -(-total // query.page_size))
    page = min(query.page, last_page)
    if where and total <= FEW_MATCHES:
        # Few matches: gather them first, then sort. Left to itself, the planner may walk the
        # name index in order and test every client against the filter (0.5 s at 100,000
        # clients for a search whose matches sort late), as it cannot know they are few.
        matches = select(Client).where(*where).cte("matches").prefix_with("MATERIALIZED")
        entity = aliased(Client, matches)
        stmt = select(entity)
    else:
        entity = Client
        stmt = select(Client).where(*where)
    clients = session.exec(
        stmt.order_by(*_order(query.sort, entity))
        .offset((page - 1) * query.page_size)
        .limit(query.page_size)
    ).all()
    standing = _where_they_stand(session, [c.id for c in clients if c.id is not None])
    rows = []
    for c in clients:
        programs, status, waiting = standing[c.id or 0]
        rows.append(
            ClientRow(
                id=c.id or 0,
                full_name=f"{c.last_name}, {c.first_name}",
                name=c.full_name,
                preferred_name=c.preferred_name or "",
                date_of_birth=c.date_of_birth.isoformat(),
                phone=c.phone or "",
                city=c.city or "",
                risk_level=(c.risk_level or "") if show_risk else "",
                programs=programs,
                status=status,
                awaiting_consent=waiting,
            )
        )
    record_shown(
        session,
        "Client",
        user_id=actor.user_id,
        what=f"clients list page {page}",
        query=query.model_dump(mode="json", exclude_defaults=True),
        ids=[row.id for row in rows],
    )
    return ClientPage(rows=rows, total=total, page=page, page_size=query.page_size)


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
        session=session,
    )
    if include_deleted:
        require(
            viewer,
            Permission.CLIENT_DELETE,
            resource="Client",
            resource_id=client_id,
            session=session,
        )
    client = get_row(session, Client, client_id, include_deleted=include_deleted)
    record_event(session, AuditAction.VIEW, "Client", user_id=viewer.user_id, resource_id=client_id)
    return client


# --------------------------------------------------------------------------------------------
# Writes


def _check_language(session: Session, language_id: int | None) -> None:
    if language_id is None:
        return
    if lists(session).active("language", language_id) is None:
        raise ValidationFailed({"primary_language_id": "Choose a primary language from the list"})


@reads(Permission.CLIENT_EDIT)
def check_client_details(
    session: Session, actor: Principal, data: dict[str, object]
) -> ClientDetails:
    """Validated client details, with the language checked against reference data (when
    other fields fail, a language not on the list is said too: every problem at once)."""
    try:
        details = validate(ClientDetails, data)
    except ValidationFailed as exc:
        language = str(data.get("primary_language_id") or "")
        if "primary_language_id" in exc.errors or not language.isdigit():
            raise
        try:
            _check_language(session, int(language))
        except ValidationFailed as wrong:
            raise ValidationFailed(exc.errors | wrong.errors) from None
        raise
    _check_language(session, details.primary_language_id)
    return details


@reads()
def require_client(session: Session, actor: Principal, client_id: int) -> str:
    """The client's name, if the client is on the system (for another service that links
    something to them); NotFound otherwise. Reads nothing else of the client."""
    return get_row(session, Client, client_id).full_name


def _set_risk(client: Client, assessment: RiskAssessmentInput, actor: Principal) -> None:
    client.risk_level = assessment.risk_level.value
    client.risk_factors = assessment.risk_factors
    client.risk_notes = assessment.risk_notes
    client.risk_assessed_at = utcnow()
    client.risk_assessed_by = actor.user_id


@service(Permission.CLIENT_EDIT)
def create_client(
    session: Session,
    actor: Principal,
    *,
    risk: dict[str, object] | None = None,
    **data: object,
) -> Client:
    """A new client. ``risk`` is their first risk assessment (the fields of
    ``RiskAssessmentInput``): whoever registers a client records it, as the onboarding flow
    asks, since there is no earlier assessment to see or overwrite. Changing an assessment
    later is ``assess_risk``, which needs ``client.view_risk``."""
    details = check_client_details(session, actor, data)
    assessment = validate(RiskAssessmentInput, risk) if risk is not None else None
    client = new_row(Client, **details.model_dump())
    if assessment is not None:
        _set_risk(client, assessment, actor)
    return insert_now(session, client)


@service(Permission.CLIENT_EDIT)
def update_client(
    session: Session,
    actor: Principal,
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


@reads(Permission.CLIENT_EDIT)
def check_emergency_contact(
    session: Session, actor: Principal, data: dict[str, object]
) -> EmergencyContactInput:
    """A validated new emergency contact: with a phone number, the relationship checked
    against reference data."""
    contact = validate(EmergencyContactInput, data)
    problems: dict[str, str] = {}
    if not contact.phone:
        problems["phone"] = "Enter a phone number for the emergency contact"
    if contact.relationship_type_id is not None:
        rel = session.get(RelationshipType, contact.relationship_type_id)
        if rel is None or not rel.is_active:
            problems["relationship_type_id"] = "Choose a relationship from the list"
    if problems:
        raise ValidationFailed(problems)
    return contact


@service(Permission.CLIENT_EDIT)
def add_emergency_contact(
    session: Session, actor: Principal, client_id: int, **data: object
) -> ClientEmergencyContact:
    get_row(session, Client, client_id)
    contact = check_emergency_contact(session, actor, data)
    row = ClientEmergencyContact(client_id=client_id, **contact.model_dump())
    session.add(row)
    session.flush()
    return row


@reads(Permission.CLIENT_EDIT)
def check_cultural_identities(
    session: Session, actor: Principal, data: dict[str, object]
) -> CulturalIdentityInput:
    """Validated cultural identities and notes, each identity an active one of the list."""
    details = validate(CulturalIdentityInput, data)
    wanted = set(details.identity_ids)
    if wanted:
        found = set(
            session.exec(
                select(CulturalIdentity.id).where(
                    col(CulturalIdentity.id).in_(wanted), CulturalIdentity.is_active
                )
            ).all()
        )
        if found != wanted:
            raise ValidationFailed({"identity_ids": "Choose cultural identities from the list"})
    return details


@service(Permission.CLIENT_EDIT)
def set_cultural_identities(
    session: Session,
    actor: Principal,
    client_id: int,
    identity_ids: list[int],
    notes: str | None = None,
) -> list[int]:
    """Make the client's identities exactly ``identity_ids`` (removed ones are soft-deleted,
    re-added ones restored); ``notes`` (None: leave them) are the cultural identity notes."""
    details = check_cultural_identities(
        session, actor, {"identity_ids": identity_ids, "cultural_identity_notes": notes}
    )
    client = get_row(session, Client, client_id)
    wanted = set(details.identity_ids)
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
        client.cultural_identity_notes = details.cultural_identity_notes or None
    session.flush()
    return sorted(wanted)


@service(Permission.CLIENT_EDIT, Permission.CLIENT_VIEW_RISK)
def assess_risk(session: Session, actor: Principal, client_id: int, **data: object) -> Client:
    """A new risk assessment replacing the current one: only someone who may see the current
    one may replace it (a staff-safety flag must never be overwritten blind)."""
    assessment = validate(RiskAssessmentInput, data)
    client = get_row(session, Client, client_id)
    _set_risk(client, assessment, actor)
    session.flush()
    return client


@service(Permission.CLIENT_DELETE)
def delete_client(session: Session, actor: Principal, client_id: int) -> Client:
    """Soft-delete the client. Their referrals stay, marked orphaned (design: cascade rules)."""
    client = get_row(session, Client, client_id)
    client.is_deleted = True
    for referral in session.exec(select(Referral).where(Referral.client_id == client_id)):
        referral.is_orphaned = True
    session.flush()
    return client


@service(Permission.CLIENT_DELETE)
def restore_client(session: Session, actor: Principal, client_id: int) -> Client:
    client = get_row(session, Client, client_id, include_deleted=True)
    if not client.is_deleted:
        return client
    client.is_deleted = False
    for referral in session.exec(select(Referral).where(Referral.client_id == client_id)):
        referral.is_orphaned = False
    session.flush()
    return client
