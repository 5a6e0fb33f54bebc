"""The users list (``/admin``): the search form and the paged table of staff accounts."""

from __future__ import annotations

import reflex as rx

from mtkcare.ui.components import empty_state, loading_block, records_table
from mtkcare.ui.components import pager as shared_pager
from mtkcare.ui.paging import SEARCH_MAX_LENGTH
from mtkcare.users.admin.parts import status_badge
from mtkcare.users.admin.users_list_state import (
    SEARCH_FIELD,
    STATUS_FIELD,
    AdminUsersState,
    UserLine,
)

USERS_SEARCH_ID = "user-search"
USERS_STATUS_ID = "user-status"


def users_search_form() -> rx.Component:
    return rx.form(
        rx.flex(
            rx.flex(
                rx.text(
                    rx.el.label("Search staff", html_for=USERS_SEARCH_ID),
                    as_child=True,
                    size="2",
                    weight="medium",
                ),
                rx.text(
                    "Start of a name, username or email address",
                    id=f"{USERS_SEARCH_ID}-hint",
                    size="1",
                    color_scheme="gray",
                ),
                rx.input(
                    rx.input.slot(rx.icon("search", size=16, aria_hidden="true")),
                    id=USERS_SEARCH_ID,
                    name=SEARCH_FIELD,
                    type="search",
                    default_value=AdminUsersState.search_term,
                    max_length=SEARCH_MAX_LENGTH,
                    auto_complete="off",
                    aria_describedby=f"{USERS_SEARCH_ID}-hint",
                    size="2",
                    width="20rem",
                ),
                direction="column",
                spacing="1",
            ),
            rx.flex(
                rx.text(
                    rx.el.label("Show", html_for=USERS_STATUS_ID),
                    as_child=True,
                    size="2",
                    weight="medium",
                ),
                rx.select.root(
                    rx.select.trigger(id=USERS_STATUS_ID, width="11rem"),
                    rx.select.content(
                        rx.select.item("All staff", value="all"),
                        rx.select.item("Active only", value="active"),
                        rx.select.item("Inactive only", value="inactive"),
                    ),
                    name=STATUS_FIELD,
                    default_value=AdminUsersState.status_filter,
                    size="2",
                ),
                direction="column",
                spacing="1",
            ),
            rx.flex(
                rx.button("Search", type="submit", size="2"),
                rx.cond(
                    AdminUsersState.filtered,
                    rx.button(
                        "Clear",
                        type="button",
                        size="2",
                        variant="soft",
                        color_scheme="gray",
                        on_click=[rx.set_value(USERS_SEARCH_ID, ""), AdminUsersState.clear_search],
                    ),
                ),
                spacing="2",
            ),
            align="end",
            spacing="4",
            wrap="wrap",
        ),
        on_submit=AdminUsersState.search,
        reset_on_submit=False,
        # A new filter state remounts the select with the right default.
        key=AdminUsersState.status_filter,
    )


def _user_row(row: UserLine) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.flex(
                rx.link(row.full_name, href=row.href, weight="medium"),
                rx.text(row.username, size="1", color_scheme="gray"),
                direction="column",
            ),
        ),
        rx.table.cell(rx.text(row.email, size="2")),
        rx.table.cell(rx.text(row.roles, size="2")),
        rx.table.cell(status_badge(row.active)),
        rx.table.cell(rx.text(row.sign_in, size="2")),
        rx.table.cell(
            rx.text(row.last_login, size="2", title=row.last_login_exact),
        ),
        key=row.id,
        align="center",
    )


def users_table() -> rx.Component:
    return records_table(
        AdminUsersState.rows,
        ["Name", "Email address", "Roles", "Status", "Signs in with", "Last signed in"],
        _user_row,
        caption="Staff accounts, sorted by last name",
        busy=AdminUsersState.loading,
        empty=rx.fragment(),  # users_list says when nothing matches
    )


def users_pager() -> rx.Component:
    return shared_pager(AdminUsersState, "staff")


def users_list() -> rx.Component:
    return rx.match(
        AdminUsersState.list_status,
        ("loading", loading_block("Loading staff…")),
        (
            "no_match",
            empty_state(
                "search_x",
                "No matching staff",
                "No staff accounts match this search. Check the spelling, or clear the search "
                "to see everyone.",
            ),
        ),
        rx.flex(users_table(), users_pager(), direction="column", spacing="3"),
    )
