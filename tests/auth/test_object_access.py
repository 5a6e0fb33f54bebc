"""Object-level checks: load_<thing>_for fetches and authorises together, and audits refusals."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from mtkcare.audit.models import AuditLog
from mtkcare.auth.permissions import Permission
from mtkcare.auth.service import Principal
from mtkcare.clients.service import load_client_for
from mtkcare.db import session_scope
from mtkcare.documents.models import Document
from mtkcare.documents.service import load_document_for
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


def make_document(db: Session, client_id: int, level: str) -> Document:
    doc = Document(
        title="Assessment",
        file_name="assessment.pdf",
        content_type="application/pdf",
        size_bytes=2048,
        client_id=client_id,
        access_level=level,
        storage_path=f"/Clients/{client_id}/ASSESSMENT/assessment.pdf",
    )
    db.add(doc)
    db.flush()
    return doc


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


@pytest.mark.parametrize(
    ("role", "level", "allowed"),
    [
        ("Case worker", "STANDARD", True),
        ("Case worker", "RESTRICTED", False),
        ("Case worker", "CONFIDENTIAL", False),
        ("Team lead", "RESTRICTED", True),
        ("Compliance auditor", "CONFIDENTIAL", True),
    ],
)
def test_restricted_documents_need_the_restricted_permission(
    reference: Session,
    intake_worker: Principal,
    staff: Callable[..., Principal],
    role: str,
    level: str,
    allowed: bool,
) -> None:
    client = make_client(reference, intake_worker)
    doc = make_document(reference, client.id, level)  # type: ignore[arg-type]
    who = staff(role)
    assert who.can(Permission.DOCUMENT_VIEW)
    if allowed:
        assert load_document_for(reference, who, doc.id).id == doc.id  # type: ignore[arg-type]
    else:
        with pytest.raises(NotAllowed):
            load_document_for(reference, who, doc.id)  # type: ignore[arg-type]
