"""The partner referral API's contract (issue 12): a keyed organisation submits a referral
(201, one client linked or created, one PENDING external referral, its team told, its contact
details updated and audited) and reads its status; every refusal is problem+json with the
contract's status code and writes no client or referral row; another organisation's
tracking id does not exist for it (404, not 403).

A few cases go through the real backend (``backend``: the Reflex app with our routes, as
deployed); the many status-code cases through Starlette's TestClient on ``build_api()``, the
same routes without the Reflex process around them. Data is committed (the backend is
another process), so each test names its own organisation and client."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from typing import Any, Protocol

import httpx
import pytest
from sqlmodel import Session, col, func, select
from starlette.responses import Response
from starlette.testclient import TestClient

from mtkcare import dates
from mtkcare.api import access_log
from mtkcare.api.keys import Caller
from mtkcare.audit.models import AuditLog
from mtkcare.clients.models import Client
from mtkcare.db import session_scope, utcnow
from mtkcare.notifications.models import Notification
from mtkcare.organisations.api_keys import revoke_api_key
from mtkcare.organisations.models import ExternalOrganisation
from mtkcare.reference.models import ServiceType
from mtkcare.referrals.models import ConsentRecord, Referral
from tests.api.conftest import Partner, new_partner
from tests.factories import SYSTEM, join_team, make_person, make_program

URL = "/api/v1/referrals/"
PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def references(reference_data: None) -> None:
    """The reference data (kept by name for the test modules that import it)."""


@pytest.fixture
def partner(pg_url: str, references: None) -> Partner:
    return new_partner(pg_url)


_partner = new_partner


def _body(**parts: dict[str, Any]) -> dict[str, Any]:
    """A valid submission for a client no other test uses; ``parts`` overrides its blocks'
    fields (a value of ``...`` removes the field)."""
    body: dict[str, Any] = {
        "client": {
            "first_name": "Mere",
            "last_name": f"Apitest{uuid.uuid4().hex[:10]}",
            "date_of_birth": "1990-05-17",
            "phone": "03 777 0199",  # a number no other test searches for
            "primary_language": "en",
        },
        "referral": {
            "referral_date": (dates.today() - timedelta(days=1)).isoformat(),
            "service_type": "housing",
            "reason": "Needs somewhere safe to live.",
            "priority": "HIGH",
            "consent_obtained": True,
            "external_reference": "CASE-77",
        },
    }
    for block, fields in parts.items():
        body.setdefault(block, {})
        for name, value in fields.items():
            if value is ...:
                body[block].pop(name, None)
            else:
                body[block][name] = value
    return body


def _rows(pg_url: str) -> tuple[int, int]:
    with session_scope(url=pg_url) as db:
        clients = db.exec(select(func.count(col(Client.id)))).one()
        referrals = db.exec(select(func.count(col(Referral.id)))).one()
        return clients, referrals


def _business_rows(pg_url: str) -> dict[str, int]:
    """How many rows each table a submission writes to holds (the access log aside): a
    refused request must leave every count as it was."""
    from mtkcare.organisations.models import IdempotencyKey
    from mtkcare.referrals.models import ReferralStatusHistory

    counted = (
        Client, Referral, ReferralStatusHistory, AuditLog, Notification, IdempotencyKey,
        ExternalOrganisation,
    )  # fmt: skip
    with session_scope(url=pg_url) as db:
        return {
            model.__name__: db.exec(
                select(func.count()).select_from(model).execution_options(include_deleted=True)
            ).one()
            for model in counted
        }


class _Answer(Protocol):
    """An answer from httpx (the real backend) or Starlette's TestClient (its own httpx)."""

    @property
    def status_code(self) -> int: ...

    @property
    def text(self) -> str: ...

    @property
    def headers(self) -> Mapping[str, str]: ...

    def json(self) -> Any: ...


def _is_problem(response: _Answer, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["type"] and body["title"] and body["detail"]
    return body


# --------------------------------------------------------------------------------------------
# Through the real backend


def test_a_submission_creates_one_client_and_one_pending_referral_the_partner_can_follow(
    backend: str, pg_url: str, partner: Partner
) -> None:
    before = _rows(pg_url)
    body = _body(organisation={"contact_name": "Hine Walker", "contact_email": "hine@example.org"})
    created = httpx.post(f"{backend}{URL}", json=body, headers=partner.headers, timeout=30)
    assert created.status_code == 201, created.text
    # The backend's security headers, on the partner API's short path too.
    assert created.headers["x-content-type-options"] == "nosniff"
    assert created.headers["x-frame-options"] == "DENY"
    assert created.headers["cache-control"] == "no-store"
    answer = created.json()
    assert set(answer) == {"tracking_id", "status", "received_at"}
    assert answer["status"] == "PENDING"
    assert created.headers["location"] == f"/api/v1/referrals/{answer['tracking_id']}"
    assert datetime.fromisoformat(answer["received_at"]).tzinfo is not None
    assert _rows(pg_url) == (before[0] + 1, before[1] + 1)

    with session_scope(url=pg_url) as db:
        referral = db.exec(
            select(Referral).where(Referral.tracking_id == answer["tracking_id"])
        ).one()
        client = db.get(Client, referral.client_id)
        organisation = db.get(ExternalOrganisation, partner.organisation_id)
        assert (referral.status, referral.source, referral.priority) == (
            "PENDING",
            "EXTERNAL",
            "HIGH",
        )
        assert referral.external_organisation_id == partner.organisation_id
        # What the partner says is kept for staff; it makes no consent record.
        assert (referral.external_reference, referral.partner_reports_consent) == ("CASE-77", True)
        assert not db.exec(
            select(ConsentRecord).where(ConsentRecord.referral_id == referral.id)
        ).all()
        assert client is not None and client.last_name == body["client"]["last_name"]
        assert client.date_of_birth == date(1990, 5, 17)
        assert organisation is not None
        assert (organisation.contact_name, organisation.email) == (
            "Hine Walker",
            "hine@example.org",
        )
        audited = db.exec(
            select(AuditLog).where(
                AuditLog.resource == "ExternalOrganisation",
                AuditLog.resource_id == str(partner.organisation_id),
                AuditLog.action == "UPDATE",
            )
        ).all()
        assert audited, "the organisation's new contact details are audited"

    status = httpx.get(
        f"{backend}{created.headers['location']}", headers=partner.headers, timeout=30
    )
    assert status.status_code == 200, status.text
    assert status.json()["tracking_id"] == answer["tracking_id"]
    assert status.json()["status"] == "PENDING"
    assert {"received_at", "updated_at"} <= set(status.json())

    # Another organisation's key: the referral does not exist for it.
    other = _partner(pg_url)
    hidden = httpx.get(f"{backend}{created.headers['location']}", headers=other.headers, timeout=30)
    _is_problem(hidden, 404)


def test_an_exact_match_of_normalised_name_and_birth_date_links_the_existing_client(
    backend: str, pg_url: str, partner: Partner
) -> None:
    first = _body(client={"first_name": "Mārama"})
    assert httpx.post(f"{backend}{URL}", json=first, headers=partner.headers).status_code == 201
    before = _rows(pg_url)
    # Same person, typed without the macron and in capitals: linked, not created again.
    again = _body(
        client={"first_name": "MARAMA", "last_name": first["client"]["last_name"].upper()}
    )
    created = httpx.post(f"{backend}{URL}", json=again, headers=partner.headers)
    assert created.status_code == 201, created.text
    assert _rows(pg_url) == (before[0], before[1] + 1)
    with session_scope(url=pg_url) as db:
        linked = db.exec(
            select(Referral.client_id).where(
                Referral.external_organisation_id == partner.organisation_id
            )
        ).all()
        assert len(linked) == 2 and len(set(linked)) == 1


def test_simultaneous_submissions_for_one_new_person_create_one_client(
    parallel_backend: str, pg_url: str, partner: Partner
) -> None:
    body = _body()
    before = _rows(pg_url)

    def submit(_: int) -> int:
        return httpx.post(
            f"{parallel_backend}{URL}", json=body, headers=partner.headers
        ).status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        assert list(pool.map(submit, range(6))) == [201] * 6
    assert _rows(pg_url) == (before[0] + 1, before[1] + 6)


def test_unknown_api_addresses_and_wrong_methods_are_problems(backend: str) -> None:
    missing = httpx.get(f"{backend}/api/v1/nothing-here")
    _is_problem(missing, 404)
    wrong = httpx.delete(f"{backend}{URL}")
    _is_problem(wrong, 405)
    assert wrong.headers["allow"] == "POST"


# --------------------------------------------------------------------------------------------
# Status codes (TestClient on the backend's routes)


def test_the_program_team_is_told_when_the_service_type_has_one_program(
    api: TestClient, pg_url: str, partner: Partner
) -> None:
    code = f"apitest{uuid.uuid4().hex[:8]}"
    with session_scope(url=pg_url) as db:
        db.add(ServiceType(code=code, label=f"API test {code}"))
        db.flush()
        program = make_program(db, service_type=code)
        member = make_person(db, "Case worker")
        join_team(db, program, member)
    created = api.post(URL, json=_body(referral={"service_type": code}), headers=partner.headers)
    assert created.status_code == 201, created.text
    with session_scope(url=pg_url) as db:
        referral = db.exec(
            select(Referral).where(Referral.tracking_id == created.json()["tracking_id"])
        ).one()
        assert referral.target_program_id == program.id
        told = db.exec(
            select(Notification).where(
                Notification.recipient_id == member.user_id,
                Notification.resource_id == str(referral.id),
            )
        ).all()
        assert len(told) == 1


def test_wrong_content_type_is_415(api: TestClient, pg_url: str, partner: Partner) -> None:
    before = _business_rows(pg_url)
    headers = {**partner.headers, "Content-Type": "text/plain"}
    _is_problem(api.post(URL, content=b"{}", headers=headers), 415)
    assert _business_rows(pg_url) == before


def test_a_body_over_64_kib_is_413_declared_or_streamed(
    api: TestClient, pg_url: str, partner: Partner
) -> None:
    before = _business_rows(pg_url)
    big = b'{"client": "' + b"x" * (64 * 1024) + b'"}'
    _is_problem(api.post(URL, content=big, headers=partner.headers), 413)

    def chunks() -> Iterator[bytes]:  # no Content-Length: read until the cap, no further
        for _ in range(20):
            yield b" " * 8192

    _is_problem(api.post(URL, content=chunks(), headers=partner.headers), 413)
    assert _business_rows(pg_url) == before


@pytest.mark.parametrize("authorization", [None, "Bearer", "Basic dXNlcjpwYXNz", "Bearer mtk_nope"])
def test_a_missing_or_unknown_key_is_401_with_the_bearer_challenge(
    api: TestClient, pg_url: str, references: None, authorization: str | None
) -> None:
    before = _business_rows(pg_url)
    headers = {"Content-Type": "application/json"}
    if authorization is not None:
        headers["Authorization"] = authorization
    refused = api.post(URL, json=_body(), headers=headers)
    _is_problem(refused, 401)
    assert refused.headers["www-authenticate"].startswith("Bearer")
    assert _business_rows(pg_url) == before
    _is_problem(api.get("/api/v1/referrals/REF-AAAAAAAA", headers=headers), 401)


def test_a_revoked_key_or_inactive_organisation_is_403(
    api: TestClient, pg_url: str, references: None
) -> None:
    revoked, inactive = _partner(pg_url), _partner(pg_url)
    with session_scope(url=pg_url) as db:
        revoke_api_key(db, SYSTEM, revoked.key_id)
        organisation = db.get(ExternalOrganisation, inactive.organisation_id)
        assert organisation is not None
        organisation.is_active = False
    before = _business_rows(pg_url)
    for caller in (revoked, inactive):
        _is_problem(api.post(URL, json=_body(), headers=caller.headers), 403)
    assert _business_rows(pg_url) == before


def test_an_organisation_deactivated_after_its_key_was_checked_is_403(
    api: TestClient, pg_url: str, partner: Partner
) -> None:
    """The key is read as the request's transaction begins; an organisation deactivated just
    after is refused by the referral service's own check, and answered as a 403, with
    everything the request had done undone."""
    from mtkcare.api.referrals import _admit_then, _submit

    body = json.dumps(_body()).encode()

    def deactivated_meanwhile(session: Session, caller: Caller) -> Response:
        with session_scope(url=pg_url) as other:
            organisation = other.get(ExternalOrganisation, partner.organisation_id)
            assert organisation is not None
            organisation.is_active = False
        before.update(_business_rows(pg_url))  # the deactivation's own audit row counted
        return _submit(session, caller, body, None)

    before: dict[str, int] = {}
    caller, answer = _admit_then(
        partner.authorization["Authorization"], deactivated_meanwhile, True
    )
    assert caller.ok  # the key was fine when it was read
    assert answer.status_code == 403 and b"may not submit referrals now" in answer.body
    assert _business_rows(pg_url) == before


def test_malformed_json_is_400(api: TestClient, pg_url: str, partner: Partner) -> None:
    before = _business_rows(pg_url)
    _is_problem(api.post(URL, content=b'{"client": {', headers=partner.headers), 400)
    _is_problem(api.post(URL, content=b"\xff\xfe", headers=partner.headers), 400)
    assert _business_rows(pg_url) == before


FUTURE = (dates.today() + timedelta(days=30)).isoformat()


@pytest.mark.parametrize(
    ("parts", "field"),
    [
        ({"referral": {"service_type": "no-such-service"}}, "referral.service_type"),
        ({"client": {"primary_language": "xx-nowhere"}}, "client.primary_language"),
        ({"referral": {"referral_date": FUTURE}}, "referral.referral_date"),
        ({"client": {"date_of_birth": FUTURE}}, "client.date_of_birth"),
        ({"client": {"date_of_birth": "17/05/1990"}}, "client.date_of_birth"),
        ({"client": {"first_name": ...}}, "client.first_name"),
        ({"client": {"last_name": "   "}}, "client.last_name"),
        ({"client": {"first_name": "A" * 101}}, "client.first_name"),
        ({"referral": {"reason": "x" * 10001}}, "referral.reason"),
        ({"client": {"first_name": "Mere\x00"}}, "client.first_name"),
        ({"referral": {"reason": "fine\x1b[31m"}}, "referral.reason"),
        ({"client": {"first_name": 42}}, "client.first_name"),
        ({"referral": {"consent_obtained": "yes"}}, "referral.consent_obtained"),
        ({"referral": {"priority": "SOON"}}, "referral.priority"),
        ({"client": {"phone": "call me"}}, "client.phone"),
        ({"client": {"email": "not-an-address"}}, "client.email"),
        ({"client": {"nickname": "Mere"}}, "client.nickname"),
        ({"referral": {"status": "APPROVED"}}, "referral.status"),
        ({"organisation": {"contact_email": "nope"}}, "organisation.contact_email"),
    ],
)
def test_validation_problems_are_422_naming_the_field(
    api: TestClient, pg_url: str, partner: Partner, parts: dict[str, Any], field: str
) -> None:
    before = _business_rows(pg_url)
    refused = _is_problem(api.post(URL, json=_body(**parts), headers=partner.headers), 422)
    fields = {error["field"] for error in refused["errors"]}
    assert field in fields, refused["errors"]
    assert all(error["message"] for error in refused["errors"])
    assert _business_rows(pg_url) == before


def test_every_validation_problem_is_reported_at_once(
    api: TestClient, pg_url: str, partner: Partner
) -> None:
    body = {"client": {"first_name": ""}, "referral": {"reason": "x"}, "extra": 1}
    refused = _is_problem(api.post(URL, json=body, headers=partner.headers), 422)
    fields = {error["field"] for error in refused["errors"]}
    assert {
        "client.first_name",
        "client.last_name",
        "client.date_of_birth",
        "referral.referral_date",
        "referral.service_type",
        "extra",
    } <= fields
    not_an_object = api.post(URL, content=b"[]", headers=partner.headers)
    _is_problem(not_an_object, 422)


def test_another_organisations_or_an_unknown_tracking_id_is_404(
    api: TestClient, pg_url: str, partner: Partner
) -> None:
    created = api.post(URL, json=_body(), headers=partner.headers)
    assert created.status_code == 201, created.text
    location = created.headers["location"]
    assert api.get(location, headers=partner.headers).status_code == 200
    other = _partner(pg_url)
    _is_problem(api.get(location, headers=other.headers), 404)
    _is_problem(api.get("/api/v1/referrals/REF-ZZZZZZZZ", headers=partner.headers), 404)
    _is_problem(api.get("/api/v1/referrals/%27%20or%201=1", headers=partner.headers), 404)


def test_wrong_methods_are_405_with_allow_and_unknown_paths_404(
    api: TestClient, partner: Partner
) -> None:
    refused = _is_problem(api.get(URL, headers=partner.headers), 405)
    assert refused and api.get(URL).headers["allow"] == "POST"
    put = api.put("/api/v1/referrals/REF-AAAAAAAA", headers=partner.headers)
    _is_problem(put, 405)
    assert put.headers["allow"] == "GET, HEAD"
    _is_problem(api.get("/api/v1/referrals/REF-A/more"), 404)
    _is_problem(api.post("/api/v1/clients/", headers=partner.headers), 404)


# --------------------------------------------------------------------------------------------
# Idempotency-Key


def _theirs(pg_url: str, partner: Partner) -> int:
    """How many referrals this partner's organisation has submitted."""
    with session_scope(url=pg_url) as db:
        return db.exec(
            select(func.count(col(Referral.id))).where(
                Referral.external_organisation_id == partner.organisation_id
            )
        ).one()


def test_the_same_key_and_body_get_the_first_answer_and_create_nothing_more(
    api: TestClient, pg_url: str, partner: Partner
) -> None:
    body = _body()
    headers = {**partner.headers, "Idempotency-Key": f"retry-{uuid.uuid4().hex}"}
    first = api.post(URL, json=body, headers=headers)
    again = api.post(URL, json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    assert _theirs(pg_url, partner) == 1


def test_the_same_key_with_another_body_is_refused_and_creates_nothing(
    api: TestClient, pg_url: str, partner: Partner
) -> None:
    headers = {**partner.headers, "Idempotency-Key": f"reuse-{uuid.uuid4().hex}"}
    assert api.post(URL, json=_body(), headers=headers).status_code == 201
    before = _business_rows(pg_url)
    other = api.post(URL, json=_body(), headers=headers)
    assert other.status_code == 409
    assert other.headers["content-type"].startswith(PROBLEM)
    assert _business_rows(pg_url) == before


def test_keys_are_per_organisation_and_a_bad_key_is_refused(
    api: TestClient, pg_url: str, partner: Partner
) -> None:
    other = _partner(pg_url)
    key = f"shared-{uuid.uuid4().hex}"
    for who in (partner, other):
        answer = api.post(URL, json=_body(), headers={**who.headers, "Idempotency-Key": key})
        assert answer.status_code == 201
    assert (_theirs(pg_url, partner), _theirs(pg_url, other)) == (1, 1)
    before = _business_rows(pg_url)
    bad = api.post(URL, json=_body(), headers={**partner.headers, "Idempotency-Key": "a b"})
    assert bad.status_code == 400 and _business_rows(pg_url) == before


def test_parallel_requests_with_one_key_create_one_referral(
    parallel_backend: str, pg_url: str, partner: Partner
) -> None:
    body = _body()
    headers = {**partner.headers, "Idempotency-Key": f"burst-{uuid.uuid4().hex}"}

    def submit(_: int) -> tuple[int, str]:
        answer = httpx.post(f"{parallel_backend}{URL}", json=body, headers=headers, timeout=30)
        return answer.status_code, answer.json().get("tracking_id", "")

    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(pool.map(submit, range(10)))
    assert {status for status, _ in answers} == {201}
    assert len({tracking for _, tracking in answers}) == 1
    assert _theirs(pg_url, partner) == 1


# --------------------------------------------------------------------------------------------
# Rate limit


def _limited_partner(pg_url: str, limit: int) -> Partner:
    partner = _partner(pg_url)
    with session_scope(url=pg_url) as db:
        organisation = db.get(ExternalOrganisation, partner.organisation_id)
        assert organisation is not None
        organisation.api_rate_limit = limit
        db.add(organisation)
    return partner


def test_over_its_own_limit_an_organisation_is_told_when_to_come_back_and_nothing_is_written(
    api: TestClient, pg_url: str, references: None
) -> None:
    # Counts are per minute of the clock: three requests that straddle a minute's end would
    # all be in time, so such a round is done again (it takes well under a second).
    for _ in range(3):
        partner = _limited_partner(pg_url, 2)
        minute = int(time.time() // 60)
        answers = [api.post(URL, json=_body(), headers=partner.headers) for _ in range(3)]
        if int(time.time() // 60) == minute:
            break
    assert [a.status_code for a in answers] == [201, 201, 429]
    refused = answers[-1]
    assert refused.headers["content-type"].startswith(PROBLEM)
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert _theirs(pg_url, partner) == 2
    # Another organisation has its own count.
    other = _partner(pg_url)
    assert api.post(URL, json=_body(), headers=other.headers).status_code == 201


# --------------------------------------------------------------------------------------------
# Access log


def test_every_call_is_logged_with_its_organisation_answer_and_duration(
    api: TestClient, pg_url: str, partner: Partner
) -> None:
    from mtkcare.organisations.models import ApiAccessLog

    key = f"logged-{uuid.uuid4().hex}"
    stranger_key = f"Bearer mtk_{uuid.uuid4().hex[:8]}_x"
    created = api.post(URL, json=_body(), headers={**partner.headers, "Idempotency-Key": key})
    invalid = api.post(URL, json=_body(client={"first_name": ""}), headers=partner.headers)
    stranger = api.post(URL, json=_body(), headers={"Authorization": stranger_key})
    looked = api.get(created.headers["location"], headers=partner.headers)
    assert [a.status_code for a in (created, invalid, stranger, looked)] == [201, 422, 401, 200]
    access_log.flush()  # what the writer thread has not written yet
    stranger_prefix = stranger_key.removeprefix("Bearer ")[:12]
    with session_scope(url=pg_url) as db:
        rows = db.exec(
            select(ApiAccessLog)
            .where(
                (col(ApiAccessLog.organisation_id) == partner.organisation_id)
                | (col(ApiAccessLog.key_prefix) == stranger_prefix)
            )
            # In the order of the calls: the writer thread and this flush may each hold part
            # of them, and either may insert first.
            .order_by(col(ApiAccessLog.timestamp), col(ApiAccessLog.id))
        ).all()
    assert [(r.method, r.status) for r in rows] == [
        ("POST", 201), ("POST", 422), ("POST", 401), ("GET", 200),
    ]  # fmt: skip
    assert [r.organisation_id for r in rows] == [
        partner.organisation_id, partner.organisation_id, None, partner.organisation_id,
    ]  # fmt: skip
    assert rows[0].idempotency_key == key and rows[0].key_prefix == partner.secret[:12]
    assert rows[2].key_prefix == stranger_prefix
    assert all(r.duration_ms >= 0 and r.path.startswith("/api/v1/referrals/") for r in rows)


def test_a_keys_last_use_is_recorded_with_the_log_and_a_wrong_secret_does_not_count(
    api: TestClient, pg_url: str, partner: Partner
) -> None:
    from mtkcare.organisations.models import ApiKey

    def last_used() -> datetime | None:
        with session_scope(url=pg_url) as db:
            key = db.get(ApiKey, partner.key_id)
            assert key is not None
            return key.last_used_at

    access_log.flush()
    assert last_used() is None
    # Its prefix with a wrong secret: the caller is unknown, the key was not used.
    forged = f"Bearer {partner.secret[:12]}_{'x' * 40}"
    assert api.post(URL, json=_body(), headers={"Authorization": forged}).status_code == 401
    access_log.flush()
    assert last_used() is None
    before = utcnow()
    created = api.post(URL, json=_body(), headers=partner.headers)
    assert created.status_code == 201
    access_log.flush()
    first = last_used()
    assert first is not None and first >= before
    assert api.get(created.headers["location"], headers=partner.headers).status_code == 200
    access_log.flush()
    second = last_used()
    assert second is not None and second > first


def test_the_submission_address_without_its_trailing_slash_is_served_the_same(
    api: TestClient, pg_url: str, partner: Partner
) -> None:
    created = api.post(URL.rstrip("/"), json=_body(), headers=partner.headers)
    assert created.status_code == 201, created.text
    assert created.headers["location"].startswith("/api/v1/referrals/REF-")
    assert _theirs(pg_url, partner) == 1
    _is_problem(api.get(URL.rstrip("/"), headers=partner.headers), 405)
