"""What the organisations admin pages share: where an organisation's page is, which one the
address names, and the admin area's tabs for those who may use them."""

from __future__ import annotations

import reflex as rx

from mtkcare.auth.state import AppState
from mtkcare.ui import routes
from mtkcare.ui.paging import clean_id
from mtkcare.users.admin.parts import admin_tabs

# What a handler says when the page's organisation is unknown (a stale or forged page).
RELOAD = "Reload the page and try again"


def organisation_href(organisation_id: int) -> str:
    return f"{routes.ADMIN_ORGANISATION}?id={organisation_id}"


def organisation_id_of(state: AppState) -> int | None:
    """The organisation named by the page's address (``?id=``)."""
    return clean_id(state.router.url.query_parameters.get("id"))


def admin_area_tabs(current: str) -> rx.Component:
    """The admin area's tabs, for those who may open it (administrators); managers, who run
    organisations without the rest of the admin area, reach these pages from the navigation."""
    return rx.cond(
        AppState.nav_areas.contains(routes.ADMIN),  # type: ignore[attr-defined]
        admin_tabs(current),
    )
