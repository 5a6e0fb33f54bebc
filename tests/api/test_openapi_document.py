"""The partner API's OpenAPI document (issue 12) is a valid OpenAPI 3.1 document that tells
the truth: every status code of the contract is listed for its operation, the body schemas
are the validating models' own, every example fits its schema, and the app's real answers —
one for each documented status — fit the schema, media type and headers documented for that
status. The docs page draws the same document without scripts."""

from __future__ import annotations

import copy
import html
import json
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import OpenAPIV31SpecValidator
from starlette.testclient import TestClient

from mtkcare.api.idempotency import VALID_KEY
from mtkcare.api.openapi import document
from mtkcare.api.referrals import MAX_BODY, TRACKING_ID, ClientIn, ReferralIn, SubmissionIn
from mtkcare.auth.service import Principal
from mtkcare.db import session_scope
from mtkcare.organisations.api_keys import revoke_api_key
from mtkcare.organisations.models import ExternalOrganisation
from mtkcare.referrals.models import ReferralPriority, ReferralStatus
from tests.api.conftest import Partner, decline_on_the_board, new_partner, program_led_by
from tests.factories import SYSTEM

REFERRALS = "/api/v1/referrals/"
REFERRAL = "/api/v1/referrals/{tracking_id}"
PROBLEM = "application/problem+json"

# The contract's answers, per operation (issue 12).
CONTRACT = {
    ("post", REFERRALS): {201, 400, 401, 403, 405, 409, 413, 415, 422, 429},
    ("get", REFERRAL): {200, 401, 403, 404, 405, 429},
}
REQUIRED_HEADERS = {
    ("post", REFERRALS): {
        201: "Location",
        401: "WWW-Authenticate",
        405: "Allow",
        429: "Retry-After",
    },
    ("get", REFERRAL): {401: "WWW-Authenticate", 405: "Allow", 429: "Retry-After"},
}


@pytest.fixture
def served(api: TestClient) -> dict[str, Any]:
    """The document as the app serves it."""
    answer = api.get("/api/v1/openapi.json")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = answer.json()
    return body


def _validator(doc: dict[str, Any], schema: dict[str, Any]) -> Draft202012Validator:
    """A JSON Schema validator for a schema inside ``doc`` (its ``#/components/...`` refs
    resolve against the document), checking formats (date, date-time, email)."""
    root = {**schema, "components": doc["components"]}
    return Draft202012Validator(root, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _errors(doc: dict[str, Any], schema: dict[str, Any], instance: Any) -> list[str]:
    return [error.message for error in _validator(doc, schema).iter_errors(instance)]


# --------------------------------------------------------------------------------------------
# The document itself


def test_the_document_is_valid_openapi_3_1(served: dict[str, Any]) -> None:
    assert served["openapi"].startswith("3.1.")
    errors = [error.message for error in OpenAPIV31SpecValidator(served).iter_errors()]
    assert errors == []
    assert served == document()  # what is served is the one built document


def test_a_broken_document_is_caught_by_the_validator() -> None:
    renamed = document()
    renamed["paths"][REFERRAL]["parameters"][0]["name"] = "tracking"
    assert list(OpenAPIV31SpecValidator(renamed).iter_errors())
    mistyped = document()
    mistyped["paths"][REFERRALS]["post"]["responses"]["201"]["description"] = 5
    assert list(OpenAPIV31SpecValidator(mistyped).iter_errors())


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def test_every_reference_in_the_document_resolves(served: dict[str, Any]) -> None:
    """(The spec validator does not look: a dangling $ref would pass it.)"""
    refs = set(_refs(served))
    assert "#/components/schemas/ClientIn" in refs
    for ref in refs:
        target: Any = served
        for part in ref.removeprefix("#/").split("/"):
            assert isinstance(target, dict) and part in target, ref
            target = target[part]
    assert set(served["components"]["schemas"]) <= {ref.rsplit("/", 1)[1] for ref in refs}


def test_every_status_of_the_contract_is_documented_for_its_operation(
    served: dict[str, Any],
) -> None:
    found = {
        (method, path): {int(status) for status in operation["responses"]}
        for path, item in served["paths"].items()
        for method, operation in item.items()
        if method != "parameters"
    }
    assert found == CONTRACT
    for (method, path), statuses in CONTRACT.items():
        responses = served["paths"][path][method]["responses"]
        for status in statuses:
            answer = responses[str(status)]
            assert answer["description"]
            media = "application/json" if status < 300 else PROBLEM
            assert set(answer["content"]) == {media}, (method, path, status)
            assert answer["content"][media]["examples"], (method, path, status)
            schema = answer["content"][media]["schema"]
            if status >= 400:
                wanted = "ValidationProblem" if status == 422 else "Problem"
                assert schema["allOf"][0] == {"$ref": f"#/components/schemas/{wanted}"}
                assert schema["allOf"][1]["properties"]["status"] == {"const": status}
        for status, header in REQUIRED_HEADERS[(method, path)].items():
            assert responses[str(status)]["headers"][header]["required"] is True


def test_problems_have_the_rfc_9457_members_and_validation_adds_field_errors(
    served: dict[str, Any],
) -> None:
    schemas = served["components"]["schemas"]
    assert set(schemas["Problem"]["required"]) == {"type", "title", "status", "detail"}
    assert set(schemas["ValidationProblem"]["required"]) == {
        "type", "title", "status", "detail", "errors",
    }  # fmt: skip
    field_problem = schemas["ValidationProblem"]["properties"]["errors"]["items"]
    assert field_problem == {"$ref": "#/components/schemas/FieldProblem"}
    assert set(schemas["FieldProblem"]["required"]) == {"field", "message"}


def test_operations_parameters_security_and_servers(served: dict[str, Any]) -> None:
    post = served["paths"][REFERRALS]["post"]
    get = served["paths"][REFERRAL]["get"]
    assert (post["operationId"], get["operationId"]) == ("submitReferral", "getReferralStatus")
    assert served["servers"] == [{"url": "/", "description": served["servers"][0]["description"]}]

    (key,) = post["parameters"]
    assert (key["name"], key["in"], key["required"]) == ("Idempotency-Key", "header", False)
    assert key["schema"]["pattern"] == f"^{VALID_KEY.pattern}$"
    (tracking,) = served["paths"][REFERRAL]["parameters"]
    assert (tracking["name"], tracking["in"], tracking["required"]) == ("tracking_id", "path", True)
    assert tracking["schema"]["pattern"] == TRACKING_ID.pattern

    schemes = served["components"]["securitySchemes"]
    assert len(schemes) == 1
    (name, scheme), = schemes.items()  # fmt: skip
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert "API key" in scheme["description"]
    assert served["security"] == [{name: []}]

    link = post["responses"]["201"]["links"]["status"]
    assert link["operationId"] == "getReferralStatus"


def test_the_body_schemas_are_the_models_own(served: dict[str, Any]) -> None:
    schemas = served["components"]["schemas"]
    assert served["paths"][REFERRALS]["post"]["requestBody"]["content"]["application/json"][
        "schema"
    ] == {"$ref": "#/components/schemas/SubmissionIn"}
    for model in (SubmissionIn, ClientIn, ReferralIn):
        own = model.model_json_schema()
        published = schemas[model.__name__]
        assert published["required"] == own["required"]
        assert published["additionalProperties"] is False
        for name, field in own["properties"].items():
            for rule in ("title", "maxLength", "minLength", "format", "enum", "default"):
                assert published["properties"][name].get(rule) == field.get(rule), (name, rule)
    # The choices are the code's: priorities of the referral, statuses of the workflow.
    priority = schemas["ReferralIn"]["properties"]["priority"]
    assert priority["enum"] == [p.value for p in ReferralPriority]
    assert schemas["ReferralStatus"]["enum"] == [s.value for s in ReferralStatus]
    assert schemas["Received"]["properties"]["status"]["const"] == "PENDING"


# --------------------------------------------------------------------------------------------
# Examples


def _media_examples(doc: dict[str, Any]) -> list[tuple[str, dict[str, Any], Any]]:
    """(where, schema, value) of every example of a body, parameter or header."""
    found: list[tuple[str, dict[str, Any], Any]] = []
    for path, item in doc["paths"].items():
        for parameter in item.get("parameters", []):
            found.append((f"{path} {parameter['name']}", parameter["schema"], parameter["example"]))
        for method, operation in item.items():
            if method == "parameters":
                continue
            where = f"{method.upper()} {path}"
            for parameter in operation.get("parameters", []):
                found.append(
                    (f"{where} {parameter['name']}", parameter["schema"], parameter["example"])
                )
            for media in operation.get("requestBody", {}).get("content", {}).values():
                for name, example in media["examples"].items():
                    found.append((f"{where} request {name}", media["schema"], example["value"]))
            for status, answer in operation["responses"].items():
                for header, spec in answer.get("headers", {}).items():
                    found.append((f"{where} {status} {header}", spec["schema"], spec["example"]))
                for media in answer.get("content", {}).values():
                    for name, example in media["examples"].items():
                        found.append(
                            (f"{where} {status} {name}", media["schema"], example["value"])
                        )
    return found


def test_every_example_fits_its_own_schema(served: dict[str, Any]) -> None:
    examples = _media_examples(served)
    assert len(examples) > 25
    bad = {
        where: errors
        for where, schema, value in examples
        if (errors := _errors(served, schema, value))
    }
    assert bad == {}


def test_the_schema_check_catches_an_example_that_does_not_fit(served: dict[str, Any]) -> None:
    """The checker is strict enough to matter: formats, consts, unknown fields."""
    received = {"$ref": "#/components/schemas/Received"}
    good = {"tracking_id": "REF-ABC", "status": "PENDING", "received_at": "2026-01-02T03:04:05Z"}
    assert _errors(served, received, good) == []
    assert _errors(served, received, {**good, "received_at": "yesterday"})
    assert _errors(served, received, {**good, "status": "ACTIVE"})
    assert _errors(served, received, {**good, "extra": 1})
    unauthenticated = served["paths"][REFERRALS]["post"]["responses"]["401"]
    schema = unauthenticated["content"][PROBLEM]["schema"]
    forbidden = served["paths"][REFERRALS]["post"]["responses"]["403"]
    assert _errors(served, schema, forbidden["content"][PROBLEM]["examples"]["revoked"]["value"])


def test_the_request_examples_are_accepted_by_the_model_that_checks_submissions(
    served: dict[str, Any],
) -> None:
    media = served["paths"][REFERRALS]["post"]["requestBody"]["content"]["application/json"]
    for example in media["examples"].values():
        SubmissionIn.model_validate_json(json.dumps(example["value"]), strict=True)


# --------------------------------------------------------------------------------------------
# Real answers against the document


def _conforms(doc: dict[str, Any], method: str, path: str, answer: Any) -> None:
    """The answer's status is documented for the operation, and its media type, body and
    required headers are as documented for that status."""
    documented = doc["paths"][path][method]["responses"]
    status = str(answer.status_code)
    assert status in documented, f"{method.upper()} {path} answered {status}: {answer.text}"
    spec = documented[status]
    media_type = answer.headers["content-type"].split(";")[0].strip()
    assert media_type in spec["content"], (status, media_type)
    errors = _errors(doc, spec["content"][media_type]["schema"], answer.json())
    assert errors == [], (status, answer.text)
    for name, header in spec.get("headers", {}).items():
        if header.get("required"):
            assert name.lower() in answer.headers, (status, name)
        if name.lower() in answer.headers:
            value: Any = answer.headers[name.lower()]
            if header["schema"].get("type") == "integer":
                value = int(value)
            assert _errors(doc, header["schema"], value) == [], (status, name, value)


def _submission(doc: dict[str, Any]) -> dict[str, Any]:
    """The document's full example, for a client no other test has."""
    media = doc["paths"][REFERRALS]["post"]["requestBody"]["content"]["application/json"]
    body: dict[str, Any] = copy.deepcopy(media["examples"]["full"]["value"])
    body["client"]["last_name"] = f"Oasdoc{uuid.uuid4().hex[:10]}"
    return body


def _json(partner: Partner, **more: str) -> dict[str, str]:
    return {**partner.authorization, "Content-Type": "application/json", **more}


def test_real_answers_to_a_submission_fit_the_document_for_every_status(
    api: TestClient, pg_url: str, served: dict[str, Any]
) -> None:
    partner = new_partner(pg_url)
    seen: dict[int, Any] = {}

    def post(**request: Any) -> None:
        answer = api.post(REFERRALS, **request)
        _conforms(served, "post", REFERRALS, answer)
        seen[answer.status_code] = answer

    key = f"oas-{uuid.uuid4().hex}"
    post(json=_submission(served), headers=_json(partner, **{"Idempotency-Key": key}))
    post(content=b'{"client": {', headers=_json(partner))
    post(json=_submission(served), headers={"Content-Type": "application/json"})
    revoked = new_partner(pg_url)
    with session_scope(url=pg_url) as db:
        revoke_api_key(db, SYSTEM, revoked.key_id)
    post(json=_submission(served), headers=_json(revoked))
    answer = api.get(REFERRALS, headers=partner.authorization)  # a method POST's address refuses
    _conforms(served, "post", REFERRALS, answer)
    seen[answer.status_code] = answer
    post(json=_submission(served), headers=_json(partner, **{"Idempotency-Key": key}))
    post(content=b" " * (MAX_BODY + 1), headers=_json(partner))
    post(content=b"{}", headers={**partner.authorization, "Content-Type": "text/plain"})
    invalid = _submission(served)
    invalid["client"]["date_of_birth"] = "17/05/1990"
    post(json=invalid, headers=_json(partner))
    for _ in range(3):  # a round that straddles a minute's end is done again
        limited, minute = new_partner(pg_url, rate_limit=1), int(time.time() // 60)
        answers = [api.post(REFERRALS, json=_submission(served), headers=_json(limited))]
        answers.append(api.post(REFERRALS, json=_submission(served), headers=_json(limited)))
        if int(time.time() // 60) == minute:
            break
    _conforms(served, "post", REFERRALS, answers[1])
    seen[answers[1].status_code] = answers[1]

    assert set(seen) == CONTRACT[("post", REFERRALS)]
    assert {e["field"] for e in seen[422].json()["errors"]} == {"client.date_of_birth"}


def test_real_answers_to_a_status_read_fit_the_document_for_every_status(
    api: TestClient, pg_url: str, served: dict[str, Any], staff: Callable[..., Principal]
) -> None:
    lead = staff("Team lead")
    partner = new_partner(pg_url)
    body = _submission(served)
    body["referral"]["service_type"] = program_led_by(pg_url, lead)
    created = api.post(REFERRALS, json=body, headers=_json(partner))
    assert created.status_code == 201, created.text
    location = created.headers["location"]
    seen: dict[int, Any] = {}

    def get(url: str, headers: dict[str, str], method: str = "GET") -> Any:
        answer = api.request(method, url, headers=headers)
        _conforms(served, "get", REFERRAL, answer)
        seen.setdefault(answer.status_code, answer)
        return answer

    pending = get(location, partner.authorization)
    assert pending.json()["status"] == "PENDING" and "decision_reason" not in pending.json()
    get(location, {})
    inactive = new_partner(pg_url)
    with session_scope(url=pg_url) as db:
        organisation = db.get(ExternalOrganisation, inactive.organisation_id)
        assert organisation is not None
        organisation.is_active = False
    get(location, inactive.authorization)
    get(location, new_partner(pg_url).authorization)  # another organisation's: not found
    get(location, partner.authorization, method="DELETE")

    for _ in range(3):  # reads count against the limit too; a round straddling a minute again
        limited, minute = new_partner(pg_url, rate_limit=1), int(time.time() // 60)
        first = api.get(location, headers=limited.authorization)  # not theirs: 404
        second = api.get(location, headers=limited.authorization)
        if int(time.time() // 60) == minute:
            break
    assert first.status_code == 404
    _conforms(served, "get", REFERRAL, second)
    seen.setdefault(second.status_code, second)

    words = decline_on_the_board(pg_url, lead, created.json()["tracking_id"], "no_capacity")
    declined = get(location, partner.authorization)
    assert declined.json()["status"] == "DECLINED"
    assert declined.json()["decision_reason"] == words

    assert set(seen) == CONTRACT[("get", REFERRAL)]


def test_the_conformance_check_catches_an_answer_the_document_does_not_describe(
    served: dict[str, Any],
) -> None:
    class Answer:
        status_code = 201
        headers = {"content-type": "application/json", "location": "/api/v1/referrals/REF-A"}
        text = ""

        @staticmethod
        def json() -> Any:
            return {"tracking_id": "REF-A", "status": "PENDING"}  # received_at missing

    with pytest.raises(AssertionError):
        _conforms(served, "post", REFERRALS, Answer())
    Answer.status_code = 500
    with pytest.raises(AssertionError):
        _conforms(served, "post", REFERRALS, Answer())


# --------------------------------------------------------------------------------------------
# The docs page


def test_the_docs_page_is_self_contained_and_says_what_the_document_says(
    api: TestClient, served: dict[str, Any]
) -> None:
    page = api.get("/api/v1/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    text = page.text
    # Nothing to fetch from elsewhere, no script: it works offline and under the app's CSP.
    assert "<script" not in text.lower()
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", text)
    assert "<link" not in text.lower() and "@import" not in text
    # Operations, parameters, every field (by the dotted names a 422 uses), every status.
    assert "submitReferral" in text and "getReferralStatus" in text
    assert "Idempotency-Key" in text and "tracking_id" in text
    for block, model in (("client", ClientIn), ("referral", ReferralIn)):
        for name in model.model_fields:
            assert f"<code>{block}.{name}</code>" in text, name
    assert "1–100 characters" in text  # a limit, from the model
    for path, item in served["paths"].items():
        for method, operation in item.items():
            if method != "parameters":
                for status in operation["responses"]:
                    assert f"{status}</span>" in text, (method, path, status)
    assert "/api/v1/problems/validation-failed" in text
    commands = html.unescape(text)
    assert 'curl -i -X POST "${MTKCARE_URL}/api/v1/referrals/"' in commands
    assert 'curl -i -X GET "${MTKCARE_URL}/api/v1/referrals/REF-' in commands
    assert '-H "Authorization: Bearer $MTKCARE_API_KEY"' in commands
    assert "Program at capacity" in text  # the declined example, with its reason


def test_the_description_addresses_refuse_other_methods(api: TestClient) -> None:
    for address in ("/api/v1/openapi.json", "/api/v1/docs"):
        refused = api.post(address, content=b"{}")
        assert refused.status_code == 405
        assert refused.headers["content-type"].startswith(PROBLEM)
        assert refused.headers["allow"] == "GET, HEAD"
        assert api.head(address).status_code == 200


def test_the_description_is_public_but_the_api_is_not(api: TestClient) -> None:
    assert api.get("/api/v1/openapi.json").status_code == 200
    assert api.get("/api/v1/docs").status_code == 200
    assert api.get("/api/v1/referrals/REF-AAAA").status_code == 401
