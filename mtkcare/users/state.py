"""States of the admin pages: users, one user, roles, and Azure AD group mappings.

Every public method here is an RPC any browser can call by name, so each one is declared
``@requires(Permission.ADMIN_USERS)`` (checked by ``AuthMiddleware`` before it runs), checks
the types of its arguments, loads the acting user and calls one service from
``mtkcare.users.service``. Public vars hold only what the pages show: plain dicts and small
dataclasses made here, never table rows, password hashes or session tokens.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import reflex as rx
from sqlmodel import Session

from mtkcare import dates
from mtkcare.auth.guard import requires
from mtkcare.auth.passwords import run_password_work
from mtkcare.auth.permissions import Permission
from mtkcare.auth.state import AppState
from mtkcare.db import session_scope, utcnow
from mtkcare.errors import DomainError, NotFound, ValidationFailed
from mtkcare.settings import get_settings
from mtkcare.ui import routes
from mtkcare.ui.forms import error_items, focus_error_summary
from mtkcare.ui.paging import PagedList, clean_id, clean_page, clean_search
from mtkcare.users import service
from mtkcare.users.models import AuthSource
from mtkcare.users.service import (
    MappingView,
    RoleView,
    SessionView,
    UserDetail,
    UserRow,
)

# Times are shown in New Zealand time, where the organisation works.
SEARCH_FIELD = "q"
STATUS_FIELD = "status"
STATUS_CHOICES = {"all": None, "active": True, "inactive": False}
# Checkbox names; a ":" never appears in the keys Reflex adds for inputs with an id.
ROLE_FIELD_PREFIX = "role:"
PERMISSION_FIELD_PREFIX = "permission:"

# The permission catalogue in words staff use, grouped by area (the roles matrix and the
# role form show them in this order).
PERMISSION_GROUPS: tuple[tuple[str, tuple[tuple[Permission, str], ...]], ...] = (
    (
        "Clients",
        (
            (Permission.CLIENT_VIEW, "View clients"),
            (Permission.CLIENT_EDIT, "Add and edit clients"),
            (Permission.CLIENT_DELETE, "Delete clients"),
            (Permission.CLIENT_VIEW_RISK, "See risk levels"),
        ),
    ),
    (
        "Referrals",
        (
            (Permission.REFERRAL_VIEW, "View referrals"),
            (Permission.REFERRAL_CREATE, "Create referrals"),
            (Permission.REFERRAL_ASSIGN, "Assign referrals"),
            (Permission.REFERRAL_DECIDE, "Accept or decline referrals"),
            (Permission.CONSENT_RECORD, "Record consent"),
        ),
    ),
    (
        "Programs",
        (
            (Permission.PROGRAM_VIEW, "View programs"),
            (Permission.PROGRAM_MANAGE, "Manage programs"),
            (Permission.ENROLMENT_MANAGE, "Manage enrolments"),
        ),
    ),
    (
        "Documents",
        (
            (Permission.DOCUMENT_VIEW, "View documents"),
            (Permission.DOCUMENT_UPLOAD, "Upload documents"),
            (Permission.DOCUMENT_VIEW_RESTRICTED, "See restricted documents"),
        ),
    ),
    (
        "Reports and audit",
        (
            (Permission.REPORT_VIEW, "View reports"),
            (Permission.REPORT_EXPORT, "Export reports"),
            (Permission.AUDIT_VIEW, "Read the audit trail"),
        ),
    ),
    (
        "Administration",
        (
            (Permission.ORGANISATION_MANAGE, "Manage partner organisations"),
            (Permission.REFERENCE_MANAGE, "Manage option lists"),
            (Permission.ADMIN_USERS, "Manage users, roles and sign-in"),
        ),
    ),
)
PERMISSION_LABELS: dict[str, str] = {
    permission.value: label for _area, items in PERMISSION_GROUPS for permission, label in items
}

# The admin forms: each field's element id is f"{form}-{name}" (see mtkcare.ui.forms), and
# the fields in the order the form shows them (its error summary lists problems that way).
USER_ROLES_FORM = "user"
USER_ROLES_FIELDS = ("role_ids",)
RESET_FORM = "reset"
RESET_FIELDS = ("new_password", "confirm_password")
ROLE_FORM = "role"
ROLE_FIELDS = ("name", "description", "permissions")
MAPPING_FORM = "mapping"
MAPPING_FIELDS = ("azure_group_id", "group_name", "role_id")


# --------------------------------------------------------------------------------------------
# Checking what the browser sent


def form_text(form_data: Any, name: str, max_length: int = 500) -> str:
    """One text field of a submitted form ("" when missing or not text)."""
    value = form_data.get(name, "") if isinstance(form_data, dict) else ""
    return value[:max_length] if isinstance(value, str) else ""


def form_password(form_data: Any, name: str) -> str:
    # Passwords are never trimmed or cut: what was typed is the password.
    value = form_data.get(name, "") if isinstance(form_data, dict) else ""
    return value if isinstance(value, str) and len(value) <= 1024 else ""


def checked_ids(form_data: Any, prefix: str) -> list[int]:
    """Ids of the ticked checkboxes named ``<prefix><id>`` (an unticked box sends nothing)."""
    if not isinstance(form_data, dict):
        return []
    ids = []
    for name, value in form_data.items():
        if isinstance(name, str) and name.startswith(prefix) and value not in ("", "off", False):
            found = clean_id(name.removeprefix(prefix))
            if found is not None:
                ids.append(found)
    return sorted(set(ids))


def checked_permissions(form_data: Any) -> list[str]:
    """Permission values of the ticked boxes named ``permission:<value>``; unknown names are
    passed on as they are, for the service to refuse."""
    if not isinstance(form_data, dict):
        return []
    return sorted(
        name.removeprefix(PERMISSION_FIELD_PREFIX)
        for name, value in form_data.items()
        if isinstance(name, str)
        and name.startswith(PERMISSION_FIELD_PREFIX)
        and value not in ("", "off", False)
    )


# --------------------------------------------------------------------------------------------
# Words and times for the pages


def sign_in_method(auth_source: str) -> str:
    return "Microsoft (Azure AD)" if auth_source == AuthSource.AZURE.value else "MTK Care password"


def browser_name(user_agent: str) -> str:
    """A short, readable name for a browser's user agent string."""
    if not user_agent:
        return "Unknown browser"
    checks = (
        ("Edg/", "Edge"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
    )
    browser = next((name for marker, name in checks if marker in user_agent), "Other browser")
    systems = (
        ("Windows", "Windows"),
        ("Mac OS", "macOS"),
        ("iPhone", "iPhone"),
        ("Android", "Android"),
        ("Linux", "Linux"),
    )
    system = next((name for marker, name in systems if marker in user_agent), "")
    return f"{browser} on {system}" if system else browser


def user_row_view(row: UserRow, now: datetime | None = None) -> dict[str, str]:
    return {
        "id": str(row.id),
        "href": f"/admin/user?id={row.id}",
        "full_name": row.full_name,
        "username": row.username,
        "email": row.email,
        "active": "yes" if row.is_active else "",
        "status": "Active" if row.is_active else "Inactive",
        "roles": ", ".join(row.roles) if row.roles else "No roles",
        "sign_in": "Microsoft" if row.auth_source == AuthSource.AZURE.value else "Password",
        "last_login": dates.ago(row.last_login_at, now) if row.last_login_at else "Never signed in",
        "last_login_exact": dates.moment(row.last_login_at),
    }


@dataclasses.dataclass
class RoleOption:
    """One role on a user's page: a checkbox when given locally, a note when from Azure AD."""

    id: int
    name: str
    description: str
    field: str
    held_locally: bool
    held_via_azure: bool


def session_view(row: SessionView, current_session_id: int | None = None) -> dict[str, str]:
    return {
        "id": str(row.id),
        "browser": browser_name(row.user_agent),
        "method": sign_in_method(row.auth_method),
        "ip_address": row.ip_address or "Unknown address",
        "started": dates.moment(row.created_at),
        "last_seen": dates.ago(row.last_seen_at) or "Never",
        "last_seen_exact": dates.moment(row.last_seen_at),
        "expires": dates.moment(row.expires_at),
        "current": "yes" if row.id == current_session_id else "",
    }


def user_detail_view(detail: UserDetail) -> dict[str, str]:
    return {
        "id": str(detail.id),
        "full_name": detail.full_name,
        "username": detail.username,
        "email": detail.email,
        "job_title": detail.job_title or "Not recorded",
        "status": "Active" if detail.is_active else "Inactive",
        "sign_in": sign_in_method(detail.auth_source),
        "last_login": dates.ago(detail.last_login_at)
        if detail.last_login_at
        else "Never signed in",
        "last_login_exact": dates.moment(detail.last_login_at),
        "created": dates.moment(detail.created_at),
    }


@dataclasses.dataclass
class RoleCard:
    id: int
    name: str
    description: str
    kind: str
    is_system: bool
    holders: str
    permission_labels: list[str]
    permission_values: list[str]


@dataclasses.dataclass
class MatrixRow:
    label: str
    value: str
    # One per role, in the order of the matrix's columns: "yes" or "".
    cells: list[str]


@dataclasses.dataclass
class MatrixGroup:
    area: str
    rows: list[MatrixRow]


def role_card(role: RoleView) -> RoleCard:
    holders = f"{role.user_count} {'person' if role.user_count == 1 else 'people'}"
    return RoleCard(
        id=role.id,
        name=role.name,
        description=role.description,
        kind="Built-in" if role.is_system else "Custom",
        is_system=role.is_system,
        holders=holders,
        permission_labels=[PERMISSION_LABELS.get(p, p) for p in role.permissions],
        permission_values=list(role.permissions),
    )


def permission_matrix(roles: list[RoleView]) -> list[MatrixGroup]:
    held = [set(role.permissions) for role in roles]
    return [
        MatrixGroup(
            area=area,
            rows=[
                MatrixRow(
                    label=label,
                    value=permission.value,
                    cells=["yes" if permission.value in have else "" for have in held],
                )
                for permission, label in items
            ],
        )
        for area, items in PERMISSION_GROUPS
    ]


def mapping_view(mapping: MappingView) -> dict[str, str]:
    return {
        "id": str(mapping.id),
        "group_name": mapping.group_name or "(no name recorded)",
        "azure_group_id": mapping.azure_group_id,
        "role_name": mapping.role_name,
        "added": dates.moment(mapping.created_at),
    }


# --------------------------------------------------------------------------------------------
# Shared by the handlers


def first_error(exc: ValidationFailed) -> str:
    return next(iter(exc.errors.values()), exc.message)


def problem(exc: DomainError, *, shown_inline: bool = True) -> Any:
    """What to show for a refused action: a form's field errors are shown on the page (the
    form's handler moves focus to its error summary), anything else as a toast."""
    if isinstance(exc, ValidationFailed):
        return None if shown_inline else rx.toast.error(first_error(exc))
    return rx.toast.error(exc.message)


def form_summary(
    errors: dict[str, str], form: str, fields: tuple[str, ...], page: str = ""
) -> list[dict[str, str]]:
    """One form's error summary lines (only its own fields: a page may hold several forms
    sharing one errors dict). ``page`` ("/path?query") goes in front of each link, so a page
    opened with a query string keeps it."""
    items = error_items({k: v for k, v in errors.items() if k in fields}, form, fields)
    return [{**item, "href": page + item["href"]} for item in items]


# --------------------------------------------------------------------------------------------
# The users list


class AdminUsersState(PagedList, AppState):
    status_filter: str = "all"

    @rx.var
    def filtered(self) -> bool:
        return bool(self.search_term) or self.status_filter != "all"

    @rx.var
    def list_status(self) -> str:
        """loading, no_match or table (there is always at least the administrator)."""
        if not self.loaded:
            return "loading"
        return "no_match" if self.total == 0 else "table"

    def _fetch(self, page: int) -> None:
        with session_scope() as db:
            result = service.list_users(
                db,
                self._acting(),
                page=page,
                page_size=get_settings().page_size,
                search=self.search_term,
                active=STATUS_CHOICES.get(self.status_filter),
            )
        now = utcnow()
        self._show(result, [user_row_view(row, now) for row in result.rows])

    @requires(Permission.ADMIN_USERS)
    @rx.event
    def load(self) -> Iterator[None]:
        """The first page, keeping the search and filter last used here."""
        yield from self._load(1)

    @requires(Permission.ADMIN_USERS)
    @rx.event
    def go_to_page(self, page: int) -> Iterator[None]:
        yield from self._load(clean_page(page))

    @requires(Permission.ADMIN_USERS)
    @rx.event
    def search(self, form_data: dict[str, Any]) -> Iterator[None]:
        self.search_term = clean_search(form_text(form_data, SEARCH_FIELD))
        status = form_text(form_data, STATUS_FIELD)
        self.status_filter = status if status in STATUS_CHOICES else "all"
        yield from self._load(1)

    @requires(Permission.ADMIN_USERS)
    @rx.event
    def clear_search(self) -> Iterator[None]:
        self.search_term = ""
        self.status_filter = "all"
        yield from self._load(1)


# --------------------------------------------------------------------------------------------
# One user


class AdminUserState(AppState):
    user: dict[str, str] = {}
    user_id: int = 0
    is_active: bool = False
    is_self: bool = False
    uses_microsoft: bool = False
    roles: list[RoleOption] = []
    sessions: list[dict[str, str]] = []
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
        principal = self._principal
        self.user = user_detail_view(detail)
        self.user_id = detail.id
        self.is_active = detail.is_active
        self.is_self = principal is not None and principal.user_id == detail.id
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
        current = principal.session_id if principal is not None else None
        self.sessions = [session_view(s, current) for s in detail.sessions]
        self.status = "ready"

    def _not_found(self) -> None:
        self.user = {}
        self.user_id = 0
        self.roles = []
        self.sessions = []
        self.status = "not_found"

    @requires(Permission.ADMIN_USERS)
    @rx.event
    def load(self) -> None:
        """Page load: the user named by ``?id=`` in the address."""
        self.errors = {}
        user_id = clean_id(self.router.url.query_parameters.get("id"))
        if user_id is None:
            self._not_found()
            return
        try:
            with session_scope() as db:
                detail = service.user_detail(db, self._acting(), user_id)
        except NotFound:
            self._not_found()
            return
        self._show(detail)

    @requires(Permission.ADMIN_USERS)
    @rx.event
    def save_roles(self, form_data: dict[str, Any]) -> Any:
        self.errors = {}
        user_id = clean_id(form_text(form_data, "user_id"))
        if user_id is None:
            return rx.toast.error("Reload the page and try again")
        role_ids = checked_ids(form_data, ROLE_FIELD_PREFIX)
        try:
            with session_scope() as db:
                detail = service.set_user_roles(db, self._acting(), user_id, role_ids)
        except (ValidationFailed, NotFound) as exc:
            if isinstance(exc, ValidationFailed):
                self.errors = exc.errors
                return focus_error_summary()
            return problem(exc)
        self._show(detail)
        return rx.toast.success(f"Roles of {detail.full_name} saved")

    @requires(Permission.ADMIN_USERS)
    @rx.event
    def activate(self, user_id: int) -> Any:
        self.errors = {}
        target = clean_id(user_id)
        if target is None:
            return rx.toast.error("Reload the page and try again")
        try:
            with session_scope() as db:
                detail = service.activate_user(db, self._acting(), target)
        except (ValidationFailed, NotFound) as exc:
            return problem(exc, shown_inline=False)
        self._show(detail)
        return rx.toast.success(f"{detail.full_name} can sign in again")

    @requires(Permission.ADMIN_USERS)
    @rx.event
    def deactivate(self, user_id: int) -> Any:
        self.errors = {}
        target = clean_id(user_id)
        if target is None:
            return rx.toast.error("Reload the page and try again")
        try:
            with session_scope() as db:
                detail = service.deactivate_user(db, self._acting(), target)
        except (ValidationFailed, NotFound) as exc:
            if isinstance(exc, ValidationFailed):
                self.errors = exc.errors
            return problem(exc)
        self._show(detail)
        return rx.toast.success(f"{detail.full_name} is deactivated and signed out")

    @requires(Permission.ADMIN_USERS)
    @rx.event
    async def reset_password(self, form_data: dict[str, Any]) -> Any:
        self.errors = {}
        user_id = clean_id(form_text(form_data, "user_id"))
        if user_id is None:
            return rx.toast.error("Reload the page and try again")

        def reset(user_id: int) -> UserDetail:  # argon2: in the password pool, off the loop
            with session_scope() as db:
                return service.reset_password(
                    db,
                    self._acting(),
                    user_id,
                    form_password(form_data, "new_password"),
                    confirmation=form_password(form_data, "confirm_password"),
                )

        try:
            detail = await run_password_work(reset, user_id)
        except (ValidationFailed, NotFound) as exc:
            if isinstance(exc, ValidationFailed):
                self.errors = exc.errors
                return focus_error_summary()
            return problem(exc)
        self._show(detail)
        return rx.toast.success(
            f"New password set for {detail.full_name}. Their sessions have ended."
        )

    @requires(Permission.ADMIN_USERS)
    @rx.event
    def end_session(self, session_id: int) -> Any:
        self.errors = {}
        target = clean_id(session_id)
        if target is None:
            return rx.toast.error("Reload the page and try again")
        try:
            with session_scope() as db:
                detail = service.end_session(db, self._acting(), target)
        except (ValidationFailed, NotFound) as exc:
            return problem(exc, shown_inline=False)
        self._show(detail)
        return rx.toast.success("Session ended: that browser is signed out")


# --------------------------------------------------------------------------------------------
# Roles


class AdminRolesState(AppState):
    roles: list[RoleCard] = []
    role_names: list[str] = []
    matrix: list[MatrixGroup] = []
    loaded: bool = False
    # The role dialog: "" (closed), "create" or "edit".
    dialog: str = ""
    editing_role_id: int = 0
    editing_role_name: str = ""
    editing_permissions: list[str] = []
    errors: dict[str, str] = {}

    @rx.var
    def error_list(self) -> list[dict[str, str]]:
        return form_summary(self.errors, ROLE_FORM, ROLE_FIELDS)

    def _show(self, roles: list[RoleView]) -> None:
        self.roles = [role_card(role) for role in roles]
        self.role_names = [role.name for role in roles]
        self.matrix = permission_matrix(roles)
        self.loaded = True

    def _refresh(self) -> None:
        with session_scope() as db:
            roles = service.list_roles(db, self._acting())
        self._show(roles)

    @requires(Permission.ADMIN_USERS)
    @rx.event
    def load(self) -> None:
        self.dialog = ""
        self._refresh()

    @requires(Permission.ADMIN_USERS)
    @rx.event
    def open_create(self) -> None:
        self.errors = {}
        self.editing_role_id = 0
        self.editing_role_name = ""
        self.editing_permissions = []
        self.dialog = "create"

    @requires(Permission.ADMIN_USERS)
    @rx.event
    def open_edit(self, role_id: int) -> Any:
        self.errors = {}
        target = clean_id(role_id)
        role = next((r for r in self.roles if r.id == target), None)
        if role is None:
            return rx.toast.error("Reload the page and try again")
        if role.is_system:
            return rx.toast.error(
                f"“{role.name}” is a built-in role; its permissions cannot be changed here"
            )
        self.editing_role_id = role.id
        self.editing_role_name = role.name
        self.editing_permissions = list(role.permission_values)
        self.dialog = "edit"
        return None

    @requires(Permission.ADMIN_USERS)
    @rx.event
    def set_dialog_open(self, is_open: bool) -> None:
        """The dialog's own close (Escape, Cancel): it can only be closed this way."""
        if not is_open:
            self.dialog = ""
            self.errors = {}

    @requires(Permission.ADMIN_USERS)
    @rx.event
    def save_role(self, form_data: dict[str, Any]) -> Any:
        """The role dialog submitted: a new role (no ``role_id``) or a custom role's
        permissions."""
        self.errors = {}
        role_id = clean_id(form_text(form_data, "role_id"))
        permissions = checked_permissions(form_data)
        try:
            with session_scope() as db:
                actor = self._acting()
                if role_id is None:
                    saved = service.create_role(
                        db,
                        actor,
                        form_text(form_data, "name", 200),
                        form_text(form_data, "description", 1000),
                        permissions,
                    )
                else:
                    saved = service.set_role_permissions(db, actor, role_id, permissions)
                roles = service.list_roles(db, self._acting())
        except (ValidationFailed, NotFound) as exc:
            if isinstance(exc, ValidationFailed):
                self.errors = exc.errors
                return focus_error_summary()
            return problem(exc)
        self._show(roles)
        self.dialog = ""
        done = "created" if role_id is None else "saved"
        return rx.toast.success(f"Role “{saved.name}” {done}")


# --------------------------------------------------------------------------------------------
# Azure AD group mappings


class AdminMappingsState(AppState):
    mappings: list[dict[str, str]] = []
    role_options: list[dict[str, str]] = []
    loaded: bool = False
    errors: dict[str, str] = {}
    # Bumped after a successful add, so the form (keyed on it) starts empty again.
    form_key: int = 0

    @rx.var
    def error_list(self) -> list[dict[str, str]]:
        return form_summary(self.errors, MAPPING_FORM, MAPPING_FIELDS)

    def _refresh(self, db: Session) -> None:
        self.mappings = [mapping_view(m) for m in service.list_group_mappings(db, self._acting())]
        self.role_options = [
            {"value": str(r.id), "label": r.name} for r in service.list_roles(db, self._acting())
        ]
        self.loaded = True

    @requires(Permission.ADMIN_USERS)
    @rx.event
    def load(self) -> None:
        self.errors = {}
        with session_scope() as db:
            self._refresh(db)

    @requires(Permission.ADMIN_USERS)
    @rx.event
    def add_mapping(self, form_data: dict[str, Any]) -> Any:
        self.errors = {}
        role_id = clean_id(form_text(form_data, "role_id"))
        try:
            with session_scope() as db:
                added = service.add_group_mapping(
                    db,
                    self._acting(),
                    form_text(form_data, "azure_group_id", 200),
                    form_text(form_data, "group_name", 300),
                    role_id or 0,
                )
                self._refresh(db)
        except (ValidationFailed, NotFound) as exc:
            if isinstance(exc, ValidationFailed):
                self.errors = exc.errors
                return focus_error_summary()
            return problem(exc)
        self.form_key += 1
        name = added.group_name or added.azure_group_id
        return rx.toast.success(f"Members of {name} now get the role “{added.role_name}”")

    @requires(Permission.ADMIN_USERS)
    @rx.event
    def remove_mapping(self, mapping_id: int) -> Any:
        self.errors = {}
        target = clean_id(mapping_id)
        if target is None:
            return rx.toast.error("Reload the page and try again")
        try:
            with session_scope() as db:
                removed = service.remove_group_mapping(db, self._acting(), target)
                self._refresh(db)
        except (ValidationFailed, NotFound) as exc:
            with session_scope() as db:
                self._refresh(db)
            return problem(exc, shown_inline=False)
        name = removed.group_name or removed.azure_group_id
        return rx.toast.success(f"{name} no longer gives the role “{removed.role_name}”")
