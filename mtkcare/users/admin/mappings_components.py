"""The Azure AD group mappings page (``/admin/mappings``): the table of mappings, each with
its remove button, and the form that adds one."""

from __future__ import annotations

import reflex as rx

from mtkcare.fields import spec
from mtkcare.ui.components import empty_state, loading_block, records_table
from mtkcare.ui.forms import error_summary, input_for
from mtkcare.ui.sections import section
from mtkcare.users.admin.mappings_state import MAPPING_FORM, AdminMappingsState, MappingLine
from mtkcare.users.admin.parts import actions_heading, row_action
from mtkcare.users.roles import GroupMappingInput


def _mapping_row(row: MappingLine) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.text(row.group_name, weight="medium", size="2")),
        rx.table.cell(rx.code(row.azure_group_id, size="1", variant="ghost")),
        rx.table.cell(rx.text(row.role_name, size="2")),
        rx.table.cell(rx.text(row.added, size="2")),
        rx.table.cell(
            row_action(
                "Remove",
                "Remove mapping: " + row.group_name + " gives " + row.role_name,
                title="Remove this mapping?",
                body="Members of "
                + row.group_name
                + " will no longer get the role “"
                + row.role_name
                + "” from their next Microsoft sign-in. Roles given in MTK Care by hand are "
                "not affected. You can add the mapping again later.",
                confirm_label="Remove mapping",
                on_confirm=AdminMappingsState.remove_mapping(row.id),
            ),
        ),
        key=row.id,
        align="center",
    )


def mappings_table() -> rx.Component:
    return records_table(
        AdminMappingsState.mappings,
        ["Group", "Group object ID", "Gives the role", "Added", actions_heading()],
        _mapping_row,
        caption="Azure AD groups and the roles they give",
        empty=empty_state(
            "network",
            "No group mappings yet",
            "Without mappings, people who sign in with Microsoft get no role. Add the first "
            "mapping with the form below.",
        ),
    )


def add_mapping_form() -> rx.Component:
    errors = AdminMappingsState.errors
    return section(
        "Add a mapping",
        rx.form(
            rx.flex(
                error_summary(AdminMappingsState.error_list),
                input_for(
                    spec(GroupMappingInput, "azure_group_id"),
                    form=MAPPING_FORM,
                    errors=errors,
                    width="26rem",
                    monospace=True,
                ),
                input_for(
                    spec(GroupMappingInput, "group_name"),
                    form=MAPPING_FORM,
                    errors=errors,
                    width="26rem",
                ),
                input_for(
                    spec(GroupMappingInput, "role_id"),
                    form=MAPPING_FORM,
                    options=AdminMappingsState.role_options,
                    errors=errors,
                    placeholder="Choose a role",
                    width="26rem",
                ),
                rx.box(rx.button("Add mapping", type="submit")),
                direction="column",
                spacing="3",
            ),
            on_submit=AdminMappingsState.add_mapping,
            reset_on_submit=False,
            key=AdminMappingsState.form_key,
        ),
        description="Members of the group get the role at their next Microsoft sign-in.",
    )


def mappings_body() -> rx.Component:
    return rx.cond(
        AdminMappingsState.loaded,
        rx.flex(
            rx.text(
                "When someone signs in with Microsoft, their Azure AD groups decide their "
                "roles here. Roles given by hand on a user's page are kept as well.",
                size="2",
                color_scheme="gray",
            ),
            mappings_table(),
            add_mapping_form(),
            direction="column",
            spacing="4",
        ),
        loading_block("Loading group mappings…"),
    )
