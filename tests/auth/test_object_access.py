"""Object-level checks: load_<thing>_for fetches and authorises together, and audits refusals."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from mtkcare.audit.models import AuditLog
from mtkcare.auth.service import Principal
from mtkcare.clients.service import load_client_for
from mtkcare.db import session_scope
from mtkcare.errors import NotAllowed
from tests.factories import make_client


def denials(pg_url: str, resource: str, resource_id: int) -> int:
    with session_scope(url=pg_url) as s:
        return s.exec(
            select(sa.func.count())
            .select_from(AuditLog)
            .where(
                AuditLog.action == "ACCESS_DENIED",
                AuditLog.resource == resource,
                AuditLog.resource_id == str(resource_id),
            )
        ).one()


def test_staff_with_client_view_load_the_client_and_the_view_is_audited(
    reference: Session, intake_worker: Principal, staff: Callable[..., Principal]
) -> None:
    client = make_client(reference, intake_worker)
    viewer = staff("Intake worker")
    assert load_client_for(reference, viewer, client.id).id == client.id  # type: ignore[arg-type]
    views = reference.exec(
        select(AuditLog.user_id).where(
            AuditLog.action == "VIEW",
            AuditLog.resource == "Client",
            AuditLog.resource_id == str(client.id),
        )
    ).all()
    assert views == [viewer.user_id]


def test_loading_a_client_without_permission_is_refused_and_audited(
    reference: Session,
    intake_worker: Principal,
    pg_url: str,
    staff: Callable[..., Principal],
) -> None:
    client = make_client(reference, intake_worker)
    outsider = staff()
    before = denials(pg_url, "Client", client.id)  # type: ignore[arg-type]
    with pytest.raises(NotAllowed):
        load_client_for(reference, outsider, client.id)  # type: ignore[arg-type]
    with pytest.raises(NotAllowed):
        load_client_for(reference, None, client.id)  # type: ignore[arg-type]
    assert denials(pg_url, "Client", client.id) == before + 2  # type: ignore[arg-type]
