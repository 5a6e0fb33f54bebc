"""A client's record page: header, deleted notice, delete button and the tabs."""

from __future__ import annotations

import reflex as rx

from mtkcare.clients.record_panels import (
    contacts_panel,
    documents_panel,
    enrolments_panel,
    history_panel,
    identities_panel,
    profile_panel,
    referrals_panel,
    risk_panel,
)
from mtkcare.clients.record_parts import S, risk_badge
from mtkcare.ui import routes
from mtkcare.ui.components import confirm_dialog, empty_state, loading_block

# --------------------------------------------------------------------------------------------
# Header


def client_summary() -> rx.Component:
    return rx.flex(
        rx.text("Born ", S.born, " (age ", S.age, ")", size="3"),
        rx.cond(S.known_as != "", rx.text("Known as ", S.known_as, size="3", color_scheme="gray")),
        rx.cond(S.show_risk, risk_badge(S.risk.level, S.risk.level_label)),
        rx.cond(
            S.is_deleted,
            rx.badge(
                rx.icon("trash_2", size=12, aria_hidden="true"),
                "Deleted",
                color_scheme="red",
                size="2",
            ),
        ),
        align="center",
        spacing="4",
        wrap="wrap",
    )


def deleted_notice() -> rx.Component:
    return rx.callout.root(
        rx.callout.icon(rx.icon("trash_2", aria_hidden="true")),
        rx.flex(
            rx.callout.text(S.deleted_note, weight="medium"),
            rx.callout.text(
                "The client is hidden from lists and searches. Restoring brings them back, "
                "with their referrals no longer marked orphaned.",
                size="2",
            ),
            confirm_dialog(
                rx.button(
                    rx.icon("undo_2", size=16, aria_hidden="true"),
                    "Restore client",
                    size="2",
                    color_scheme="indigo",
                ),
                title="Restore " + S.full_name + "?",
                body="They will appear in the clients list and searches again, and their "
                "referrals will no longer be marked orphaned.",
                confirm_label="Restore client",
                on_confirm=S.restore,
                destructive=False,
            ),
            direction="column",
            spacing="2",
            align="start",
        ),
        color_scheme="red",
        role="alert",
        size="2",
    )


def delete_button() -> rx.Component:
    return rx.cond(
        S.can_delete & (S.status == "ready") & ~S.is_deleted,
        confirm_dialog(
            rx.button(
                rx.icon("trash_2", size=16, aria_hidden="true"),
                "Delete client",
                color_scheme="red",
                variant="soft",
                size="2",
            ),
            title="Delete " + S.full_name + "?",
            body="The client will be hidden from the clients list and searches. Their "
            "referrals are kept and marked orphaned, for reporting. Nothing is erased: "
            "you (or another team lead) can restore the client from this page.",
            confirm_label="Delete client",
            on_confirm=S.delete,
        ),
    )


# --------------------------------------------------------------------------------------------
# The whole record


def record_tabs() -> rx.Component:
    return rx.tabs.root(
        rx.tabs.list(
            rx.tabs.trigger("Profile", value="profile"),
            rx.tabs.trigger("Emergency contacts", value="contacts"),
            rx.tabs.trigger("Cultural identity", value="identity"),
            rx.cond(S.show_risk, rx.tabs.trigger("Risk history", value="risk")),
            rx.cond(S.show_referrals, rx.tabs.trigger("Referrals", value="referrals")),
            rx.cond(S.show_enrolments, rx.tabs.trigger("Enrolments", value="enrolments")),
            rx.cond(S.show_documents, rx.tabs.trigger("Documents", value="documents")),
            rx.tabs.trigger("History", value="history"),
            size="2",
            wrap="wrap",
        ),
        rx.box(
            rx.tabs.content(profile_panel(), value="profile"),
            rx.tabs.content(contacts_panel(), value="contacts"),
            rx.tabs.content(identities_panel(), value="identity"),
            rx.cond(S.show_risk, rx.tabs.content(risk_panel(), value="risk")),
            rx.cond(S.show_referrals, rx.tabs.content(referrals_panel(), value="referrals")),
            rx.cond(S.show_enrolments, rx.tabs.content(enrolments_panel(), value="enrolments")),
            rx.cond(S.show_documents, rx.tabs.content(documents_panel(), value="documents")),
            rx.tabs.content(history_panel(), value="history"),
            padding_top="var(--space-4)",
        ),
        default_value="profile",
    )


def record_body() -> rx.Component:
    return rx.flex(
        client_summary(),
        rx.cond(S.is_deleted, deleted_notice()),
        record_tabs(),
        direction="column",
        spacing="4",
    )


def client_record() -> rx.Component:
    return rx.match(
        S.status,
        ("loading", loading_block("Loading the client…")),
        (
            "not_found",
            empty_state(
                "user_x",
                "No such client",
                "This client does not exist, or has been deleted. Search the clients list "
                "to find who you are looking for.",
                rx.link("Go to the clients list", href=routes.CLIENTS, size="2"),
            ),
        ),
        record_body(),
    )
