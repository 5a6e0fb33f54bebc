"""The backend HTTP app that Reflex mounts itself under (``rx.App(api_transformer=...)``):
sign-in routes, the document routes and the partner API (``/api/v1``), plus security headers
on every response."""

from __future__ import annotations

import logging
import time
from typing import Any
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.routing import Router
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mtkcare.api import access_log
from mtkcare.api.openapi import ROUTES as OPENAPI_ROUTES
from mtkcare.api.problems import problem
from mtkcare.api.referrals import ROUTES as PARTNER_API_ROUTES
from mtkcare.auth.addresses import scope_address
from mtkcare.auth.azure import AZURE_ROUTES
from mtkcare.auth.limits import TabsPerAddress
from mtkcare.auth.ratelimit import make_rate_limiter
from mtkcare.auth.routes import ROUTES as AUTH_ROUTES
from mtkcare.documents.routes import ROUTES as DOCUMENT_ROUTES
from mtkcare.settings import get_settings

log = logging.getLogger(__name__)

CSP = (
    "default-src 'self'; "
    "script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
    "style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; "
    "font-src 'self' data:; "
    "connect-src 'self' {connect}; "
    "frame-ancestors 'none'; "
    "base-uri 'self'; "
    "form-action 'self' {origins}"
)


def security_headers(app: ASGIApp) -> ASGIApp:
    """Adds the security headers to every HTTP response of the backend (and, in production's
    single-port mode, of the pages too). Responses of our own routes are never cached."""
    settings = get_settings()
    origins = " ".join(o for o in settings.cors_origins if o != "*")
    extra: list[tuple[bytes, bytes]] = [
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
        (b"x-frame-options", b"DENY"),
        (
            b"content-security-policy",
            CSP.format(origins=origins, connect=" ".join(settings.connect_origins))
            .strip()
            .encode(),
        ),
        (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    ]
    if settings.is_production:
        extra.append((b"strict-transport-security", b"max-age=63072000; includeSubDomains"))

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        no_store = path.startswith(("/auth/", "/api/", "/files/"))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if not (no_store and k.lower() == b"cache-control")
                ]
                present = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in extra if k not in present]
                if no_store:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await app(scope, receive, send_with_headers)

    return wrapped


def rate_limit_auth(app: ASGIApp) -> ASGIApp:
    """Answers 429 with ``Retry-After``, before any other work, when one client address sends
    more than ``MTKCARE_AUTH_RATE_LIMIT`` requests a minute to ``/auth/*`` (sign-in guessing,
    argon2 as a denial of service). Addresses come from ``mtkcare.auth.addresses``."""
    limit = get_settings().auth_rate_limit
    limiter = make_rate_limiter()

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("path", "").startswith("/auth/"):
            retry_after = await limiter.hit(f"auth:{scope_address(scope)}", limit)
            if retry_after:
                await send(
                    {
                        "type": "http.response.start",
                        "status": 429,
                        "headers": [
                            (b"content-type", b"text/plain; charset=utf-8"),
                            (b"retry-after", str(retry_after).encode()),
                        ],
                    }
                )
                await send(
                    {
                        "type": "http.response.body",
                        "body": b"Too many requests. Wait a minute, then try again.",
                    }
                )
                return
        await app(scope, receive, send)

    return wrapped


def require_origin(app: ASGIApp) -> ASGIApp:
    """Refuses the event socket (websocket or polling) unless the handshake carries one of our
    origins. Socket.IO itself only checks an Origin that is present; browsers always send one,
    so a missing Origin means a script, not our page (cross-site websocket hijacking)."""
    allowed = set(get_settings().cors_origins)

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and scope.get("path", "").startswith("/_event"):
            origin = next(
                (v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"origin"), None
            )
            if "*" not in allowed and origin not in allowed:
                if scope["type"] == "websocket":
                    await send({"type": "websocket.close", "code": 1008})
                else:
                    await send(
                        {
                            "type": "http.response.start",
                            "status": 403,
                            "headers": [(b"content-type", b"text/plain")],
                        }
                    )
                    await send({"type": "http.response.body", "body": b"Origin not allowed"})
                return
        await app(scope, receive, send)

    return wrapped


def guard_event_socket(app: ASGIApp, tabs: TabsPerAddress | None = None) -> ASGIApp:
    """The event socket speaks WebSocket only (``transport`` in rxconfig.py: Reflex then
    refuses Socket.IO's HTTP polling), so each tab is one connection here; an address may hold
    ``tabs_per_address`` tabs within ``state_expiry_seconds`` (each is a state tree the server
    keeps that long). A new one beyond that is refused before Reflex makes its state."""
    settings = get_settings()
    counted = tabs or TabsPerAddress(settings.tabs_per_address, settings.state_expiry_seconds)
    warned: dict[str, float] = {}

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket" or not scope.get("path", "").startswith("/_event"):
            await app(scope, receive, send)
            return
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        tab = query.get("token", [""])[0][:64]
        address = scope_address(scope)
        key = counted.open(address, tab)
        if key is None:
            now = time.monotonic()
            if now - warned.get(address, -1e9) > 60:
                warned[address] = now
                log.warning("Refusing new tabs from %s: it holds too many", address)
            await send({"type": "websocket.close", "code": 1008})
            return
        try:
            await app(scope, receive, send)
        finally:
            counted.close(address, key)

    return wrapped


PARTNER_API_PREFIX = "/api/v1/"


def _failures_answered(app: ASGIApp) -> ASGIApp:
    """An exception that escapes the partner API's routes is logged and answered with a
    problem+json 500 (if no answer has begun), as the layers it skips would answer it; the
    500 goes in the access log like any answer."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        begun = False

        async def watched(message: Message) -> None:
            nonlocal begun
            begun = begun or message["type"] == "http.response.start"
            await send(message)

        try:
            await app(scope, receive, watched)
        except Exception:
            log.exception("Partner API request failed: %s %s", scope.get("method"), scope["path"])
            if begun:
                raise
            answer = problem(500, "Something went wrong on our side; nothing was saved.")
            await answer(scope, receive, send)
            access_log.record_answer(Request(scope), answer.status_code, started)

    return wrapped


def partner_api_first(app: ASGIApp) -> ASGIApp:
    """Sends the partner API's requests (``/api/v1/…``) straight to its routes, with the
    security headers, past every layer that only other paths need: Reflex's own (its CORS,
    error and context middleware, its routing: ``MtkCareApp`` puts this outside them), the
    event socket's checks, the sign-in rate limit and session cookie, the other routes'
    matching. Its hot path is short. Its routes are the same ones ``build_api`` serves, so
    that app still answers ``/api/v1`` wherever it runs on its own (tests, tools)."""
    routes = Router(routes=[*OPENAPI_ROUTES, *PARTNER_API_ROUTES])
    partner_api = security_headers(_failures_answered(routes))

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("path", "").startswith(PARTNER_API_PREFIX):
            await partner_api(scope, receive, send)
        else:
            await app(scope, receive, send)

    return wrapped


class SignInSessions:
    """Starlette's session cookie, only where it is used: the Azure sign-in's round trip under
    ``/auth/`` (its OIDC state, nonce and PKCE verifier). Every other request (the partner API,
    documents) skips the cookie's parsing and signing."""

    def __init__(self, app: ASGIApp, /, **options: Any) -> None:
        self._app = app
        self._with_sessions = SessionMiddleware(app, **options)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("path", "").startswith("/auth/"):
            await self._with_sessions(scope, receive, send)
        else:
            await self._app(scope, receive, send)


def build_api() -> Starlette:
    settings = get_settings()
    return Starlette(
        # The API's description before the partner API's routes: they end with its 404 for
        # any other /api/v1 address.
        routes=[
            *AUTH_ROUTES,
            *AZURE_ROUTES,
            *DOCUMENT_ROUTES,
            *OPENAPI_ROUTES,
            *PARTNER_API_ROUTES,
        ],
        middleware=[
            # Holds only the OIDC state, nonce and PKCE verifier during an Azure sign-in.
            Middleware(
                SignInSessions,
                secret_key=settings.secret_key,
                session_cookie="mtkcare_oidc",
                max_age=600,
                same_site="lax",
                https_only=settings.is_production,
            ),
        ],
    )
