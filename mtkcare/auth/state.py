"""The base of every page state: who is signed in (server side only), what the page chrome
may show them, and the one way a handler calls a service (``_call``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import reflex as rx
from sqlmodel import Session

from mtkcare.auth.guard import audit_refusal, public
from mtkcare.auth.permissions import Permission
from mtkcare.auth.routes import safe_next
from mtkcare.auth.service import Principal, session_still_open
from mtkcare.db import session_scope
from mtkcare.errors import DomainError, NotAllowed, ValidationFailed
from mtkcare.ui.routes import SIGNED_IN, nav_for, page_permission


@dataclass
class Refused:
    """A service call that did not go through: what to send the browser instead, and what
    the service said (for a handler whose page changes with it, e.g. a record gone)."""

    events: list[Any] = field(default_factory=list)
    error: DomainError | None = None


def first_message(exc: ValidationFailed) -> str:
    return next(iter(exc.errors.values()), exc.message)


# For background events that follow changes for a screen (the board, the notification bell):
# they end once nobody can be looking any more.


def sign_in_is_open(session_id: int | None) -> bool:
    with session_scope() as db:
        return session_still_open(db, session_id)


def tab_is_open(token: str) -> bool:
    """Whether the browser tab a state belongs to is still connected to this worker
    (Reflex's own table of connected tabs; unknown: assume it is)."""
    try:
        from reflex.utils.prerequisites import get_app

        namespace = get_app().app.event_namespace
    except Exception:
        return True
    return namespace is None or token in namespace.token_to_sid


class AppState(rx.State):
    # Backend only: set by AuthMiddleware before every event of our states, from the session
    # cookie of the event socket's handshake (which the stored state does not keep).
    _principal: Principal | None = None
    _client_address: str = ""

    # What the page chrome shows; the user's own name is theirs to see.
    user_name: str = ""
    nav_areas: list[str] = []
    access: str = "checking"  # checking | allowed | denied | signed_out

    def _acting(self) -> Principal:
        """The caller, for a service call (the guard resolved it before this event)."""
        if self._principal is None:
            raise NotAllowed("Sign in again to continue.")
        return self._principal

    def _can(self, permission: Permission) -> bool:
        return self._principal is not None and self._principal.can(permission)

    def _call[T](
        self,
        work: Callable[[Session, Principal], T],
        *,
        on_invalid: Callable[[dict[str, str]], object] | None = None,
    ) -> T | Refused:
        """Runs ``work(session, caller)`` in one unit of work and returns what it returned,
        or, when a service said no, a ``Refused`` with what to show: bad input goes to
        ``on_invalid`` (the form's field messages; focus then moves to its error summary) or,
        without one, into a toast like every other refusal (``Refused.error`` says which, e.g.
        to keep an edit conflict's message on the page). A handler then reads:

            done = self._call(lambda db, me: save_thing(db, me, **data), on_invalid=...)
            if isinstance(done, Refused):
                return done.events
        """
        from mtkcare.ui.forms import focus_error_summary

        try:
            with session_scope() as session:
                return work(session, self._acting())
        except ValidationFailed as exc:
            if on_invalid is None:
                return Refused([rx.toast.error(first_message(exc))], exc)
            on_invalid(exc.errors)
            return Refused([focus_error_summary()], exc)
        except DomainError as exc:
            return Refused([rx.toast.error(exc.message)], exc)

    def _refuse(self, needed: Permission, what: str) -> rx.event.EventSpec:
        """A refusal decided inside a handler: audited like the guard's, told as a toast."""
        principal = self._principal
        audit_refusal(
            principal.user_id if principal else None,
            self._client_address,
            f"{type(self).get_full_name()}.{what}",
            needed.value,
        )
        return rx.toast.error("You are not allowed to do that.")

    @public
    @rx.event
    def check_page_access(self):
        """on_load of every page: decides from the server-side page table, never from
        anything the browser sends, whether this page may show."""
        principal, ip = self._principal, self._client_address
        path = self.router.url.path or "/"
        needed = page_permission(path)
        if principal is None:
            self.user_name = ""
            self.nav_areas = []
            if needed is None:  # a public page (sign-in)
                self.access = "allowed"
                return None
            self.access = "signed_out"
            return rx.redirect(f"/login?next={safe_next(path)}")
        self.user_name = principal.display_name
        self.nav_areas = nav_for(principal.permissions)
        allowed = needed in (None, SIGNED_IN) or principal.can(needed)
        self.access = "allowed" if allowed else "denied"
        if self.access == "denied":
            audit_refusal(principal.user_id, ip, path, needed)
        return None
