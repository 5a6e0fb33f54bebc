"""The clients list's bulk-consent handlers over the real event socket, called by name as any
script could: without CONSENT_RECORD nothing is selected and nothing is saved."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlmodel import col, func, select

from mtkcare.dates import today as org_today
from mtkcare.db import session_scope
from mtkcare.reference.service import ensure_reference_data
from mtkcare.referrals.models import ConsentRecord, Referral
from tests.auth.test_every_handler_is_guarded import app_handlers
from tests.factories import make_client, make_referral
from tests.support.web import Person, call_event, session_cookie, sign_in

REFUSED = "You are not allowed to do that."


def handler(name: str) -> str:
    return next(n for n, _ in app_handlers() if n.endswith(f"clients_state.{name}"))


def test_without_consent_permission_bulk_consent_is_refused(
    backend: str, person: Person, pg_url: str
) -> None:
    with session_scope(url=pg_url) as db:
        ensure_reference_data(db)
        client = make_client(db, None, last_name="Hhrefused")
        referral = make_referral(db, None, client_id=client.id)
        referral.status = "AWAITING_CONSENT"
        referral_id, client_id = referral.id, client.id
    auditor = person("Compliance auditor")
    token = session_cookie(sign_in(backend, auditor.username))
    assert token
    calls = {
        "toggle_selected": {"client_id": str(client_id)},
        "toggle_all_on_page": {},
        "open_consent": {},
        "record_consent": {
            "form_data": {
                "status": "DECLINED",
                "decline_reason_id": "1",
                "follow_up_date": str(org_today() + timedelta(days=3)),
            }
        },
    }
    for name, payload in calls.items():
        received = call_event(backend, handler(name), payload, token=token)
        text = json.dumps(received)
        assert REFUSED in text, (name, text)
        assert "selection" not in text and "consent_open" not in text, (name, text)
    with session_scope(url=pg_url) as db:
        assert db.exec(select(Referral.status).where(Referral.id == referral_id)).one() == (
            "AWAITING_CONSENT"
        )
        assert (
            db.exec(
                select(func.count())
                .select_from(ConsentRecord)
                .where(col(ConsentRecord.client_id) == client_id)
            ).one()
            == 0
        )
