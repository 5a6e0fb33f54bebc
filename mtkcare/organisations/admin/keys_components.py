"""An organisation's API keys: the table (prefix, created, last used, expires, state) with
rotate and revoke, "Issue a new key", and the dialog that shows a new key once."""

from __future__ import annotations

import reflex as rx

from mtkcare.organisations.admin.keys_state import ApiKeysState
from mtkcare.organisations.api_keys import KeyLine
from mtkcare.ui.components import confirm_dialog, loading_block, records_table
from mtkcare.ui.sections import section
from mtkcare.users.admin.parts import actions_heading, row_action

K = ApiKeysState
STATE_COLOURS = {
    "Active": "green",
    "Expires soon (rotated)": "amber",
    "Expired": "gray",
    "Revoked": "red",
}
NEW_KEY_ID = "new-api-key"


def _usable(key: rx.Var[KeyLine]) -> rx.Var:
    return (key.state == "Active") | (key.state == "Expires soon (rotated)")


def _state_badge(key: rx.Var[KeyLine]) -> rx.Component:
    return rx.cond(
        _usable(key) & ~K.organisation_active,
        # The key itself is fine, but the organisation's requests are refused.
        rx.badge("Refused: organisation inactive", color_scheme="gray"),
        rx.match(
            key.state,
            *(
                (state, rx.badge(state, color_scheme=colour))
                for state, colour in STATE_COLOURS.items()
            ),
            rx.badge(key.state),
        ),
    )


def _actions(key: rx.Var[KeyLine]) -> rx.Component:
    rotate = confirm_dialog(
        rx.button("Rotate", size="1", variant="soft", aria_label="Rotate key " + key.prefix),
        title="Rotate key " + key.prefix + "?",
        body="A new key is issued and shown to you once. The old key keeps working for "
        + K.grace_hours.to_string()  # type: ignore[attr-defined]
        + " hours, while the organisation's system switches to the new one; then it stops.",
        confirm_label="Issue the new key",
        on_confirm=K.rotate(key.id),
        destructive=False,
    )
    return rx.flex(
        rx.cond((key.state == "Active") & K.organisation_active, rotate),
        rx.cond(
            _usable(key),
            row_action(
                "Revoke",
                "Revoke key " + key.prefix,
                title="Revoke key " + key.prefix + "?",
                body="Requests with this key are refused from now on. This cannot be undone: "
                "the organisation's system needs a new key to use the partner API again.",
                confirm_label="Revoke the key",
                on_confirm=K.revoke(key.id),
            ),
        ),
        spacing="2",
    )


def _row(key: rx.Var[KeyLine]) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.code(key.prefix, variant="ghost")),
        rx.table.cell(_state_badge(key)),
        rx.table.cell(rx.text(key.created, size="2")),
        rx.table.cell(rx.text(key.last_used, size="2")),
        rx.table.cell(rx.text(key.expires, size="2")),
        rx.table.cell(_actions(key)),
        key=key.id,
        align="center",
    )


def new_key_dialog() -> rx.Component:
    """The new key, once: with a copy button and what to do with it. Closing it forgets it."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Copy the new API key now"),
            rx.dialog.description(
                "For ",
                K.organisation_name,
                ". Its system sends it in each request's header: ",
                rx.code("Authorization: Bearer <key>"),
                ".",
                size="2",
                margin_bottom="var(--space-3)",
            ),
            rx.flex(
                rx.callout(
                    "This is the only time the key is shown. MTK Care does not keep it, so "
                    "nobody can show it again: store it in the organisation's system or a "
                    "password manager now. If it is lost, issue a new key and revoke this one.",
                    icon="triangle_alert",
                    color_scheme="amber",
                    role="alert",
                    size="1",
                ),
                rx.flex(
                    rx.text(
                        rx.el.label("New API key", html_for=NEW_KEY_ID),
                        as_child=True,
                        size="2",
                        weight="medium",
                    ),
                    rx.input(
                        id=NEW_KEY_ID,
                        value=K.new_key,
                        read_only=True,
                        font_family="var(--code-font-family)",
                        auto_complete="off",
                        spell_check=False,
                        width="100%",
                    ),
                    direction="column",
                    spacing="1",
                ),
                rx.text(
                    "Key ",
                    rx.code(K.new_key_prefix),
                    " expires on ",
                    K.new_key_expires,
                    ".",
                    rx.cond(
                        K.replaced_prefix != "",
                        rx.text.span(
                            " The key it replaces, ",
                            rx.code(K.replaced_prefix),
                            ", keeps working for ",
                            K.grace_hours,
                            " hours.",
                        ),
                    ),
                    size="2",
                ),
                rx.flex(
                    rx.button(
                        rx.icon("copy", size=16, aria_hidden="true"),
                        "Copy the key",
                        variant="soft",
                        type="button",
                        on_click=[
                            rx.set_clipboard(K.new_key),
                            rx.toast.success("Key copied"),
                        ],
                    ),
                    rx.dialog.close(rx.button("I have stored it: close", type="button")),
                    spacing="3",
                    justify="end",
                ),
                direction="column",
                spacing="3",
            ),
            max_width="40rem",
        ),
        open=K.new_key != "",
        on_open_change=K.set_new_key_open,
    )


def keys_section() -> rx.Component:
    issue = rx.button(
        rx.icon("key_round", size=16, aria_hidden="true"),
        "Issue a new key",
        on_click=K.issue,
        disabled=~K.organisation_active,
    )
    return section(
        "API keys",
        rx.cond(
            K.loaded,
            rx.flex(
                rx.cond(
                    K.organisation_active,
                    rx.fragment(),
                    rx.callout(
                        "This organisation is inactive: every request with its keys is refused. "
                        "Reactivate it to issue keys or let its keys work again.",
                        icon="circle_slash",
                        color_scheme="gray",
                        size="1",
                    ),
                ),
                records_table(
                    K.keys,
                    ["Key", "State", "Issued", "Last used", "Expires", actions_heading()],
                    _row,
                    caption="API keys of this organisation, newest first",
                    size="1",
                    empty=rx.text(
                        "No keys yet. Issue one when the organisation's system is ready to "
                        "call the partner API.",
                        size="2",
                        color_scheme="gray",
                    ),
                ),
                rx.box(issue),
                direction="column",
                spacing="3",
            ),
            loading_block("Loading keys…"),
        ),
        new_key_dialog(),
        description="Keys let the organisation's system call the partner API. Only the start "
        "of each key (its prefix) is kept and shown; the whole key is shown once, when issued.",
    )
