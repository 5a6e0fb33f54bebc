"""Pieces of the clients list: search form, table, pager and the empty states."""

from __future__ import annotations

import reflex as rx

from mtkcare.clients.state import SEARCH_FIELD, ClientsState
from mtkcare.ui import routes
from mtkcare.ui.components import empty_state, loading_block
from mtkcare.ui.components import pager as shared_pager
from mtkcare.ui.paging import SEARCH_MAX_LENGTH
from mtkcare.ui.styles import VISUALLY_HIDDEN

SEARCH_INPUT_ID = "client-search"


def search_form() -> rx.Component:
    return rx.form(
        rx.flex(
            rx.flex(
                rx.text(
                    rx.el.label("Search clients", html_for=SEARCH_INPUT_ID),
                    as_child=True,
                    size="2",
                    weight="medium",
                ),
                rx.text(
                    "First name, last name, preferred name or phone number",
                    id=f"{SEARCH_INPUT_ID}-hint",
                    size="1",
                    color_scheme="gray",
                ),
                rx.flex(
                    rx.input(
                        rx.input.slot(rx.icon("search", size=16, aria_hidden="true")),
                        id=SEARCH_INPUT_ID,
                        name=SEARCH_FIELD,
                        type="search",
                        default_value=ClientsState.search_term,
                        max_length=SEARCH_MAX_LENGTH,
                        auto_complete="off",
                        aria_describedby=f"{SEARCH_INPUT_ID}-hint",
                        size="2",
                        width="22rem",
                    ),
                    rx.button("Search", type="submit", size="2"),
                    rx.cond(
                        ClientsState.search_term != "",
                        rx.button(
                            "Clear search",
                            type="button",
                            size="2",
                            variant="soft",
                            color_scheme="gray",
                            on_click=[
                                rx.set_value(SEARCH_INPUT_ID, ""),
                                ClientsState.clear_search,
                            ],
                        ),
                    ),
                    spacing="2",
                    align="center",
                ),
                direction="column",
                spacing="1",
            ),
            align="end",
            spacing="4",
        ),
        on_submit=ClientsState.search,
        reset_on_submit=False,
    )


def _risk_badge(row: rx.Var) -> rx.Component:
    # Colour is never the only signal: each level has its word and an icon.
    return rx.match(
        row["risk_level"],
        (
            "CRITICAL",
            rx.badge(rx.icon("octagon_alert", size=12), row["risk_label"], color_scheme="red"),
        ),
        (
            "HIGH",
            rx.badge(rx.icon("triangle_alert", size=12), row["risk_label"], color_scheme="orange"),
        ),
        (
            "MEDIUM",
            rx.badge(rx.icon("circle_alert", size=12), row["risk_label"], color_scheme="amber"),
        ),
        (
            "LOW",
            rx.badge(rx.icon("circle_check", size=12), row["risk_label"], color_scheme="green"),
        ),
        rx.text(row["risk_label"], size="2", color_scheme="gray"),
    )


def _client_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.flex(
                rx.text(row["full_name"], weight="medium"),
                rx.cond(
                    row["preferred_name"] != "",
                    rx.text("Known as ", row["preferred_name"], size="1", color_scheme="gray"),
                ),
                direction="column",
            ),
        ),
        rx.table.cell(
            rx.text(row["date_of_birth"]),
            rx.text("Age ", row["age"], size="1", color_scheme="gray"),
        ),
        rx.table.cell(row["phone"]),
        rx.table.cell(row["city"]),
        rx.cond(ClientsState.show_risk, rx.table.cell(_risk_badge(row))),
        key=row["id"],
        align="center",
    )


def clients_table() -> rx.Component:
    return rx.table.root(
        rx.el.caption("Clients, sorted by last name", style=VISUALLY_HIDDEN),
        rx.table.header(
            rx.table.row(
                rx.table.column_header_cell("Name"),
                rx.table.column_header_cell("Date of birth"),
                rx.table.column_header_cell("Phone"),
                rx.table.column_header_cell("Town or city"),
                rx.cond(ClientsState.show_risk, rx.table.column_header_cell("Risk level")),
            ),
        ),
        rx.table.body(rx.foreach(ClientsState.rows, _client_row)),
        variant="surface",
        size="2",
        width="100%",
        aria_busy=ClientsState.loading,
    )


def pager() -> rx.Component:
    return shared_pager(ClientsState, "clients")


def clients_list() -> rx.Component:
    return rx.match(
        ClientsState.list_status,
        ("loading", loading_block("Loading clients…")),
        (
            "empty",
            empty_state(
                "users",
                "No clients yet",
                "Clients appear here once an intake is completed.",
                rx.link("Start an intake", href=routes.INTAKE, size="2"),
            ),
        ),
        (
            "no_match",
            empty_state(
                "search_x",
                "No matching clients",
                "No clients match “" + ClientsState.search_term + "”. "
                "Check the spelling, or search by phone number or another name.",
            ),
        ),
        rx.flex(clients_table(), pager(), direction="column", spacing="3"),
    )
