"""Pages of the clients area: the list (also the home page) and a client's record."""

from __future__ import annotations

import reflex as rx

from mtkcare.clients.components import clients_list, search_form
from mtkcare.clients.record_components import client_record, delete_button
from mtkcare.clients.record_state import ClientRecordState
from mtkcare.clients.state import ClientsState
from mtkcare.ui import routes
from mtkcare.ui.components import loading_block
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


@app_page(routes.CLIENT, page_title("Client record"), on_load=ClientRecordState.load)
def client() -> rx.Component:
    return page_layout(
        client_record(),
        # The h1 is the client's name once loaded ("Client record" until then).
        title=ClientRecordState.heading,
        active=routes.CLIENTS,
        crumbs=[("Clients", routes.CLIENTS), (ClientRecordState.heading, None)],
        actions=delete_button(),
    )
