"""A partner's client written from the OpenAPI document alone: it reads
``/api/v1/openapi.json`` from the real backend (the app as deployed, over HTTP) and calls
operations by their ``operationId``, finding the address from ``servers`` and ``paths``, the
parameters by their names and places, the key's header from the security scheme, and the
next call from the answer's ``links``. It knows nothing of our Python models and holds every
answer to the document (a documented status, its media type and body schema).

The journey: a partner submits a referral and polls its status; a team lead declines it on
the board (the board's move service, as the lead); the partner sees DECLINED and the reason.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import quote, urljoin

import httpx
import pytest
from jsonschema import Draft202012Validator

from mtkcare import dates
from mtkcare.auth.service import Principal
from tests.api.conftest import decline_on_the_board, new_partner, program_led_by

DOCUMENT = "/api/v1/openapi.json"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


class Undocumented(AssertionError):
    """The API answered something its document does not describe."""


@dataclass(frozen=True)
class Answer:
    operation_id: str
    status: int
    headers: httpx.Headers
    body: Any


class OpenApiClient:
    """Calls an API's operations by operationId, from its OpenAPI 3.1 document only."""

    def __init__(self, address: str, api_key: str, *, http: httpx.Client) -> None:
        self.http = http
        fetched = http.get(urljoin(address, DOCUMENT))
        fetched.raise_for_status()
        self.document: dict[str, Any] = fetched.json()
        # A relative server address is relative to where the document was read.
        self.base = urljoin(urljoin(address, DOCUMENT), self.document["servers"][0]["url"])
        self.operations: dict[str, tuple[str, str, dict[str, Any], list[dict[str, Any]]]] = {}
        for path, item in self.document["paths"].items():
            for method in METHODS:
                if method in item:
                    operation = item[method]
                    parameters = [*item.get("parameters", []), *operation.get("parameters", [])]
                    self.operations[operation["operationId"]] = (
                        method, path, operation, parameters,
                    )  # fmt: skip
        self.credentials = self._credentials(api_key)

    def _credentials(self, api_key: str) -> dict[str, dict[str, str]]:
        """The header each security scheme wants, by scheme name (bearer and API-key-in-a-
        header schemes: what a key can be sent as)."""
        found = {}
        schemes = self.document.get("components", {}).get("securitySchemes", {})
        for name, scheme in schemes.items():
            if scheme["type"] == "http" and scheme["scheme"].lower() == "bearer":
                found[name] = {"Authorization": f"Bearer {api_key}"}
            elif scheme["type"] == "apiKey" and scheme["in"] == "header":
                found[name] = {scheme["name"]: api_key}
        return found

    def _schema_errors(self, schema: dict[str, Any], instance: Any) -> list[str]:
        root = {**schema, "components": self.document.get("components", {})}
        validator = Draft202012Validator(root, format_checker=Draft202012Validator.FORMAT_CHECKER)
        return [error.message for error in validator.iter_errors(instance)]

    def call(
        self,
        operation_id: str,
        *,
        body: Any = None,
        parameters: dict[str, Any] | None = None,
        authenticated: bool = True,
    ) -> Answer:
        method, path, operation, specs = self.operations[operation_id]
        given = dict(parameters or {})
        headers: dict[str, str] = {}
        query: dict[str, str] = {}
        for spec in specs:
            name, place = spec["name"], spec["in"]
            if name not in given:
                if spec.get("required"):
                    raise TypeError(f"{operation_id} needs the {place} parameter {name}")
                continue
            value = str(given.pop(name))
            if place == "path":
                path = path.replace("{" + name + "}", quote(value, safe=""))
            elif place == "header":
                headers[name] = value
            elif place == "query":
                query[name] = value
        if given:
            raise TypeError(f"{operation_id} has no parameters {sorted(given)}")
        if authenticated:
            for requirement in operation.get("security", self.document.get("security", [])):
                if set(requirement) <= set(self.credentials):
                    for scheme in requirement:
                        headers.update(self.credentials[scheme])
                    break
        content = None
        if body is not None:  # JSON bodies only: what this API takes
            media_type = next(iter(operation["requestBody"]["content"]))
            headers["Content-Type"] = media_type
            content = json.dumps(body).encode()
        response = self.http.request(
            method.upper(),
            urljoin(self.base, path.lstrip("/")),
            params=query,
            headers=headers,
            content=content,
        )
        return self._checked(operation_id, operation, response)

    def _checked(
        self, operation_id: str, operation: dict[str, Any], response: httpx.Response
    ) -> Answer:
        documented = operation["responses"].get(str(response.status_code))
        if documented is None:
            raise Undocumented(f"{operation_id}: {response.status_code} {response.text[:300]}")
        media_type = response.headers.get("content-type", "").split(";")[0].strip()
        content = documented.get("content", {})
        if content and media_type not in content:
            raise Undocumented(f"{operation_id}: {response.status_code} as {media_type}")
        body = response.json() if content else None
        if content and (errors := self._schema_errors(content[media_type]["schema"], body)):
            raise Undocumented(f"{operation_id}: {response.status_code} body: {errors}")
        for name, header in documented.get("headers", {}).items():
            if header.get("required") and name not in response.headers:
                raise Undocumented(f"{operation_id}: {response.status_code} without {name}")
        return Answer(operation_id, response.status_code, response.headers, body)

    def follow(self, answer: Answer, link: str) -> Answer:
        """Call the operation an answer's ``links`` entry names, with the parameters its
        runtime expressions take from the answer (``$response.body#/...``,
        ``$response.header.<name>``)."""
        method, path, operation, _ = self.operations[answer.operation_id]
        spec = operation["responses"][str(answer.status)]["links"][link]
        parameters = {
            name: self._evaluate(expression, answer)
            for name, expression in spec.get("parameters", {}).items()
        }
        return self.call(spec["operationId"], parameters=parameters)

    @staticmethod
    def _evaluate(expression: Any, answer: Answer) -> Any:
        if not isinstance(expression, str) or not expression.startswith("$"):
            return expression
        if expression.startswith("$response.body#"):
            value = answer.body
            for part in expression.removeprefix("$response.body#").strip("/").split("/"):
                value = value[int(part)] if isinstance(value, list) else value[part]
            return value
        if expression.startswith("$response.header."):
            return answer.headers[expression.removeprefix("$response.header.")]
        raise ValueError(f"runtime expression not supported here: {expression}")


# --------------------------------------------------------------------------------------------


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30) as client:
        yield client


def _referral(service_type: str) -> dict[str, Any]:
    """What a partner's system would send: the contract's fields, typed out."""
    return {
        "client": {
            "first_name": "Wiremu",
            "last_name": f"Oasclient{uuid.uuid4().hex[:10]}",
            "date_of_birth": "1979-08-03",
            "phone": "027 555 0147",
        },
        "referral": {
            "referral_date": (dates.today() - timedelta(days=2)).isoformat(),
            "service_type": service_type,
            "reason": "Lost his tenancy; sleeping at a friend's on the floor.",
            "priority": "URGENT",
            "external_reference": "WN-3381",
        },
        "organisation": {"contact_name": "Ana Fifita", "contact_email": "ana@example.org"},
    }


def test_a_client_made_from_the_document_follows_a_referral_to_the_boards_decision(
    backend: str,
    pg_url: str,
    reference_data: None,
    staff: Callable[..., Principal],
    http: httpx.Client,
) -> None:
    lead = staff("Team lead")
    service_type = program_led_by(pg_url, lead)
    partner = new_partner(pg_url)
    client = OpenApiClient(backend, partner.secret, http=http)
    assert {"submitReferral", "getReferralStatus"} <= set(client.operations)

    referral, key = _referral(service_type), {"Idempotency-Key": str(uuid.uuid4())}
    submitted = client.call("submitReferral", body=referral, parameters=key)
    assert submitted.status == 201
    tracking_id = submitted.body["tracking_id"]
    assert submitted.body["status"] == "PENDING"
    # A retry (the answer lost on the way): the first answer again, nothing new.
    retried = client.call("submitReferral", body=referral, parameters=key)
    assert (retried.status, retried.body) == (201, submitted.body)

    seen = client.follow(submitted, "status")
    assert (seen.status, seen.body["status"]) == (200, "PENDING")
    assert "decision_reason" not in seen.body

    reason = decline_on_the_board(pg_url, lead, tracking_id, "no_capacity")

    deadline = time.monotonic() + 10
    while seen.body["status"] == "PENDING" and time.monotonic() < deadline:
        time.sleep(0.2)
        seen = client.call("getReferralStatus", parameters={"tracking_id": tracking_id})
    assert seen.status == 200
    assert seen.body["status"] == "DECLINED"
    assert seen.body["decision_reason"] == reason == "Program at capacity"
    assert seen.body["updated_at"] > seen.body["received_at"]


def test_the_clients_refusals_are_the_documented_problems(
    backend: str, pg_url: str, reference_data: None, http: httpx.Client
) -> None:
    client = OpenApiClient(backend, new_partner(pg_url).secret, http=http)
    unknown = client.call("getReferralStatus", parameters={"tracking_id": "REF-NOSUCH"})
    assert unknown.status == 404
    assert unknown.body["type"].endswith("/not-found")
    anonymous = client.call(
        "getReferralStatus", parameters={"tracking_id": "REF-NOSUCH"}, authenticated=False
    )
    assert anonymous.status == 401 and anonymous.headers["www-authenticate"] == "Bearer"
    invalid = client.call("submitReferral", body={"client": {}, "referral": {}})
    assert invalid.status == 422
    assert {"client.first_name", "referral.reason"} <= {e["field"] for e in invalid.body["errors"]}
    with pytest.raises(TypeError, match="needs the path parameter tracking_id"):
        client.call("getReferralStatus")


def test_the_client_refuses_an_answer_its_document_does_not_describe(
    backend: str, pg_url: str, reference_data: None, http: httpx.Client
) -> None:
    client = OpenApiClient(backend, new_partner(pg_url).secret, http=http)
    del client.document["paths"]["/api/v1/referrals/{tracking_id}"]["get"]["responses"]["404"]
    with pytest.raises(Undocumented, match="404"):
        client.call("getReferralStatus", parameters={"tracking_id": "REF-NOSUCH"})
