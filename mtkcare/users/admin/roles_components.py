"""The roles page (``/admin/roles``): a card per role, the permissions-by-role matrix and the
dialog that creates a role or changes a custom role's permissions."""

from __future__ import annotations

import reflex as rx

from mtkcare.fields import specs
from mtkcare.ui.components import form_dialog, loading_block
from mtkcare.ui.forms import error_summary, field_group, input_for
from mtkcare.ui.styles import PLAIN_LIST, VISUALLY_HIDDEN
from mtkcare.users.admin.roles_state import (
    PERMISSION_FIELD_PREFIX,
    ROLE_FORM,
    AdminRolesState,
    MatrixGroup,
    MatrixRow,
    RoleCard,
)
from mtkcare.users.roles import RoleInput
from mtkcare.users.words import PERMISSION_GROUPS


def _permission_badge(label: rx.Var) -> rx.Component:
    return rx.badge(label, variant="surface", color_scheme="gray", size="1")


def _role_card(role: RoleCard) -> rx.Component:
    return rx.card(
        rx.flex(
            rx.flex(
                rx.heading(role.name, as_="h3", size="3"),
                rx.cond(
                    role.is_system,
                    rx.badge(
                        rx.icon("lock", size=12, aria_hidden="true"), role.kind, color_scheme="gray"
                    ),
                    rx.badge(
                        rx.icon("pencil", size=12, aria_hidden="true"),
                        role.kind,
                        color_scheme="indigo",
                    ),
                ),
                justify="between",
                align="center",
                spacing="2",
            ),
            rx.text(role.description, size="2", color_scheme="gray"),
            rx.text(
                rx.icon("users", size=14, aria_hidden="true", display="inline"),
                " ",
                role.holders,
                size="2",
            ),
            rx.flex(
                rx.foreach(role.permission_labels, _permission_badge), wrap="wrap", spacing="1"
            ),
            rx.cond(
                role.is_system,
                rx.fragment(),
                rx.box(
                    rx.button(
                        "Edit permissions",
                        size="1",
                        variant="soft",
                        aria_label="Edit permissions of " + role.name,
                        on_click=AdminRolesState.open_edit(role.id),
                    )
                ),
            ),
            direction="column",
            spacing="2",
        ),
        size="2",
    )


def role_cards() -> rx.Component:
    return rx.box(
        rx.foreach(AdminRolesState.roles, _role_card),
        display="grid",
        grid_template_columns="repeat(auto-fill, minmax(20rem, 1fr))",
        gap="var(--space-3)",
    )


def _matrix_cell(allowed: rx.Var) -> rx.Component:
    return rx.table.cell(
        rx.flex(
            rx.cond(
                allowed,
                rx.icon(
                    "check", size=16, color=rx.color("green", 11), aria_label="Yes", role="img"
                ),
                rx.text("–", color_scheme="gray", aria_label="No"),
            ),
            justify="center",
        ),
    )


def _matrix_row(row: MatrixRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.text(row.label, size="2"), padding_left="var(--space-5)"),
        rx.foreach(row.cells, _matrix_cell),
        key=row.value,
        align="center",
    )


def _matrix_group(group: MatrixGroup) -> rx.Component:
    return rx.fragment(
        rx.table.row(
            rx.table.row_header_cell(
                rx.text(group.area, size="2", weight="bold"),
                col_span=AdminRolesState.role_names.length() + 1,  # type: ignore[attr-defined]
                background_color=rx.color("gray", 3),
            ),
        ),
        rx.foreach(group.rows, _matrix_row),
    )


def permission_matrix() -> rx.Component:
    return rx.box(
        rx.table.root(
            rx.el.caption(
                "Which role may do what: one row per permission, one column per role",
                style=VISUALLY_HIDDEN,
            ),
            rx.table.header(
                rx.table.row(
                    rx.table.column_header_cell("Permission", min_width="15rem"),
                    rx.foreach(
                        AdminRolesState.role_names,
                        lambda name: rx.table.column_header_cell(
                            name, text_align="center", white_space="normal", min_width="6rem"
                        ),
                    ),
                )
            ),
            rx.table.body(rx.foreach(AdminRolesState.matrix, _matrix_group)),
            variant="surface",
            size="1",
            width="100%",
        ),
        overflow_x="auto",
    )


def _permission_checkbox(value: str, label: str) -> rx.Component:
    return rx.el.li(
        rx.checkbox(
            label,
            name=f"{PERMISSION_FIELD_PREFIX}{value}",
            default_checked=AdminRolesState.editing_permissions.contains(value),  # type: ignore[attr-defined]
            size="2",
        )
    )


def _permission_fieldsets() -> rx.Component:
    return rx.box(
        *(
            rx.el.fieldset(
                rx.el.legend(rx.text(area, size="2", weight="bold")),
                rx.el.ul(
                    *(_permission_checkbox(p.value, label) for p, label in items),
                    display="flex",
                    flex_direction="column",
                    gap="var(--space-1)",
                    **PLAIN_LIST,
                ),
                border="none",
                margin="0",
                padding="0",
            )
            for area, items in PERMISSION_GROUPS
        ),
        display="grid",
        grid_template_columns="repeat(2, minmax(0, 1fr))",
        gap="var(--space-4)",
    )


def role_dialog() -> rx.Component:
    errors = AdminRolesState.errors
    creating = AdminRolesState.dialog == "create"
    return form_dialog(
        rx.el.input(
            type="hidden",
            name="role_id",
            value=AdminRolesState.editing_role_id.to_string(),  # type: ignore[attr-defined]
        ),
        rx.cond(
            creating,
            rx.flex(
                *(
                    input_for(spec, form=ROLE_FORM, errors=errors)
                    for spec in specs(RoleInput).values()
                ),
                direction="column",
                spacing="3",
            ),
        ),
        field_group(
            "Permissions", "permissions", _permission_fieldsets(), form=ROLE_FORM, errors=errors
        ),
        title=rx.cond(
            creating, "Create a role", "Edit “" + AdminRolesState.editing_role_name + "”"
        ),
        description=rx.cond(
            creating,
            "A new role for staff whose work the built-in roles do not fit. "
            "Give it to people on their user page.",
            "Everyone who holds this role gets the new permissions at their next action.",
        ),
        submit=rx.cond(creating, "Create role", "Save permissions"),
        on_submit=AdminRolesState.save_role,
        is_open=AdminRolesState.dialog != "",
        on_open_change=AdminRolesState.set_dialog_open,
        errors=error_summary(AdminRolesState.error_list),
        max_width="44rem",
    )


def roles_body() -> rx.Component:
    return rx.cond(
        AdminRolesState.loaded,
        rx.flex(
            rx.flex(
                rx.text(
                    "Each role is a set of permissions; people can hold several roles.",
                    size="2",
                    color_scheme="gray",
                ),
                rx.button(
                    rx.icon("plus", size=16, aria_hidden="true"),
                    "Create a role",
                    on_click=AdminRolesState.open_create,
                ),
                justify="between",
                align="center",
                spacing="3",
                wrap="wrap",
            ),
            role_cards(),
            rx.heading("Permissions by role", as_="h2", size="4", margin_top="var(--space-3)"),
            rx.text(
                "A tick means the role allows it. Built-in roles come with MTK Care and "
                "cannot be changed; create a role when none fits.",
                size="2",
                color_scheme="gray",
            ),
            permission_matrix(),
            role_dialog(),
            direction="column",
            spacing="4",
        ),
        loading_block("Loading roles…"),
    )
