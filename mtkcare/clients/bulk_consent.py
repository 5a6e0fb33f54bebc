"""Bulk consent on the clients list: the toolbar over the table and the dialog that records
the same consent decision for every selected client (all or nothing, see
``mtkcare.referrals.service.record_bulk_consent``)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import reflex as rx

from mtkcare.clients.state import CONSENT_FORM, MAX_SELECTION, ClientsState
from mtkcare.fields import spec
from mtkcare.referrals.service import CONSENT_ASKS, CONSENT_NEEDS, ConsentInput
from mtkcare.ui.forms import error_summary, input_for, select_for

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


def _consent_field(key: str, needed: frozenset[str] = frozenset()) -> rx.Component:
    """One field of the referral service's consent input, as declared (``needed``: ones the
    answer ticked requires)."""
    field = spec(ConsentInput, key)
    if key in needed:
        field = replace(field, optional=False)
    common: dict[str, Any] = {"form": CONSENT_FORM, "errors": ClientsState.consent_errors}
    if key == "status":
        return input_for(field, on_change=ClientsState.choose_consent, **common)
    if key == "method":
        return select_for(field, **common)
    return input_for(field, options=ClientsState.decline_reasons, **common)


def consent_form() -> rx.Component:
    return rx.form(
        rx.flex(
            _consent_field("status"),
            # Only what the decision needs: the other fields are not shown, nor sent.
            rx.match(
                ClientsState.consent_choice,
                *(
                    (
                        answer.value,
                        rx.flex(
                            *(
                                _consent_field(key, frozenset(CONSENT_NEEDS[answer]))
                                for key in asks
                            ),
                            direction="column",
                            spacing="4",
                        ),
                    )
                    for answer, asks in CONSENT_ASKS.items()
                ),
                rx.fragment(),
            ),
            _consent_field("notes"),
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
