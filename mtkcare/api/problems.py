"""The partner API's error answers: RFC 9457 ``application/problem+json``.

Partner organisations write code against these, so every refusal has the same shape —
``type``, ``title``, ``status``, ``detail`` and, for validation, ``errors`` as a list of
``{"field": "client.date_of_birth", "message": ...}`` — and a stable ``type`` per kind of
problem that their code can branch on (``title`` and ``detail`` are for people and may be
reworded). The ``type`` URIs are relative references under ``/api/v1/problems/``: they name
the problem; the OpenAPI document (``mtkcare.api.openapi``) describes each, with the models
below as the body's schema.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field
from starlette.responses import JSONResponse

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "/api/v1/problems/"

# status -> (type slug, title). One title per status keeps answers predictable for partners.
KINDS: dict[int, tuple[str, str]] = {
    400: ("malformed-request", "Malformed request"),
    401: ("unauthenticated", "Authentication required"),
    403: ("forbidden", "Access refused"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    409: ("idempotency-key-reused", "Idempotency-Key reused"),
    413: ("payload-too-large", "Request body too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    422: ("validation-failed", "Validation failed"),
    429: ("rate-limited", "Too many requests"),
    500: ("server-error", "Server error"),
}


class Problem(BaseModel):
    """An error answer (RFC 9457 problem details, ``application/problem+json``)."""

    type: str = Field(
        title="Problem type",
        description="Names the kind of problem; stable, so your code can branch on it. A "
        f"relative reference under {TYPE_BASE}.",
    )
    title: str = Field(title="Title", description="The kind of problem, in words.")
    status: int = Field(title="Status", description="The HTTP status code, repeated.")
    detail: str = Field(
        title="Detail", description="What went wrong with this request, for a person to read."
    )


class FieldProblem(BaseModel):
    field: str = Field(
        title="Field",
        description="The field's dotted path in the body, like client.date_of_birth.",
    )
    message: str = Field(title="Message", description="What is wrong with it, in words.")


class ValidationProblem(Problem):
    """A refused submission's problem details, with every field's problem at once."""

    errors: list[FieldProblem] = Field(title="Errors", description="One entry per field.")


def problem(
    status: int,
    detail: str,
    *,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """A problem+json answer with ``status``'s type and title, and ``detail`` saying what
    went wrong in this request. ``extra`` members (``errors``) are added to the body.
    Never cached: an answer about one request says nothing about the next."""
    slug, title = KINDS.get(status, ("error", "Error"))
    body = {"type": TYPE_BASE + slug, "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(
        body,
        status_code=status,
        media_type=PROBLEM_JSON,
        headers={"Cache-Control": "no-store", **(headers or {})},
    )


def unauthenticated(detail: str) -> JSONResponse:
    """401 with the challenge RFC 6750 asks for, so clients know a bearer key is wanted."""
    return problem(401, detail, headers={"WWW-Authenticate": "Bearer"})


def method_not_allowed(allowed: tuple[str, ...]) -> JSONResponse:
    return problem(
        405,
        f"This address accepts {', '.join(allowed)} only.",
        headers={"Allow": ", ".join(allowed)},
    )


def not_found(detail: str = "There is nothing at this address.") -> JSONResponse:
    return problem(404, detail)


def validation_failed(errors: list[dict[str, str]]) -> JSONResponse:
    first = errors[0]["message"] if errors else "The request's content is not valid."
    return problem(422, first, errors=errors)
