"""Explicit audit events (sign-in, refusals, reads). Row changes are audited by the session
hooks in mtkcare.db; these are the events that change no row."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from mtkcare.audit.models import AuditAction, AuditLog
from mtkcare.db import utcnow


def record_event(
    session: Session,
    action: AuditAction,
    resource: str,
    *,
    user_id: int | None = None,
    resource_id: str | int | None = None,
    ip_address: str | None = None,
    detail: str | None = None,
    changes: dict[str, Any] | None = None,
) -> None:
    """Insert one audit row in the caller's transaction."""
    session.execute(
        sa.insert(AuditLog.__table__),  # type: ignore[attr-defined]
        {
            "timestamp": utcnow(),
            "user_id": user_id,
            "action": action.value,
            "resource": resource[:64],
            "resource_id": None if resource_id is None else str(resource_id)[:64],
            "ip_address": (ip_address or None) and ip_address[:45],
            "detail": detail,
            "changes": changes,
        },
    )


def record_shown(
    session: Session,
    resource: str,
    *,
    user_id: int | None,
    what: str,
    query: dict[str, Any],
    ids: list[int],
) -> None:
    """Records shown from a list page or a search: who asked for what, and saw which (one
    LIST row per page or search; bulk reads leave a trail like single ones)."""
    record_event(
        session,
        AuditAction.LIST,
        resource,
        user_id=user_id,
        detail=what,
        changes={"query": query, "ids": ids},
    )
