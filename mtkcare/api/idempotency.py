"""``Idempotency-Key`` for the partner API: a retried request (the partner's system timed out,
the network dropped the answer) gets the original answer and creates nothing twice.

- The same key with the same body (byte for byte, by SHA-256): the stored answer again.
- The same key with another body: 409 (the key is being reused for something else).
- Keys are per organisation (two organisations may use the same key) and kept ``KEEP_FOR``
  (the contract's "at least 24 hours"): the hourly job ``partner_api.forget_idempotency_keys``
  removes older ones, after which the same key is simply new again.

Requests with one key are serialised: the first takes a transaction-scoped lock on
(organisation, key) — on PostgreSQL an advisory lock, elsewhere the database's single writer —
so a second one, sent while the first is still working, waits and then finds its answer.
Only successful answers are kept: a refused request wrote nothing, so sending it again (or
corrected) with the same key is simply a new attempt.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from mtkcare.db import session_scope, utcnow
from mtkcare.jobs.queue import job
from mtkcare.organisations.models import IdempotencyKey

KEEP_FOR = timedelta(hours=24)
FORGET_JOB = "partner_api.forget_idempotency_keys"

# Printable ASCII without spaces, 1–200 characters (UUIDs, ULIDs, the partner's own ids).
VALID_KEY = re.compile(r"[\x21-\x7e]{1,200}")


@dataclass(frozen=True)
class Replay:
    """What a request with a known key is answered."""

    status_code: int
    body: dict[str, Any] | None  # None: the key was used for another body (409)
    location: str | None


def valid_key(raw: str | None) -> bool:
    return raw is not None and VALID_KEY.fullmatch(raw) is not None


def _fingerprint(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def claim(session: Session, organisation_id: int, key: str, body: bytes) -> Replay | None:
    """Take the key for this transaction; the earlier answer when it was used before (or a
    409 replay for another body), None when this request is the first."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            sa.text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 1))"),
            {"k": f"{organisation_id}:{key}"},
        )
    found = session.exec(
        select(IdempotencyKey).where(
            IdempotencyKey.organisation_id == organisation_id, IdempotencyKey.key == key
        )
    ).first()
    if found is None:
        return None
    if found.request_sha256 != _fingerprint(body):
        return Replay(409, None, None)
    return Replay(found.status_code, json.loads(found.response_body), found.location)


def remember(
    session: Session,
    organisation_id: int,
    key: str,
    body: bytes,
    *,
    status_code: int,
    answer: dict[str, Any],
    location: str | None,
) -> None:
    """Keep this request's answer under its key, in the request's transaction."""
    session.add(
        IdempotencyKey(
            organisation_id=organisation_id,
            key=key,
            request_sha256=_fingerprint(body),
            status_code=status_code,
            response_body=json.dumps(answer),
            location=location,
        )
    )


def forget_expired(session: Session) -> int:
    """Remove the answers kept longer than ``KEEP_FOR``; how many. (Technical records, not
    business rows: nothing to audit, nothing to soft-delete.)"""
    done = session.execute(
        sa.delete(IdempotencyKey).where(col(IdempotencyKey.created_at) < utcnow() - KEEP_FOR)
    )
    return int(getattr(done, "rowcount", 0) or 0)


@job(FORGET_JOB, label="Forget partner API idempotency keys older than a day", max_attempts=3)
def forget_idempotency_keys() -> None:
    with session_scope() as db:
        forget_expired(db)
