"""Documents: who may see which, accepting an upload, storing it (a durable job), opening it,
new versions, access levels, named staff, soft delete and restore — every access written to
``common_documentaccessgrant``'s neighbour, ``common_documentauditlog``.

The design document's "Document Lifecycle Flow", made safe for a store that can fail: an
upload creates the record *pending* in the same transaction as its access-log row and the
job that stores its bytes; the job puts the bytes in the store and only then marks the record
*available* (and the version it replaces superseded). If the store never takes them, the
record is marked *failed* with the reason, the uploader is told, and nothing is left in the
store — so there is never an available record without its file, nor a file without a record.

Who sees a document (checked on every list, view and download, here and nowhere else):
``document.view``; the client's record (``client.view``) or, for a document on a referral,
the referral (``referrals.moves.visible``); and its access level — standard: anyone who sees
documents; restricted: ``document.view_restricted``; confidential: the staff named on it and
the client's workers (the staff assigned to one of the client's referrals).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from pydantic import field_validator, model_validator
from sqlmodel import Session, col, select

from mtkcare import dates
from mtkcare.auth.access import reads, service
from mtkcare.auth.permissions import Permission
from mtkcare.auth.service import Principal
from mtkcare.clients.models import Client
from mtkcare.db import get_row, utcnow
from mtkcare.documents.models import (
    AccessLevel,
    Document,
    DocumentAccessGrant,
    DocumentAction,
    DocumentAuditLog,
    DocumentStatus,
)
from mtkcare.documents.storage import document_path
from mtkcare.documents.validation import Kind
from mtkcare.errors import NotAllowed, NotFound, ValidationFailed
from mtkcare.fields import field
from mtkcare.programs.models import ProgramTeamMember
from mtkcare.reference.models import DocumentTypeOption
from mtkcare.referrals.models import Referral
from mtkcare.referrals.moves import visible as referral_visible
from mtkcare.users.models import User
from mtkcare.validation import Input, validate

LEVEL_WORDS = {
    AccessLevel.STANDARD.value: "Standard",
    AccessLevel.RESTRICTED.value: "Restricted",
    AccessLevel.CONFIDENTIAL.value: "Confidential",
}
ACTION_WORDS = {
    DocumentAction.UPLOAD.value: "Uploaded",
    DocumentAction.NEW_VERSION.value: "Uploaded a new version",
    DocumentAction.VIEW.value: "Opened",
    DocumentAction.DOWNLOAD.value: "Downloaded",
    DocumentAction.ACCESS_CHANGED.value: "Changed who may see it",
    DocumentAction.DELETE.value: "Deleted",
    DocumentAction.RESTORE.value: "Restored",
}
STATUS_WORDS = {
    DocumentStatus.PENDING.value: "Storing…",
    DocumentStatus.AVAILABLE.value: "Available",
    DocumentStatus.FAILED.value: "Failed",
}


class UploadInput(Input):
    """What an upload says about its file (the file itself is checked by its content)."""

    title: str | None = field("Title", default=None, max_length=200)
    # Not for a new version (it keeps its document's type).
    document_type: str | None = field("Document type", default=None, max_length=20)
    access_level: AccessLevel = field(
        "Access level", choices=LEVEL_WORDS, default=AccessLevel.STANDARD
    )
    expiry_date: date | None = field("Expiry date", default=None)
    client_id: int | None = field("Client", default=None)
    referral_id: int | None = field("Referral", default=None)
    # A new version of this document (its client, referral and type carry over).
    replaces_id: int | None = field("Document", default=None)

    @field_validator("title", mode="after")
    @classmethod
    def _blank(cls, value: str | None) -> str | None:
        return value or None

    @model_validator(mode="after")
    def _somewhere(self) -> UploadInput:
        if self.client_id is None and self.referral_id is None and self.replaces_id is None:
            raise ValueError("Say which client or referral the document belongs to")
        return self


@dataclass(frozen=True)
class Target:
    """Where an upload goes, checked: its client and referral, and the version it replaces."""

    client: Client | None
    referral: Referral | None
    previous: Document | None
    document_type: DocumentTypeOption
    details: UploadInput


# --------------------------------------------------------------------------------------------
# Who sees what


def _client_workers(user_id: int) -> Any:
    """Clients this user works with (assigned to one of their referrals)."""
    return select(Referral.client_id).where(
        col(Referral.assigned_staff_id) == user_id, col(Referral.client_id).is_not(None)
    )


@reads(Permission.DOCUMENT_VIEW)
def visible_documents(session: Session, actor: Principal) -> Any:
    """A condition on Document: the documents this user may see (see the module's note)."""
    uid = actor.user_id or -1
    levels: list[Any] = [col(Document.access_level) == AccessLevel.STANDARD.value]
    if actor.can(Permission.DOCUMENT_VIEW_RESTRICTED):
        levels.append(col(Document.access_level) == AccessLevel.RESTRICTED.value)
    levels.append(
        sa.and_(
            col(Document.access_level) == AccessLevel.CONFIDENTIAL.value,
            sa.or_(
                col(Document.id).in_(
                    select(DocumentAccessGrant.document_id).where(
                        DocumentAccessGrant.user_id == uid
                    )
                ),
                col(Document.client_id).in_(_client_workers(uid)),
            ),
        )
    )
    where: list[Any] = [sa.or_(*levels)]
    if not actor.can(Permission.CLIENT_VIEW):
        where.append(col(Document.client_id).is_(None))
    where.append(
        sa.or_(
            col(Document.referral_id).is_(None),
            col(Document.referral_id).in_(
                select(Referral.id).where(referral_visible(session, actor))
            )
            if actor.can(Permission.REFERRAL_VIEW)
            else sa.false(),
        )
    )
    return sa.and_(*where)


def _visible_one(
    session: Session, actor: Principal, document_id: int, *, include_deleted: bool = False
) -> Document:
    query = select(Document).where(
        col(Document.id) == document_id, visible_documents(session, actor)
    )
    if include_deleted:
        query = query.execution_options(include_deleted=True)
    found = session.exec(query).first()
    if found is None:
        # The same answer whether it does not exist or is not this user's to see.
        raise NotFound(f"There is no document with id {document_id} that you can see")
    return found


def _log_access(
    session: Session,
    document_id: int,
    user_id: int | None,
    action: DocumentAction,
    ip: str | None,
    detail: str | None = None,
) -> None:
    """One access-log row (who, what, when, from where), in the caller's transaction."""
    session.add(
        DocumentAuditLog(
            document_id=document_id,
            user_id=user_id,
            action=action.value,
            ip_address=ip,
            detail=detail,
        )
    )


def levels_for(actor: Principal) -> list[AccessLevel]:
    """The access levels this user may give a document."""
    if actor.can(Permission.DOCUMENT_VIEW_RESTRICTED):
        return list(AccessLevel)
    return [AccessLevel.STANDARD]


# --------------------------------------------------------------------------------------------
# Upload


def _document_type(session: Session, code: str) -> DocumentTypeOption:
    option = session.exec(select(DocumentTypeOption).where(DocumentTypeOption.code == code)).first()
    if option is None or not option.is_active:
        raise ValidationFailed({"document_type": "Choose the document type from the list"})
    return option


@reads(Permission.DOCUMENT_UPLOAD)
def check_upload(session: Session, actor: Principal, data: dict[str, Any]) -> Target:
    """Everything about an upload but its bytes, checked before they are read: the client or
    referral exists and this user sees it, the type is a current one, the access level is one
    this user may give. Raises ValidationFailed / NotFound / NotAllowed with the reason."""
    details = validate(UploadInput, data)
    previous = None
    referral_id, client_id = details.referral_id, details.client_id
    type_code = details.document_type
    if details.replaces_id is not None:
        if not actor.can(Permission.DOCUMENT_VIEW):
            raise NotAllowed("You are not allowed to see documents.")
        previous = _visible_one(session, actor, details.replaces_id)
        if previous.superseded_by_id is not None:
            raise ValidationFailed(
                {"replaces_id": "A newer version of this document exists: add to that one"}
            )
        if previous.status != DocumentStatus.AVAILABLE.value:
            raise ValidationFailed(
                {"replaces_id": "This document is not stored yet: wait until it is available"}
            )
        referral_id, client_id, type_code = (
            previous.referral_id,
            previous.client_id,
            previous.document_type,
        )
    if not type_code:
        raise ValidationFailed({"document_type": "Choose the document type"})
    kind = _document_type(session, type_code)
    if details.expiry_date is not None and not kind.expires:
        raise ValidationFailed({"expiry_date": f"{kind.label} documents do not expire"})
    if details.access_level not in levels_for(actor):
        raise NotAllowed(
            f"You cannot make a document {LEVEL_WORDS[details.access_level.value].lower()}."
        )
    referral = None
    if referral_id is not None:
        if not actor.can(Permission.REFERRAL_VIEW):
            raise NotAllowed("You are not allowed to see referrals.")
        referral = session.exec(
            select(Referral).where(Referral.id == referral_id, referral_visible(session, actor))
        ).first()
        if referral is None:
            raise NotFound(f"There is no referral with id {referral_id} that you can see")
        if client_id is None:
            client_id = referral.client_id
        elif referral.client_id not in (None, client_id):
            raise ValidationFailed({"referral_id": "That referral is another client's"})
    client = None
    if client_id is not None:
        if not actor.can(Permission.CLIENT_VIEW):
            raise NotAllowed("You are not allowed to see clients.")
        client = get_row(session, Client, client_id)
    return Target(
        client=client, referral=referral, previous=previous, document_type=kind, details=details
    )


@service(Permission.DOCUMENT_UPLOAD)
def accept_upload(
    session: Session,
    actor: Principal,
    data: dict[str, Any],
    *,
    source: Path,
    file_name: str,
    kind: Kind,
    size: int,
    sha256: str,
    ip: str | None = None,
) -> Document:
    """The record of an uploaded file (checked again, in this transaction), pending until the
    ``documents.store`` job — enqueued here, handed over once this commits — has stored the
    file kept at ``source``."""
    from mtkcare.documents.storage import get_store
    from mtkcare.documents.validation import title_from
    from mtkcare.jobs.queue import enqueue

    target = check_upload(session, actor, data)
    details = target.details
    previous = target.previous
    version = previous.version + 1 if previous is not None else 1
    title = details.title or (previous.title if previous else title_from(file_name))
    client = target.client
    document = Document(
        title=title,
        file_name=file_name,
        content_type=kind.content_type,
        size_bytes=size,
        checksum_sha256=sha256,
        document_type=target.document_type.code,
        client_id=client.id if client else None,
        referral_id=target.referral.id if target.referral else None,
        access_level=details.access_level.value,
        storage_backend=get_store().name,
        storage_path=document_path(
            client_number=f"C{client.id:06d}" if client and client.id else None,
            referral_tracking_id=target.referral.tracking_id if target.referral else None,
            document_type=target.document_type.code,
            day=dates.today(),
            title=title,
            version=version,
            extension=kind.extension,
        ),
        version=version,
        previous_version_id=previous.id if previous else None,
        status=DocumentStatus.PENDING.value,
        expiry_date=details.expiry_date,
    )
    session.add(document)
    session.flush()
    assert document.id is not None
    if details.access_level == AccessLevel.CONFIDENTIAL and actor.user_id is not None:
        # Whoever makes a document confidential stays able to see it.
        session.add(DocumentAccessGrant(document_id=document.id, user_id=actor.user_id))
    _log_access(
        session,
        document.id,
        actor.user_id,
        DocumentAction.NEW_VERSION if previous else DocumentAction.UPLOAD,
        ip,
        f"Version {version} of document {previous.id}" if previous else None,
    )
    enqueue(
        session,
        "documents.store",
        {"document_id": document.id, "source": str(source)},
        requested_by=actor.user_id,
    )
    return document


# --------------------------------------------------------------------------------------------
# Open (view in the browser, or download)


@reads(Permission.DOCUMENT_VIEW)
def open_document(
    session: Session,
    actor: Principal,
    document_id: int,
    *,
    download: bool,
    ip: str | None = None,
) -> Document:
    """The document to send, if this user may see it and its file is stored; the access is
    logged in the caller's transaction (commit before sending the bytes)."""
    document = _visible_one(session, actor, document_id)
    if document.status != DocumentStatus.AVAILABLE.value:
        raise NotFound(
            "This document's file is not stored yet."
            if document.status == DocumentStatus.PENDING.value
            else "This document's file could not be stored, so it cannot be opened."
        )
    _log_access(
        session,
        document_id,
        actor.user_id,
        DocumentAction.DOWNLOAD if download else DocumentAction.VIEW,
        ip,
    )
    return document


# --------------------------------------------------------------------------------------------
# Access level, named staff, delete, restore


@service(Permission.DOCUMENT_MANAGE)
def change_access(
    session: Session,
    actor: Principal,
    document_id: int,
    *,
    access_level: str,
    named_staff: list[int] | None = None,
    ip: str | None = None,
) -> Document:
    """Set a document's access level (one this user may give) and, for a confidential one,
    the staff named on it (active users). Applies to every version of the document."""
    document = _visible_one(session, actor, document_id)
    try:
        level = AccessLevel(access_level)
    except ValueError:
        raise ValidationFailed({"access_level": "Choose the access level from the list"}) from None
    if level not in levels_for(actor):
        raise NotAllowed(f"You cannot make a document {LEVEL_WORDS[level.value].lower()}.")
    wanted = set(named_staff or []) if level == AccessLevel.CONFIDENTIAL else set()
    if actor.user_id is not None and level == AccessLevel.CONFIDENTIAL:
        wanted.add(actor.user_id)
    if wanted:
        active = set(
            session.exec(select(User.id).where(col(User.id).in_(wanted), col(User.is_active))).all()
        )
        if missing := wanted - active:
            raise ValidationFailed(
                {"named_staff": f"{len(missing)} of the people named are not active staff"}
            )
    chain = _versions(session, document)
    for each in chain:
        before = each.access_level
        each.access_level = level.value
        session.add(each)
        have = {
            g.user_id: g
            for g in session.exec(
                select(DocumentAccessGrant).where(DocumentAccessGrant.document_id == each.id)
            )
        }
        for user_id, grant in have.items():
            if user_id not in wanted:
                session.delete(grant)
        for user_id in wanted - set(have):
            session.add(DocumentAccessGrant(document_id=each.id or 0, user_id=user_id))
        _log_access(
            session,
            each.id or 0,
            actor.user_id,
            DocumentAction.ACCESS_CHANGED,
            ip,
            f"{before} -> {level.value}" + (f"; named staff {sorted(wanted)}" if wanted else ""),
        )
    session.flush()
    return document


@reads(Permission.DOCUMENT_MANAGE)
def access_choices(
    session: Session, actor: Principal, document_id: int
) -> tuple[list[int], list[tuple[int, str]]]:
    """For the access form: who is named on the document now, and whom this user may name
    (active staff of the teams they are in, and those already named)."""
    document = _visible_one(session, actor, document_id)
    named = list(
        session.exec(
            select(DocumentAccessGrant.user_id).where(
                DocumentAccessGrant.document_id == document.id
            )
        ).all()
    )
    my_teams = select(ProgramTeamMember.program_id).where(
        ProgramTeamMember.user_id == (actor.user_id or -1)
    )
    people = session.exec(
        select(User.id, User.first_name, User.last_name)
        .where(
            col(User.is_active),
            sa.or_(
                col(User.id).in_(
                    select(ProgramTeamMember.user_id).where(
                        col(ProgramTeamMember.program_id).in_(my_teams)
                    )
                ),
                col(User.id).in_(named),
            ),
        )
        .order_by(col(User.first_name), col(User.last_name))
    ).all()
    return named, [(i, f"{first} {last}") for i, first, last in people if i is not None]


def _versions(
    session: Session, document: Document, *, include_deleted: bool = False
) -> list[Document]:
    """Every version of ``document``, oldest first (following the links both ways)."""
    found = {document.id: document}
    frontier = [document]
    while frontier:
        each = frontier.pop()
        linked = [each.previous_version_id, each.superseded_by_id]
        query = select(Document).where(
            sa.or_(
                col(Document.id).in_([i for i in linked if i is not None]),
                col(Document.previous_version_id) == each.id,
            )
        )
        if include_deleted:
            query = query.execution_options(include_deleted=True)
        for other in session.exec(query):
            if other.id not in found:
                found[other.id] = other
                frontier.append(other)
    return sorted(found.values(), key=lambda d: d.version)


@service(Permission.DOCUMENT_MANAGE)
def delete_document(
    session: Session, actor: Principal, document_id: int, *, ip: str | None = None
) -> Document:
    """Soft delete a document with all its versions (kept, restorable; hidden from lists)."""
    document = _visible_one(session, actor, document_id)
    now = utcnow()
    for each in _versions(session, document):
        each.is_deleted = True
        each.deleted_at = now
        each.deleted_by = actor.user_id
        session.add(each)
        _log_access(session, each.id or 0, actor.user_id, DocumentAction.DELETE, ip)
    session.flush()
    return document


@service(Permission.DOCUMENT_MANAGE)
def restore_document(
    session: Session, actor: Principal, document_id: int, *, ip: str | None = None
) -> Document:
    """Bring back a deleted document with all its versions."""
    document = _visible_one(session, actor, document_id, include_deleted=True)
    if not document.is_deleted:
        return document
    for each in _versions(session, document, include_deleted=True):
        each.is_deleted = False
        each.deleted_at = None
        each.deleted_by = None
        session.add(each)
        _log_access(session, each.id or 0, actor.user_id, DocumentAction.RESTORE, ip)
    session.flush()
    return document


# --------------------------------------------------------------------------------------------
# Lists


@dataclass(frozen=True)
class DocumentLine:
    """A document as a panel lists it (plain words; what the browser receives)."""

    id: int
    title: str
    type_label: str
    version: int
    access: str
    access_label: str
    uploaded_by: str
    uploaded_at: str
    size: str
    status: str
    status_label: str
    failure: str
    expiry: str
    expired: bool
    can_open: bool
    inline: bool
    superseded: bool
    deleted: bool
    file_name: str


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n / (1024 * 1024):.1f} MB"


INLINE_TYPES = (
    "application/pdf",
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "text/plain",
)


@reads(Permission.DOCUMENT_VIEW)
def list_documents(
    session: Session,
    actor: Principal,
    *,
    client_id: int | None = None,
    referral_id: int | None = None,
    versions_of: int | None = None,
    include_deleted: bool = False,
    limit: int = 200,
) -> list[DocumentLine]:
    """The current versions of a client's or a referral's documents this user may see, newest
    first (``versions_of``: every version of one document; ``include_deleted``: the deleted
    ones, for those who may restore them)."""
    query = with_names().where(visible_documents(session, actor))
    if versions_of is not None:
        chain = _versions(session, _visible_one(session, actor, versions_of))
        query = query.where(col(Document.id).in_([d.id for d in chain]))
    else:
        query = query.where(col(Document.superseded_by_id).is_(None))
    if client_id is not None:
        query = query.where(col(Document.client_id) == client_id)
    if referral_id is not None:
        query = query.where(col(Document.referral_id) == referral_id)
    if include_deleted:
        if not actor.can(Permission.DOCUMENT_MANAGE):
            raise NotAllowed("You are not allowed to see deleted documents.")
        query = query.where(col(Document.is_deleted)).execution_options(include_deleted=True)
    rows = session.exec(
        query.order_by(col(Document.created_at).desc(), col(Document.id).desc()).limit(limit)
    ).all()
    return document_lines(rows)


def with_names() -> Any:
    """Documents with their uploader's names and their type's label (rows of four)."""
    return (
        select(Document, User.first_name, User.last_name, DocumentTypeOption.label)
        .join(User, col(User.id) == col(Document.created_by), isouter=True)
        .join(
            DocumentTypeOption,
            col(DocumentTypeOption.code) == col(Document.document_type),
            isouter=True,
        )
    )


def document_lines(rows: Any) -> list[DocumentLine]:
    """Rows of ``with_names`` as the lines a list shows."""
    today = dates.today()
    return [
        DocumentLine(
            id=d.id or 0,
            title=d.title,
            type_label=type_label or d.document_type,
            version=d.version,
            access=d.access_level,
            access_label=LEVEL_WORDS.get(d.access_level, d.access_level),
            uploaded_by=f"{first} {last}" if first else "System",
            uploaded_at=dates.moment(d.created_at),
            size=_size(d.size_bytes),
            status=d.status,
            status_label=STATUS_WORDS.get(d.status, d.status),
            failure=d.failure_reason or "",
            expiry=dates.day(d.expiry_date) if d.expiry_date else "",
            expired=bool(d.expiry_date and d.expiry_date < today),
            can_open=d.status == DocumentStatus.AVAILABLE.value and not d.is_deleted,
            inline=d.content_type.split(";")[0] in INLINE_TYPES,
            superseded=d.superseded_by_id is not None,
            deleted=d.is_deleted,
            file_name=d.file_name,
        )
        for d, first, last, type_label in rows
    ]


@reads(Permission.DOCUMENT_VIEW)
def access_history(
    session: Session, actor: Principal, document_id: int
) -> list[tuple[str, str, str, str, str]]:
    """Who did what to a document (every version), when and from where; for those who may
    manage documents, or see restricted ones."""
    if not (
        actor.can(Permission.DOCUMENT_MANAGE) or actor.can(Permission.DOCUMENT_VIEW_RESTRICTED)
    ):
        raise NotAllowed("You are not allowed to see who opened documents.")
    chain = _versions(session, _visible_one(session, actor, document_id))
    rows = session.exec(
        select(DocumentAuditLog, User.first_name, User.last_name, Document.version)
        .join(User, col(User.id) == col(DocumentAuditLog.user_id), isouter=True)
        .join(Document, col(Document.id) == col(DocumentAuditLog.document_id))
        .where(col(DocumentAuditLog.document_id).in_([d.id for d in chain]))
        .order_by(col(DocumentAuditLog.timestamp).desc(), col(DocumentAuditLog.id).desc())
        .execution_options(include_deleted=True)
    ).all()
    return [
        (
            dates.moment(log.timestamp),
            f"{first} {last}" if first else "System",
            ACTION_WORDS.get(log.action, log.action),
            f"v{version}",
            log.ip_address or "",
        )
        for log, first, last, version in rows
    ]
