"""State of one staff member's page (``/admin/user?id=N``): their details, roles, password
and signed-in sessions, and the changes an administrator makes to them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import reflex as rx
from sqlmodel import Session

from mtkcare import dates
from mtkcare.auth.guard import requires
from mtkcare.auth.passwords import run_password_work
from mtkcare.auth.permissions import Permission
from mtkcare.auth.service import Principal
from mtkcare.auth.state import AppState, Refused
from mtkcare.ui import routes
from mtkcare.ui.forms import checked_ids, form_password, form_summary, form_text
from mtkcare.ui.paging import clean_id
from mtkcare.users import service
from mtkcare.users.admin.parts import RELOAD
from mtkcare.users.models import AuthSource
from mtkcare.users.service import SessionView, UserDetail
from mtkcare.users.words import browser_name, sign_in_method

# The page's forms: each field's element id is f"{form}-{name}" (see mtkcare.ui.forms), and
# the fields in the order the form shows them (its error summary lists problems that way).
USER_ROLES_FORM = "user"
USER_ROLES_FIELDS = ("role_ids",)
RESET_FORM = "reset"
RESET_FIELDS = ("new_password", "confirm_password")
# Checkbox names; a ":" never appears in the keys Reflex adds for inputs with an id.
ROLE_FIELD_PREFIX = "role:"


@dataclass
class StaffMember:
    """The facts at the top of the page."""

    full_name: str = ""
    username: str = ""
    email: str = ""
    job_title: str = ""
    sign_in: str = ""
    last_login: str = ""
    last_login_exact: str = ""
    created: str = ""


@dataclass
class RoleOption:
    """One role on a user's page: a checkbox when given locally, a note when from Azure AD."""

    id: int
    name: str
    description: str
    field: str
    held_locally: bool
    held_via_azure: bool


@dataclass
class SessionLine:
    """One browser where the person is signed in."""

    id: int
    browser: str
    method: str
    ip_address: str
    started: str
    last_seen: str
    last_seen_exact: str
    expires: str
    current: bool  # the administrator's own session, the one they are using


def staff_member(detail: UserDetail) -> StaffMember:
    return StaffMember(
        full_name=detail.full_name,
        username=detail.username,
        email=detail.email,
        job_title=detail.job_title or "Not recorded",
        sign_in=sign_in_method(detail.auth_source),
        last_login=dates.ago(detail.last_login_at) if detail.last_login_at else "Never signed in",
        last_login_exact=dates.moment(detail.last_login_at),
        created=dates.moment(detail.created_at),
    )


def session_line(row: SessionView, current_session_id: int | None = None) -> SessionLine:
    return SessionLine(
        id=row.id,
        browser=browser_name(row.user_agent),
        method=sign_in_method(row.auth_method),
        ip_address=row.ip_address or "Unknown address",
        started=dates.moment(row.created_at),
        last_seen=dates.ago(row.last_seen_at) or "Never",
        last_seen_exact=dates.moment(row.last_seen_at),
        expires=dates.moment(row.expires_at),
        current=row.id == current_session_id,
    )


class AdminUserState(AppState):
    user: StaffMember = StaffMember()
    user_id: int = 0
    is_active: bool = False
    is_self: bool = False
    uses_microsoft: bool = False
    roles: list[RoleOption] = []
    sessions: list[SessionLine] = []
    errors: dict[str, str] = {}
    status: str = "loading"  # loading | ready | not_found

    @rx.var
    def has_azure_roles(self) -> bool:
        return any(role.held_via_azure for role in self.roles)

    # The error summaries' links keep ?id=: this page is nothing without it.
    @rx.var
    def roles_error_list(self) -> list[dict[str, str]]:
        page = f"{routes.ADMIN_USER}?id={self.user_id}"
        return form_summary(self.errors, USER_ROLES_FORM, USER_ROLES_FIELDS, page)

    @rx.var
    def password_error_list(self) -> list[dict[str, str]]:
        page = f"{routes.ADMIN_USER}?id={self.user_id}"
        return form_summary(self.errors, RESET_FORM, RESET_FIELDS, page)

    def _show(self, detail: UserDetail) -> None:
        me = self._acting()
        self.user = staff_member(detail)
        self.user_id = detail.id
        self.is_active = detail.is_active
        self.is_self = me.user_id == detail.id
        self.uses_microsoft = (
            detail.auth_source == AuthSource.AZURE.value and not detail.has_password
        )
        self.roles = [
            RoleOption(
                id=role.id,
                name=role.name,
                description=role.description,
                field=f"{ROLE_FIELD_PREFIX}{role.id}",
                held_locally=role.held_locally,
                held_via_azure=role.held_via_azure,
            )
            for role in detail.roles
        ]
        self.sessions = [session_line(s, me.session_id) for s in detail.sessions]
        self.status = "ready"

    def _not_found(self) -> None:
        self.user = StaffMember()
        self.user_id = 0
        self.roles = []
        self.sessions = []
        self.status = "not_found"

    def _show_errors(self, errors: dict[str, str]) -> None:
        self.errors = errors

    def _answer(self, done: UserDetail | Refused, success: str) -> Any:
        """What a change sends back: the refusal, or the page redrawn and ``success``."""
        if isinstance(done, Refused):
            return done.events
        self._show(done)
        return rx.toast.success(success.format(name=done.full_name))

    def _change(
        self,
        work: Callable[[Session, Principal], UserDetail],
        success: str,
        *,
        inline: bool = True,
    ) -> Any:
        """One change to this staff member; bad input lands next to its field when
        ``inline``, else in a toast."""
        return self._answer(
            self._call(work, on_invalid=self._show_errors if inline else None), success
        )

    @requires(Permission.ADMIN_USERS)
    @rx.event
    def load(self) -> None:
        """Page load: the user named by ``?id=`` in the address."""
        self.errors = {}
        user_id = clean_id(self.router.url.query_parameters.get("id"))
        if user_id is None:
            self._not_found()
            return
        done = self._call(lambda db, me: service.user_detail(db, me, user_id))
        if isinstance(done, Refused):  # the page says so: no toast as well
            self._not_found()
            return
        self._show(done)

    @requires(Permission.ADMIN_USERS)
    @rx.event
    def save_roles(self, form_data: dict[str, Any]) -> Any:
        self.errors = {}
        user_id = clean_id(form_text(form_data, "user_id"))
        if user_id is None:
            return rx.toast.error(RELOAD)
        role_ids = checked_ids(form_data, ROLE_FIELD_PREFIX)
        return self._change(
            lambda db, me: service.set_user_roles(db, me, user_id, role_ids),
            "Roles of {name} saved",
        )

    @requires(Permission.ADMIN_USERS)
    @rx.event
    def activate(self, user_id: int) -> Any:
        self.errors = {}
        target = clean_id(user_id)
        if target is None:
            return rx.toast.error(RELOAD)
        return self._change(
            lambda db, me: service.activate_user(db, me, target),
            "{name} can sign in again",
            inline=False,
        )

    @requires(Permission.ADMIN_USERS)
    @rx.event
    def deactivate(self, user_id: int) -> Any:
        self.errors = {}
        target = clean_id(user_id)
        if target is None:
            return rx.toast.error(RELOAD)
        # A refusal ("not your own account") shows at the top of the page.
        return self._change(
            lambda db, me: service.deactivate_user(db, me, target),
            "{name} is deactivated and signed out",
        )

    @requires(Permission.ADMIN_USERS)
    @rx.event
    async def reset_password(self, form_data: dict[str, Any]) -> Any:
        self.errors = {}
        user_id = clean_id(form_text(form_data, "user_id"))
        if user_id is None:
            return rx.toast.error(RELOAD)

        def reset(db: Session, me: Principal) -> UserDetail:
            return service.reset_password(
                db,
                me,
                user_id,
                form_password(form_data, "new_password"),
                confirmation=form_password(form_data, "confirm_password"),
            )

        # argon2: in the password pool, off the event loop.
        done = await run_password_work(self._call, reset, on_invalid=self._show_errors)
        return self._answer(done, "New password set for {name}. Their sessions have ended.")

    @requires(Permission.ADMIN_USERS)
    @rx.event
    def end_session(self, session_id: int) -> Any:
        self.errors = {}
        target = clean_id(session_id)
        if target is None:
            return rx.toast.error(RELOAD)
        return self._change(
            lambda db, me: service.end_session(db, me, target),
            "Session ended: that browser is signed out",
            inline=False,
        )
