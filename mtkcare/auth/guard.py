"""One enforcement mechanism for every Reflex event handler.

Every handler declares what it needs with ``@requires(Permission.X)``, ``@signed_in`` or
``@public``. ``AuthMiddleware`` runs on the server before *every* event (background ones
too, and Reflex's own such as hydration), and in this order:

1. drops the event when its tab sends too fast (``mtkcare.auth.limits``);
2. resolves the caller from the HttpOnly session cookie of the websocket handshake, then
   removes the cookie from the state's copy of the headers (the state may sit in Redis);
3. binds the tab's state tree to the caller's session, resetting it when it was built
   under another one or none (``mtkcare.auth.binding``) — before hydration can answer;
4. refuses — before the handler runs — when the handler's declaration is missing or not
   met. Refusals are audited (without a session: counted per tab and minute).

A handler without a declaration is refused, and ``tests/auth/test_every_handler_is_guarded.py``
fails, so none can slip in.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from http.cookies import CookieError, SimpleCookie
from typing import Any, Final

import reflex as rx
from reflex.istate.data import HeaderData
from reflex.state import BaseState, StateUpdate
from reflex_base.event import Event
from reflex_base.registry import RegistrationContext

from mtkcare.audit.models import AuditAction
from mtkcare.audit.service import record_event
from mtkcare.auth.addresses import client_address
from mtkcare.auth.binding import NEVER_BOUND, bind_tree
from mtkcare.auth.limits import AnonymousRefusals, EventRateLimit, Verdict, write_refusals
from mtkcare.auth.permissions import Permission
from mtkcare.auth.service import Principal, resolve_session
from mtkcare.db import session_scope
from mtkcare.settings import get_settings

log = logging.getLogger(__name__)

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


def forget_cookie(state: BaseState) -> None:
    """Removes the Cookie header from the state's copy of the handshake headers, once the
    caller is resolved, so that the stored state (in Redis: a pickle) never holds a live
    session token. Reflex copies the connection's headers into the state again for each
    event, so the next one still finds the cookie. New dicts, never changed in place: the
    event's own router data (shared with the events it chains) keeps its copy."""
    root = state._get_root_state()
    data = root.router_data
    headers = data.get("headers") if data else None
    if isinstance(headers, dict) and "cookie" in headers:
        root.router_data = {
            **data,
            "headers": {k: v for k, v in headers.items() if k != "cookie"},
        }
    current = root.rx_router_headers
    if current.cookie or "cookie" in current.raw_headers:
        root.rx_router_headers = HeaderData.from_router_data(root.router_data)


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
    def __init__(self) -> None:
        settings = get_settings()
        self.rates = EventRateLimit(settings.event_rate_per_second, settings.event_burst)
        self.refusals = AnonymousRefusals(settings.anonymous_refusal_window_seconds)

    async def preprocess(self, app: Any, state: BaseState, event: Event) -> StateUpdate | None:
        registered = RegistrationContext.get().event_handlers.get(event.name)
        if registered is None:
            return None  # Reflex itself answers "no registered handler"
        tab = state.router.session.client_token
        verdict = self.rates.check(tab, state.router.session.client_ip or "")
        if verdict is not Verdict.ALLOW:
            if verdict is Verdict.DROP_AND_SAY:
                return _refusal(rx.toast.warning("Too many actions at once. Wait a moment."))
            return StateUpdate()

        try:
            principal, ip = principal_for(state)
        finally:
            forget_cookie(state)
        owner_before = await bind_tree(state, principal)
        state_cls = registered.states[0]
        if is_framework_state(state_cls):
            return None

        # Handlers read the caller from these backend-only vars (never sent to the browser).
        from mtkcare.auth.state import AppState

        if issubclass(state_cls, AppState):
            app_state = await state.get_state(AppState)
            app_state._principal = principal
            app_state._client_address = ip
        needed = declared_permission(registered.handler.fn)
        if needed == PUBLIC:
            return None

        if principal is None:
            from mtkcare.auth.routes import safe_next

            write_refusals(self.refusals.add(tab, ip, event.name))
            back_to = safe_next(state.router.url.path)
            # A tree that was someone's has just been emptied: the page is told so too.
            wiped = await _wiped_delta(state) if owner_before != NEVER_BOUND else {}
            return StateUpdate(
                delta=wiped,
                events=Event.from_event_type(
                    [
                        rx.toast.error("Your session has ended. Sign in again."),
                        rx.redirect(f"/login?next={back_to}"),
                    ]
                ),
            )
        if needed == SIGNED_IN:
            return None
        if needed is None or not principal.can(needed):
            audit_refusal(principal.user_id, ip, event.name, needed)
            return _refusal(rx.toast.error("You are not allowed to do that."))
        return None

    @contextlib.asynccontextmanager
    async def audit_anonymous_refusals(self) -> AsyncIterator[None]:
        """Lifespan task: writes each window's tallies once it is over, also when no event
        comes to do it; what is pending at shutdown is written (or at least logged)."""

        async def every_window() -> None:
            while True:
                await asyncio.sleep(self.refusals.window / 2)
                if due := self.refusals.due():
                    await asyncio.to_thread(write_refusals, due)

        task = asyncio.create_task(every_window(), name="mtkcare-anonymous-refusals")
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            if pending := self.refusals.drain():
                for tally in pending:
                    log.warning("At shutdown, from %s: %s", tally.ip, tally.detail())
                try:
                    write_refusals(pending)
                except Exception:
                    log.exception("Could not write %d refusal tallies at shutdown", len(pending))


async def _wiped_delta(state: BaseState) -> dict[str, Any]:
    root = state._get_root_state()
    delta = dict(await root._get_resolved_delta())
    root._clean()
    return delta
