"""Schemathesis fuzzes the partner API from its own OpenAPI document, read from the app: for
each operation, the document's examples, the coverage phase's boundary and wrong values
(missing and wrong headers, other methods and content types, values just past each limit)
and Hypothesis-generated valid and invalid requests, sent with a real key. Every answer must
be one the document describes: no 5xx; a documented status, with its media type, body schema
and required headers; invalid data refused; a request without the key refused; a wrong
method 405 with ``Allow``. (All of Schemathesis's checks, one adjusted below.)

Bounded to stay well under a minute: ``MAX_EXAMPLES`` generated requests per operation and
mode on top of the examples and coverage cases, no Hypothesis deadline (the database answers
in its own time), no example database.

Schemathesis's lazy loader (``schemathesis.pytest.from_fixture``) does not run on this pytest
(it sets a node attribute pytest 9 no longer has), so the document is read at collection
from an app built here; its routes read the settings, so the database, per request, and the
``partner`` fixture points them at the test database before any request is sent."""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.core.failures import FailureGroup
from sqlmodel import col, select
from starlette.testclient import TestClient

from mtkcare.api import access_log
from mtkcare.api.app import build_api
from mtkcare.api.openapi import document
from mtkcare.db import session_scope
from mtkcare.organisations.models import ApiAccessLog
from mtkcare.settings import get_settings
from tests.api.conftest import Partner, new_partner

MAX_EXAMPLES = 40
REFERRALS = "/api/v1/referrals/"

CONFIG = {
    "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "database": "none"},
    # Submit-then-read is the client test's journey (test_openapi_client.py).
    "phases": {"stateful": {"enabled": False}},
    "checks": {
        # A request the schema allows may still break a rule no schema can state (a date after
        # today, a service type code this installation lacks, a phone number's digit count):
        # that is the documented 422. Anything else for valid data (400, 413, 415) is a bug.
        "positive_data_acceptance": {
            "expected-statuses": ["2xx", "401", "403", "404", "409", "422", "429"]
        },
    },
}
API = build_api()
schema = schemathesis.openapi.from_asgi(
    "/api/v1/openapi.json", API, config=schemathesis.Config.from_dict(CONFIG)
)

# The answers each operation's run got, by status: a run whose every request was refused at
# the key would pass every check while testing nothing behind it.
REACHED = {
    f"POST {REFERRALS}": {201, 400, 405, 415, 422},
    "GET /api/v1/referrals/{tracking_id}": {401, 404, 405},
}


@pytest.fixture
def partner(
    pg_url: str, reference_data: None, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Partner]:
    monkeypatch.setenv("DATABASE_URL", pg_url)
    get_settings.cache_clear()
    # Its own limit, high: the fuzzer's requests are not a flood to refuse.
    yield new_partner(pg_url, rate_limit=1_000_000)
    access_log.flush()
    get_settings.cache_clear()


@pytest.fixture
def answers(request: pytest.FixtureRequest) -> Iterator[Counter[int]]:
    """The statuses one operation's run got; after it, those it must have reached."""
    seen: Counter[int] = Counter()
    yield seen
    label = request.node.name.split("[", 1)[1].rstrip("]")
    missing = REACHED[label] - set(seen)
    assert not missing, f"{label}: the fuzzing never got {sorted(missing)} (got {dict(seen)})"


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    # The function-scoped fixtures hold for the whole run on purpose (one partner, one tally).
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)
def test_every_answer_to_generated_requests_is_one_the_document_describes(
    case: Any, partner: Partner, answers: Counter[int]
) -> None:
    answer = case.call_and_validate(headers=partner.authorization)
    answers[answer.status_code] += 1


def test_the_fuzzing_checks_fail_on_an_answer_the_document_does_not_describe(
    partner: Partner,
) -> None:
    """The harness can fail: against a document without the 422, a refused submission is
    reported."""
    wrong = copy.deepcopy(document())
    del wrong["paths"][REFERRALS]["post"]["responses"]["422"]
    broken = schemathesis.openapi.from_dict(wrong, config=schemathesis.Config.from_dict(CONFIG))
    broken.app = API
    body = {"client": {"first_name": ""}, "referral": {}}
    case = broken[REFERRALS]["POST"].Case(body=body, media_type="application/json")
    with pytest.raises(FailureGroup, match="Undocumented status code"):
        case.call_and_validate(headers=partner.authorization)


# --------------------------------------------------------------------------------------------
# Found while fuzzing by hand: text from the caller that the access log's table cannot hold
# (a NUL from "%00" in the address, an over-long Idempotency-Key answered 400) made the
# writer's insert fail, losing every entry of its batch, other callers' too.


def test_a_nul_in_the_address_or_an_overlong_key_costs_the_access_log_no_entry(
    partner: Partner, pg_url: str
) -> None:
    access_log.flush()
    with TestClient(API) as client:
        nul = client.get("/api/v1/referrals/REF-A%00B", headers=partner.authorization)
        long_key = client.post(
            REFERRALS,
            content=b"{}",
            headers={
                **partner.authorization,
                "Content-Type": "application/json",
                "Idempotency-Key": "k" * 300,
            },
        )
        fine = client.get("/api/v1/referrals/REF-FINE", headers=partner.authorization)
    assert (nul.status_code, long_key.status_code, fine.status_code) == (404, 400, 404)
    assert access_log.flush() == 3
    with session_scope(url=pg_url) as db:
        rows = db.exec(
            select(ApiAccessLog)
            .where(ApiAccessLog.organisation_id == partner.organisation_id)
            .order_by(col(ApiAccessLog.id))
        ).all()
    assert [r.status for r in rows] == [404, 400, 404]
    assert rows[0].path == "/api/v1/referrals/REF-A\ufffdB"
    assert rows[1].idempotency_key == "k" * 200
