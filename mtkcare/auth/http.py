"""The same declarations for backend HTTP routes: ``@public`` (sign-in routes) or
``@http_requires(Permission.X)``, which resolves the session cookie and refuses with 401/403
(audited) before the endpoint runs. tests/auth/test_http_routes_are_guarded.py walks the
routes, so none can be added without a declaration."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from mtkcare.auth.addresses import scope_address
from mtkcare.auth.guard import PERMISSION_ATTR, audit_refusal, session_token_from_cookie_header
from mtkcare.auth.permissions import Permission
from mtkcare.auth.service import resolve_session
from mtkcare.db import session_scope

Endpoint = Callable[[Request], Awaitable[Response]]


def _problem(status: int, title: str) -> Response:
    return JSONResponse(
        {"type": "about:blank", "title": title, "status": status},
        status_code=status,
        media_type="application/problem+json",
        headers={"Cache-Control": "no-store"},
    )


def http_requires(permission: Permission) -> Callable[[Endpoint], Endpoint]:
    def wrap(endpoint: Endpoint) -> Endpoint:
        @functools.wraps(endpoint)
        async def guarded(request: Request) -> Response:
            token = session_token_from_cookie_header(request.headers.get("cookie"))
            ip = scope_address(request.scope)
            with session_scope() as db:
                principal = resolve_session(db, token)
            if principal is None:
                audit_refusal(None, ip, request.url.path, permission.value, "no session")
                return _problem(401, "Sign in to use this.")
            if not principal.can(permission):
                audit_refusal(principal.user_id, ip, request.url.path, permission.value)
                return _problem(403, "You are not allowed to do that.")
            request.state.principal = principal
            return await endpoint(request)

        setattr(guarded, PERMISSION_ATTR, permission.value)
        return guarded

    return wrap
