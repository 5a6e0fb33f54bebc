"""The organisations list (``/admin/organisations``): the filter form, the paged table and the
dialog that creates an organisation."""

from __future__ import annotations

import reflex as rx

from mtkcare.fields import spec
from mtkcare.organisations.admin.organisation_form import organisation_dialog
from mtkcare.organisations.admin.organisations_list_state import OrganisationsState
from mtkcare.organisations.views import OrganisationFilters, OrganisationRow
from mtkcare.ui import routes
from mtkcare.ui.components import empty_state, loading_block, pager, records_table
from mtkcare.ui.forms import filter_buttons, filter_field
from mtkcare.users.admin.parts import status_badge

S = OrganisationsState
FILTER_FORM = "organisations-filter"


def organisations_filters() -> rx.Component:
    def control(name: str, width: str) -> rx.Component:
        return filter_field(
            spec(OrganisationFilters, name),
            form=FILTER_FORM,
            width=width,
            errors=S.filter_errors,
            value=S.filter_values.get(name, ""),
        )

    return rx.form(
        rx.flex(
            control("q", "20rem"),
            control("org_type", "14rem"),
            control("status", "10rem"),
            filter_buttons(S.clear_filters),
            spacing="3",
            wrap="wrap",
            align="end",
        ),
        on_submit=S.apply_filters,
        reset_on_submit=False,
        aria_label="Filter organisations",
        key=S.filter_key.to_string(),  # type: ignore[attr-defined]
    )


def _row(row: rx.Var[OrganisationRow]) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.link(
                row.name,
                href=routes.ADMIN_ORGANISATION + "?id=" + row.id.to_string(),
                weight="medium",
            )
        ),
        rx.table.cell(rx.text(row.type_label, size="2")),
        rx.table.cell(status_badge(row.is_active)),
        rx.table.cell(rx.text(rx.cond(row.contact != "", row.contact, "Not recorded"), size="2")),
        rx.table.cell(rx.text(row.referrals, size="2")),
        rx.table.cell(rx.text(row.keys_in_use, size="2")),
        key=row.id,
        align="center",
    )


def organisations_table() -> rx.Component:
    return records_table(
        S.rows,
        ["Organisation", "Type", "Status", "Contact", "Referrals", "API keys in use"],
        _row,
        caption="External organisations, by name",
        busy=S.loading,
        empty=rx.fragment(),  # organisations_list says when there are none
    )


def create_button() -> rx.Component:
    return rx.button(
        rx.icon("plus", size=16, aria_hidden="true"),
        "Add an organisation",
        on_click=S.start_create,
    )


def organisations_list() -> rx.Component:
    return rx.flex(
        organisations_filters(),
        rx.match(
            S.list_status,
            ("loading", loading_block("Loading organisations…")),
            (
                "none",
                empty_state(
                    "building_2",
                    "No organisations yet",
                    "External organisations refer clients to us, on the phone or through the "
                    "partner API. Add the first one, then issue it an API key.",
                    create_button(),
                ),
            ),
            (
                "no_match",
                empty_state(
                    "search_x",
                    "No matching organisations",
                    "No organisation matches these filters. Check the spelling, or clear the "
                    "filters to see every organisation.",
                ),
            ),
            rx.flex(
                organisations_table(), pager(S, "organisations"), direction="column", spacing="3"
            ),
        ),
        organisation_dialog(
            S,
            title="Add an organisation",
            description="An external organisation that refers clients. You can issue its "
            "API keys once it is added.",
            submit="Add organisation",
            on_submit=S.create,
            on_open_change=S.set_form_open,
        ),
        direction="column",
        spacing="4",
    )
