"""Many partner submissions at the same moment, through the real backend (uvicorn, eight
partner-API threads: ``parallel_backend``, PostgreSQL): nothing is lost and nothing is created
twice."""

from __future__ import annotations

import asyncio
import uuid

import httpx
from sqlmodel import col, func, select

from mtkcare.db import session_scope
from mtkcare.organisations.models import IdempotencyKey
from mtkcare.referrals.models import Referral
from tests.api.test_partner_referrals import URL, Partner, _body, _theirs, partner, references  # noqa: F401

AT_ONCE = 50


async def _all_at_once(
    backend: str, requests: list[tuple[dict, dict[str, str]]]
) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=AT_ONCE, max_keepalive_connections=AT_ONCE)
    async with httpx.AsyncClient(base_url=backend, limits=limits, timeout=120) as client:
        return list(
            await asyncio.gather(
                *(client.post(URL, json=body, headers=headers) for body, headers in requests)
            )
        )


def test_fifty_parallel_submissions_with_distinct_keys_create_fifty_referrals(
    parallel_backend: str,
    pg_url: str,
    partner: Partner,  # noqa: F811
) -> None:
    requests = [
        (_body(), {**partner.headers, "Idempotency-Key": f"many-{uuid.uuid4().hex}"})
        for _ in range(AT_ONCE)
    ]
    answers = asyncio.run(_all_at_once(parallel_backend, requests))
    assert [a.status_code for a in answers] == [201] * AT_ONCE, {a.text for a in answers}
    tracking = {a.json()["tracking_id"] for a in answers}
    assert len(tracking) == AT_ONCE
    assert _theirs(pg_url, partner) == AT_ONCE
    with session_scope(url=pg_url) as db:
        kept = db.exec(
            select(func.count(col(IdempotencyKey.id))).where(
                IdempotencyKey.organisation_id == partner.organisation_id
            )
        ).one()
        stored = set(
            db.exec(
                select(Referral.tracking_id).where(
                    Referral.external_organisation_id == partner.organisation_id
                )
            ).all()
        )
    assert kept == AT_ONCE
    assert stored == tracking


def test_fifty_parallel_submissions_with_one_key_create_one_referral(
    parallel_backend: str,
    pg_url: str,
    partner: Partner,  # noqa: F811
) -> None:
    headers = {**partner.headers, "Idempotency-Key": f"one-{uuid.uuid4().hex}"}
    body = _body()
    answers = asyncio.run(_all_at_once(parallel_backend, [(body, headers)] * AT_ONCE))
    assert [a.status_code for a in answers] == [201] * AT_ONCE, {a.text for a in answers}
    assert len({a.json()["tracking_id"] for a in answers}) == 1
    assert len({a.headers["location"] for a in answers}) == 1
    assert _theirs(pg_url, partner) == 1
