"""Pages of the organisations admin: the list and one organisation (each drawn from its
modules in ``mtkcare.organisations.admin``). Both need ``organisation.manage``
(routes.PAGE_PERMISSIONS): administrators and managers."""

from __future__ import annotations

import reflex as rx

from mtkcare.auth.state import AppState
from mtkcare.organisations.admin.organisation_page_components import organisation_page_body
from mtkcare.organisations.admin.organisation_page_state import OrganisationPageState
from mtkcare.organisations.admin.organisations_list_components import (
    create_button,
    organisations_list,
)
from mtkcare.organisations.admin.organisations_list_state import OrganisationsState
from mtkcare.organisations.admin.parts import admin_area_tabs
from mtkcare.ui import routes
from mtkcare.ui.layout import app_page, page_layout
from mtkcare.ui.styles import page_title


def _loads(handler: rx.EventHandler, *children: rx.Component) -> rx.Component:
    # Loaded when the content mounts, which the layout only does once the server has allowed
    # the page: someone without organisation.manage never calls these handlers.
    return rx.flex(*children, direction="column", spacing="4", on_mount=handler)


@app_page(routes.ADMIN_ORGANISATIONS, page_title("Organisations"))
def organisations() -> rx.Component:
    return page_layout(
        admin_area_tabs(routes.ADMIN_ORGANISATIONS),
        _loads(OrganisationsState.load, organisations_list()),
        title="Organisations",
        active=routes.ADMIN_ORGANISATIONS,
        actions=rx.cond(AppState.access == "allowed", create_button()),
    )


@app_page(routes.ADMIN_ORGANISATION, page_title("Organisation"))
def organisation() -> rx.Component:
    return page_layout(
        _loads(OrganisationPageState.load, organisation_page_body()),
        title=OrganisationPageState.heading,
        active=routes.ADMIN_ORGANISATIONS,
        crumbs=[
            ("Organisations", routes.ADMIN_ORGANISATIONS),
            (OrganisationPageState.heading, None),
        ],
    )
