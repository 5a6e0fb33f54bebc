"""Backend HTTP routes of sign-in: the only places that set or clear the session cookie.

The cookie holds a random token (HttpOnly, SameSite=Lax, Secure and ``__Host-`` in
production). Forms post here with a normal browser POST; the Origin header must be one of
ours, so another site cannot sign a user in or out (login CSRF).

The cookie is a browser-session cookie (no ``Max-Age`` or ``Expires``): closing a shared
browser forgets it. The server still ends the session after its idle and absolute limits.

A sign-in from an address with many recent failures is held back first (a growing delay, on
the event loop's clock, never a thread's), then the password is checked in the password pool
(``run_password_work``), never on the event loop. ``/auth/*`` is also rate-limited per address
(``mtkcare.api.app.rate_limit_auth``)."""

from __future__ import annotations

import asyncio
import unicodedata
from urllib.parse import unquote, urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from mtkcare.auth.addresses import scope_address
from mtkcare.auth.binding import empty_tab
from mtkcare.auth.guard import public, session_token_from_cookie_header
from mtkcare.auth.passwords import run_password_work
from mtkcare.auth.service import (
    SignInFailed,
    address_delay,
    end_session,
    resolve_session,
    sign_in_local,
)
from mtkcare.db import session_scope
from mtkcare.settings import get_settings
from mtkcare.ui.routes import ACCOUNT

DEFAULT_NEXT = "/clients"
# A link percent-encoded more often than this is nobody's real link.
_MAX_DECODINGS = 4


def client_ip(request: Request) -> str:
    """The client's address (through trusted proxies: ``mtkcare.auth.addresses``)."""
    return scope_address(request.scope)


def set_session_cookie(response: Response, token: str) -> None:
    settings = get_settings()
    response.set_cookie(
        settings.session_cookie_name,
        token,
        path="/",
        secure=settings.is_production,
        httponly=True,
        samesite="lax",
    )


def clear_session_cookie(response: Response) -> None:
    settings = get_settings()
    response.delete_cookie(
        settings.session_cookie_name,
        path="/",
        secure=settings.is_production,
        httponly=True,
        samesite="lax",
    )


def _origin_of(value: str | None) -> str | None:
    if not value:
        return None
    parts = urlsplit(value)
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def trusted_origin(request: Request) -> str | None:
    """The page's origin when it is one of ours (Origin, or Referer as a fallback)."""
    origin = _origin_of(request.headers.get("origin")) or _origin_of(request.headers.get("referer"))
    if origin is None:
        return None
    allowed = get_settings().cors_origins
    return origin if ("*" in allowed or origin in allowed) else None


def _unsafe_path(value: str) -> bool:
    return (
        not value.startswith("/")
        or value.startswith("//")  # another host: //evil.example
        or "\\" in value  # browsers read / for \ : /\evil.example
        or any(unicodedata.category(c) == "Cc" for c in value)  # /\t/evil.example
    )


def safe_next(value: str | None) -> str:
    """Only paths inside the app: never another site (open redirect), however the link is
    percent-encoded (``/%2F%2Fevil.example``, ``/%255C...``). Anything else: /clients."""
    if not value:
        return DEFAULT_NEXT
    decoded = value
    for _ in range(_MAX_DECODINGS + 1):
        if _unsafe_path(decoded):
            return DEFAULT_NEXT
        once_more = unquote(decoded)
        if once_more == decoded:
            return value
        decoded = once_more
    return DEFAULT_NEXT


def _to_frontend(origin: str | None, path: str, **query: str) -> RedirectResponse:
    base = origin or get_settings().frontend_url.rstrip("/")
    suffix = f"?{urlencode(query)}" if query else ""
    response = RedirectResponse(f"{base}{path}{suffix}", status_code=303)
    response.headers["Cache-Control"] = "no-store"
    return response


def _delay_for(ip: str) -> float:
    with session_scope() as db:
        return address_delay(db, ip)


def _sign_in(username: str, password: str, ip: str, user_agent: str | None) -> str | SignInFailed:
    """The session token, or why not. A failed attempt is committed too: it counts towards
    the lock-out and the address's delay, and is audited."""
    with session_scope() as db:
        try:
            return sign_in_local(db, username, password, ip_address=ip, user_agent=user_agent)
        except SignInFailed as exc:
            return exc


@public
async def login_local(request: Request) -> Response:
    origin = trusted_origin(request)
    if origin is None:
        return Response("Sign-in must come from the MTK Care sign-in page.", status_code=403)
    form = await request.form()
    username = str(form.get("username", ""))[:254]
    password = str(form.get("password", ""))[:1024]
    next_path = safe_next(str(form.get("next", "")))
    ip = client_ip(request)
    await asyncio.sleep(_delay_for(ip))  # many recent failures from this address: slow down
    outcome = await run_password_work(
        _sign_in, username, password, ip, request.headers.get("user-agent")
    )
    if isinstance(outcome, SignInFailed):
        kind = "locked" if "Too many" in outcome.message else "failed"
        return _to_frontend(origin, "/login", error=kind, next=next_path)
    token = outcome
    response = _to_frontend(origin, _after_sign_in(token, next_path))
    set_session_cookie(response, token)
    return response


def _after_sign_in(token: str, next_path: str) -> str:
    """Someone who signed in with a one-time password goes to choose their own first."""
    with session_scope() as db:
        principal = resolve_session(db, token)
    return ACCOUNT if principal is not None and principal.must_change_password else next_path


@public
async def logout(request: Request) -> Response:
    origin = trusted_origin(request)
    if origin is None:
        return Response("Sign-out must come from MTK Care.", status_code=403)
    token = session_token_from_cookie_header(request.headers.get("cookie"))
    form = await request.form()
    tab = str(form.get("tab", ""))[:64]
    with session_scope() as db:
        ended = end_session(db, token, ip_address=client_ip(request))
    if ended is not None and tab:
        await empty_tab(tab, ended)
    response = _to_frontend(origin, "/login", signed_out="1")
    clear_session_cookie(response)
    return response


ROUTES = [
    Route("/auth/login", login_local, methods=["POST"]),
    Route("/auth/logout", logout, methods=["POST"]),
]
