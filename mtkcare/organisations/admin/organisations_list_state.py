"""State of the organisations list (``/admin/organisations``): one server-paged page of
external organisations, searched and filtered (remembered while the tab is open), and the
form that creates one."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import reflex as rx
from pydantic_core import PydanticUndefined

from mtkcare.auth.guard import requires
from mtkcare.auth.permissions import Permission
from mtkcare.auth.state import AppState, Refused, first_message
from mtkcare.errors import ValidationFailed
from mtkcare.fields import form_values, submitted
from mtkcare.organisations.admin.organisation_form import OrganisationFormState
from mtkcare.organisations.admin.parts import organisation_href
from mtkcare.organisations.service import OrganisationInput, create_organisation
from mtkcare.organisations.views import OrganisationFilters, OrganisationRow, list_organisations
from mtkcare.settings import get_settings
from mtkcare.ui.paging import PagedList, clean_page
from mtkcare.validation import validate


class OrganisationsState(OrganisationFormState, PagedList, AppState):
    rows: list[OrganisationRow] = []  # type: ignore[assignment]
    # The filter form's values as last applied (its inputs start from them).
    filter_values: dict[str, str] = {}
    filter_errors: dict[str, str] = {}
    filter_key: int = 0

    _filters: dict[str, Any] = {}

    @rx.var
    def filtered(self) -> bool:
        return any(self.filter_values.values())

    @rx.var
    def list_status(self) -> str:
        """loading, none (no organisations yet), no_match or table."""
        if not self.loaded:
            return "loading"
        if self.total == 0:
            return "no_match" if self.filtered else "none"
        return "table"

    def _fetch(self, page: int) -> Any:
        filters = OrganisationFilters(**self._filters)
        done = self._call(
            lambda db, me: list_organisations(
                db, me, filters, page=page, page_size=get_settings().page_size
            )
        )
        return self._show_or_refuse(done)

    @requires(Permission.ORGANISATION_MANAGE)
    @rx.event
    def load(self) -> Iterator[Any]:
        """The first page, with the filters last used here."""
        self._close_form()
        yield from self._load(1)

    @requires(Permission.ORGANISATION_MANAGE)
    @rx.event
    def go_to_page(self, page: int) -> Iterator[Any]:
        yield from self._load(clean_page(page))

    @requires(Permission.ORGANISATION_MANAGE)
    @rx.event
    def apply_filters(self, form_data: dict[str, Any]) -> Iterator[Any]:
        self.filter_errors = {}
        try:
            filters = validate(OrganisationFilters, submitted(OrganisationFilters, form_data))
        except ValidationFailed as exc:
            self.filter_errors = exc.errors
            yield rx.toast.error(first_message(exc))
            return
        self._filters = filters.model_dump(exclude_none=True)
        self.filter_values = form_values(OrganisationFilters, self._filters)
        yield from self._load(1)

    @requires(Permission.ORGANISATION_MANAGE)
    @rx.event
    def clear_filters(self) -> Iterator[Any]:
        self._filters, self.filter_values, self.filter_errors = {}, {}, {}
        self.filter_key += 1  # the inputs start again, empty
        yield from self._load(1)

    @requires(Permission.ORGANISATION_MANAGE)
    @rx.event
    def start_create(self) -> None:
        defaults = {
            name: info.default
            for name, info in OrganisationInput.model_fields.items()
            if info.default is not PydanticUndefined
        }
        self._open_form(form_values(OrganisationInput, defaults))

    @requires(Permission.ORGANISATION_MANAGE)
    @rx.event
    def set_form_open(self, is_open: bool) -> None:
        """The form's own close (Escape, Cancel)."""
        if not is_open:
            self._close_form()

    @requires(Permission.ORGANISATION_MANAGE)
    @rx.event
    def create(self, form_data: dict[str, Any]) -> Any:
        self.errors = {}
        data = submitted(OrganisationInput, form_data)
        done = self._call(
            lambda db, me: create_organisation(db, me, **data).id, on_invalid=self._show_errors
        )
        if isinstance(done, Refused):
            return done.events
        self._close_form()
        return [
            rx.toast.success("Organisation created: issue it an API key when it is ready"),
            rx.redirect(organisation_href(done or 0)),
        ]
