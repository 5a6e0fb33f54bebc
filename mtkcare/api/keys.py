"""Which organisation is calling the partner API: the ``Authorization: Bearer <key>`` header's
key, found by its prefix and compared by keyed hash in constant time.

The answer distinguishes what the contract answers differently: no key or an unknown one
(401, ``WWW-Authenticate: Bearer``), and a key that is revoked or expired, or whose
organisation is inactive or deleted (403). Nothing about the key is logged but its prefix.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

import sqlalchemy as sa
from sqlmodel import Session, col

from mtkcare.db import read_rows, utcnow
from mtkcare.organisations.models import ApiKey, ExternalOrganisation
from mtkcare.reference.cache import GENERATION
from mtkcare.settings import get_settings


def key_hash(secret: str) -> str:
    """The keyed hash kept for a key: HMAC-SHA256 under a key derived from the app's secret
    (so a copy of the database alone cannot check guesses)."""
    return hmac.digest(_pepper(get_settings().secret_key), secret.encode(), "sha256").hex()


@lru_cache(maxsize=4)
def _pepper(app_secret: str) -> bytes:
    return hmac.digest(app_secret.encode(), b"mtkcare api keys", "sha256")


class KeyProblem(StrEnum):
    MISSING = "missing"  # 401
    UNKNOWN = "unknown"  # 401
    REVOKED = "revoked"  # 403
    EXPIRED = "expired"  # 403
    INACTIVE = "inactive"  # 403: the organisation is inactive or deleted


@dataclass(frozen=True)
class Caller:
    """The calling organisation and the key it used, or why there is none."""

    organisation_id: int | None
    key_id: int | None
    prefix: str | None
    problem: KeyProblem | None
    # The organisation's own partner-API requests a minute (None: MTKCARE_API_RATE_LIMIT).
    rate_limit: int | None = None
    organisation_name: str | None = None
    # The reference lists' generation when the key was read (mtkcare.reference.cache).
    reference_generation: int | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def _prefix_of(secret: str) -> str | None:
    parts = secret.split("_")
    if len(parts) < 3 or parts[0] != "mtk" or len(parts[1]) != 8:
        return None
    return f"{parts[0]}_{parts[1]}"


def prefix_of(authorization: str | None) -> str | None:
    """The visible prefix of a bearer key (what logs keep), or None."""
    scheme, _, secret = (authorization or "").partition(" ")
    return _prefix_of(secret.strip()) if scheme.lower() == "bearer" else None


# A key and its organisation by the key's prefix: plain columns in one Core query, built once
# (no ORM, no soft-delete filter: a deleted organisation is an answer of its own). It runs on
# every call.
_KEY_BY_PREFIX = (
    sa.select(
        col(ApiKey.id),
        col(ApiKey.key_hash),
        col(ApiKey.revoked_at),
        col(ApiKey.expires_at),
        col(ExternalOrganisation.id),
        col(ExternalOrganisation.is_active),
        col(ExternalOrganisation.is_deleted),
        col(ExternalOrganisation.api_rate_limit),
        col(ExternalOrganisation.name),
        GENERATION,  # which reference lists are current (mtkcare.reference.cache.prime)
    )
    .join(ExternalOrganisation, col(ExternalOrganisation.id) == col(ApiKey.organisation_id))
    .where(col(ApiKey.prefix) == sa.bindparam("prefix"))
)


def authenticate_key(session: Session, authorization: str | None) -> Caller:
    """The caller named by an ``Authorization`` header's bearer key."""
    scheme, _, secret = (authorization or "").partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret:
        return Caller(None, None, None, KeyProblem.MISSING)
    prefix = _prefix_of(secret)
    if prefix is None:
        return Caller(None, None, None, KeyProblem.UNKNOWN)
    rows = read_rows(session.connection(), _KEY_BY_PREFIX, {"prefix": prefix})
    found = rows[0] if rows else None
    if found is None or not hmac.compare_digest(found[1], key_hash(secret)):
        return Caller(None, None, prefix, KeyProblem.UNKNOWN)
    key_id, _, revoked_at, expires_at, organisation_id, active, deleted, rate_limit, name, lists = (
        found
    )
    problem = None
    if revoked_at is not None:
        problem = KeyProblem.REVOKED
    elif expires_at is not None and expires_at <= utcnow():
        problem = KeyProblem.EXPIRED
    elif not active or deleted:
        problem = KeyProblem.INACTIVE
    return Caller(organisation_id, key_id, prefix, problem, rate_limit, name, lists)
