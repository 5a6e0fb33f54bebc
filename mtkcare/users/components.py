"""Pieces of the admin pages: the admin tabs, form fields, the users table, one user's
roles / password / sessions, the roles matrix and the group-mapping form."""

from __future__ import annotations

import reflex as rx

from mtkcare.ui import routes
from mtkcare.ui.components import confirm_dialog, empty_state, loading_block
from mtkcare.ui.components import pager as shared_pager
from mtkcare.ui.forms import error_summary, field_group, select_field, text_field
from mtkcare.ui.paging import SEARCH_MAX_LENGTH
from mtkcare.ui.styles import PLAIN_LIST, VISUALLY_HIDDEN
from mtkcare.users.service import GUID_EXAMPLE
from mtkcare.users.state import (
    MAPPING_FORM,
    PERMISSION_FIELD_PREFIX,
    PERMISSION_GROUPS,
    RESET_FORM,
    ROLE_FORM,
    SEARCH_FIELD,
    STATUS_FIELD,
    USER_ROLES_FORM,
    AdminMappingsState,
    AdminRolesState,
    AdminUsersState,
    AdminUserState,
    MatrixGroup,
    MatrixRow,
    RoleCard,
    RoleOption,
)

# --------------------------------------------------------------------------------------------
# Shared


ADMIN_TABS: tuple[tuple[str, str, str], ...] = (
    ("Users", routes.ADMIN, "users"),
    ("Roles and permissions", routes.ADMIN_ROLES, "shield_check"),
    ("Azure AD group mappings", routes.ADMIN_MAPPINGS, "network"),
)


def admin_tabs(current: str) -> rx.Component:
    """The admin area's own navigation; the current page is marked, not by colour alone."""
    items = []
    for label, route, icon in ADMIN_TABS:
        is_current = route == current
        items.append(
            rx.el.li(
                rx.link(
                    rx.flex(
                        rx.icon(icon, size=16, aria_hidden="true"),
                        rx.text(label, size="2", weight="bold" if is_current else "regular"),
                        align="center",
                        spacing="2",
                    ),
                    href=route,
                    underline="none",
                    color_scheme="indigo" if is_current else "gray",
                    high_contrast=not is_current,
                    custom_attrs={"aria-current": "page"} if is_current else {},
                    display="block",
                    padding="var(--space-2) var(--space-3)",
                    border_bottom=(
                        f"2px solid {rx.color('accent', 9)}"
                        if is_current
                        else "2px solid transparent"
                    ),
                ),
            )
        )
    return rx.el.nav(
        rx.el.ul(*items, display="flex", gap="var(--space-2)", **PLAIN_LIST),
        aria_label="Admin",
        border_bottom=f"1px solid {rx.color('gray', 5)}",
    )


def section(title: str, *children: rx.Component, description: str | None = None) -> rx.Component:
    return rx.card(
        rx.flex(
            rx.heading(title, as_="h2", size="4"),
            rx.text(description, size="2", color_scheme="gray") if description else rx.fragment(),
            *children,
            direction="column",
            spacing="3",
        ),
        size="3",
        width="100%",
    )


def status_badge(active: rx.Var) -> rx.Component:
    # Word and icon, not colour alone.
    return rx.cond(
        active,
        rx.badge(
            rx.icon("circle_check", size=12, aria_hidden="true"), "Active", color_scheme="green"
        ),
        rx.badge(
            rx.icon("circle_slash", size=12, aria_hidden="true"), "Inactive", color_scheme="gray"
        ),
    )


# --------------------------------------------------------------------------------------------
# The users list

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


def _user_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.flex(
                rx.link(row["full_name"], href=row["href"], weight="medium"),
                rx.text(row["username"], size="1", color_scheme="gray"),
                direction="column",
            ),
        ),
        rx.table.cell(rx.text(row["email"], size="2")),
        rx.table.cell(rx.text(row["roles"], size="2")),
        rx.table.cell(status_badge(row["active"] == "yes")),
        rx.table.cell(rx.text(row["sign_in"], size="2")),
        rx.table.cell(
            rx.text(row["last_login"], size="2", title=row["last_login_exact"]),
        ),
        key=row["id"],
        align="center",
    )


def users_table() -> rx.Component:
    return rx.table.root(
        rx.el.caption("Staff accounts, sorted by last name", style=VISUALLY_HIDDEN),
        rx.table.header(
            rx.table.row(
                rx.table.column_header_cell("Name"),
                rx.table.column_header_cell("Email address"),
                rx.table.column_header_cell("Roles"),
                rx.table.column_header_cell("Status"),
                rx.table.column_header_cell("Signs in with"),
                rx.table.column_header_cell("Last signed in"),
            ),
        ),
        rx.table.body(rx.foreach(AdminUsersState.rows, _user_row)),
        variant="surface",
        size="2",
        width="100%",
        aria_busy=AdminUsersState.loading,
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


# --------------------------------------------------------------------------------------------
# One user


def _fact(label: str, value: rx.Var | rx.Component) -> rx.Component:
    return rx.data_list.item(
        rx.data_list.label(label),
        rx.data_list.value(value),
    )


def user_summary() -> rx.Component:
    user = AdminUserState.user
    deactivate = rx.cond(
        AdminUserState.is_self,
        rx.text("You cannot deactivate your own account.", size="2", color_scheme="gray"),
        confirm_dialog(
            rx.button(
                rx.icon("user_x", size=16, aria_hidden="true"),
                "Deactivate account",
                color_scheme="red",
                variant="soft",
            ),
            title="Deactivate " + user["full_name"] + "?",
            body="They will be signed out everywhere straight away: all of their sessions "
            "end. They cannot sign in again until an administrator activates the account. "
            "Their records, referrals and history are kept.",
            confirm_label="Deactivate and sign out",
            on_confirm=AdminUserState.deactivate(AdminUserState.user_id),
        ),
    )
    activate = confirm_dialog(
        rx.button(rx.icon("user_check", size=16, aria_hidden="true"), "Activate account"),
        title="Activate " + user["full_name"] + "?",
        body="They will be able to sign in again with the roles shown below.",
        confirm_label="Activate",
        on_confirm=AdminUserState.activate(AdminUserState.user_id),
        destructive=False,
    )
    return rx.card(
        rx.flex(
            rx.flex(
                rx.flex(
                    rx.heading(user["full_name"], as_="h2", size="5"),
                    status_badge(AdminUserState.is_active),
                    rx.cond(AdminUserState.is_self, rx.badge("This is you", color_scheme="indigo")),
                    align="center",
                    spacing="3",
                ),
                rx.cond(AdminUserState.is_active, deactivate, activate),
                justify="between",
                align="center",
                wrap="wrap",
                spacing="3",
            ),
            rx.cond(
                AdminUserState.errors.contains("user_id"),  # type: ignore[attr-defined]
                rx.callout(
                    AdminUserState.errors["user_id"],
                    icon="circle_alert",
                    color_scheme="red",
                    role="alert",
                    size="1",
                ),
            ),
            rx.data_list.root(
                _fact("Username", user["username"]),
                _fact("Email address", user["email"]),
                _fact("Job title", user["job_title"]),
                _fact("Signs in with", user["sign_in"]),
                _fact(
                    "Last signed in",
                    rx.text(
                        user["last_login"],
                        rx.cond(
                            user["last_login_exact"] != "",
                            rx.text.span(" (", user["last_login_exact"], ")", color_scheme="gray"),
                        ),
                    ),
                ),
                _fact("Account created", user["created"]),
                orientation="horizontal",
                size="2",
            ),
            direction="column",
            spacing="4",
        ),
        size="3",
        width="100%",
    )


def _role_checkbox(role: RoleOption) -> rx.Component:
    hint_id = "role-hint-" + role.id.to_string()  # type: ignore[attr-defined]
    return rx.el.li(
        rx.flex(
            rx.flex(
                rx.cond(
                    role.held_via_azure,
                    # Given by an Azure AD group: shown, but only Azure AD can take it away.
                    rx.checkbox(
                        role.name,
                        checked=True,
                        disabled=True,
                        aria_describedby=hint_id,
                        size="2",
                    ),
                    rx.checkbox(
                        role.name,
                        name=role.field,
                        default_checked=role.held_locally,
                        aria_describedby=hint_id,
                        size="2",
                    ),
                ),
                rx.cond(
                    role.held_via_azure,
                    rx.badge(
                        rx.icon("network", size=12, aria_hidden="true"),
                        "From an Azure AD group",
                        color_scheme="blue",
                        variant="soft",
                    ),
                ),
                spacing="2",
                align="center",
                wrap="wrap",
            ),
            rx.text(
                role.description,
                id=hint_id,
                size="1",
                color_scheme="gray",
                padding_left="calc(var(--space-4) + var(--space-2))",
            ),
            direction="column",
            spacing="1",
        ),
    )


def user_roles_form() -> rx.Component:
    return section(
        "Roles",
        rx.form(
            rx.el.input(type="hidden", name="user_id", value=AdminUserState.user_id.to_string()),  # type: ignore[attr-defined]
            rx.flex(
                error_summary(AdminUserState.roles_error_list),
                field_group(
                    "Roles given in MTK Care",
                    "role_ids",
                    rx.el.ul(
                        rx.foreach(AdminUserState.roles, _role_checkbox),
                        display="grid",
                        grid_template_columns="repeat(auto-fill, minmax(18rem, 1fr))",
                        gap="var(--space-3)",
                        **PLAIN_LIST,
                    ),
                    form=USER_ROLES_FORM,
                    errors=AdminUserState.errors,
                    hide_legend=True,
                ),
                direction="column",
                spacing="3",
            ),
            rx.cond(
                AdminUserState.has_azure_roles,
                rx.text(
                    "Roles from Azure AD groups change when the person's groups change in "
                    "Azure AD; they are updated at each Microsoft sign-in.",
                    size="1",
                    color_scheme="gray",
                    margin_top="var(--space-3)",
                ),
            ),
            rx.button("Save roles", type="submit", margin_top="var(--space-4)"),
            on_submit=AdminUserState.save_roles,
            reset_on_submit=False,
            # Re-mounted after each save, so the boxes show what was stored.
            key=AdminUserState.roles.to_string(),  # type: ignore[attr-defined]
        ),
        description="Roles combine: the person can do everything any of their roles allows. "
        "Changes apply to their very next action, no sign-in needed.",
    )


def reset_password_form() -> rx.Component:
    errors = AdminUserState.errors
    form = rx.form(
        rx.el.input(type="hidden", name="user_id", value=AdminUserState.user_id.to_string()),  # type: ignore[attr-defined]
        rx.flex(
            error_summary(AdminUserState.password_error_list),
            text_field(
                "New password",
                "new_password",
                form=RESET_FORM,
                errors=errors,
                type="password",
                auto_complete="new-password",
                width="22rem",
                hint="At least 12 characters, not containing their username",
            ),
            text_field(
                "Type the new password again",
                "confirm_password",
                form=RESET_FORM,
                errors=errors,
                type="password",
                auto_complete="new-password",
                width="22rem",
            ),
            rx.callout(
                "Setting a new password signs them out everywhere: all of their sessions end. "
                "Tell them the new password in person or by phone, never by email.",
                icon="info",
                size="1",
                color_scheme="amber",
            ),
            rx.box(rx.button("Set new password", type="submit")),
            direction="column",
            spacing="3",
        ),
        on_submit=AdminUserState.reset_password,
        reset_on_submit=True,
    )
    return section(
        "Password",
        rx.cond(
            AdminUserState.uses_microsoft,
            rx.text(
                AdminUserState.user["full_name"],
                " signs in with Microsoft, so their password is managed in Azure AD.",
                size="2",
            ),
            rx.cond(
                AdminUserState.is_self,
                rx.text(
                    "To change your own password, use ",
                    rx.link("Your account", href=routes.ACCOUNT),
                    ".",
                    size="2",
                ),
                form,
            ),
        ),
    )


def _session_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.flex(
                rx.text(row["browser"], weight="medium", size="2"),
                rx.cond(
                    row["current"] == "yes", rx.badge("Your current session", color_scheme="indigo")
                ),
                spacing="2",
                align="center",
            ),
            rx.text(row["method"], size="1", color_scheme="gray"),
        ),
        rx.table.cell(rx.text(row["ip_address"], size="2")),
        rx.table.cell(rx.text(row["started"], size="2")),
        rx.table.cell(rx.text(row["last_seen"], size="2", title=row["last_seen_exact"])),
        rx.table.cell(
            confirm_dialog(
                rx.button(
                    "End session",
                    variant="soft",
                    color_scheme="red",
                    size="1",
                    aria_label="End session: " + row["browser"] + ", started " + row["started"],
                ),
                title="End this session?",
                body="This browser ("
                + row["browser"]
                + ", "
                + row["ip_address"]
                + ") is signed out at its next action. The account stays active.",
                confirm_label="End session",
                on_confirm=AdminUserState.end_session(row["id"].to(int)),
            ),
        ),
        key=row["id"],
        align="center",
    )


def user_sessions() -> rx.Component:
    return section(
        "Signed-in sessions",
        rx.cond(
            AdminUserState.sessions.length() > 0,  # type: ignore[attr-defined]
            rx.table.root(
                rx.el.caption("Live sessions of this person", style=VISUALLY_HIDDEN),
                rx.table.header(
                    rx.table.row(
                        rx.table.column_header_cell("Browser"),
                        rx.table.column_header_cell("Address"),
                        rx.table.column_header_cell("Signed in"),
                        rx.table.column_header_cell("Last active"),
                        rx.table.column_header_cell(rx.text("Actions", style=VISUALLY_HIDDEN)),
                    )
                ),
                rx.table.body(rx.foreach(AdminUserState.sessions, _session_row)),
                variant="surface",
                size="1",
                width="100%",
            ),
            rx.text(
                AdminUserState.user["full_name"],
                " is not signed in anywhere right now.",
                size="2",
                color_scheme="gray",
            ),
        ),
        description="Browsers where this person is signed in now. Ending a session signs that "
        "browser out; sessions also end by themselves after a while without activity.",
    )


def user_page_body() -> rx.Component:
    return rx.match(
        AdminUserState.status,
        ("loading", loading_block("Loading the staff member…")),
        (
            "not_found",
            empty_state(
                "user_x",
                "No such staff member",
                "This staff account does not exist or has been deleted.",
                rx.link("Go back to the users list", href=routes.ADMIN, size="2"),
            ),
        ),
        rx.flex(
            user_summary(),
            user_roles_form(),
            reset_password_form(),
            user_sessions(),
            direction="column",
            spacing="4",
        ),
    )


# --------------------------------------------------------------------------------------------
# Roles


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


def _matrix_cell(value: rx.Var) -> rx.Component:
    return rx.table.cell(
        rx.flex(
            rx.cond(
                value == "yes",
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
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(
                rx.cond(
                    creating, "Create a role", "Edit “" + AdminRolesState.editing_role_name + "”"
                )
            ),
            rx.dialog.description(
                rx.cond(
                    creating,
                    "A new role for staff whose work the built-in roles do not fit. "
                    "Give it to people on their user page.",
                    "Everyone who holds this role gets the new permissions at their next action.",
                ),
                size="2",
                margin_bottom="var(--space-3)",
            ),
            rx.form(
                rx.el.input(
                    type="hidden",
                    name="role_id",
                    value=AdminRolesState.editing_role_id.to_string(),  # type: ignore[attr-defined]
                ),
                rx.flex(
                    error_summary(AdminRolesState.error_list),
                    rx.cond(
                        creating,
                        rx.flex(
                            text_field(
                                "Role name",
                                "name",
                                form=ROLE_FORM,
                                errors=errors,
                                max_length=80,
                            ),
                            text_field(
                                "Description",
                                "description",
                                form=ROLE_FORM,
                                errors=errors,
                                optional=True,
                                max_length=500,
                                hint="Who it is for, in a sentence",
                            ),
                            direction="column",
                            spacing="3",
                        ),
                    ),
                    field_group(
                        "Permissions",
                        "permissions",
                        _permission_fieldsets(),
                        form=ROLE_FORM,
                        errors=errors,
                    ),
                    rx.flex(
                        rx.dialog.close(
                            rx.button("Cancel", type="button", variant="soft", color_scheme="gray")
                        ),
                        rx.button(
                            rx.cond(creating, "Create role", "Save permissions"), type="submit"
                        ),
                        spacing="3",
                        justify="end",
                    ),
                    direction="column",
                    spacing="3",
                ),
                on_submit=AdminRolesState.save_role,
                reset_on_submit=False,
            ),
            max_width="44rem",
        ),
        open=AdminRolesState.dialog != "",
        on_open_change=AdminRolesState.set_dialog_open,
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


# --------------------------------------------------------------------------------------------
# Azure AD group mappings


def _mapping_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.text(row["group_name"], weight="medium", size="2")),
        rx.table.cell(rx.code(row["azure_group_id"], size="1", variant="ghost")),
        rx.table.cell(rx.text(row["role_name"], size="2")),
        rx.table.cell(rx.text(row["added"], size="2")),
        rx.table.cell(
            confirm_dialog(
                rx.button(
                    "Remove",
                    variant="soft",
                    color_scheme="red",
                    size="1",
                    aria_label="Remove mapping: "
                    + row["group_name"]
                    + " gives "
                    + row["role_name"],
                ),
                title="Remove this mapping?",
                body="Members of "
                + row["group_name"]
                + " will no longer get the role “"
                + row["role_name"]
                + "” from their next Microsoft sign-in. Roles given in MTK Care by hand are "
                "not affected. You can add the mapping again later.",
                confirm_label="Remove mapping",
                on_confirm=AdminMappingsState.remove_mapping(row["id"].to(int)),
            ),
        ),
        key=row["id"],
        align="center",
    )


def mappings_table() -> rx.Component:
    return rx.cond(
        AdminMappingsState.mappings.length() > 0,  # type: ignore[attr-defined]
        rx.table.root(
            rx.el.caption("Azure AD groups and the roles they give", style=VISUALLY_HIDDEN),
            rx.table.header(
                rx.table.row(
                    rx.table.column_header_cell("Group"),
                    rx.table.column_header_cell("Group object ID"),
                    rx.table.column_header_cell("Gives the role"),
                    rx.table.column_header_cell("Added"),
                    rx.table.column_header_cell(rx.text("Actions", style=VISUALLY_HIDDEN)),
                )
            ),
            rx.table.body(rx.foreach(AdminMappingsState.mappings, _mapping_row)),
            variant="surface",
            size="2",
            width="100%",
        ),
        empty_state(
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
                text_field(
                    "Group object ID",
                    "azure_group_id",
                    form=MAPPING_FORM,
                    errors=errors,
                    max_length=64,
                    width="26rem",
                    monospace=True,
                    hint=f"In Azure AD: Groups, the group, Overview, Object ID. Like {GUID_EXAMPLE}",
                ),
                text_field(
                    "Group name",
                    "group_name",
                    form=MAPPING_FORM,
                    errors=errors,
                    optional=True,
                    max_length=200,
                    width="26rem",
                    hint="The group's display name, so people here can recognise it",
                ),
                select_field(
                    "Role its members get",
                    "role_id",
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
