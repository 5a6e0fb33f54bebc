"""Bulk consent on the clients list: the toolbar over the table and the dialog that records
the same consent decision for every selected client (all or nothing, see
``mtkcare.referrals.service.record_bulk_consent``)."""

from __future__ import annotations

import reflex as rx

from mtkcare.clients.state import (
    CONSENT_FORM,
    CONSENT_OPTIONS,
    MAX_SELECTION,
    METHOD_OPTIONS,
    ClientsState,
)
from mtkcare.ui.forms import (
    error_summary,
    radio_field,
    select_field,
    text_field,
    textarea_field,
)

TOOLBAR_HINT_ID = "bulk-consent-hint"


def consent_toolbar() -> rx.Component:
    """ "2 selected", Record consent for them, Clear selection. Only for CONSENT_RECORD
    (the handlers check it again on the server)."""
    none_selected = ClientsState.selected_count == 0
    return rx.cond(
        ClientsState.can_record_consent,
        rx.flex(
            rx.button(
                rx.icon("clipboard_check", size=16, aria_hidden="true"),
                "Record consent for ",
                ClientsState.selected_count,
                " selected",
                type="button",
                size="2",
                disabled=none_selected,
                aria_describedby=TOOLBAR_HINT_ID,
                on_click=ClientsState.open_consent,
            ),
            rx.cond(
                none_selected,
                rx.fragment(),
                rx.button(
                    "Clear selection",
                    type="button",
                    size="2",
                    variant="soft",
                    color_scheme="gray",
                    on_click=ClientsState.clear_selection,
                ),
            ),
            rx.text(
                rx.cond(
                    none_selected,
                    "Tick clients with a referral awaiting consent to record their consent "
                    "together.",
                    f"Selected clients stay ticked on other pages (up to {MAX_SELECTION}).",
                ),
                id=TOOLBAR_HINT_ID,
                size="2",
                color_scheme="gray",
            ),
            consent_dialog(),
            align="center",
            spacing="3",
            wrap="wrap",
        ),
    )


def _selected_client(client: rx.Var) -> rx.Component:
    return rx.el.li(
        rx.text(client["name"], size="2", weight="medium"),
        rx.cond(
            client["error"] != "",
            rx.text(client["error"], size="2", color_scheme="red", weight="medium"),
        ),
        id="consent-client-" + client["id"],
        tab_index=-1,
    )


def consent_form() -> rx.Component:
    errors = ClientsState.consent_errors
    return rx.form(
        rx.flex(
            radio_field(
                "What was decided?",
                "status",
                form=CONSENT_FORM,
                options=CONSENT_OPTIONS,
                errors=errors,
                on_change=ClientsState.choose_consent,
            ),
            # Only what the decision needs: the other fields are not shown, nor sent.
            rx.match(
                ClientsState.consent_choice,
                (
                    "OBTAINED",
                    rx.flex(
                        select_field(
                            "How consent was given",
                            "method",
                            form=CONSENT_FORM,
                            options=METHOD_OPTIONS,
                            errors=errors,
                            hint="A signed form is written consent",
                        ),
                        textarea_field(
                            "What the consent covers",
                            "scope",
                            form=CONSENT_FORM,
                            errors=errors,
                            optional=True,
                            rows="2",
                            max_length=2000,
                        ),
                        text_field(
                            "Consent expiry date",
                            "expires_on",
                            form=CONSENT_FORM,
                            type="date",
                            errors=errors,
                            optional=True,
                            hint="Leave blank if the consent does not expire",
                            width="12rem",
                        ),
                        direction="column",
                        spacing="4",
                    ),
                ),
                (
                    "DECLINED",
                    rx.box(
                        select_field(
                            "Reason for declining",
                            "decline_reason_id",
                            form=CONSENT_FORM,
                            options=ClientsState.decline_reasons,
                            errors=errors,
                        ),
                    ),
                ),
                (
                    "REQUESTED",
                    rx.box(
                        text_field(
                            "Follow-up date",
                            "follow_up_date",
                            form=CONSENT_FORM,
                            type="date",
                            errors=errors,
                            hint="The day to ask the client again",
                            width="12rem",
                        ),
                    ),
                ),
                rx.fragment(),
            ),
            textarea_field(
                "Notes",
                "notes",
                form=CONSENT_FORM,
                errors=errors,
                optional=True,
                rows="2",
                max_length=5000,
            ),
            rx.flex(
                rx.dialog.close(
                    rx.button(
                        "Cancel", type="button", variant="soft", color_scheme="gray", size="2"
                    ),
                ),
                rx.button(
                    "Record consent",
                    type="submit",
                    size="2",
                    loading=ClientsState.saving,
                ),
                justify="end",
                spacing="3",
            ),
            direction="column",
            spacing="4",
        ),
        id=CONSENT_FORM,
        on_submit=ClientsState.record_consent,
        reset_on_submit=False,
    )


def consent_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.flex(
                rx.dialog.title(
                    "Record consent for ", ClientsState.selected_count, " clients", margin="0"
                ),
                rx.dialog.description(
                    "The same decision is recorded for each client, on their referral waiting "
                    "for consent. If any client cannot take it, nothing is saved.",
                    size="2",
                    color_scheme="gray",
                ),
                error_summary(ClientsState.consent_summary),
                rx.box(
                    rx.text("Selected clients", size="2", weight="medium", id="consent-clients"),
                    rx.el.ul(
                        rx.foreach(ClientsState.selected_clients, _selected_client),
                        aria_labelledby="consent-clients",
                        style={"margin": "0", "padding_left": "1.2rem"},
                    ),
                    max_height="9rem",
                    overflow_y="auto",
                ),
                consent_form(),
                direction="column",
                spacing="4",
            ),
            max_width="36rem",
        ),
        open=ClientsState.consent_open,
        on_open_change=ClientsState.set_consent_open,
    )
