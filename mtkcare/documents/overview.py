"""The ``/documents`` page's reads: recent documents this user may see, narrowed by type,
client, program, uploader and date; and what needs attention — required documents that are
missing or out of date.

What is required is written once, here (``REQUIRED``): a referral whose client consented in
writing (or through a guardian) needs the signed consent form on it; a client in service needs
identification that has not expired. Each rule is a query, so the page and any later report
read the same thing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from mtkcare import dates
from mtkcare.auth.access import reads
from mtkcare.auth.permissions import Permission
from mtkcare.auth.service import Principal
from mtkcare.clients.models import Client
from mtkcare.clients.service import matching_client_ids
from mtkcare.documents.models import Document, DocumentStatus
from mtkcare.documents.service import DocumentLine, document_lines, visible_documents, with_names
from mtkcare.fields import field
from mtkcare.referrals.models import (
    ConsentMethod,
    ConsentRecord,
    ConsentStatus,
    Referral,
    ReferralStatus,
)
from mtkcare.referrals.moves import visible as referral_visible
from mtkcare.referrals.workflow import FINAL_STATUSES
from mtkcare.validation import Input

RECENT_LIMIT = 100
ATTENTION_LIMIT = 50


class DocumentFilters(Input):
    document_type: str | None = field("Document type", default=None, max_length=20)
    client: str | None = field("Client", hint="Name or phone", default=None, max_length=100)
    program_id: int | None = field("Program", default=None)
    uploaded_by: int | None = field("Uploaded by", default=None)
    since: date | None = field("Uploaded from", default=None)
    until: date | None = field("Uploaded until", default=None)


@dataclass(frozen=True)
class RecentDocument(DocumentLine):
    """A document as the /documents page lists it: with its client and referral."""

    client_id: int
    client_name: str
    referral_id: int
    tracking_id: str


@dataclass(frozen=True)
class Attention:
    """Something to fix: a required document missing, or one out of date."""

    what: str  # e.g. "Signed consent form missing"
    client_id: int
    client_name: str
    referral_id: int
    tracking_id: str
    detail: str


@reads(Permission.DOCUMENT_VIEW)
def recent_documents(
    session: Session, actor: Principal, filters: DocumentFilters, *, limit: int = RECENT_LIMIT
) -> list[RecentDocument]:
    """The newest current documents this user may see, narrowed by ``filters``."""
    query = with_names().where(
        visible_documents(session, actor), col(Document.superseded_by_id).is_(None)
    )
    if filters.document_type:
        query = query.where(col(Document.document_type) == filters.document_type)
    if filters.client:
        ids = matching_client_ids(session, actor, filters.client)
        query = query.where(col(Document.client_id).in_(ids) if ids else sa.false())
    if filters.program_id is not None:
        query = query.where(
            col(Document.referral_id).in_(
                select(Referral.id).where(Referral.target_program_id == filters.program_id)
            )
        )
    if filters.uploaded_by is not None:
        query = query.where(col(Document.created_by) == filters.uploaded_by)
    if filters.since is not None:
        query = query.where(col(Document.created_at) >= dates.start_of(filters.since))
    if filters.until is not None:
        query = query.where(
            col(Document.created_at) < dates.start_of(filters.until + timedelta(days=1))
        )
    rows = session.exec(
        query.order_by(col(Document.created_at).desc(), col(Document.id).desc()).limit(limit)
    ).all()
    documents = [row[0] for row in rows]
    clients = _client_names(session, {d.client_id for d in documents if d.client_id})
    trackings = _trackings(session, {d.referral_id for d in documents if d.referral_id})
    return [
        RecentDocument(
            **asdict(line),
            client_id=d.client_id or 0,
            client_name=clients.get(d.client_id or 0, ""),
            referral_id=d.referral_id or 0,
            tracking_id=trackings.get(d.referral_id or 0, ""),
        )
        for d, line in zip(documents, document_lines(rows), strict=True)
    ]


def _client_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.exec(
        select(Client.id, Client.first_name, Client.last_name).where(col(Client.id).in_(ids))
    ).all()
    return {i: f"{first} {last}" for i, first, last in rows if i is not None}


def _trackings(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.exec(
        select(Referral.id, Referral.tracking_id).where(col(Referral.id).in_(ids))
    ).all()
    return {i: t for i, t in rows if i is not None}


def _has_document(document_type: str, **where: Any) -> Any:
    """A condition: a current, stored document of this type exists on ``where``'s client or
    referral (whoever may see it: a required document is there or not for everyone)."""
    column = col(Document.referral_id) if "referral" in where else col(Document.client_id)
    return sa.exists(
        select(Document.id).where(
            column == where.get("referral", where.get("client")),
            col(Document.document_type) == document_type,
            col(Document.status) == DocumentStatus.AVAILABLE.value,
            col(Document.superseded_by_id).is_(None),
        )
    )


OPEN_AND_ACTIVE = [s.value for s in ReferralStatus if s not in FINAL_STATUSES]


@reads(Permission.DOCUMENT_VIEW)
def needing_attention(
    session: Session, actor: Principal, *, limit: int = ATTENTION_LIMIT
) -> list[Attention]:
    """Required documents missing or out of date, on the referrals and clients this user sees
    (the rules: this module's docstring)."""
    found: list[Attention] = []
    if actor.can(Permission.REFERRAL_VIEW):
        consent_forms = session.exec(
            select(Referral.id, Referral.tracking_id, Referral.client_id)
            .where(
                referral_visible(session, actor),
                col(Referral.status).in_(OPEN_AND_ACTIVE),
                col(Referral.id).in_(
                    select(ConsentRecord.referral_id).where(
                        col(ConsentRecord.status) == ConsentStatus.OBTAINED.value,
                        col(ConsentRecord.method).in_(
                            [ConsentMethod.WRITTEN.value, ConsentMethod.GUARDIAN.value]
                        ),
                    )
                ),
                ~_has_document("CONSENT_FORM", referral=Referral.id),
            )
            .order_by(col(Referral.id).desc())
            .limit(limit)
        ).all()
        for referral_id, tracking, client_id in consent_forms:
            found.append(
                Attention(
                    "Signed consent form missing",
                    client_id or 0,
                    "",
                    referral_id or 0,
                    tracking,
                    "Consent was given in writing: upload the signed form.",
                )  # fmt: skip
            )
        in_service = session.exec(
            select(Referral.client_id, Referral.id, Referral.tracking_id)
            .where(
                referral_visible(session, actor),
                col(Referral.status) == ReferralStatus.ACTIVE.value,
                col(Referral.client_id).is_not(None),
                ~_has_document("IDENTIFICATION", client=Referral.client_id),
            )
            .order_by(col(Referral.id).desc())
            .limit(limit)
        ).all()
        for client_id, referral_id, tracking in in_service:
            found.append(
                Attention(
                    "Identification missing",
                    client_id or 0,
                    "",
                    referral_id or 0,
                    tracking,
                    "The client is in service: upload proof of identity.",
                )  # fmt: skip
            )
    expired = session.exec(
        select(Document)
        .where(
            visible_documents(session, actor),
            col(Document.superseded_by_id).is_(None),
            col(Document.expiry_date) < dates.today(),
        )
        .order_by(col(Document.expiry_date))
        .limit(limit)
    ).all()
    for d in expired:
        found.append(
            Attention(
                f"{d.title} expired",
                d.client_id or 0,
                "",
                d.referral_id or 0,
                "",
                f"Out of date since {dates.day(d.expiry_date)}: upload a current one.",
            )  # fmt: skip
        )
    names = _client_names(session, {a.client_id for a in found if a.client_id})
    return [
        Attention(
            a.what, a.client_id, names.get(a.client_id, ""), a.referral_id, a.tracking_id, a.detail
        )
        for a in found[:limit]
    ]
