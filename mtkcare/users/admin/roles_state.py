"""State of the roles page (``/admin/roles``): the roles as cards, the matrix of what each
may do, and the dialog that creates a role or changes a custom role's permissions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import reflex as rx
from sqlmodel import Session

from mtkcare.auth.guard import requires
from mtkcare.auth.permissions import Permission
from mtkcare.auth.service import Principal
from mtkcare.auth.state import AppState, Refused
from mtkcare.ui.forms import form_summary, form_text, ticked
from mtkcare.ui.paging import clean_id
from mtkcare.users import roles
from mtkcare.users.admin.parts import RELOAD
from mtkcare.users.roles import RoleView
from mtkcare.users.words import PERMISSION_GROUPS, PERMISSION_LABELS

# The role dialog's form: field element ids are f"{ROLE_FORM}-{name}" (mtkcare.ui.forms).
ROLE_FORM = "role"
ROLE_FIELDS = ("name", "description", "permissions")
# Checkbox names; a ":" never appears in the keys Reflex adds for inputs with an id.
PERMISSION_FIELD_PREFIX = "permission:"


@dataclass
class RoleCard:
    id: int
    name: str
    description: str
    kind: str
    is_system: bool
    holders: str
    permission_labels: list[str]
    permission_values: list[str]


@dataclass
class MatrixRow:
    label: str
    value: str
    # One per role, in the order of the matrix's columns: does the role allow it?
    cells: list[bool]


@dataclass
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
                    cells=[permission.value in have for have in held],
                )
                for permission, label in items
            ],
        )
        for area, items in PERMISSION_GROUPS
    ]


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

    def _show(self, shown: list[RoleView]) -> None:
        self.roles = [role_card(role) for role in shown]
        self.role_names = [role.name for role in shown]
        self.matrix = permission_matrix(shown)
        self.loaded = True

    def _show_errors(self, errors: dict[str, str]) -> None:
        self.errors = errors

    @requires(Permission.ADMIN_USERS)
    @rx.event
    def load(self) -> Any:
        self.dialog = ""
        done = self._call(roles.list_roles)
        if isinstance(done, Refused):
            return done.events
        self._show(done)
        return None

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
            return rx.toast.error(RELOAD)
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
        permissions = ticked(form_data, PERMISSION_FIELD_PREFIX)

        def save(db: Session, me: Principal) -> tuple[RoleView, list[RoleView]]:
            if role_id is None:
                saved = roles.create_role(
                    db,
                    me,
                    form_text(form_data, "name", 200),
                    form_text(form_data, "description", 1000),
                    permissions,
                )
            else:
                saved = roles.set_role_permissions(db, me, role_id, permissions)
            return saved, roles.list_roles(db, me)

        done = self._call(save, on_invalid=self._show_errors)
        if isinstance(done, Refused):
            return done.events
        saved, every_role = done
        self._show(every_role)
        self.dialog = ""
        return rx.toast.success(f"Role “{saved.name}” {'created' if role_id is None else 'saved'}")
