"""One staff member's page (``/admin/user?id=N``): the summary with (de)activation, their
roles, a password reset and their signed-in sessions."""

from __future__ import annotations

import reflex as rx

from mtkcare.ui import routes
from mtkcare.ui.components import confirm_dialog, empty_state, loading_block, records_table
from mtkcare.ui.forms import error_summary, field_group, text_field
from mtkcare.ui.sections import section
from mtkcare.ui.styles import PLAIN_LIST
from mtkcare.users.admin.parts import actions_heading, row_action, status_badge
from mtkcare.users.admin.user_page_state import (
    RESET_FORM,
    USER_ROLES_FORM,
    AdminUserState,
    RoleOption,
    SessionLine,
)


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
            title="Deactivate " + user.full_name + "?",
            body="They will be signed out everywhere straight away: all of their sessions "
            "end. They cannot sign in again until an administrator activates the account. "
            "Their records, referrals and history are kept.",
            confirm_label="Deactivate and sign out",
            on_confirm=AdminUserState.deactivate(AdminUserState.user_id),
        ),
    )
    activate = confirm_dialog(
        rx.button(rx.icon("user_check", size=16, aria_hidden="true"), "Activate account"),
        title="Activate " + user.full_name + "?",
        body="They will be able to sign in again with the roles shown below.",
        confirm_label="Activate",
        on_confirm=AdminUserState.activate(AdminUserState.user_id),
        destructive=False,
    )
    return rx.card(
        rx.flex(
            rx.flex(
                rx.flex(
                    rx.heading(user.full_name, as_="h2", size="5"),
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
                _fact("Username", user.username),
                _fact("Email address", user.email),
                _fact("Job title", user.job_title),
                _fact("Signs in with", user.sign_in),
                _fact(
                    "Last signed in",
                    rx.text(
                        user.last_login,
                        rx.cond(
                            user.last_login_exact != "",
                            rx.text.span(" (", user.last_login_exact, ")", color_scheme="gray"),
                        ),
                    ),
                ),
                _fact("Account created", user.created),
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
                AdminUserState.user.full_name,
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


def _session_row(row: SessionLine) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.flex(
                rx.text(row.browser, weight="medium", size="2"),
                rx.cond(row.current, rx.badge("Your current session", color_scheme="indigo")),
                spacing="2",
                align="center",
            ),
            rx.text(row.method, size="1", color_scheme="gray"),
        ),
        rx.table.cell(rx.text(row.ip_address, size="2")),
        rx.table.cell(rx.text(row.started, size="2")),
        rx.table.cell(rx.text(row.last_seen, size="2", title=row.last_seen_exact)),
        rx.table.cell(
            row_action(
                "End session",
                "End session: " + row.browser + ", started " + row.started,
                title="End this session?",
                body="This browser ("
                + row.browser
                + ", "
                + row.ip_address
                + ") is signed out at its next action. The account stays active.",
                on_confirm=AdminUserState.end_session(row.id),
            ),
        ),
        key=row.id,
        align="center",
    )


def user_sessions() -> rx.Component:
    return section(
        "Signed-in sessions",
        records_table(
            AdminUserState.sessions,
            ["Browser", "Address", "Signed in", "Last active", actions_heading()],
            _session_row,
            caption="Live sessions of this person",
            size="1",
            empty=rx.text(
                AdminUserState.user.full_name,
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
