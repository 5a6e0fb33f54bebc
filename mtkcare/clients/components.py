"""Pieces of the clients list: the search and filters form, the bulk consent toolbar, the
table, pager and the empty states."""

from __future__ import annotations

import reflex as rx

from mtkcare.clients.badges import risk_badge
from mtkcare.clients.bulk_consent import consent_toolbar
from mtkcare.clients.state import (
    FILTER_FORM,
    PAGE_SIZE_FIELD,
    PAGE_SIZE_OPTIONS,
    PROGRAM_FIELD,
    RISK_FIELD,
    RISK_OPTIONS,
    SEARCH_FIELD,
    SORT_FIELD,
    SORT_OPTIONS,
    STATUS_FIELD,
    STATUS_OPTIONS,
    ClientLine,
    ClientsState,
)
from mtkcare.ui import routes
from mtkcare.ui.components import empty_state, loading_block
from mtkcare.ui.components import pager as shared_pager
from mtkcare.ui.forms import Options, select_field
from mtkcare.ui.paging import SEARCH_MAX_LENGTH
from mtkcare.ui.styles import VISUALLY_HIDDEN

SEARCH_INPUT_ID = "client-search"
_CHECKBOX_STYLE = {"width": "1.1rem", "height": "1.1rem", "margin": "0", "cursor": "pointer"}


def _filter(
    label: str,
    name: str,
    options: Options,
    value: rx.Var | str,
    placeholder: str | None,
    width: str = "9rem",
) -> rx.Component:
    # A select applies itself at once; the form's Search button sends all of them too.
    return rx.box(
        select_field(
            label,
            name,
            form=FILTER_FORM,
            options=options,
            value=value,
            placeholder=placeholder,
            on_change=lambda v: ClientsState.set_filter(name, v),
        ),
        width=width,
    )


def search_form() -> rx.Component:
    """Search box and filters. Their values are the state's, so they are as the user left
    them when they come back to the list."""
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
                    "Start of a first name or surname (either first), or of a phone number",
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
                        ClientsState.filtering,
                        rx.button(
                            "Clear search and filters",
                            type="button",
                            size="2",
                            variant="soft",
                            color_scheme="gray",
                            on_click=ClientsState.clear_filters,
                        ),
                    ),
                    spacing="2",
                    align="center",
                ),
                direction="column",
                spacing="1",
            ),
            rx.flex(
                _filter(
                    "Program",
                    PROGRAM_FIELD,
                    ClientsState.program_options,
                    ClientsState.program_id,
                    "Any program",
                    width="12rem",
                ),
                _filter(
                    "Status",
                    STATUS_FIELD,
                    STATUS_OPTIONS,
                    ClientsState.status_filter,
                    "Any status",
                    width="12rem",
                ),
                rx.cond(
                    ClientsState.show_risk,
                    _filter(
                        "Risk level",
                        RISK_FIELD,
                        RISK_OPTIONS,
                        ClientsState.risk_filter,
                        "Any risk level",
                    ),
                ),
                _filter(
                    "Sort by", SORT_FIELD, SORT_OPTIONS, ClientsState.sort, None, width="12rem"
                ),
                _filter(
                    "Clients per page",
                    PAGE_SIZE_FIELD,
                    PAGE_SIZE_OPTIONS,
                    ClientsState.page_size_choice,
                    None,
                    width="8.5rem",
                ),
                spacing="3",
                wrap="wrap",
                align="end",
            ),
            direction="column",
            spacing="3",
        ),
        key=ClientsState.filters_key,
        aria_label="Search and filter clients",
        on_submit=ClientsState.search,
        reset_on_submit=False,
    )


def _risk_badge(row: rx.Var[ClientLine]) -> rx.Component:
    return risk_badge(
        row.risk_level,
        row.risk_label,
        otherwise=rx.text(row.risk_label, size="2", color_scheme="gray"),
    )


def _status(row: rx.Var[ClientLine]) -> rx.Component:
    return rx.flex(
        rx.text(row.status_label, size="2"),
        rx.cond(
            row.awaiting_consent,
            rx.badge(
                rx.icon("clock", size=12, aria_hidden="true"),
                "Awaiting consent",
                color_scheme="amber",
                variant="soft",
            ),
        ),
        direction="column",
        align="start",
        spacing="1",
    )


def _client_row(row: rx.Var[ClientLine]) -> rx.Component:
    return rx.table.row(
        rx.cond(
            ClientsState.can_record_consent,
            rx.table.cell(
                rx.el.input(
                    type="checkbox",
                    checked=ClientsState.selection.contains(row.id),  # type: ignore[attr-defined]
                    on_change=lambda _value: ClientsState.toggle_selected(row.id),
                    aria_label="Select " + row.name,
                    style=_CHECKBOX_STYLE,
                ),
            ),
        ),
        rx.table.row_header_cell(
            rx.flex(
                rx.link(
                    row.full_name,
                    href=routes.CLIENT + "?id=" + row.id,
                    weight="medium",
                ),
                rx.cond(
                    row.preferred_name != "",
                    rx.text("Known as ", row.preferred_name, size="1", color_scheme="gray"),
                ),
                direction="column",
            ),
        ),
        rx.table.cell(
            rx.text(row.date_of_birth),
            rx.text("Age ", row.age, size="1", color_scheme="gray"),
        ),
        rx.cond(ClientsState.show_risk, rx.table.cell(_risk_badge(row))),
        rx.table.cell(
            rx.cond(
                row.programs != "",
                rx.text(row.programs, size="2"),
                rx.text("None", size="2", color_scheme="gray"),
            ),
        ),
        rx.table.cell(_status(row)),
        key=row.id,
        align="center",
    )


def clients_table() -> rx.Component:
    return rx.table.root(
        rx.el.caption("Clients, sorted and filtered as chosen above", style=VISUALLY_HIDDEN),
        rx.table.header(
            rx.table.row(
                rx.cond(
                    ClientsState.can_record_consent,
                    rx.table.column_header_cell(
                        rx.el.input(
                            type="checkbox",
                            checked=ClientsState.all_on_page_selected,
                            on_change=lambda _value: ClientsState.toggle_all_on_page(),
                            aria_label="Select all on this page",
                            style=_CHECKBOX_STYLE,
                        ),
                        width="2.5rem",
                    ),
                ),
                rx.table.column_header_cell("Name"),
                rx.table.column_header_cell("Date of birth"),
                rx.cond(ClientsState.show_risk, rx.table.column_header_cell("Risk level")),
                rx.table.column_header_cell("Programs"),
                rx.table.column_header_cell("Status"),
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
                rx.cond(
                    ClientsState.search_term != "",
                    "No clients match “" + ClientsState.search_term + "” with these filters. "
                    "Check the spelling, search by phone number, or clear the filters.",
                    "No clients match these filters. Choose other filters or clear them.",
                ),
                rx.button(
                    "Clear search and filters",
                    type="button",
                    size="2",
                    variant="soft",
                    on_click=ClientsState.clear_filters,
                ),
            ),
        ),
        rx.flex(consent_toolbar(), clients_table(), pager(), direction="column", spacing="3"),
    )
