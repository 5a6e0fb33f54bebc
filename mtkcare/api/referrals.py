"""The partner referral API (issue 12's contract, ``/api/v1``): how an external organisation's
system submits a referral and follows its status.

- ``POST /api/v1/referrals/``: checked in this order, so a refused request costs little and
  writes nothing: the content type (415); the declared length (413, before any byte of the
  body is read); then the body, read with a 64 KiB cap for a length that lies or is missing
  (413); then, on the API's own thread and in one transaction, the bearer key (401/403) and
  the organisation's per-minute limit (429), the JSON (400), the fields
  (422: strict types, unknown fields refused, every problem at once) and the reference codes
  (422); then the client (linked on an exact match of normalised name and date of birth,
  else created), the referral (PENDING, source EXTERNAL, this organisation, the program when
  the service type has exactly one) with the program team's notice, and the organisation's
  contact details. Any error rolls all of it back. 201 with ``Location``.
- ``GET /api/v1/referrals/<tracking_id>``: the referral's status, only for the organisation
  that submitted it; to anyone else it does not exist (404, not 403).
- Anything else under ``/api/v1``: 404, or 405 with ``Allow``; every error is problem+json
  (``mtkcare.api.problems``).

The business work goes through the same services as the staff screens (``create_client``,
``create_referral``), acting as ``Principal.system("partner API: <organisation>")``, so the
same rules, audit rows and board announcements apply.

The key is checked (its read the transaction's first statement) and the organisation's
per-minute limit counted (429 with ``Retry-After``; ``mtkcare.auth.ratelimit``: Redis with
``REDIS_URL``, else this process) on the same hop to the API's own thread
(``mtkcare.api.lane``) as the work itself. An ``Idempotency-Key`` is claimed next
(``mtkcare.api.idempotency``). Every answer is logged in ``_answer``
(``mtkcare.api.access_log``: batched, never a transaction of its own per call).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any, Literal

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, EmailStr, Field, ValidationError, field_validator
from sqlmodel import Session, select
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from mtkcare.api import access_log, idempotency
from mtkcare.api.keys import Caller, KeyProblem, authenticate_key
from mtkcare.api.lane import run_in_lane
from mtkcare.api.problems import (
    method_not_allowed,
    not_found,
    problem,
    unauthenticated,
    validation_failed,
)
from mtkcare.auth.guard import public
from mtkcare.auth.ratelimit import RateLimiter, make_rate_limiter
from mtkcare.auth.service import Principal
from mtkcare.clients.duplicates import name_key
from mtkcare.clients.models import Client
from mtkcare.clients.service import ClientDetails, Phone, born_before_today, create_client
from mtkcare.db import on_driver, read_scope, sends_on_driver, session_scope
from mtkcare.errors import ValidationFailed
from mtkcare.organisations.models import ExternalOrganisation
from mtkcare.organisations.service import OrganisationInput
from mtkcare.programs.service import active_programs_for
from mtkcare.reference.cache import lists, prime
from mtkcare.reference.models import DeclineReason
from mtkcare.referrals.duplicate_check import request_duplicate_check
from mtkcare.referrals.models import Referral, ReferralSource
from mtkcare.referrals.service import ReferralInput, create_referral, referred_today_or_before
from mtkcare.settings import get_settings
from mtkcare.validation import Input

REFERRALS = "/api/v1/referrals/"
REFERRAL = "/api/v1/referrals/{tracking_id}"
ANYTHING_ELSE = "/api/v1/{rest:path}"
MAX_BODY = 64 * 1024
# Every method is routed to our endpoints, so a wrong one gets our 405 (problem+json with
# Allow) rather than Starlette's plain-text one.
EVERY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
TRACKING_ID = re.compile(r"^REF-[A-Z0-9]{1,16}$")


# --------------------------------------------------------------------------------------------
# The request body. Strict (a number is not a name, "yes" is not true), unknown fields refused,
# text stripped and free of control characters (``Input``).


class _Strict(Input):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid", strict=True)


def _limit(model: type[BaseModel], name: str) -> int | None:
    """A text's length limit where it is declared: the input model of the service the API
    hands the value to (so what passes here fits there)."""
    for rule in model.model_fields[name].metadata:
        if getattr(rule, "max_length", None) is not None:
            return int(rule.max_length)
    return None


def _like(model: type[BaseModel], name: str, **rules: Any) -> Any:
    """A field as the service it is handed to declares it: its label and length limit."""
    return Field(
        title=model.model_fields[name].title or name,
        max_length=_limit(model, name),
        **rules,
    )


class ClientIn(_Strict):
    """The contract's ``client`` block; its labels, limits and rules are the client record's."""

    first_name: str = _like(ClientDetails, "first_name", min_length=1)
    last_name: str = _like(ClientDetails, "last_name", min_length=1)
    date_of_birth: date = _like(ClientDetails, "date_of_birth")
    phone: Phone = _like(ClientDetails, "phone", default=None)
    email: EmailStr | None = _like(ClientDetails, "email", default=None)
    primary_language: str | None = Field(
        default=None, title="Primary language", min_length=1, max_length=40
    )
    address: str | None = Field(
        default=None, title="Address", max_length=_limit(ClientDetails, "address_line1")
    )

    _birth = field_validator("date_of_birth")(born_before_today)


class ReferralIn(_Strict):
    """The contract's ``referral`` block; its labels, limits and rules are the referral's."""

    referral_date: date = _like(ReferralInput, "referral_date")
    service_type: str = Field(title="Service type", min_length=1, max_length=40)
    reason: str = _like(ReferralInput, "reason", min_length=1)
    priority: Literal["LOW", "NORMAL", "HIGH", "URGENT"] = _like(
        ReferralInput, "priority", default="NORMAL"
    )
    consent_obtained: bool | None = _like(ReferralInput, "partner_reports_consent", default=None)
    external_reference: str | None = _like(ReferralInput, "external_reference", default=None)

    _referred = field_validator("referral_date")(referred_today_or_before)


class OrganisationIn(_Strict):
    """The contract's optional ``organisation`` block (the organisation's contact details)."""

    contact_name: str | None = _like(OrganisationInput, "contact_name", default=None, min_length=1)
    contact_email: EmailStr | None = _like(OrganisationInput, "email", default=None)
    contact_phone: Phone = _like(OrganisationInput, "phone", default=None)


class SubmissionIn(_Strict):
    client: ClientIn = Field(title="Client")
    referral: ReferralIn = Field(title="Referral")
    organisation: OrganisationIn | None = Field(default=None, title="Organisation")


def _message(err: Any) -> str:
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    if kind == "missing":
        return "This field is required"
    if kind == "extra_forbidden":
        return "Unknown field"
    if kind == "string_too_short":
        return "Must not be empty"
    if kind == "string_too_long":
        return f"Must be {ctx.get('max_length')} characters or fewer"
    if kind == "value_error":
        return str(ctx.get("error", err.get("msg", "Not valid")))
    return str(err.get("msg", "Not valid"))


def _field_errors(exc: ValidationError) -> list[dict[str, str]]:
    """One entry per field, named by its dotted path in the body (``client.date_of_birth``)."""
    seen: dict[str, str] = {}
    for err in exc.errors():
        field = ".".join(str(part) for part in err.get("loc", ())) or "(body)"
        seen.setdefault(field, _message(err))
    return [{"field": field, "message": message} for field, message in seen.items()]


# The services' own field names, for their ValidationFailed, in the body's terms.
SERVICE_FIELDS = {
    "first_name": "client.first_name",
    "last_name": "client.last_name",
    "date_of_birth": "client.date_of_birth",
    "phone": "client.phone",
    "email": "client.email",
    "address_line1": "client.address",
    "primary_language_id": "client.primary_language",
    "referral_date": "referral.referral_date",
    "service_type_id": "referral.service_type",
    "reason": "referral.reason",
    "priority": "referral.priority",
    "external_reference": "referral.external_reference",
    "partner_reports_consent": "referral.consent_obtained",
}


def _service_errors(exc: ValidationFailed) -> list[dict[str, str]]:
    return [
        {"field": SERVICE_FIELDS.get(name, name), "message": message}
        for name, message in exc.errors.items()
    ]


# --------------------------------------------------------------------------------------------
# Answers


def _answer(request: Request, response: Response, started: float) -> Response:
    """Every answer of the API's routes passes here, and is logged (``mtkcare.api.access_log``)."""
    access_log.record_answer(request, response.status_code, started)
    return response


def _key_refused(caller: Caller) -> Response:
    if caller.problem in (KeyProblem.MISSING, None):
        return unauthenticated("Send the organisation's API key as 'Authorization: Bearer <key>'.")
    if caller.problem == KeyProblem.UNKNOWN:
        return unauthenticated("The API key is not recognised.")
    details = {
        KeyProblem.REVOKED: "The API key has been revoked.",
        KeyProblem.EXPIRED: "The API key has expired.",
        KeyProblem.INACTIVE: "The organisation may not submit referrals now.",
    }
    return problem(403, details[caller.problem])


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


# --------------------------------------------------------------------------------------------
# POST /api/v1/referrals/


@dataclass(frozen=True)
class _Codes:
    """The ids of the reference options the codes name."""

    service_type_id: int
    language_id: int | None


def _resolve_codes(session: Session, submission: SubmissionIn) -> _Codes | list[dict[str, str]]:
    """The options the codes name (active ones only), or every code that names none."""
    options = lists(session)
    errors = []
    service_type = options.active_code("service_type", submission.referral.service_type)
    if service_type is None:
        errors.append({"field": "referral.service_type", "message": "Unknown service type code"})
    language = None
    if submission.client.primary_language is not None:
        language = options.active_code("language", submission.client.primary_language)
        if language is None:
            errors.append({"field": "client.primary_language", "message": "Unknown language code"})
    if errors or service_type is None:
        return errors
    return _Codes(service_type.id, language.id if language is not None else None)


_CLIENTS = Client.__table__  # type: ignore[attr-defined]
# Live clients born on a day, oldest first (plain SQL: it runs on every submission).
_SAME_BIRTHDAY = (
    sa.select(_CLIENTS.c.id, _CLIENTS.c.first_name, _CLIENTS.c.last_name)
    .where(_CLIENTS.c.date_of_birth == sa.bindparam("born"), _CLIENTS.c.is_deleted == sa.false())
    .order_by(_CLIENTS.c.id)
)


_PERSON_LOCK = sa.text("SELECT pg_advisory_xact_lock(hashtextextended(:person, 0))")


@lru_cache(maxsize=2)
def _lock_then_match(dialect: sa.Dialect) -> tuple[str, str]:
    """The person lock and the look-up of clients born that day, as PostgreSQL's driver gets
    them (compiled once)."""
    return str(_PERSON_LOCK.compile(dialect=dialect)), str(_SAME_BIRTHDAY.compile(dialect=dialect))


def _exact_match(session: Session, client: ClientIn) -> int | None:
    """The oldest live client with the same normalised name (``name_key``: accents, case,
    apostrophes and separators folded) and date of birth. Looked up by date of birth (indexed,
    a handful of rows) and compared in Python, so it reads the same on PostgreSQL and SQLite.
    Likely-but-not-exact duplicates are for the full duplicate look-up, not this one."""
    wanted = name_key(client.first_name, client.last_name)
    # Two submissions for the same new person at once would both miss and both create: on
    # PostgreSQL the second waits on this lock (until the first commits), and the look-up,
    # run after it with a snapshot of its own, then finds the first's client.
    person = {"person": f"partner-api client {wanted} {client.date_of_birth.isoformat()}"}
    born = {"born": client.date_of_birth}
    connection = session.connection()
    if sends_on_driver(connection.dialect):
        # Both statements in one round trip (the key's read has begun the transaction).
        lock, match = _lock_then_match(connection.dialect)
        rows: Any = on_driver(connection, [(lock, person), (match, born)])[1]
    else:
        if connection.dialect.name == "postgresql":
            connection.execute(_PERSON_LOCK, person)
        rows = connection.execute(_SAME_BIRTHDAY, born)
    return next((row[0] for row in rows if name_key(row[1], row[2]) == wanted), None)


def _intake(session: Session, caller: Caller, submission: SubmissionIn, codes: _Codes) -> Referral:
    """The client (linked or new), the referral and the organisation's contact details, in
    the caller's transaction."""
    assert caller.organisation_id is not None
    actor = Principal.system(f"partner API: {caller.organisation_name}")
    given = submission.client
    client_id = _exact_match(session, given)
    new_client = None
    if client_id is None:
        # Held while the referral is made: the session keeps only rows someone refers to, and
        # the referral's check of its client then finds this one without a query.
        new_client = create_client(
            session,
            actor,
            first_name=given.first_name,
            last_name=given.last_name,
            date_of_birth=given.date_of_birth,
            phone=given.phone,
            email=given.email,
            address_line1=given.address,
            primary_language_id=codes.language_id,
        )
        client_id = new_client.id
    # The program's column on the board, and its team told, when the service type leads to
    # one program; otherwise staff assign the program from the pending column.
    programs = active_programs_for(session, actor, codes.service_type_id)
    asked = submission.referral
    referral = create_referral(
        session,
        actor,
        source=ReferralSource.EXTERNAL,
        external_organisation_id=caller.organisation_id,
        referral_date=asked.referral_date,
        reason=asked.reason,
        priority=asked.priority,
        service_type_id=codes.service_type_id,
        target_program_id=programs[0].id if len(programs) == 1 else None,
        client_id=client_id,
        external_reference=asked.external_reference,
        partner_reports_consent=asked.consent_obtained,
    )
    if new_client is not None:  # an exact match needs no check; a new one may be a likely one
        request_duplicate_check(session, actor, referral)
    if submission.organisation is not None:
        # The row only when there is something to change (create_referral checked it is
        # active without loading it).
        organisation = session.get(ExternalOrganisation, caller.organisation_id)
        assert organisation is not None
        contact = submission.organisation.model_dump(exclude_none=True)
        for given_name, column in (
            ("contact_name", "contact_name"),
            ("contact_email", "email"),
            ("contact_phone", "phone"),
        ):
            # Set on the row itself: the Audited session hooks record what changed.
            if given_name in contact and getattr(organisation, column) != contact[given_name]:
                setattr(organisation, column, contact[given_name])
        session.add(organisation)
    return referral


def _created(body: dict[str, Any], location: str, *, status_code: int = 201) -> Response:
    return JSONResponse(
        body,
        status_code=status_code,
        headers={"Location": location, "Cache-Control": "no-store"},
    )


class _Undone(Exception):
    """Raised with the answer to give when the request's transaction must be rolled back
    (a service refused what it was asked): ``_admit_then`` gives it once that is done."""

    def __init__(self, answer: Response) -> None:
        super().__init__(answer.status_code)
        self.answer = answer


def _submit(session: Session, caller: Caller, raw: bytes, idempotency_key: str | None) -> Response:
    """Everything after the key's check, in its transaction (a key revoked in the
    milliseconds between still finishes the request it had begun)."""
    assert caller.organisation_id is not None
    if idempotency_key is not None and not idempotency.valid_key(idempotency_key):
        return problem(
            400, "The Idempotency-Key header must be 1 to 200 printable characters, no spaces."
        )
    if idempotency_key is not None:
        replay = idempotency.claim(session, caller.organisation_id, idempotency_key, raw)
        if replay is not None and replay.body is None:
            return problem(
                409,
                "This Idempotency-Key was used for a different request. Use a new key "
                "for a new referral.",
            )
        if replay is not None and replay.body is not None:
            return _created(replay.body, replay.location or "", status_code=replay.status_code)
    try:
        submission = SubmissionIn.model_validate_json(raw, strict=True)
    except ValidationError as exc:
        if any(err.get("type") == "json_invalid" for err in exc.errors()):
            return problem(400, "The body is not well-formed JSON.")
        return validation_failed(_field_errors(exc))
    codes = _resolve_codes(session, submission)
    if isinstance(codes, list):
        return validation_failed(codes)
    try:
        referral = _intake(session, caller, submission, codes)
        session.flush()
    except ValidationFailed as exc:  # the services' own checks: everything is rolled back
        if "external_organisation_id" in exc.errors:  # deactivated since its key was checked
            raise _Undone(problem(403, "The organisation may not submit referrals now.")) from exc
        raise _Undone(validation_failed(_service_errors(exc))) from exc
    body = {
        "tracking_id": referral.tracking_id,
        "status": referral.status,
        "received_at": _iso(referral.created_at),
    }
    location = f"/api/v1/referrals/{referral.tracking_id}"
    if idempotency_key is not None:
        idempotency.remember(
            session, caller.organisation_id, idempotency_key, raw,
            status_code=201, answer=body, location=location,
        )  # fmt: skip
    return _created(body, location)


@lru_cache(maxsize=1)
def _limiter() -> RateLimiter:
    """One counter per process (shared through Redis when ``REDIS_URL`` is set)."""
    return make_rate_limiter()


def _admit(session: Session, authorization: str | None) -> tuple[Caller, Response | None]:
    """Who is calling, and why they may not be served now (their key, or their
    organisation's requests a minute used up: 429 with ``Retry-After``), or None. Every call
    of the API counts. The key is read as the first statement of ``session``'s work (with
    the reference lists' generation)."""
    caller = authenticate_key(session, authorization)
    if not caller.ok:
        return caller, _key_refused(caller)
    prime(session, caller.reference_generation)  # read with the key: one read fewer
    limit = caller.rate_limit or get_settings().api_rate_limit
    wait = _limiter().count(f"partner-api:{caller.organisation_id}", limit)
    if wait:
        return caller, problem(
            429,
            f"Over this organisation's limit of {limit} requests a minute. "
            f"Try again in {wait} seconds.",
            headers={"Retry-After": str(wait)},
        )
    return caller, None


Work = Callable[[Session, Caller], Response]


def _admit_then(authorization: str | None, work: Work, writes: bool) -> tuple[Caller, Response]:
    """``_admit``, then (if the caller may be served) ``work``, on one connection: in one
    all-or-nothing transaction when the work ``writes`` (the key read its first statement),
    else as single reads (``read_scope``). Blocking: run on the API's lane, in one hop."""
    caller = Caller(None, None, None, None)
    try:
        with session_scope(all_or_nothing=True) if writes else read_scope() as session:
            caller, refused = _admit(session, authorization)
            return caller, refused if refused is not None else work(session, caller)
    except _Undone as undone:  # rolled back
        return caller, undone.answer


async def _serve(request: Request, work: Work, *, writes: bool) -> Response:
    """``_admit_then`` in one hop to the API's lane (``mtkcare.api.lane``; each hop costs the
    event loop a handover)."""
    authorization = request.headers.get("authorization")
    caller, response = await run_in_lane(_admit_then, authorization, work, writes)
    if caller.ok:
        request.state.api_key_id = caller.key_id  # for the access log's last-used time
    return response


async def _read_capped(request: Request) -> bytes | None:
    """The body, or None once it runs over ``MAX_BODY`` (the rest is never read)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def _post_referral(request: Request) -> Response:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json":
        return problem(415, "Send the referral as 'Content-Type: application/json'.")
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.strip().isdigit():
            return problem(400, "The Content-Length header is not a number.")
        if int(declared) > MAX_BODY:
            return problem(413, f"The body may be at most {MAX_BODY} bytes.")
    try:
        raw = await _read_capped(request)
    except ClientDisconnect:
        return problem(400, "The request ended before its body did.")
    if raw is None:
        return problem(413, f"The body may be at most {MAX_BODY} bytes.")
    idempotency_key = request.headers.get("idempotency-key")
    return await _serve(
        request,
        lambda session, caller: _submit(session, caller, raw, idempotency_key),
        writes=True,
    )


@public  # partner API: authenticated by its key (mtkcare/api/keys.py), not a staff session
async def referrals(request: Request) -> Response:
    started = time.perf_counter()
    if request.method != "POST":
        return _answer(request, method_not_allowed(("POST",)), started)
    return _answer(request, await _post_referral(request), started)


# --------------------------------------------------------------------------------------------
# GET /api/v1/referrals/<tracking_id>


def _status(session: Session, caller: Caller, tracking_id: str) -> Response:
    """The referral's status for the organisation whose key was checked."""
    gone = not_found("No referral of your organisation has that tracking id.")
    if not TRACKING_ID.match(tracking_id):
        return gone
    referral = session.exec(
        select(Referral).where(
            Referral.tracking_id == tracking_id,
            Referral.external_organisation_id == caller.organisation_id,
            Referral.source == ReferralSource.EXTERNAL.value,
        )
    ).first()
    if referral is None:
        return gone
    body: dict[str, Any] = {
        "tracking_id": referral.tracking_id,
        "status": referral.status,
        "received_at": _iso(referral.created_at),
        "updated_at": _iso(referral.updated_at),
    }
    # The reason's label only: staff's decline notes are internal.
    if referral.decline_reason_id is not None:
        reason = session.get(DeclineReason, referral.decline_reason_id)
        if reason is not None:
            body["decision_reason"] = reason.label
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


@public  # partner API: authenticated by its key (mtkcare/api/keys.py), not a staff session
async def referral_status(request: Request) -> Response:
    started = time.perf_counter()
    if request.method not in ("GET", "HEAD"):
        return _answer(request, method_not_allowed(("GET", "HEAD")), started)
    tracking_id = request.path_params["tracking_id"]
    answer = await _serve(
        request, lambda session, caller: _status(session, caller, tracking_id), writes=False
    )
    return _answer(request, answer, started)


@public  # reveals nothing: the API's own 404 for any address it does not serve
async def anything_else(request: Request) -> Response:
    return _answer(request, not_found(), time.perf_counter())


ROUTES = [
    Route(REFERRALS, referrals, methods=EVERY_METHOD),
    # The contract's address ends in a slash; a partner's client that drops it (many do) is
    # served the same rather than sent a redirect it might not follow with its body.
    Route(REFERRALS.rstrip("/"), referrals, methods=EVERY_METHOD),
    Route(REFERRAL, referral_status, methods=EVERY_METHOD),
    Route(ANYTHING_ELSE, anything_else, methods=EVERY_METHOD),
]
