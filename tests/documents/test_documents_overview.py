"""The /documents page's reads: recent documents narrowed by the filters (and never one the
user may not see), and required documents missing or out of date until they are uploaded."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from mtkcare.auth.service import Principal
from mtkcare.dates import today
from mtkcare.db import session_scope
from mtkcare.documents.overview import DocumentFilters, needing_attention, recent_documents
from mtkcare.jobs.queue import Queue
from mtkcare.reference.service import ensure_reference_data
from mtkcare.referrals.models import ConsentRecord
from tests.documents.conftest import upload
from tests.factories import SYSTEM, make_client, make_referral
from tests.support.jobs import drain


def _client(surname: str) -> int:
    with session_scope() as db:
        ensure_reference_data(db)
        client = make_client(db, None, last_name=f"{surname}{uuid.uuid4().hex[:6]}", phone=None)
        assert client.id is not None
        return client.id


def _titles(who: Principal, **filters: object) -> list[str]:
    with session_scope() as db:
        found = recent_documents(db, who, DocumentFilters(**filters))  # type: ignore[arg-type]
    return [d.title for d in found]


def test_recent_documents_narrow_by_type_client_uploader_and_day_and_hide_restricted_ones(
    store: Path, jobs: Queue, staff: Callable[..., Principal]
) -> None:
    worker, lead = staff("Case worker"), staff("Team lead")
    surname = f"Xwrecent{uuid.uuid4().hex[:4]}"
    client = _client(surname)
    other = _client("Xwother")
    tag = uuid.uuid4().hex[:6]
    upload(worker, client_id=client, title=f"Assessment {tag}")
    upload(lead, client_id=client, title=f"Letter {tag}", document_type="CORRESPONDENCE")
    upload(lead, client_id=client, title=f"Restricted {tag}", access_level="RESTRICTED")
    upload(worker, client_id=other, title=f"Elsewhere {tag}")
    drain(jobs.huey)

    def mine(who: Principal, **filters: object) -> set[str]:
        return {t for t in _titles(who, **filters) if t.endswith(tag)}

    assert mine(lead) == {f"{n} {tag}" for n in ("Assessment", "Letter", "Restricted", "Elsewhere")}
    assert f"Restricted {tag}" not in mine(worker)  # a case worker does not see restricted ones
    assert mine(lead, document_type="CORRESPONDENCE") == {f"Letter {tag}"}
    assert mine(lead, client=surname) == {f"Assessment {tag}", f"Letter {tag}", f"Restricted {tag}"}
    assert mine(lead, uploaded_by=worker.user_id) == {f"Assessment {tag}", f"Elsewhere {tag}"}
    assert mine(lead, since=today() + timedelta(days=1)) == set()
    assert len(mine(lead, since=today() - timedelta(days=1), until=today())) == 4


def test_a_referral_consented_in_writing_needs_its_signed_form_until_it_is_uploaded(
    store: Path, jobs: Queue, staff: Callable[..., Principal]
) -> None:
    lead = staff("Team lead")
    client = _client("Xwconsentform")
    with session_scope() as db:
        referral = make_referral(db, SYSTEM, client_id=client)
        db.add(
            ConsentRecord(
                referral_id=referral.id, client_id=client, status="OBTAINED", method="WRITTEN"
            )  # type: ignore[arg-type]
        )
        referral_id = referral.id

    def missing() -> bool:
        with session_scope() as db:
            return any(
                a.what == "Signed consent form missing" and a.referral_id == referral_id
                for a in needing_attention(db, lead, limit=10_000)
            )

    assert missing()
    upload(lead, referral_id=referral_id, document_type="CONSENT_FORM", title="Signed consent")
    assert missing()  # uploaded but not stored yet: still missing
    drain(jobs.huey)
    assert not missing()


def test_expired_identification_needs_attention_until_a_current_version_replaces_it(
    store: Path, jobs: Queue, staff: Callable[..., Principal]
) -> None:
    lead = staff("Team lead")
    client = _client("Xwexpired")
    first = upload(
        lead, client_id=client, document_type="IDENTIFICATION", title="Passport",
        expiry_date=(today() - timedelta(days=3)).isoformat(),
    )  # fmt: skip
    drain(jobs.huey)

    def expired() -> list[str]:
        with session_scope() as db:
            return [
                a.detail
                for a in needing_attention(db, lead, limit=10_000)
                if a.client_id == client and a.what == "Passport expired"
            ]

    assert len(expired()) == 1 and "Out of date since" in expired()[0]
    upload(lead, replaces_id=first, expiry_date=(today() + timedelta(days=3650)).isoformat())
    drain(jobs.huey)
    assert expired() == []
