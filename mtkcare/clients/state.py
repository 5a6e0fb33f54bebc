"""State of the clients list page.

Only the current page of rows is held, as plain dicts chosen for display (never table rows).
Every public method here is an RPC any browser can call, so there are few of them, each
checks its arguments and hands the work to ``mtkcare.clients.service``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import reflex as rx

from mtkcare.auth.guard import requires
from mtkcare.auth.permissions import Permission
from mtkcare.auth.state import AppState
from mtkcare.clients.service import ClientRow, list_clients
from mtkcare.db import session_scope
from mtkcare.settings import get_settings
from mtkcare.ui.paging import PagedList, clean_page, clean_search

SEARCH_FIELD = "q"

RISK_LABELS = {
    "LOW": "Low",
    "MEDIUM": "Medium",
    "HIGH": "High",
    "CRITICAL": "Critical",
}


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def client_view(
    row: ClientRow, *, today: date | None = None, show_risk: bool = True
) -> dict[str, str]:
    """What the browser receives for one client in the list. Risk is only sent to those
    allowed to see it (field-level access)."""
    born = date.fromisoformat(row.date_of_birth)
    age = _age(born, today or date.today())
    return {
        "id": str(row.id),
        "full_name": row.full_name,
        "preferred_name": row.preferred_name,
        # "3 Mar 1985": never ambiguous between day-first and month-first readers.
        "date_of_birth": f"{born.day} {born:%b %Y}",
        "age": f"{age}",
        "phone": row.phone,
        "city": row.city,
        "risk_level": row.risk_level if show_risk else "",
        "risk_label": RISK_LABELS.get(row.risk_level, "Not assessed") if show_risk else "",
    }


class ClientsState(PagedList, AppState):
    show_risk: bool = False

    @rx.var
    def list_status(self) -> str:
        """Which of the list's faces to show: loading, empty, no_match or table."""
        if not self.loaded:
            return "loading"
        if self.total == 0:
            return "no_match" if self.search_term else "empty"
        return "table"

    def _fetch(self, page: int) -> None:
        with session_scope() as session:
            result = list_clients(
                session,
                page=page,
                page_size=get_settings().page_size,
                search=self.search_term,
            )
        principal = self._principal
        self.show_risk = principal is not None and principal.can(Permission.CLIENT_VIEW_RISK)
        self._show(result, [client_view(row, show_risk=self.show_risk) for row in result.rows])

    @requires(Permission.CLIENT_VIEW)
    @rx.event
    def load(self) -> Iterator[None]:
        """Page load: the first page, keeping the search the user last ran here."""
        yield from self._load(1)

    @requires(Permission.CLIENT_VIEW)
    @rx.event
    def go_to_page(self, page: int) -> Iterator[None]:
        yield from self._load(clean_page(page))

    @requires(Permission.CLIENT_VIEW)
    @rx.event
    def search(self, form_data: dict[str, Any]) -> Iterator[None]:
        """Search form submitted: a new search always starts at page 1."""
        term = form_data.get(SEARCH_FIELD, "") if isinstance(form_data, dict) else ""
        self.search_term = clean_search(term)
        yield from self._load(1)

    @requires(Permission.CLIENT_VIEW)
    @rx.event
    def clear_search(self) -> Iterator[None]:
        self.search_term = ""
        yield from self._load(1)
