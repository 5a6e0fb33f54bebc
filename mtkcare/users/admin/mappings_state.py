"""State of the Azure AD group mappings page (``/admin/mappings``): which group gives which
role, adding a mapping and removing one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import reflex as rx
from sqlmodel import Session

from mtkcare import dates
from mtkcare.auth.guard import requires
from mtkcare.auth.permissions import Permission
from mtkcare.auth.service import Principal
from mtkcare.auth.state import AppState, Refused
from mtkcare.ui.forms import form_summary, form_text
from mtkcare.ui.paging import clean_id
from mtkcare.users import roles
from mtkcare.users.admin.parts import RELOAD
from mtkcare.users.roles import MappingView

# The add form: field element ids are f"{MAPPING_FORM}-{name}" (mtkcare.ui.forms).
MAPPING_FORM = "mapping"
MAPPING_FIELDS = ("azure_group_id", "group_name", "role_id")


@dataclass
class MappingLine:
    """One group and the role its members get."""

    id: int
    group_name: str
    azure_group_id: str
    role_name: str
    added: str


@dataclass
class Lists:
    """What the page shows, read in the caller's unit of work."""

    mappings: list[MappingLine]
    role_options: list[dict[str, str]]  # for select_field: {"value", "label"}


def mapping_line(mapping: MappingView) -> MappingLine:
    return MappingLine(
        id=mapping.id,
        group_name=mapping.group_name or "(no name recorded)",
        azure_group_id=mapping.azure_group_id,
        role_name=mapping.role_name,
        added=dates.moment(mapping.created_at),
    )


def _read_lists(db: Session, me: Principal) -> Lists:
    return Lists(
        mappings=[mapping_line(m) for m in roles.list_group_mappings(db, me)],
        role_options=[{"value": str(r.id), "label": r.name} for r in roles.list_roles(db, me)],
    )


class AdminMappingsState(AppState):
    mappings: list[MappingLine] = []
    role_options: list[dict[str, str]] = []
    loaded: bool = False
    errors: dict[str, str] = {}
    # Bumped after a successful add, so the form (keyed on it) starts empty again.
    form_key: int = 0

    @rx.var
    def error_list(self) -> list[dict[str, str]]:
        return form_summary(self.errors, MAPPING_FORM, MAPPING_FIELDS)

    def _show(self, lists: Lists) -> None:
        self.mappings = lists.mappings
        self.role_options = lists.role_options
        self.loaded = True

    def _show_errors(self, errors: dict[str, str]) -> None:
        self.errors = errors

    def _reread(self) -> Any:
        done = self._call(_read_lists)
        if isinstance(done, Refused):
            return done.events
        self._show(done)
        return None

    @requires(Permission.ADMIN_USERS)
    @rx.event
    def load(self) -> Any:
        self.errors = {}
        return self._reread()

    @requires(Permission.ADMIN_USERS)
    @rx.event
    def add_mapping(self, form_data: dict[str, Any]) -> Any:
        self.errors = {}
        role_id = clean_id(form_text(form_data, "role_id"))

        def add(db: Session, me: Principal) -> tuple[MappingView, Lists]:
            added = roles.add_group_mapping(
                db,
                me,
                form_text(form_data, "azure_group_id", 200),
                form_text(form_data, "group_name", 300),
                role_id or 0,
            )
            return added, _read_lists(db, me)

        done = self._call(add, on_invalid=self._show_errors)
        if isinstance(done, Refused):
            return done.events
        added, lists = done
        self._show(lists)
        self.form_key += 1
        name = added.group_name or added.azure_group_id
        return rx.toast.success(f"Members of {name} now get the role “{added.role_name}”")

    @requires(Permission.ADMIN_USERS)
    @rx.event
    def remove_mapping(self, mapping_id: int) -> Any:
        self.errors = {}
        target = clean_id(mapping_id)
        if target is None:
            return rx.toast.error(RELOAD)

        def remove(db: Session, me: Principal) -> tuple[MappingView, Lists]:
            return roles.remove_group_mapping(db, me, target), _read_lists(db, me)

        done = self._call(remove)
        if isinstance(done, Refused):  # show what is there now (it may be gone already)
            return [*done.events, *(self._reread() or [])]
        removed, lists = done
        self._show(lists)
        name = removed.group_name or removed.azure_group_id
        return rx.toast.success(f"{name} no longer gives the role “{removed.role_name}”")
