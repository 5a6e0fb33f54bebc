"""Idempotency keys are kept at least 24 hours (the contract), and then forgotten by an hourly
job, so the table does not grow without end."""

from __future__ import annotations

import uuid
from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import col
from starlette.testclient import TestClient

from mtkcare.api import idempotency
from mtkcare.db import session_scope, utcnow
from mtkcare.jobs.queue import KINDS, get_huey
from mtkcare.organisations.models import IdempotencyKey

# The fixtures ``api`` and ``partner`` come from the partner API's contract tests.
from tests.api.test_partner_referrals import URL, Partner, _body, partner, references  # noqa: F401


def _age(pg_url: str, organisation_id: int, key: str, hours: float) -> None:
    with session_scope(url=pg_url) as db:
        db.execute(
            sa.update(IdempotencyKey)
            .where(
                col(IdempotencyKey.organisation_id) == organisation_id,
                col(IdempotencyKey.key) == key,
            )
            .values(created_at=utcnow() - timedelta(hours=hours))
        )


def test_a_key_is_answered_for_24_hours_and_forgotten_after_by_the_hourly_job(
    api: TestClient,
    pg_url: str,
    partner: Partner,  # noqa: F811
) -> None:
    recent, old = f"recent-{uuid.uuid4().hex}", f"old-{uuid.uuid4().hex}"
    recent_body, old_body = _body(), _body()
    first = {
        key: api.post(URL, json=body, headers={**partner.headers, "Idempotency-Key": key})
        for key, body in ((recent, recent_body), (old, old_body))
    }
    assert [a.status_code for a in first.values()] == [201, 201]
    _age(pg_url, partner.organisation_id, recent, 23.5)
    _age(pg_url, partner.organisation_id, old, 24.5)

    # The job, as the consumer runs it (its body opens its own transaction).
    KINDS[idempotency.FORGET_JOB].run()

    again_recent = api.post(
        URL, json=recent_body, headers={**partner.headers, "Idempotency-Key": recent}
    )
    assert again_recent.status_code == 201
    assert again_recent.json() == first[recent].json()  # still the first answer
    again_old = api.post(URL, json=old_body, headers={**partner.headers, "Idempotency-Key": old})
    assert again_old.status_code == 201
    assert again_old.json()["tracking_id"] != first[old].json()["tracking_id"]  # a new request


def test_the_forgetting_job_is_scheduled_every_hour() -> None:
    names = {task.name for task in get_huey()._registry.periodic_tasks}  # type: ignore[attr-defined]
    assert "mtkcare.forget_idempotency_keys" in names
    assert KINDS[idempotency.FORGET_JOB].label.startswith("Forget partner API idempotency keys")
