"""What the partner API's document, fuzzing and client tests share: the API's routes in a
TestClient, keyed partner organisations, and the board's side of a referral (a program with a
team lead, and the lead's decision through the board's move service). Data is committed: each
test makes its own organisation, service type and client."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from mtkcare.api import access_log
from mtkcare.api.app import build_api
from mtkcare.auth.service import Principal
from mtkcare.db import session_scope
from mtkcare.organisations.api_keys import issue_api_key
from mtkcare.organisations.models import ExternalOrganisation
from mtkcare.reference.models import DeclineReason, ServiceType
from mtkcare.reference.service import ensure_reference_data, option_id_by_code
from mtkcare.referrals.models import Referral
from mtkcare.referrals.moves import move_referral
from mtkcare.settings import get_settings
from tests.factories import SYSTEM, join_team, make_program


@dataclass(frozen=True)
class Partner:
    organisation_id: int
    key_id: int
    secret: str

    @property
    def authorization(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.secret}"}

    @property
    def headers(self) -> dict[str, str]:
        """What a submission carries: the key and the JSON content type."""
        return {**self.authorization, "Content-Type": "application/json"}


@pytest.fixture(scope="session")
def reference_data(pg_url: str) -> None:
    with session_scope(url=pg_url) as db:
        ensure_reference_data(db)


def new_partner(pg_url: str, *, rate_limit: int | None = None) -> Partner:
    """An organisation of its own with a new key (and its own requests-a-minute limit)."""
    with session_scope(url=pg_url) as db:
        organisation = ExternalOrganisation(
            name=f"Api partner {uuid.uuid4().hex[:8]}", api_rate_limit=rate_limit
        )
        db.add(organisation)
        db.flush()
        assert organisation.id is not None
        issued = issue_api_key(db, SYSTEM, organisation.id)
        return Partner(organisation.id, issued.key_id, issued.secret)


@pytest.fixture
def api(pg_url: str, reference_data: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """The backend's routes (build_api) on the test database, without the Reflex process."""
    monkeypatch.setenv("DATABASE_URL", pg_url)
    get_settings.cache_clear()
    with TestClient(build_api()) as client:
        yield client
    access_log.flush()  # into this database, before the settings name another
    get_settings.cache_clear()


def program_led_by(pg_url: str, lead: Principal) -> str:
    """A new service type whose one program ``lead`` leads: its referrals land in that
    program's column of the lead's board. Returns the service type's code."""
    code = f"oas{uuid.uuid4().hex[:10]}"
    with session_scope(url=pg_url) as db:
        db.add(ServiceType(code=code, label=f"OpenAPI test {code}"))
        db.flush()
        program = make_program(db, name=f"Program {code}", service_type=code)
        join_team(db, program, lead, role="LEAD")
    return code


def decline_on_the_board(pg_url: str, lead: Principal, tracking_id: str, reason: str) -> str:
    """The lead declines the referral as the board does (``move_referral`` on the version the
    board showed, with a decline reason). Returns the reason's words."""
    with session_scope(url=pg_url) as db:
        referral = db.exec(select(Referral).where(Referral.tracking_id == tracking_id)).one()
        assert referral.id is not None
        reason_id = option_id_by_code(db, "decline_reason", reason)
        move_referral(
            db, lead, referral.id, "DECLINED",
            expected_version=referral.version, decline_reason_id=reason_id,
        )  # fmt: skip
        return db.exec(select(DeclineReason.label).where(DeclineReason.id == reason_id)).one()
