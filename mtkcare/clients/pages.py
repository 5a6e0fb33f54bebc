"""Pages of the clients area: the list (also the home page) and the intake placeholder."""

from __future__ import annotations

import reflex as rx

from mtkcare.clients.components import clients_list, search_form
from mtkcare.clients.state import ClientsState
from mtkcare.ui import routes
from mtkcare.ui.components import coming_soon, loading_block
from mtkcare.ui.layout import app_page, page_layout
from mtkcare.ui.styles import page_title


@app_page(routes.HOME, page_title("Clients"), on_load=rx.redirect(routes.CLIENTS))
def home() -> rx.Component:
    return page_layout(
        loading_block("Opening the clients list…"), title="Clients", active=routes.CLIENTS
    )


@app_page(routes.CLIENTS, page_title("Clients"), on_load=ClientsState.load)
def clients() -> rx.Component:
    return page_layout(
        # Nothing to search until the first client exists.
        rx.cond(ClientsState.list_status != "empty", search_form()),
        clients_list(),
        title="Clients",
        active=routes.CLIENTS,
        actions=rx.button(
            rx.link(
                rx.icon("user_plus", size=16, aria_hidden="true"),
                "Start an intake",
                href=routes.INTAKE,
                underline="none",
                color="inherit",
            ),
            as_child=True,
            size="2",
        ),
    )


@app_page(routes.INTAKE, page_title("Intake"))
def intake() -> rx.Component:
    return page_layout(
        coming_soon(
            "Intake",
            "The intake wizard will take a new client's details, consent and first referral "
            "step by step, with a check-your-answers page before anything is saved.",
        ),
        title="Intake",
        active=routes.INTAKE,
        crumbs=[("Clients", routes.CLIENTS), ("Intake", None)],
    )
