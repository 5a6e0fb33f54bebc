"""One enforcement mechanism for every Reflex event handler.

Every handler declares what it needs with ``@requires(Permission.X)``, ``@signed_in`` or
``@public``. ``AuthMiddleware`` runs on the server before *every* event (background ones
too), finds the handler the event names, resolves the caller from the HttpOnly session
cookie of the websocket handshake, and refuses — before the handler runs — when the
declaration is missing or not met. Refusals are audited. A handler without a declaration is
refused, and ``tests/auth/test_every_handler_is_guarded.py`` fails, so none can slip in.
"""

from __future__ import annotations

from collections.abc import Callable
from http.cookies import CookieError, SimpleCookie
from typing import Any, Final

import reflex as rx
from reflex.state import BaseState, StateUpdate
from reflex_base.event import Event
from reflex_base.registry import RegistrationContext

from mtkcare.audit.models import AuditAction
from mtkcare.audit.service import record_event
from mtkcare.auth.addresses import client_address
from mtkcare.auth.permissions import Permission
from mtkcare.auth.service import Principal, resolve_session
from mtkcare.db import session_scope
from mtkcare.settings import get_settings

PERMISSION_ATTR: Final = "__mtkcare_permission__"
PUBLIC: Final = "@public"
SIGNED_IN: Final = "@signed_in"

# Reflex's own plumbing (hydration, on_load dispatch, client-storage sync, error reports):
# these states hold no data of ours.
FRAMEWORK_STATE_MODULES: Final = ("reflex.", "reflex_base.")


def requires[F: Callable[..., Any]](permission: Permission) -> Callable[[F], F]:
    def mark(fn: F) -> F:
        setattr(fn, PERMISSION_ATTR, permission.value)
        return fn

    return mark


def signed_in[F: Callable[..., Any]](fn: F) -> F:
    """Any signed-in user (e.g. their own profile, the notification bell)."""
    setattr(fn, PERMISSION_ATTR, SIGNED_IN)
    return fn


def public[F: Callable[..., Any]](fn: F) -> F:
    """No sign-in needed. Only for handlers that reveal and change nothing of value."""
    setattr(fn, PERMISSION_ATTR, PUBLIC)
    return fn


def declared_permission(fn: Callable[..., Any]) -> str | None:
    return getattr(fn, PERMISSION_ATTR, None)


def is_framework_state(state_cls: type[BaseState]) -> bool:
    return state_cls.__module__.startswith(FRAMEWORK_STATE_MODULES)


def session_token_from_cookie_header(cookie_header: str | None) -> str | None:
    if not cookie_header:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(cookie_header)
    except CookieError:
        return None
    morsel = jar.get(get_settings().session_cookie_name)
    return morsel.value if morsel else None


def principal_for(state: BaseState) -> tuple[Principal | None, str]:
    """The caller of an event (from the websocket's own handshake headers) and their address."""
    router = state.router
    token = session_token_from_cookie_header(router.headers.cookie)
    ip = client_address(router.session.client_ip, router.headers.raw_headers.get("x-forwarded-for"))
    with session_scope() as db:
        return resolve_session(db, token), ip


def audit_refusal(
    user_id: int | None, ip: str, what: str, needed: str | None, why: str = ""
) -> None:
    """Every refusal is a security event: who, what, when (the row's time) and from where."""
    with session_scope() as db:
        record_event(
            db,
            AuditAction.ACCESS_DENIED,
            "Event" if "." in what else "Page",
            user_id=user_id,
            resource_id=what.rsplit(".", 1)[-1],
            ip_address=ip,
            detail=f"{what} needs {needed or 'an undeclared permission'}"
            + (f" ({why})" if why else ""),
        )


def _refusal(*events: Any) -> StateUpdate:
    return StateUpdate(events=Event.from_event_type(list(events)))


class AuthMiddleware(rx.Middleware):
    async def preprocess(self, app: Any, state: BaseState, event: Event) -> StateUpdate | None:
        registered = RegistrationContext.get().event_handlers.get(event.name)
        if registered is None:
            return None  # Reflex itself answers "no registered handler"
        state_cls = registered.states[0]
        if is_framework_state(state_cls):
            return None
        needed = declared_permission(registered.handler.fn)
        if needed == PUBLIC:
            return None

        principal, ip = principal_for(state)
        # Handlers read the caller from this backend-only var (never sent to the browser).
        from mtkcare.auth.state import AppState

        app_state = await state.get_state(AppState)
        app_state._principal = principal

        if principal is None:
            from mtkcare.auth.routes import safe_next

            audit_refusal(None, ip, event.name, needed, "no session")
            back_to = safe_next(state.router.url.path)
            return _refusal(
                rx.toast.error("Your session has ended. Sign in again."),
                rx.redirect(f"/login?next={back_to}"),
            )
        if needed == SIGNED_IN:
            return None
        if needed is None or not principal.can(needed):
            audit_refusal(principal.user_id, ip, event.name, needed)
            return _refusal(rx.toast.error("You are not allowed to do that."))
        return None
