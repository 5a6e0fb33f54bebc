"""Document metadata (the bytes live in SharePoint or local storage) and its access log."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from mtkcare.db import USER_FK, Audited, SoftDelete, utcnow


class AccessLevel(StrEnum):
    STANDARD = "STANDARD"
    RESTRICTED = "RESTRICTED"
    CONFIDENTIAL = "CONFIDENTIAL"


class StorageBackend(StrEnum):
    LOCAL = "LOCAL"
    SHAREPOINT = "SHAREPOINT"


class DocumentStatus(StrEnum):
    """pending (its bytes on their way to storage) → available, or failed (they never got
    there: the record stays, visibly, with the reason; nothing can be opened)."""

    PENDING = "PENDING"
    AVAILABLE = "AVAILABLE"
    FAILED = "FAILED"


class DocumentAction(StrEnum):
    UPLOAD = "UPLOAD"
    VIEW = "VIEW"
    DOWNLOAD = "DOWNLOAD"
    NEW_VERSION = "NEW_VERSION"
    ACCESS_CHANGED = "ACCESS_CHANGED"
    DELETE = "DELETE"
    RESTORE = "RESTORE"


class Document(Audited, SoftDelete, table=True):
    __tablename__ = "common_document"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200, nullable=False)
    file_name: str = Field(max_length=255, nullable=False)
    content_type: str = Field(max_length=100, nullable=False)
    size_bytes: int = Field(nullable=False)
    checksum_sha256: str | None = Field(default=None, max_length=64)
    # A code of reference_documenttype (the option list; retired types keep their meaning).
    document_type: str = Field(default="OTHER", max_length=20, nullable=False)
    client_id: int | None = Field(
        default=None, foreign_key="client_management_client.id", index=True
    )
    referral_id: int | None = Field(
        default=None, foreign_key="referral_management_referral.id", index=True
    )
    access_level: str = Field(default=AccessLevel.STANDARD.value, max_length=12, nullable=False)
    storage_backend: str = Field(default=StorageBackend.LOCAL.value, max_length=12, nullable=False)
    storage_path: str = Field(max_length=500, nullable=False)
    sharepoint_site_id: str | None = Field(default=None, max_length=200)
    sharepoint_drive_id: str | None = Field(default=None, max_length=200)
    sharepoint_item_id: str | None = Field(default=None, max_length=200)
    sharepoint_unique_id: str | None = Field(default=None, max_length=64)
    sharepoint_version_label: str | None = Field(default=None, max_length=20)
    version: int = Field(default=1, nullable=False)
    previous_version_id: int | None = Field(default=None, foreign_key="common_document.id")
    superseded_by_id: int | None = Field(default=None, foreign_key="common_document.id")
    superseded_at: datetime | None = Field(default=None)
    status: str = Field(
        default=DocumentStatus.AVAILABLE.value,
        max_length=10,
        nullable=False,
        index=True,
        sa_column_kwargs={"server_default": DocumentStatus.AVAILABLE.value},
    )
    failure_reason: str | None = Field(default=None, max_length=500)
    # For document types that expire (identification): after this day it is out of date.
    expiry_date: date | None = Field(default=None)
    # The metadata sync: when it last compared this record with its store, and what it found
    # ("" when they agreed).
    last_synced_at: datetime | None = Field(default=None)
    sync_finding: str | None = Field(default=None, max_length=300)


class DocumentAccessGrant(Audited, table=True):
    """A member of staff named on a confidential document (besides the client's worker)."""

    __tablename__ = "common_documentaccessgrant"
    __table_args__ = (sa.UniqueConstraint("document_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="common_document.id", nullable=False, index=True)
    user_id: int = Field(foreign_key=USER_FK, nullable=False, index=True)


class DocumentAuditLog(SQLModel, table=True):
    """Every access to a document (append-only, like audit_auditlog)."""

    __tablename__ = "common_documentauditlog"
    __table_args__ = (
        sa.Index(
            "ix_common_documentauditlog_document_id_timestamp",
            "document_id",
            "timestamp",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="common_document.id", nullable=False)
    user_id: int | None = Field(default=None, foreign_key=USER_FK, index=True)
    action: str = Field(max_length=16, nullable=False)
    timestamp: datetime = Field(default_factory=utcnow, nullable=False)
    ip_address: str | None = Field(default=None, max_length=45)
    detail: str | None = Field(default=None, sa_type=sa.Text)
