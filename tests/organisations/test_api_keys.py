"""Partner API keys: issued once and kept only as a prefix and a keyed hash; a request's key
names its organisation; rotation keeps the old key for the grace period; revoked, expired
and inactive-organisation keys are refused (403), unknown ones not recognised (401); only
administrators of organisations manage them; the command line prints a key alone."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from mtkcare.api.keys import KeyProblem, authenticate_key
from mtkcare.auth.service import Principal
from mtkcare.db import utcnow
from mtkcare.errors import NotAllowed
from mtkcare.organisations.api_keys import (
    issue_api_key,
    issue_key_for,
    list_api_keys,
    revoke_api_key,
    rotate_api_key,
)
from mtkcare.organisations.models import ApiKey, ExternalOrganisation
from tests.conftest import ROOT
from tests.factories import SYSTEM


def _organisation(db: Session) -> int:
    organisation = ExternalOrganisation(name=f"Xwpartner {uuid.uuid4().hex[:6]}")
    db.add(organisation)
    db.flush()
    assert organisation.id is not None
    return organisation.id


def _bearer(secret: str) -> str:
    return f"Bearer {secret}"


def test_a_key_is_shown_once_kept_as_a_keyed_hash_and_names_its_organisation(
    db: Session,
) -> None:
    organisation_id = _organisation(db)
    issued = issue_api_key(db, SYSTEM, organisation_id)
    stored = db.get(ApiKey, issued.key_id)
    assert stored is not None
    assert issued.secret.startswith(issued.prefix + "_") and len(issued.secret) > 50
    assert stored.prefix == issued.prefix and issued.secret not in stored.key_hash
    assert len(stored.key_hash) == 64
    caller = authenticate_key(db, _bearer(issued.secret))
    assert (caller.ok, caller.organisation_id, caller.key_id) == (True, organisation_id, stored.id)
    # One character off, another scheme, nothing: not recognised.
    wrong = issued.secret[:-1] + ("A" if issued.secret[-1] != "A" else "B")
    assert authenticate_key(db, _bearer(wrong)).problem == KeyProblem.UNKNOWN
    assert authenticate_key(db, f"Basic {issued.secret}").problem == KeyProblem.MISSING
    assert authenticate_key(db, None).problem == KeyProblem.MISSING
    assert authenticate_key(db, "Bearer mtk_nothere1_xyz").problem == KeyProblem.UNKNOWN


def test_a_rotated_key_works_through_its_grace_period_then_stops(db: Session) -> None:
    organisation_id = _organisation(db)
    old = issue_api_key(db, SYSTEM, organisation_id)
    new = rotate_api_key(db, SYSTEM, old.key_id)
    assert authenticate_key(db, _bearer(old.secret)).ok
    assert authenticate_key(db, _bearer(new.secret)).ok
    shown = {line.prefix: line.state for line in list_api_keys(db, SYSTEM, organisation_id)}
    assert shown == {old.prefix: "Expires soon (rotated)", new.prefix: "Active"}
    row = db.get(ApiKey, old.key_id)
    assert row is not None and row.expires_at is not None
    assert row.expires_at <= utcnow() + timedelta(hours=24, minutes=1)
    row.expires_at = utcnow() - timedelta(seconds=1)  # the grace period is over
    db.add(row)
    db.flush()
    assert authenticate_key(db, _bearer(old.secret)).problem == KeyProblem.EXPIRED
    assert authenticate_key(db, _bearer(new.secret)).ok


def test_revoked_keys_and_inactive_organisations_are_refused(db: Session) -> None:
    organisation_id = _organisation(db)
    revoked = issue_api_key(db, SYSTEM, organisation_id)
    kept = issue_api_key(db, SYSTEM, organisation_id)
    revoke_api_key(db, SYSTEM, revoked.key_id)
    assert authenticate_key(db, _bearer(revoked.secret)).problem == KeyProblem.REVOKED
    assert authenticate_key(db, _bearer(kept.secret)).ok
    organisation = db.get(ExternalOrganisation, organisation_id)
    assert organisation is not None
    organisation.is_active = False
    db.add(organisation)
    db.flush()
    assert authenticate_key(db, _bearer(kept.secret)).problem == KeyProblem.INACTIVE


def test_only_those_who_manage_organisations_handle_keys(
    db: Session, staff: Callable[..., Principal]
) -> None:
    organisation_id = _organisation(db)
    lead = staff("Team lead")
    with pytest.raises(NotAllowed):
        issue_api_key(db, lead, organisation_id)
    with pytest.raises(NotAllowed):
        list_api_keys(db, lead, organisation_id)
    assert issue_api_key(db, staff("Administrator"), organisation_id).secret


def test_the_command_line_issues_a_key_alone_on_its_last_line(pg_url: str, db: Session) -> None:
    name = f"Xwscripted {uuid.uuid4().hex[:6]}"
    env = {**os.environ, "DATABASE_URL": pg_url, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "mtkcare", "issue-api-key", name],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    secret = done.stdout.strip().splitlines()[-1]
    assert secret.startswith("mtk_") and " " not in secret
    from mtkcare.db import session_scope

    with session_scope(url=pg_url) as fresh:
        caller = authenticate_key(fresh, _bearer(secret))
        organisation = fresh.exec(
            select(ExternalOrganisation).where(ExternalOrganisation.name == name)
        ).one()
        assert caller.ok and caller.organisation_id == organisation.id
        again = issue_key_for(fresh, SYSTEM, name)  # the same organisation, a second key
        assert authenticate_key(fresh, _bearer(again.secret)).organisation_id == organisation.id
