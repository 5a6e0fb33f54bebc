"""Backend HTTP routes of sign-in: the only places that set or clear the session cookie.

The cookie holds a random token (HttpOnly, SameSite=Lax, Secure and ``__Host-`` in
production). Forms post here with a normal browser POST; the Origin header must be one of
ours, so another site cannot sign a user in or out (login CSRF)."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from mtkcare.auth.binding import empty_tab
from mtkcare.auth.guard import public, session_token_from_cookie_header
from mtkcare.auth.service import SignInFailed, end_session, sign_in_local
from mtkcare.db import session_scope
from mtkcare.settings import get_settings


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


def set_session_cookie(response: Response, token: str) -> None:
    settings = get_settings()
    response.set_cookie(
        settings.session_cookie_name,
        token,
        max_age=settings.session_absolute_hours * 3600,
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


def safe_next(value: str | None) -> str:
    """Only paths inside the app: never another site (open redirect)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/clients"
    return value


def _to_frontend(origin: str | None, path: str, **query: str) -> RedirectResponse:
    base = origin or get_settings().frontend_url.rstrip("/")
    suffix = f"?{urlencode(query)}" if query else ""
    response = RedirectResponse(f"{base}{path}{suffix}", status_code=303)
    response.headers["Cache-Control"] = "no-store"
    return response


@public
async def login_local(request: Request) -> Response:
    origin = trusted_origin(request)
    if origin is None:
        return Response("Sign-in must come from the MTK Care sign-in page.", status_code=403)
    form = await request.form()
    username = str(form.get("username", ""))[:254]
    password = str(form.get("password", ""))[:1024]
    next_path = safe_next(str(form.get("next", "")))
    error: SignInFailed | None = None
    token = ""
    # The failed attempt is committed too: it counts towards the lock-out and is audited.
    with session_scope() as db:
        try:
            token = sign_in_local(
                db,
                username,
                password,
                ip_address=client_ip(request),
                user_agent=request.headers.get("user-agent"),
            )
        except SignInFailed as exc:
            error = exc
    if error is not None:
        kind = "locked" if "Too many" in error.message else "failed"
        return _to_frontend(origin, "/login", error=kind, next=next_path)
    response = _to_frontend(origin, next_path)
    set_session_cookie(response, token)
    return response


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
