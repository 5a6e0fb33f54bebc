"""What a client's record page may show, as views: the client, their contacts, identities,
risk, referrals, enrolments and history.

Each read decides, from the principal, what the viewer may see (field-level access: risk only
with ``client.view_risk``, referrals with ``referral.view``, enrolments with ``program.view``),
so the page cannot show more by mistake. Only ``open_client_record`` writes: the audited VIEW.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel
from sqlmodel import Session, col, func, select

from mtkcare import dates
from mtkcare.audit.models import AuditLog
from mtkcare.auth.access import reads, require
from mtkcare.auth.permissions import Permission
from mtkcare.auth.service import Principal
from mtkcare.clients import history
from mtkcare.clients.models import (
    RISK_LABELS,
    Client,
    ClientCulturalIdentity,
    ClientEmergencyContact,
)
from mtkcare.clients.service import ClientDetails, load_client_for
from mtkcare.db import get_row
from mtkcare.organisations.models import ExternalOrganisation
from mtkcare.programs.models import Enrolment, Program
from mtkcare.reference.models import REFERENCE_TABLES, CulturalIdentity, RelationshipType
from mtkcare.referrals.models import ConsentRecord, Referral, ReferralStatus
from mtkcare.referrals.moves import visible
from mtkcare.referrals.workflow import STATUS_LABELS
from mtkcare.users.models import User

HISTORY_PAGE_SIZE = 25


# --------------------------------------------------------------------------------------------
# Views


class RiskView(BaseModel):
    level: str  # the code ("HIGH"), "" when never assessed
    level_label: str
    factors: str
    notes: str
    assessed_at: datetime | None
    assessed_by: str


class RiskAssessmentView(RiskView):
    recorded_at: datetime
    recorded_by: str


class ClientRecord(BaseModel):
    id: int
    version: int
    full_name: str
    preferred_name: str
    date_of_birth: date
    age: int
    # The client's details as stored: every field of ClientDetails, by name.
    details: dict[str, Any]
    primary_language: str
    cultural_identity_notes: str
    is_deleted: bool
    deleted_at: datetime | None
    deleted_by: str
    # None unless the viewer may see risk.
    risk: RiskView | None


class ContactView(BaseModel):
    id: int
    name: str
    relationship: str
    phone: str
    email: str
    is_primary: bool
    notes: str


class IdentityView(BaseModel):
    id: int  # the cultural identity (reference option) id
    label: str


class ReferralView(BaseModel):
    id: int
    tracking_id: str
    referral_date: date
    status: str
    status_label: str
    program: str
    is_orphaned: bool


class EnrolmentView(BaseModel):
    id: int
    program: str
    status: str
    status_label: str
    commencement_date: date
    end_date: date | None
    referral_id: int = 0  # the referral it came from (its documents are on that page)


class HistoryLine(BaseModel):
    id: int
    timestamp: datetime
    sentence: str


class HistoryPage(BaseModel):
    lines: list[HistoryLine]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


# --------------------------------------------------------------------------------------------
# Helpers


def age_on(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _user_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if isinstance(i, int)}
    if not wanted:
        return {}
    users = session.exec(
        select(User).where(col(User.id).in_(wanted)).execution_options(include_deleted=True)
    ).all()
    return {u.id: u.full_name for u in users if u.id is not None}


def _label_of(session: Session, kind: str, option_id: int | None) -> str:
    if option_id is None:
        return ""
    option = session.get(REFERENCE_TABLES[kind], option_id)
    return option.label if option is not None else ""


def _program_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if isinstance(i, int)}
    if not wanted:
        return {}
    rows = session.exec(
        select(Program).where(col(Program.id).in_(wanted)).execution_options(include_deleted=True)
    ).all()
    return {p.id: p.name for p in rows if p.id is not None}


def may_see_risk(principal: Principal | None) -> bool:
    return principal is not None and principal.can(Permission.CLIENT_VIEW_RISK)


def _risk_view(client: Client, names: dict[int, str]) -> RiskView:
    level = client.risk_level or ""
    return RiskView(
        level=level,
        level_label=RISK_LABELS.get(level, "Not assessed"),
        factors=client.risk_factors or "",
        notes=client.risk_notes or "",
        assessed_at=client.risk_assessed_at,
        assessed_by=names.get(client.risk_assessed_by or 0, ""),
    )


def _record(
    session: Session, client: Client, principal: Principal, today: date | None = None
) -> ClientRecord:
    show_risk = may_see_risk(principal)
    names = _user_names(session, [client.deleted_by, client.risk_assessed_by])
    return ClientRecord(
        id=client.id or 0,
        version=client.version,
        full_name=client.full_name,
        preferred_name=client.preferred_name or "",
        date_of_birth=client.date_of_birth,
        age=age_on(client.date_of_birth, today or dates.today()),
        details={name: getattr(client, name) for name in ClientDetails.model_fields},
        primary_language=_label_of(session, "language", client.primary_language_id),
        cultural_identity_notes=client.cultural_identity_notes or "",
        is_deleted=client.is_deleted,
        deleted_at=client.deleted_at if client.is_deleted else None,
        deleted_by=names.get(client.deleted_by or 0, "") if client.is_deleted else "",
        risk=_risk_view(client, names) if show_risk else None,
    )


# --------------------------------------------------------------------------------------------
# Reads


@reads(Permission.CLIENT_VIEW)
def open_client_record(session: Session, principal: Principal, client_id: int) -> ClientRecord:
    """The record as the page opens it: authorised and audited (one VIEW row) by
    ``load_client_for``. Deleted clients are found only by those who may delete (and so
    restore) clients; for everyone else they do not exist."""
    can_delete = principal.can(Permission.CLIENT_DELETE)
    client = load_client_for(session, principal, client_id, include_deleted=can_delete)
    return _record(session, client, principal)


@reads(Permission.CLIENT_VIEW)
def reread_client_record(session: Session, principal: Principal, client_id: int) -> ClientRecord:
    """The record again after a change made on the page (already opened and audited)."""
    client = get_row(
        session, Client, client_id, include_deleted=principal.can(Permission.CLIENT_DELETE)
    )
    return _record(session, client, principal)


@reads(Permission.CLIENT_VIEW)
def emergency_contacts(session: Session, principal: Principal, client_id: int) -> list[ContactView]:
    rows = session.exec(
        select(ClientEmergencyContact, RelationshipType.label)
        .join(
            RelationshipType,
            col(RelationshipType.id) == ClientEmergencyContact.relationship_type_id,
            isouter=True,
        )
        .where(ClientEmergencyContact.client_id == client_id)
        .order_by(col(ClientEmergencyContact.is_primary).desc(), col(ClientEmergencyContact.id))
    ).all()
    return [
        ContactView(
            id=contact.id or 0,
            name=contact.name,
            relationship=relationship or "",
            phone=contact.phone,
            email=contact.email or "",
            is_primary=contact.is_primary,
            notes=contact.notes or "",
        )
        for contact, relationship in rows
    ]


@reads(Permission.CLIENT_VIEW)
def cultural_identities(
    session: Session, principal: Principal, client_id: int
) -> list[IdentityView]:
    rows = session.exec(
        select(CulturalIdentity.id, CulturalIdentity.label)
        .join(
            ClientCulturalIdentity,
            col(ClientCulturalIdentity.cultural_identity_id) == CulturalIdentity.id,
        )
        .where(ClientCulturalIdentity.client_id == client_id)
        .order_by(col(CulturalIdentity.sort_order), col(CulturalIdentity.label))
    ).all()
    return [IdentityView(id=ident or 0, label=label) for ident, label in rows]


@reads(Permission.CLIENT_VIEW)
def client_referrals(session: Session, principal: Principal, client_id: int) -> list[ReferralView]:
    """The client's referrals this user may see (their programs', unless they see every
    program's), newest first; nothing for someone who may not see referrals."""
    if not principal.can(Permission.REFERRAL_VIEW):
        return []
    referrals = session.exec(
        select(Referral)
        .where(Referral.client_id == client_id, visible(session, principal))
        .order_by(col(Referral.referral_date).desc(), col(Referral.id).desc())
    ).all()
    programs = _program_names(session, (r.target_program_id for r in referrals))
    return [
        ReferralView(
            id=r.id or 0,
            tracking_id=r.tracking_id,
            referral_date=r.referral_date,
            status=r.status,
            status_label=STATUS_LABELS.get(ReferralStatus(r.status), r.status)
            if r.status in ReferralStatus.__members__
            else r.status,
            program=programs.get(r.target_program_id or 0, ""),
            is_orphaned=r.is_orphaned,
        )
        for r in referrals
    ]


@reads(Permission.CLIENT_VIEW)
def client_enrolments(
    session: Session, principal: Principal, client_id: int
) -> list[EnrolmentView]:
    if not principal.can(Permission.PROGRAM_VIEW):
        return []
    enrolments = session.exec(
        select(Enrolment)
        .where(Enrolment.client_id == client_id)
        .order_by(col(Enrolment.commencement_date).desc(), col(Enrolment.id).desc())
    ).all()
    programs = _program_names(session, (e.program_id for e in enrolments))
    return [
        EnrolmentView(
            id=e.id or 0,
            program=programs.get(e.program_id, ""),
            status=e.status,
            status_label=history.code_label(e.status),
            commencement_date=e.commencement_date,
            end_date=e.end_date,
            referral_id=e.referral_id or 0,
        )
        for e in enrolments
    ]


def _audit_row(row: AuditLog) -> history.AuditRow:
    return history.AuditRow(
        id=row.id or 0,
        timestamp=row.timestamp,
        user_id=row.user_id,
        action=row.action,
        resource=row.resource,
        resource_id=row.resource_id,
        changes=row.changes,
    )


@reads(Permission.CLIENT_VIEW)
def risk_history(
    session: Session, principal: Principal, client_id: int
) -> list[RiskAssessmentView]:
    """Every risk assessment recorded for the client, newest first (the first is the current
    one), rebuilt from the client's audit rows. Needs ``client.view_risk``."""
    require(
        principal,
        Permission.CLIENT_VIEW_RISK,
        resource="Client",
        resource_id=client_id,
        session=session,
    )
    rows = session.exec(
        select(AuditLog)
        .where(
            AuditLog.resource == history.CLIENT,
            AuditLog.resource_id == str(client_id),
            col(AuditLog.action).in_(("CREATE", "UPDATE")),
        )
        .order_by(col(AuditLog.timestamp), col(AuditLog.id))
    ).all()
    snapshots = history.risk_snapshots(_audit_row(r) for r in rows)
    names = _user_names(
        session, [s.assessed_by for s in snapshots] + [s.changed_by for s in snapshots]
    )
    views = []
    for snap in reversed(snapshots):
        assessed_at = None
        if snap.assessed_at:
            try:
                assessed_at = datetime.fromisoformat(snap.assessed_at)
            except ValueError:
                assessed_at = None
        level = snap.risk_level or ""
        views.append(
            RiskAssessmentView(
                level=level,
                level_label=RISK_LABELS.get(level, "Not assessed"),
                factors=snap.risk_factors or "",
                notes=snap.risk_notes or "",
                assessed_at=assessed_at,
                assessed_by=names.get(snap.assessed_by or 0, ""),
                recorded_at=snap.timestamp,
                recorded_by=history.actor_name(snap.changed_by, history.Lookups(users=names)),
            )
        )
    return views


def _ids(session: Session, stmt: Any) -> list[int]:
    return [i for i in session.exec(stmt.execution_options(include_deleted=True)).all() if i]


def _history_scope(session: Session, principal: Principal, client_id: int) -> dict[str, list[int]]:
    """The audited resources that belong to this client's record (deleted ones too), limited
    to what the viewer may see."""
    scope: dict[str, list[int]] = {history.CLIENT: [client_id]}
    scope[history.CONTACT] = _ids(
        session,
        select(ClientEmergencyContact.id).where(ClientEmergencyContact.client_id == client_id),
    )
    scope[history.IDENTITY] = _ids(
        session,
        select(ClientCulturalIdentity.id).where(ClientCulturalIdentity.client_id == client_id),
    )
    if principal.can(Permission.REFERRAL_VIEW):
        referral_ids = _ids(session, select(Referral.id).where(Referral.client_id == client_id))
        scope[history.REFERRAL] = referral_ids
        consent_filter: sa.ColumnElement[bool] = col(ConsentRecord.client_id) == client_id
        if referral_ids:
            consent_filter = sa.or_(
                consent_filter, col(ConsentRecord.referral_id).in_(referral_ids)
            )
        scope[history.CONSENT] = _ids(session, select(ConsentRecord.id).where(consent_filter))
    if principal.can(Permission.PROGRAM_VIEW):
        scope[history.ENROLMENT] = _ids(
            session, select(Enrolment.id).where(Enrolment.client_id == client_id)
        )
    return scope


def _history_condition(scope: dict[str, list[int]]) -> sa.ColumnElement[bool]:
    return sa.or_(
        *(
            sa.and_(
                col(AuditLog.resource) == resource,
                col(AuditLog.resource_id).in_([str(i) for i in ids]),
            )
            for resource, ids in scope.items()
            if ids
        )
    )


def _lookups(
    session: Session, rows: list[history.AuditRow], scope: dict[str, list[int]]
) -> history.Lookups:
    user_ids: set[int] = {r.user_id for r in rows if r.user_id is not None}
    program_ids: set[int] = set()
    org_ids: set[int] = set()
    for row in rows:
        for name, value in (row.changes or {}).items():
            new = value[1] if isinstance(value, list) and len(value) == 2 else value
            old = value[0] if isinstance(value, list) and len(value) == 2 else None
            for v in (old, new):
                if not isinstance(v, int) or isinstance(v, bool):
                    continue
                kind = history.LOOKUP_OF_FIELD.get(name)
                if kind == "user":
                    user_ids.add(v)
                elif kind == "program":
                    program_ids.add(v)
                elif kind == "organisation":
                    org_ids.add(v)
    tables: dict[str, dict[int, str]] = {
        kind: {o.id: o.label for o in session.exec(select(table)) if o.id is not None}
        for kind, table in REFERENCE_TABLES.items()
    }
    names: dict[tuple[str, str], str] = {}
    for contact in session.exec(
        select(ClientEmergencyContact)
        .where(col(ClientEmergencyContact.id).in_(scope.get(history.CONTACT) or [0]))
        .execution_options(include_deleted=True)
    ):
        names[(history.CONTACT, str(contact.id))] = contact.name
    for link in session.exec(
        select(ClientCulturalIdentity)
        .where(col(ClientCulturalIdentity.id).in_(scope.get(history.IDENTITY) or [0]))
        .execution_options(include_deleted=True)
    ):
        label = tables["cultural_identity"].get(link.cultural_identity_id, "")
        names[(history.IDENTITY, str(link.id))] = label
    tracking: dict[int, str] = {}
    for referral in session.exec(
        select(Referral)
        .where(col(Referral.id).in_(scope.get(history.REFERRAL) or [0]))
        .execution_options(include_deleted=True)
    ):
        tracking[referral.id or 0] = referral.tracking_id
        names[(history.REFERRAL, str(referral.id))] = referral.tracking_id
    for consent in session.exec(
        select(ConsentRecord)
        .where(col(ConsentRecord.id).in_(scope.get(history.CONSENT) or [0]))
        .execution_options(include_deleted=True)
    ):
        names[(history.CONSENT, str(consent.id))] = tracking.get(consent.referral_id, "")
    enrolments = session.exec(
        select(Enrolment)
        .where(col(Enrolment.id).in_(scope.get(history.ENROLMENT) or [0]))
        .execution_options(include_deleted=True)
    ).all()
    program_ids |= {e.program_id for e in enrolments}
    programs = _program_names(session, program_ids)
    for enrolment in enrolments:
        names[(history.ENROLMENT, str(enrolment.id))] = programs.get(enrolment.program_id, "")
    tables["program"] = programs
    if org_ids:
        tables["organisation"] = {
            o.id: o.name
            for o in session.exec(
                select(ExternalOrganisation)
                .where(col(ExternalOrganisation.id).in_(org_ids))
                .execution_options(include_deleted=True)
            )
            if o.id is not None
        }
    referral_labels = {s.value: label for s, label in STATUS_LABELS.items()}
    return history.Lookups(
        users=_user_names(session, user_ids),
        tables=tables,
        names=names,
        status_labels={history.REFERRAL: referral_labels},
    )


@reads(Permission.CLIENT_VIEW)
def client_history(
    session: Session,
    principal: Principal,
    client_id: int,
    *,
    page: int = 1,
    page_size: int = HISTORY_PAGE_SIZE,
) -> HistoryPage:
    """One page of the client's audit trail in words, newest first: the client and its
    emergency contacts, cultural identities, referrals, consent records and enrolments."""
    viewer = require(
        principal,
        Permission.CLIENT_VIEW,
        resource="Client",
        resource_id=client_id,
        session=session,
    )
    page_size = min(max(1, page_size), 100)
    scope = _history_scope(session, viewer, client_id)
    condition = _history_condition(scope)
    total = session.exec(select(func.count()).select_from(AuditLog).where(condition)).one()
    last_page = max(1, -(-total // page_size))
    page = min(max(1, page), last_page)
    found = session.exec(
        select(AuditLog)
        .where(condition)
        .order_by(col(AuditLog.timestamp).desc(), col(AuditLog.id).desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    rows = [_audit_row(r) for r in found]
    lookups = _lookups(session, rows, scope)
    entries = history.describe_all(rows, lookups, show_risk=may_see_risk(viewer))
    return HistoryPage(
        lines=[HistoryLine(id=e.id, timestamp=e.timestamp, sentence=e.sentence) for e in entries],
        total=total,
        page=page,
        page_size=page_size,
    )
