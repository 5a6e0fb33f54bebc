"""Append-only audit tables. The application only ever inserts here. Three defences, each
driven by ``APPEND_ONLY_TABLES``: triggers refuse UPDATE, DELETE (and TRUNCATE) on PostgreSQL
and SQLite (migrations ``add_audit_append_only_triggers``, ``add_sqlite_audit_triggers``); the
app's own database role is granted only SELECT and INSERT on them (``mtkcare.privileges``, at
every migrate); and production refuses to start when that role could change them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import JSON, Column, Field, SQLModel

from mtkcare.db import USER_FK, utcnow

# The tables nobody may change or empty: this audit log and the documents' access log
# (mtkcare.documents.models.DocumentAuditLog).
APPEND_ONLY_TABLES: tuple[str, ...] = ("audit_auditlog", "common_documentauditlog")


class AuditAction(StrEnum):
    CREATE = "CREATE"
    UPDATE = "UPDATE"
    DELETE = "DELETE"
    RESTORE = "RESTORE"
    VIEW = "VIEW"
    # A list page or search result was shown: the query and the ids of the records shown.
    LIST = "LIST"
    EXPORT = "EXPORT"
    SIGN_IN = "SIGN_IN"
    SIGN_IN_FAILED = "SIGN_IN_FAILED"
    SIGN_OUT = "SIGN_OUT"
    ACCESS_DENIED = "ACCESS_DENIED"
    API_CALL = "API_CALL"
    # Staff confirmed a new client is not one of the likely duplicates shown to them.
    NOT_DUPLICATE = "NOT_DUPLICATE_CONFIRMED"


class AuditLog(SQLModel, table=True):
    __tablename__ = "audit_auditlog"
    __table_args__ = (
        sa.Index("ix_audit_auditlog_resource_resource_id", "resource", "resource_id"),
        sa.Index("ix_audit_auditlog_user_id_timestamp", "user_id", "timestamp"),
    )

    id: int | None = Field(default=None, primary_key=True)
    timestamp: datetime = Field(default_factory=utcnow, nullable=False, index=True)
    user_id: int | None = Field(default=None, foreign_key=USER_FK)
    action: str = Field(max_length=32, nullable=False)
    resource: str = Field(max_length=64, nullable=False)
    resource_id: str | None = Field(default=None, max_length=64)
    changes: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    ip_address: str | None = Field(default=None, max_length=45)
    detail: str | None = Field(default=None, sa_type=sa.Text)
