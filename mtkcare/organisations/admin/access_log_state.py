"""State of an organisation's access log section: its partner-API calls, newest first, paged,
narrowed by the answer's class (2xx, 4xx, 5xx)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import reflex as rx

from mtkcare.auth.guard import requires
from mtkcare.auth.permissions import Permission
from mtkcare.auth.state import AppState, first_message
from mtkcare.errors import ValidationFailed
from mtkcare.fields import submitted
from mtkcare.organisations.admin.parts import organisation_id_of
from mtkcare.organisations.views import AccessLine, AccessLogFilters, organisation_access_log
from mtkcare.settings import get_settings
from mtkcare.ui.paging import PagedList, clean_page
from mtkcare.validation import validate


class AccessLogState(PagedList, AppState):
    rows: list[AccessLine] = []  # type: ignore[assignment]
    status_class: str = ""  # "" every answer, else "2xx" / "4xx" / "5xx"
    filter_errors: dict[str, str] = {}
    filter_key: int = 0

    _organisation_id: int = 0

    def _fetch(self, page: int) -> Any:
        organisation_id = self._organisation_id
        filters = AccessLogFilters.model_validate({"status_class": self.status_class or None})
        done = self._call(
            lambda db, me: organisation_access_log(
                db, me, organisation_id, filters, page=page, page_size=get_settings().page_size
            )
        )
        return self._show_or_refuse(done)

    @requires(Permission.ORGANISATION_MANAGE)
    @rx.event
    def load(self) -> Iterator[Any]:
        organisation_id = organisation_id_of(self)
        if organisation_id is None:
            return
        if organisation_id != self._organisation_id:
            self.rows, self.total, self.loaded, self.status_class = [], 0, False, ""
            self.filter_key += 1
        self._organisation_id = organisation_id
        yield from self._load(1)

    @requires(Permission.ORGANISATION_MANAGE)
    @rx.event
    def go_to_page(self, page: int) -> Iterator[Any]:
        if self._organisation_id <= 0:
            return
        yield from self._load(clean_page(page))

    @requires(Permission.ORGANISATION_MANAGE)
    @rx.event
    def apply_filters(self, form_data: dict[str, Any]) -> Iterator[Any]:
        self.filter_errors = {}
        if self._organisation_id <= 0:
            return
        try:
            filters = validate(AccessLogFilters, submitted(AccessLogFilters, form_data))
        except ValidationFailed as exc:
            self.filter_errors = exc.errors
            yield rx.toast.error(first_message(exc))
            return
        self.status_class = filters.status_class.value if filters.status_class else ""
        yield from self._load(1)

    @requires(Permission.ORGANISATION_MANAGE)
    @rx.event
    def clear_filters(self) -> Iterator[Any]:
        if self._organisation_id <= 0:
            return
        self.status_class, self.filter_errors = "", {}
        self.filter_key += 1
        yield from self._load(1)
