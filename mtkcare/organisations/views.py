"""What the organisations admin screens read: the list of organisations (searched and filtered,
with their referrals and keys in use), one organisation's details, its referrals and its
partner-API access log. Every read needs ``organisation.manage``; the referrals also need
``referral.view`` and show only those the reader may see (``moves.visible``), and showing
them is audited like every list of referrals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from mtkcare import dates
from mtkcare.audit.service import record_shown
from mtkcare.auth.access import reads
from mtkcare.auth.permissions import Permission
from mtkcare.auth.service import Principal
from mtkcare.clients.models import Client
from mtkcare.db import get_row, utcnow
from mtkcare.fields import field
from mtkcare.organisations.models import (
    ApiAccessLog,
    ApiKey,
    ExternalOrganisation,
    OrganisationType,
)
from mtkcare.organisations.service import TYPE_WORDS, NoticeInput, OrganisationInput
from mtkcare.paged import Paged
from mtkcare.referrals.models import Referral
from mtkcare.referrals.moves import visible
from mtkcare.referrals.workflow import status_label
from mtkcare.settings import get_settings
from mtkcare.validation import Input

MAX_PAGE_SIZE = 200
SEARCH_MAX_LENGTH = 100


class OrganisationStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"


class OrganisationFilters(Input):
    """The organisations list's filter form."""

    q: str | None = field(
        "Search organisations",
        hint="Part of the name, or of the contact's name or email address",
        default=None,
        max_length=SEARCH_MAX_LENGTH,
    )
    org_type: OrganisationType | None = field("Type", default=None, choices=TYPE_WORDS)
    status: OrganisationStatus | None = field(
        "Status", default=None, choices={"active": "Active", "inactive": "Inactive"}
    )


class StatusClass(StrEnum):
    SUCCESS = "2xx"
    REFUSED = "4xx"
    FAILED = "5xx"


STATUS_CLASS_RANGES: dict[StatusClass, tuple[int, int]] = {
    StatusClass.SUCCESS: (200, 300),
    StatusClass.REFUSED: (400, 500),
    StatusClass.FAILED: (500, 600),
}


class AccessLogFilters(Input):
    """The access log's filter form."""

    status_class: StatusClass | None = field(
        "Answer",
        default=None,
        choices={
            "2xx": "2xx: accepted",
            "4xx": "4xx: refused (key, input, limit)",
            "5xx": "5xx: failed on our side",
        },
    )


@dataclass(frozen=True)
class OrganisationRow:
    """One organisation in the list."""

    id: int
    name: str
    type_label: str
    is_active: bool
    contact: str  # name, e-mail and phone, those recorded
    referrals: int
    keys_in_use: int


OrganisationPage = Paged[OrganisationRow]


@dataclass(frozen=True)
class OrganisationDetail:
    """One organisation as its page shows it."""

    id: int
    name: str
    type_label: str
    is_active: bool
    contact_name: str
    email: str
    phone: str
    address: str
    rate_limit: str  # "600 a minute (the default)" or "1,200 a minute"
    notice_webhook_url: str
    notice_email: str
    referrals: int
    keys_in_use: int
    created: str


@dataclass(frozen=True)
class ReferralLine:
    tracking_id: str
    client_name: str
    status_label: str
    received: str
    updated: str


ReferralPage = Paged[ReferralLine]


@dataclass(frozen=True)
class AccessLine:
    id: int
    time: str
    method: str
    path: str
    status: int
    duration: str
    key_prefix: str
    address: str
    idempotency_key: str


AccessLogPage = Paged[AccessLine]


def _bounds(page: int, page_size: int, total: int) -> tuple[int, int]:
    """The page to show (within what exists) and its size (within the allowed)."""
    size = min(max(1, page_size), MAX_PAGE_SIZE)
    return min(max(1, page), max(1, -(-total // size))), size


def _contains(term: str) -> str:
    # Staff type words, not patterns: % and _ match themselves.
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.lower()}%"


def _keys_in_use(now: datetime) -> Any:
    """A condition on ApiKey: keys that a request could use now (neither revoked nor
    expired; a rotated key is in use until its grace period ends)."""
    return sa.and_(
        col(ApiKey.revoked_at).is_(None),
        sa.or_(col(ApiKey.expires_at).is_(None), col(ApiKey.expires_at) > now),
    )


def _counts(session: Session, organisation_ids: list[int]) -> tuple[dict[int, int], dict[int, int]]:
    """Referrals (not deleted) and keys in use, per organisation."""
    if not organisation_ids:
        return {}, {}
    referrals = dict(
        session.exec(
            select(Referral.external_organisation_id, func.count(col(Referral.id)))
            .where(col(Referral.external_organisation_id).in_(organisation_ids))
            .group_by(col(Referral.external_organisation_id))
        ).all()
    )
    keys = dict(
        session.exec(
            select(ApiKey.organisation_id, func.count(col(ApiKey.id)))
            .where(col(ApiKey.organisation_id).in_(organisation_ids), _keys_in_use(utcnow()))
            .group_by(col(ApiKey.organisation_id))
        ).all()
    )
    return referrals, keys  # type: ignore[return-value]


def _contact(org: ExternalOrganisation) -> str:
    return ", ".join(part for part in (org.contact_name, org.email, org.phone) if part)


@reads(Permission.ORGANISATION_MANAGE)
def list_organisations(
    session: Session,
    actor: Principal,
    filters: OrganisationFilters | None = None,
    *,
    page: int = 1,
    page_size: int = 25,
) -> OrganisationPage:
    """One page of organisations by name, narrowed by ``filters``."""
    filters = filters or OrganisationFilters()
    conditions: list[Any] = []
    term = " ".join((filters.q or "").split())
    if term:
        like = _contains(term)
        conditions.append(
            sa.or_(
                func.lower(ExternalOrganisation.name).like(like, escape="\\"),
                func.lower(func.coalesce(ExternalOrganisation.contact_name, "")).like(
                    like, escape="\\"
                ),
                func.lower(func.coalesce(ExternalOrganisation.email, "")).like(like, escape="\\"),
            )
        )
    if filters.org_type is not None:
        conditions.append(col(ExternalOrganisation.org_type) == filters.org_type.value)
    if filters.status is not None:
        conditions.append(
            col(ExternalOrganisation.is_active).is_(filters.status == OrganisationStatus.ACTIVE)
        )
    total = session.exec(select(func.count(col(ExternalOrganisation.id))).where(*conditions)).one()
    page, page_size = _bounds(page, page_size, total)
    found = session.exec(
        select(ExternalOrganisation)
        .where(*conditions)
        .order_by(func.lower(ExternalOrganisation.name), col(ExternalOrganisation.id))
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    referrals, keys = _counts(session, [o.id for o in found if o.id is not None])
    rows = [
        OrganisationRow(
            id=o.id or 0,
            name=o.name,
            type_label=TYPE_WORDS.get(o.org_type, o.org_type),
            is_active=o.is_active,
            contact=_contact(o),
            referrals=referrals.get(o.id or 0, 0),
            keys_in_use=keys.get(o.id or 0, 0),
        )
        for o in found
    ]
    return OrganisationPage(rows=rows, total=total, page=page, page_size=page_size)


@reads(Permission.ORGANISATION_MANAGE)
def organisation_detail(
    session: Session, actor: Principal, organisation_id: int
) -> OrganisationDetail:
    org = get_row(session, ExternalOrganisation, organisation_id)
    referrals, keys = _counts(session, [organisation_id])
    default = get_settings().api_rate_limit
    rate = (
        f"{org.api_rate_limit:,} requests a minute"
        if org.api_rate_limit
        else f"{default:,} requests a minute (the default)"
    )
    return OrganisationDetail(
        id=organisation_id,
        name=org.name,
        type_label=TYPE_WORDS.get(org.org_type, org.org_type),
        is_active=org.is_active,
        contact_name=org.contact_name or "",
        email=org.email or "",
        phone=org.phone or "",
        address=org.address or "",
        rate_limit=rate,
        notice_webhook_url=org.notice_webhook_url or "",
        notice_email=org.notice_email or "",
        referrals=referrals.get(organisation_id, 0),
        keys_in_use=keys.get(organisation_id, 0),
        created=dates.moment(org.created_at),
    )


@reads(Permission.ORGANISATION_MANAGE)
def organisation_values(session: Session, actor: Principal, organisation_id: int) -> dict[str, Any]:
    """The organisation's own fields by the names of ``OrganisationInput`` and
    ``NoticeInput`` (its forms start from them)."""
    org = get_row(session, ExternalOrganisation, organisation_id)
    names = [*OrganisationInput.model_fields, *NoticeInput.model_fields]
    return {name: getattr(org, name) for name in names}


@reads(Permission.ORGANISATION_MANAGE, Permission.REFERRAL_VIEW)
def organisation_referrals(
    session: Session,
    actor: Principal,
    organisation_id: int,
    *,
    page: int = 1,
    page_size: int = 25,
) -> ReferralPage:
    """The organisation's referrals this reader may see, the most recently received first."""
    get_row(session, ExternalOrganisation, organisation_id)
    conditions = [
        col(Referral.external_organisation_id) == organisation_id,
        visible(session, actor),
    ]
    total = session.exec(select(func.count(col(Referral.id))).where(*conditions)).one()
    page, page_size = _bounds(page, page_size, total)
    rows = session.execute(
        sa.select(
            col(Referral.id),
            col(Referral.tracking_id),
            col(Referral.status),
            col(Referral.created_at),
            col(Referral.updated_at),
            col(Client.first_name),
            col(Client.last_name),
        )
        .join(Client, col(Client.id) == col(Referral.client_id), isouter=True)
        .where(*conditions)
        .order_by(col(Referral.created_at).desc(), col(Referral.id).desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    if rows:
        record_shown(
            session, "Referral", user_id=actor.user_id,
            what=f"referrals of organisation {organisation_id}",
            query={"organisation_id": organisation_id, "page": page},
            ids=[r[0] for r in rows],
        )  # fmt: skip
    return ReferralPage(
        rows=[
            ReferralLine(
                tracking_id=tracking,
                client_name=f"{first} {last}" if first else "No client linked",
                status_label=status_label(status),
                received=dates.moment(received),
                updated=dates.moment(updated),
            )
            for _id, tracking, status, received, updated, first, last in rows
        ],
        total=total,
        page=page,
        page_size=page_size,
    )


@reads(Permission.ORGANISATION_MANAGE)
def organisation_access_log(
    session: Session,
    actor: Principal,
    organisation_id: int,
    filters: AccessLogFilters | None = None,
    *,
    page: int = 1,
    page_size: int = 25,
) -> AccessLogPage:
    """The organisation's partner-API calls, newest first (calls whose key named no
    organisation are in no organisation's log)."""
    get_row(session, ExternalOrganisation, organisation_id)
    filters = filters or AccessLogFilters()
    conditions: list[Any] = [col(ApiAccessLog.organisation_id) == organisation_id]
    if filters.status_class is not None:
        low, high = STATUS_CLASS_RANGES[filters.status_class]
        conditions += [col(ApiAccessLog.status) >= low, col(ApiAccessLog.status) < high]
    total = session.exec(select(func.count(col(ApiAccessLog.id))).where(*conditions)).one()
    page, page_size = _bounds(page, page_size, total)
    found = session.exec(
        select(ApiAccessLog)
        .where(*conditions)
        .order_by(col(ApiAccessLog.timestamp).desc(), col(ApiAccessLog.id).desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    return AccessLogPage(
        rows=[
            AccessLine(
                id=r.id or 0,
                time=f"{dates.day(r.timestamp)} at {dates.local(r.timestamp):%H:%M:%S}",
                method=r.method,
                path=r.path,
                status=r.status,
                duration=f"{r.duration_ms:,.0f} ms",
                key_prefix=r.key_prefix or "",
                address=r.ip_address or "",
                idempotency_key=r.idempotency_key or "",
            )
            for r in found
        ],
        total=total,
        page=page,
        page_size=page_size,
    )
