"""Administrators issue, list, rotate and revoke the API keys organisations' systems use for the
partner API (``/api/v1``). A key is 256 random bits, shown once; the database keeps only its
visible prefix and a keyed hash (``mtkcare.api.keys.key_hash``). A fast keyed hash is right
for keys this random — nobody can guess one — and costs microseconds a request, where a
password hash would cost ~50 ms.

A key looks like ``mtk_<8 characters>_<43 characters>``: the prefix (``mtk_`` and the 8
characters) is what lists and logs show, and how a request's key is found (by index) before
its hash is compared in constant time.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session, col, select

from mtkcare import dates
from mtkcare.api.keys import key_hash
from mtkcare.auth.access import reads, service
from mtkcare.auth.permissions import Permission
from mtkcare.auth.service import Principal
from mtkcare.db import get_row, utcnow
from mtkcare.errors import ValidationFailed
from mtkcare.organisations.models import ApiKey, ExternalOrganisation
from mtkcare.settings import get_settings

PREFIX_ALPHABET = string.ascii_lowercase + string.digits


@dataclass(frozen=True)
class IssuedKey:
    """A key just issued: ``secret`` is the whole key, shown to the administrator once."""

    key_id: int
    prefix: str
    secret: str
    expires: str


@dataclass(frozen=True)
class KeyLine:
    id: int
    prefix: str
    created: str
    last_used: str
    expires: str
    state: str  # Active | Expires soon (rotated) | Expired | Revoked


def _new_secret() -> tuple[str, str]:
    prefix = "mtk_" + "".join(secrets.choice(PREFIX_ALPHABET) for _ in range(8))
    return prefix, f"{prefix}_{secrets.token_urlsafe(32)}"


def _issue(session: Session, organisation_id: int) -> tuple[ApiKey, str]:
    prefix, secret = _new_secret()
    key = ApiKey(
        organisation_id=organisation_id,
        prefix=prefix,
        key_hash=key_hash(secret),
        expires_at=utcnow() + timedelta(days=get_settings().api_key_valid_days),
    )
    session.add(key)
    session.flush()
    return key, secret


def _issued(key: ApiKey, secret: str) -> IssuedKey:
    return IssuedKey(
        key_id=key.id or 0, prefix=key.prefix, secret=secret, expires=dates.day(key.expires_at)
    )


@service(Permission.ORGANISATION_MANAGE)
def issue_api_key(session: Session, actor: Principal, organisation_id: int) -> IssuedKey:
    """A new key for an active organisation (its other keys keep working)."""
    organisation = get_row(session, ExternalOrganisation, organisation_id)
    if not organisation.is_active:
        raise ValidationFailed(
            {"organisation_id": "This organisation is inactive: reactivate it first"}
        )
    return _issued(*_issue(session, organisation_id))


@service(Permission.ORGANISATION_MANAGE)
def rotate_api_key(session: Session, actor: Principal, key_id: int) -> IssuedKey:
    """A new key replacing ``key_id``, which keeps working for ``MTKCARE_API_KEY_GRACE_HOURS``
    (the organisation's system switches over meanwhile)."""
    old = get_row(session, ApiKey, key_id)
    if old.revoked_at is not None or old.replaced_by_id is not None:
        raise ValidationFailed({"key_id": "This key was already revoked or rotated"})
    if not get_row(session, ExternalOrganisation, old.organisation_id).is_active:
        raise ValidationFailed(
            {"key_id": "This organisation is inactive: reactivate it before rotating its keys"}
        )
    new, secret = _issue(session, old.organisation_id)
    grace_end = utcnow() + timedelta(hours=get_settings().api_key_grace_hours)
    old.replaced_by_id = new.id
    if old.expires_at is None or old.expires_at > grace_end:
        old.expires_at = grace_end
    session.add(old)
    return _issued(new, secret)


@service(Permission.ORGANISATION_MANAGE)
def revoke_api_key(session: Session, actor: Principal, key_id: int) -> None:
    """The key stops working at once."""
    key = get_row(session, ApiKey, key_id)
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        key.revoked_by = actor.user_id
        session.add(key)


@reads(Permission.ORGANISATION_MANAGE)
def list_api_keys(session: Session, actor: Principal, organisation_id: int) -> list[KeyLine]:
    """An organisation's keys, newest first (prefixes only: the keys themselves are gone)."""
    now = utcnow()
    keys = session.exec(
        select(ApiKey)
        .where(ApiKey.organisation_id == organisation_id)
        .order_by(col(ApiKey.created_at).desc(), col(ApiKey.id).desc())
    ).all()

    def state(key: ApiKey) -> str:
        if key.revoked_at is not None:
            return "Revoked"
        if key.expires_at is not None and key.expires_at <= now:
            return "Expired"
        if key.replaced_by_id is not None:
            return "Expires soon (rotated)"
        return "Active"

    return [
        KeyLine(
            id=k.id or 0,
            prefix=k.prefix,
            created=dates.moment(k.created_at),
            last_used=dates.moment(k.last_used_at) if k.last_used_at else "Never",
            expires=dates.day(k.expires_at) if k.expires_at else "Never",
            state=state(k),
        )
        for k in keys
    ]


@service(Permission.ORGANISATION_MANAGE)
def issue_key_for(session: Session, actor: Principal, name: str) -> IssuedKey:
    """For scripted set-up (``python -m mtkcare issue-api-key "<name>"``): the organisation of
    that name (created if there is none), and a new key for it."""
    clean = " ".join(name.split())
    if not clean or len(clean) > 200:
        raise ValidationFailed({"name": "Give the organisation's name (200 characters or fewer)"})
    organisation = session.exec(
        select(ExternalOrganisation).where(ExternalOrganisation.name == clean)
    ).first()
    if organisation is None:
        organisation = ExternalOrganisation(name=clean)
        session.add(organisation)
        session.flush()
    assert organisation.id is not None
    return issue_api_key(session, actor, organisation.id)
