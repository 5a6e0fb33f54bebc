"""The partner API described as an OpenAPI 3.1 document (``GET /api/v1/openapi.json``), and the
same document as a page for people (``GET /api/v1/docs``, ``mtkcare.api.docs_page``).

The schemas are derived from the models that do the work, so a label, a limit or a choice has
one home: the request body from ``SubmissionIn`` and its blocks (``mtkcare.api.referrals``,
whose limits come from the services' inputs), the answers from ``mtkcare.api.answers``, the
errors from ``mtkcare.api.problems`` (whose ``problem()`` also builds the error examples), the
statuses from ``ReferralStatus``, the paths and the tracking id's and Idempotency-Key's
patterns from the code that routes and checks them. What this module adds is what only a
reader needs: words for each operation and answer, the examples, the headers.

Built once per process and cached: nothing in it depends on the request or the database.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from pydantic.json_schema import models_json_schema
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from mtkcare.api.answers import Received, ReferralState
from mtkcare.api.idempotency import VALID_KEY
from mtkcare.api.problems import (
    PROBLEM_JSON,
    Problem,
    ValidationProblem,
    method_not_allowed,
    problem,
    unauthenticated,
    validation_failed,
)
from mtkcare.api.referrals import (
    EVERY_METHOD,
    MAX_BODY,
    REFERRAL,
    REFERRALS,
    TRACKING_ID,
    SubmissionIn,
)
from mtkcare.auth.guard import public
from mtkcare.clients.service import PHONE_EXAMPLE, PHONE_RULE
from mtkcare.reference.defaults import LANGUAGES, SERVICE_TYPES
from mtkcare.settings import get_settings

OPENAPI = "/api/v1/openapi.json"
DOCS = "/api/v1/docs"
SCHEMA_REF = "#/components/schemas/{model}"
SECURITY_SCHEME = "partnerApiKey"
SUBMIT = "submitReferral"
READ_STATUS = "getReferralStatus"


def _ref(model: type[Any]) -> dict[str, str]:
    return {"$ref": SCHEMA_REF.format(model=model.__name__)}


# --------------------------------------------------------------------------------------------
# Schemas: the models' own, with words for partners where the models speak to developers.

BLOCK_WORDS = {
    "SubmissionIn": "A referral: the person referred (client), what for (referral) and, "
    "optionally, your organisation's contact details. Unknown fields are refused; text is "
    'trimmed; types are strict (a number is not a name, "yes" is not true).',
    "ClientIn": "The person referred. MTK Care links the referral to its client with the "
    "same name and date of birth (accents, case and punctuation aside), else records a new "
    "client.",
    "ReferralIn": "What the client is referred for.",
    "OrganisationIn": "Your organisation's contact for referrals: MTK Care updates its "
    "record of your organisation with what you send.",
}


def _codes(pairs: list[tuple[str, str]]) -> str:
    return ", ".join(f"{code} ({words})" for code, words in pairs)


PHONE_WORDS = f"{PHONE_RULE}. Like {PHONE_EXAMPLE}."
FIELD_WORDS = {
    ("ClientIn", "date_of_birth"): "A date in the past, like 1988-04-12.",
    ("ClientIn", "phone"): PHONE_WORDS,
    ("ClientIn", "primary_language"): "A language code. A new installation knows "
    f"{_codes(LANGUAGES)}; MTK Care may add or retire codes.",
    ("OrganisationIn", "contact_phone"): PHONE_WORDS,
    ("ReferralIn", "referral_date"): "The day you referred the client: today or earlier.",
    ("ReferralIn", "service_type"): "A service type code. A new installation knows "
    f"{_codes(SERVICE_TYPES)}; MTK Care may add or retire codes.",
    ("ReferralIn", "priority"): "How urgent the referral is.",
    ("ReferralIn", "consent_obtained"): "Whether the client agreed to be referred, as you "
    "know it. Shown to staff on the referral; MTK Care still records consent with the client "
    "itself before the referral can be accepted.",
    ("ReferralIn", "external_reference"): "Your own reference for the referral, shown to staff "
    "on it.",
}
FIELD_EXAMPLES = {
    ("ClientIn", "primary_language"): [code for code, _ in LANGUAGES],
    ("ReferralIn", "service_type"): [code for code, _ in SERVICE_TYPES],
}


def _schemas() -> dict[str, Any]:
    _, top = models_json_schema(
        [
            (SubmissionIn, "validation"),
            (Received, "serialization"),
            (ReferralState, "serialization"),
            (Problem, "serialization"),
            (ValidationProblem, "serialization"),
        ],
        ref_template=SCHEMA_REF,
    )
    schemas: dict[str, Any] = top["$defs"]
    for name, words in BLOCK_WORDS.items():
        schemas[name]["description"] = words
    for (model, name), words in FIELD_WORDS.items():
        schemas[model]["properties"][name]["description"] = words
    for (model, name), examples in FIELD_EXAMPLES.items():
        schemas[model]["properties"][name]["examples"] = examples
    return schemas


# --------------------------------------------------------------------------------------------
# Examples (the tests check each against its schema). The fuzzing test submits them to the
# test database, so their people are ones no other test looks for.

TRACKING_EXAMPLE = "REF-7K2M9QXA"
RECEIVED_AT = "2026-03-02T09:15:27.318204+00:00"

FULL_SUBMISSION = {
    "client": {
        "first_name": "Ngaio",
        "last_name": "Kawhia",
        "date_of_birth": "1983-10-21",
        "phone": "022 555 0178",
        "email": "ngaio.kawhia@example.org",
        "primary_language": "mi",
        "address": "12 Example Street, Wellington",
    },
    "referral": {
        "referral_date": "2026-03-02",
        "service_type": "housing",
        "reason": "Living in a car with two children since February; needs safe housing.",
        "priority": "HIGH",
        "consent_obtained": True,
        "external_reference": "CASE-1042",
    },
    "organisation": {
        "contact_name": "Hine Walker",
        "contact_email": "hine.walker@example.org",
        "contact_phone": "04 555 0100",
    },
}
SMALLEST_SUBMISSION = {
    "client": {"first_name": "Manaia", "last_name": "Okeroa", "date_of_birth": "2001-11-30"},
    "referral": {
        "referral_date": "2026-03-02",
        "service_type": "employment",
        "reason": "Wants help into work after leaving school.",
    },
}


def _example(summary: str, value: Any) -> dict[str, Any]:
    return {"summary": summary, "value": value}


def _body(response: Response) -> Any:
    return json.loads(bytes(response.body))


# --------------------------------------------------------------------------------------------
# Answers


@dataclass(frozen=True)
class Refusal:
    """An error answer of one operation: when it is given, and examples of it."""

    status: int
    when: str
    examples: dict[str, Response]
    headers: dict[str, dict[str, Any]] = field(default_factory=dict)


def _header(words: str, schema: dict[str, Any], example: Any) -> dict[str, Any]:
    return {"description": words, "required": True, "schema": schema, "example": example}


def _www_authenticate() -> dict[str, Any]:
    return _header(
        "Bearer: send your organisation's API key as a bearer token.",
        {"type": "string"},
        unauthenticated("").headers["www-authenticate"],
    )


def _allow(allowed: tuple[str, ...]) -> dict[str, Any]:
    return _header(
        "The methods this address takes.",
        {"type": "string"},
        method_not_allowed(allowed).headers["allow"],
    )


def _key_refusals() -> list[Refusal]:
    return [
        Refusal(
            401,
            "No API key, or one MTK Care does not know. Send it as `Authorization: Bearer <key>`.",
            {
                "missing": unauthenticated(
                    "Send the organisation's API key as 'Authorization: Bearer <key>'."
                ),
                "unknown": unauthenticated("The API key is not recognised."),
            },
            {"WWW-Authenticate": _www_authenticate()},
        ),
        Refusal(
            403,
            "The key was revoked or has expired, or your organisation may not use the API "
            "now. Ask MTK Care for a new key.",
            {
                "revoked": problem(403, "The API key has been revoked."),
                "expired": problem(403, "The API key has expired."),
            },
        ),
    ]


def _submit_refusals() -> list[Refusal]:
    return [
        Refusal(
            400,
            "The request is malformed: the body is not well-formed JSON, the Content-Length "
            "header is not a number, the Idempotency-Key header is not 1 to 200 printable "
            "characters, or the request ended before its body did.",
            {
                "not JSON": problem(400, "The body is not well-formed JSON."),
                "bad Idempotency-Key": problem(
                    400,
                    "The Idempotency-Key header must be 1 to 200 printable characters, no spaces.",
                ),
            },
        ),
        *_key_refusals(),
        Refusal(
            405,
            "This address takes POST only.",
            {"wrong method": method_not_allowed(("POST",))},
            {"Allow": _allow(("POST",))},
        ),
        Refusal(
            409,
            "This Idempotency-Key was used before with a different body. Use a new key for a "
            "new referral.",
            {
                "key reused": problem(
                    409,
                    "This Idempotency-Key was used for a different request. Use a new key for "
                    "a new referral.",
                )
            },
        ),
        Refusal(
            413,
            f"The body is over {MAX_BODY} bytes ({MAX_BODY // 1024} KiB).",
            {"too large": problem(413, f"The body may be at most {MAX_BODY} bytes.")},
        ),
        Refusal(
            415,
            "The body is not sent as `Content-Type: application/json`.",
            {"not JSON": problem(415, "Send the referral as 'Content-Type: application/json'.")},
        ),
        Refusal(
            422,
            "The body is JSON but not a valid referral: `errors` names every field's problem "
            "at once, by its dotted path in the body (`client.date_of_birth`). Unknown "
            "service type and language codes are reported here too.",
            {
                "fields": validation_failed(
                    [
                        {"field": "client.date_of_birth", "message": "This field is required"},
                        {
                            "field": "referral.service_type",
                            "message": "Unknown service type code",
                        },
                        {"field": "referral.status", "message": "Unknown field"},
                    ]
                )
            },
        ),
        _rate_refusal(),
    ]


def _rate_refusal() -> Refusal:
    return Refusal(
        429,
        "Your organisation sent more requests this minute than it may (its own limit, "
        f"else {get_settings().api_rate_limit} a minute). Wait the seconds `Retry-After` "
        "gives, then send again (a submission with the same Idempotency-Key).",
        {
            "over the limit": problem(
                429,
                f"Over this organisation's limit of {get_settings().api_rate_limit} requests "
                "a minute. Try again in 12 seconds.",
                headers={"Retry-After": "12"},
            )
        },
        {
            "Retry-After": _header(
                "Seconds to wait before sending again.",
                {"type": "integer", "minimum": 1},
                12,
            )
        },
    )


def _status_refusals() -> list[Refusal]:
    return [
        *_key_refusals(),
        _rate_refusal(),
        Refusal(
            404,
            "No referral of your organisation has this tracking id. Another organisation's "
            "referrals do not exist for you.",
            {"unknown": problem(404, "No referral of your organisation has that tracking id.")},
        ),
        Refusal(
            405,
            "This address takes GET (and HEAD) only.",
            {"wrong method": method_not_allowed(("GET", "HEAD"))},
            {"Allow": _allow(("GET", "HEAD"))},
        ),
    ]


def _problem_schema(status: int, model: type[Problem]) -> dict[str, Any]:
    """The problem body of one status: its type and status fixed (``problems.KINDS``)."""
    kind = _body(problem(status, ""))
    return {
        "allOf": [
            _ref(model),
            {
                "properties": {
                    "type": {"const": kind["type"]},
                    "title": {"const": kind["title"]},
                    "status": {"const": status},
                }
            },
        ]
    }


def _refusal(refusal: Refusal) -> dict[str, Any]:
    model = ValidationProblem if refusal.status == 422 else Problem
    answer: dict[str, Any] = {
        "description": refusal.when,
        "content": {
            PROBLEM_JSON: {
                "schema": _problem_schema(refusal.status, model),
                "examples": {
                    name: _example(name[:1].upper() + name[1:], _body(response))
                    for name, response in refusal.examples.items()
                },
            }
        },
    }
    if refusal.headers:
        answer["headers"] = refusal.headers
    return answer


def _received() -> dict[str, Any]:
    location = REFERRAL.format(tracking_id=TRACKING_EXAMPLE)
    example = Received.model_validate(
        {"tracking_id": TRACKING_EXAMPLE, "status": "PENDING", "received_at": RECEIVED_AT}
    ).model_dump(mode="json")
    return {
        "description": "Received: the referral waits in PENDING for MTK Care's staff. Keep "
        "the tracking id; `Location` is where to read its status.",
        "headers": {
            "Location": _header(
                "The referral's status address.",
                {"type": "string", "format": "uri-reference"},
                location,
            )
        },
        "content": {
            "application/json": {
                "schema": _ref(Received),
                "examples": {"received": _example("Received", example)},
            }
        },
        "links": {
            "status": {
                "operationId": READ_STATUS,
                "parameters": {"tracking_id": "$response.body#/tracking_id"},
                "description": "The referral's status, by the tracking id in this answer.",
            }
        },
    }


def _state() -> dict[str, Any]:
    def example(**changes: Any) -> dict[str, Any]:
        state = {
            "tracking_id": TRACKING_EXAMPLE,
            "status": "PENDING",
            "received_at": RECEIVED_AT,
            "updated_at": RECEIVED_AT,
            **changes,
        }
        return ReferralState.model_validate(state).model_dump(mode="json", exclude_none=True)

    return {
        "description": "The referral's status now.",
        "content": {
            "application/json": {
                "schema": _ref(ReferralState),
                "examples": {
                    "pending": _example("Waiting for assessment", example()),
                    "approved": _example(
                        "Approved",
                        example(status="APPROVED", updated_at="2026-03-04T21:40:03.550127+00:00"),
                    ),
                    "declined": _example(
                        "Declined, with the reason",
                        example(
                            status="DECLINED",
                            updated_at="2026-03-03T01:02:11.904410+00:00",
                            decision_reason="Program at capacity",
                        ),
                    ),
                },
            }
        },
    }


# --------------------------------------------------------------------------------------------
# The document

API_WORDS = """How a partner organisation's system sends MTK Care a referral and follows it.

Every call carries your organisation's API key (see Authentication). A refused call changes \
nothing and is answered with `application/problem+json` (RFC 9457): `type` names the kind of \
problem and is stable, so your code can branch on it; `title` and `detail` are words for \
people and may change. A submission refused with 422 lists every field's problem at once in \
`errors`.

Retrying is safe with an `Idempotency-Key`: the same key with the same body gets the first \
answer again and creates nothing twice; the same key with another body is refused (409). Keys \
are per organisation."""

SUBMIT_WORDS = f"""Sends one referral. MTK Care links it to its client with the same name \
and date of birth, or records a new client, and puts the referral in PENDING for its staff to \
assess; the program's team is told when the service type leads to one program.

The checks run in this order, so a refused request costs little and writes nothing: the \
content type (415), the size (413: at most {MAX_BODY} bytes), the API key (401, 403), your \
organisation's rate limit (429), the Idempotency-Key (400, 409), the JSON (400), the fields \
(422) and the service type and language codes (422)."""

STATUS_WORDS = """Where a referral your organisation submitted is now, and the reason if it \
was declined. Only your organisation's referrals exist for you: any other tracking id is 404. \
`updated_at` changes whenever MTK Care changes the referral."""


def _key_words() -> str:
    """The key's rules as this installation sets them (``Settings``)."""
    settings = get_settings()
    return (
        "Your organisation's API key, issued by MTK Care and shown once (`mtk_`, then 8 "
        "characters, `_` and 43 more). Send it on every call as `Authorization: Bearer <key>`. "
        "Missing or unknown: 401. Revoked, expired or your organisation not active: 403. A key "
        f"is valid for {settings.api_key_valid_days} days; when MTK Care rotates it, the old "
        f"one keeps working for {settings.api_key_grace_hours} hours."
    )


def _build() -> dict[str, Any]:
    idempotency_key = {
        "name": "Idempotency-Key",
        "in": "header",
        "required": False,
        "description": "Makes a retry safe: 1 to 200 printable ASCII characters, no spaces "
        "(a UUID is a good choice). The same key with the same body gets the first answer "
        "again; with another body, 409.",
        "schema": {"type": "string", "pattern": f"^{VALID_KEY.pattern}$"},
        "example": "5f0c7c1e-2b8a-4d53-9e0b-6a1f4b2d9c37",
    }
    tracking_id = {
        "name": "tracking_id",
        "in": "path",
        "required": True,
        "description": "The tracking id the submission was answered with.",
        "schema": {"type": "string", "pattern": TRACKING_ID.pattern},
        "example": TRACKING_EXAMPLE,
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "MTK Care partner referral API",
            "version": "1.0.0",
            "description": API_WORDS,
        },
        "servers": [
            {
                "url": "/",
                "description": "This MTK Care installation: the address this document was "
                "read from.",
            }
        ],
        "security": [{SECURITY_SCHEME: []}],
        "tags": [{"name": "Referrals", "description": "Submit referrals and follow them."}],
        "paths": {
            REFERRALS: {
                "post": {
                    "operationId": SUBMIT,
                    "tags": ["Referrals"],
                    "summary": "Submit a referral",
                    "description": SUBMIT_WORDS,
                    "parameters": [idempotency_key],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": _ref(SubmissionIn),
                                "examples": {
                                    "full": _example("Every field", FULL_SUBMISSION),
                                    "smallest": _example(
                                        "Only what is required", SMALLEST_SUBMISSION
                                    ),
                                },
                            }
                        },
                    },
                    "responses": {
                        "201": _received(),
                        **{str(r.status): _refusal(r) for r in _submit_refusals()},
                    },
                }
            },
            REFERRAL: {
                "parameters": [tracking_id],
                "get": {
                    "operationId": READ_STATUS,
                    "tags": ["Referrals"],
                    "summary": "Read a referral's status",
                    "description": STATUS_WORDS,
                    "responses": {
                        "200": _state(),
                        **{str(r.status): _refusal(r) for r in _status_refusals()},
                    },
                },
            },
        },
        "components": {
            "schemas": _schemas(),
            "securitySchemes": {
                SECURITY_SCHEME: {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "mtk_ API key",
                    "description": _key_words(),
                }
            },
        },
    }


@lru_cache(maxsize=1)
def _built() -> tuple[dict[str, Any], bytes]:
    built = _build()
    return built, json.dumps(built, ensure_ascii=False, indent=2).encode()


def document() -> dict[str, Any]:
    """The OpenAPI document (a copy: the cached one is what every caller is served)."""
    return copy.deepcopy(_built()[0])


@lru_cache(maxsize=1)
def _docs_html() -> str:
    from mtkcare.api.docs_page import render

    return render(_built()[0])


# --------------------------------------------------------------------------------------------
# Routes


@public  # the API's published description, the same for everyone: no data, no key needed
async def openapi_json(request: Request) -> Response:
    if request.method not in ("GET", "HEAD"):
        return method_not_allowed(("GET", "HEAD"))
    return Response(_built()[1], media_type="application/json")


@public  # the same description as a page for people: no data, no key needed
async def api_docs(request: Request) -> Response:
    if request.method not in ("GET", "HEAD"):
        return method_not_allowed(("GET", "HEAD"))
    return HTMLResponse(_docs_html())


ROUTES = [
    Route(OPENAPI, openapi_json, methods=EVERY_METHOD),
    Route(DOCS, api_docs, methods=EVERY_METHOD),
]
