"""Pieces of a client's record page: header, deleted notice, and one panel per tab. Fields
are drawn from their declarations (``mtkcare.fields``): a panel names its layout only."""

from __future__ import annotations

from typing import Any

import reflex as rx

from mtkcare.clients.badges import risk_badge as shared_risk_badge
from mtkcare.clients.layouts import CONTACT_LAYOUT, PROFILE_FORM_GROUPS, RISK_LAYOUT
from mtkcare.clients.record_state import (
    CONTACT_FORM,
    IDENTITY_FORM,
    PROFILE_FORM,
    RISK_FORM,
    Assessment,
    ClientRecordState,
    ContactCard,
    ContactsTab,
    EnrolmentLine,
    HistoryTab,
    IdentityChoice,
    IdentityTab,
    ProfileTab,
    ReferralLine,
    RiskTab,
    ServiceTab,
)
from mtkcare.clients.service import (
    ClientDetails,
    CulturalIdentityInput,
    EmergencyContactInput,
    RiskAssessmentInput,
)
from mtkcare.fields import spec
from mtkcare.ui import routes
from mtkcare.ui.components import confirm_dialog, empty_state, loading_block, records_table
from mtkcare.ui.forms import (
    checkbox_field,
    error_summary,
    fieldset,
    form_fields,
    input_for,
)
from mtkcare.ui.styles import PLAIN_LIST

S = ClientRecordState

# --------------------------------------------------------------------------------------------
# Small pieces


def risk_badge(level: rx.Var, label: rx.Var) -> rx.Component:
    return shared_risk_badge(
        level,
        label,
        prefix="Risk: ",
        size="2",
        otherwise=rx.badge("Risk not assessed", color_scheme="gray", variant="surface", size="2"),
    )


def _fact(
    label: str | rx.Var, value: rx.Var | rx.Component, missing: str = "Not recorded"
) -> rx.Component:
    shown = (
        rx.cond(value != "", rx.text(value), rx.text(missing, color_scheme="gray"))
        if isinstance(value, rx.Var)
        else value
    )
    return rx.data_list.item(
        rx.data_list.label(label, min_width="11rem"), rx.data_list.value(shown)
    )


def _facts(items: rx.Var) -> rx.Component:
    """A record's facts (label and value as shown), as a list of ``Fact``s."""
    return rx.data_list.root(
        rx.foreach(items, lambda f: _fact(f.label, f.value)),
        orientation="horizontal",
        size="2",
    )


def _panel(title: str, *children: rx.Component, action: rx.Component | None = None) -> rx.Component:
    return rx.card(
        rx.flex(
            rx.flex(
                rx.heading(title, as_="h2", size="4"),
                action if action is not None else rx.fragment(),
                justify="between",
                align="center",
                wrap="wrap",
                spacing="3",
            ),
            *children,
            direction="column",
            spacing="4",
        ),
        size="3",
        width="100%",
    )


def _form_buttons(save_label: str, on_cancel: Any) -> rx.Component:
    return rx.flex(
        rx.button(save_label, type="submit", size="2"),
        rx.button(
            "Cancel",
            type="button",
            variant="soft",
            color_scheme="gray",
            size="2",
            on_click=on_cancel,
        ),
        spacing="3",
    )


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


def _start_button(label: str, icon: str, tab: Any, *, allowed: rx.Var) -> rx.Component:
    return rx.cond(
        allowed & ~S.is_deleted & ~tab.editing,
        rx.button(rx.icon(icon, size=16, aria_hidden="true"), label, size="2", on_click=tab.start),
    )


def _form(tab: Any, form_id: str, save_label: str, *children: rx.Component) -> rx.Component:
    """A tab's form: its error summary, its fields, Save and Cancel."""
    return rx.flex(
        error_summary(tab.error_list),
        rx.form(
            rx.flex(
                *children, _form_buttons(save_label, tab.close), direction="column", spacing="4"
            ),
            id=f"{form_id}-form",
            on_submit=tab.save,
            reset_on_submit=False,
            key=tab.form_key,
        ),
        direction="column",
        spacing="3",
    )


# --------------------------------------------------------------------------------------------
# Profile


def profile_form() -> rx.Component:
    tab = ProfileTab
    groups = [
        form_fields(
            ClientDetails,
            layout,
            form=PROFILE_FORM,
            values=tab.values,
            errors=tab.errors,
            options={"primary_language_id": tab.language_options},
        )
        for _legend, layout in PROFILE_FORM_GROUPS
    ]
    return _panel(
        "Edit details",
        rx.cond(
            tab.conflict != "",
            rx.callout.root(
                rx.callout.icon(rx.icon("triangle_alert", aria_hidden="true")),
                rx.callout.text(tab.conflict),
                color_scheme="amber",
                role="alert",
                size="2",
            ),
        ),
        _form(
            tab,
            PROFILE_FORM,
            "Save changes",
            *(
                fieldset(legend, group) if legend else group
                for (legend, _), group in zip(PROFILE_FORM_GROUPS, groups, strict=True)
            ),
        ),
    )


def profile_panel() -> rx.Component:
    tab = ProfileTab
    return rx.cond(
        tab.editing,
        profile_form(),
        _panel(
            "Details",
            _facts(tab.facts),
            action=_start_button("Edit details", "pencil", tab, allowed=S.can_edit),
        ),
    )


# --------------------------------------------------------------------------------------------
# Emergency contacts


def _contact_card(contact: rx.Var[ContactCard]) -> rx.Component:
    return rx.el.li(
        rx.card(
            rx.flex(
                rx.flex(
                    rx.heading(contact.name, as_="h3", size="3"),
                    rx.cond(contact.main, rx.badge("Main contact", color_scheme="indigo")),
                    align="center",
                    spacing="2",
                ),
                rx.text(contact.relationship, size="2", color_scheme="gray"),
                rx.text(rx.text.span("Phone: ", weight="medium"), contact.phone, size="2"),
                rx.cond(
                    contact.email != "",
                    rx.text(rx.text.span("Email: ", weight="medium"), contact.email, size="2"),
                ),
                rx.cond(contact.notes != "", rx.text(contact.notes, size="2")),
                direction="column",
                spacing="1",
            ),
            size="2",
        ),
        key=contact.id,
    )


def contacts_panel() -> rx.Component:
    tab = ContactsTab
    form = _form(
        tab,
        CONTACT_FORM,
        "Add contact",
        fieldset(
            "New emergency contact",
            form_fields(
                EmergencyContactInput,
                CONTACT_LAYOUT,
                form=CONTACT_FORM,
                values=rx.Var.create({}),
                errors=tab.errors,
                options={"relationship_type_id": tab.relationship_options},
            ),
        ),
    )
    return _panel(
        "Emergency contacts",
        rx.cond(tab.editing, form),
        rx.cond(
            tab.contacts.length() > 0,  # type: ignore[attr-defined]
            rx.el.ul(
                rx.foreach(tab.contacts, _contact_card),
                display="grid",
                grid_template_columns="repeat(auto-fill, minmax(18rem, 1fr))",
                gap="var(--space-3)",
                **PLAIN_LIST,
            ),
            rx.cond(
                ~tab.editing,
                empty_state(
                    "phone_off",
                    "No emergency contacts",
                    "People to call in an emergency appear here. Add the first one with "
                    "“Add emergency contact”.",
                ),
            ),
        ),
        action=_start_button("Add emergency contact", "user_plus", tab, allowed=S.can_edit),
    )


# --------------------------------------------------------------------------------------------
# Cultural identity


def _identity_checkbox(choice: rx.Var[IdentityChoice]) -> rx.Component:
    return rx.el.li(
        checkbox_field(choice.label, choice.field, form=IDENTITY_FORM, checked=choice.held),
        key=choice.id,
    )


def identities_panel() -> rx.Component:
    tab = IdentityTab
    ids = spec(CulturalIdentityInput, "identity_ids")
    notes = spec(CulturalIdentityInput, "cultural_identity_notes")
    form = _form(
        tab,
        IDENTITY_FORM,
        "Save cultural identity",
        rx.el.fieldset(
            rx.el.legend(
                rx.text(ids.label + " (choose all that apply)", size="2", weight="medium"),
                padding="0",
            ),
            rx.el.ul(
                rx.foreach(tab.choices, _identity_checkbox),
                display="grid",
                grid_template_columns="repeat(auto-fill, minmax(14rem, 1fr))",
                gap="var(--space-2)",
                margin_top="var(--space-2)",
                **PLAIN_LIST,
            ),
            border="none",
            padding="0",
            margin="0",
        ),
        input_for(notes, form=IDENTITY_FORM, value=tab.notes, errors=tab.errors),
    )
    view = rx.flex(
        rx.cond(
            tab.held.length() > 0,  # type: ignore[attr-defined]
            rx.el.ul(
                rx.foreach(
                    tab.held, lambda label: rx.el.li(rx.badge(label, size="2", variant="soft"))
                ),
                display="flex",
                flex_wrap="wrap",
                gap="var(--space-2)",
                **PLAIN_LIST,
            ),
            rx.text("No cultural identity recorded.", size="2", color_scheme="gray"),
        ),
        rx.data_list.root(
            _fact(notes.label, tab.notes, "No notes"), orientation="horizontal", size="2"
        ),
        direction="column",
        spacing="4",
    )
    return _panel(
        "Cultural identity",
        rx.cond(tab.editing, form, view),
        action=_start_button("Change cultural identity", "pencil", tab, allowed=S.can_edit),
    )


# --------------------------------------------------------------------------------------------
# Risk


def _assessment_row(row: rx.Var[Assessment]) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(row.recorded_at),
        rx.table.cell(risk_badge(row.level, row.level_label)),
        rx.table.cell(row.factors),
        rx.table.cell(row.notes),
        rx.table.cell(rx.cond(row.assessed_by != "", row.assessed_by, row.recorded_by)),
    )


def risk_panel() -> rx.Component:
    tab = RiskTab
    risk = S.risk
    labels = {
        n: spec(RiskAssessmentInput, n).label for n in ("risk_level", "risk_factors", "risk_notes")
    }
    form = _form(
        tab,
        RISK_FORM,
        "Save assessment",
        fieldset(
            "New risk assessment",
            form_fields(
                RiskAssessmentInput,
                RISK_LAYOUT,
                form=RISK_FORM,
                values=rx.Var.create({}),
                errors=tab.errors,
            ),
        ),
    )
    current = rx.data_list.root(
        _fact(labels["risk_level"], risk_badge(risk.level, risk.level_label)),
        _fact(labels["risk_factors"], risk.factors, "None recorded"),
        _fact(labels["risk_notes"], risk.notes, "None recorded"),
        _fact("Assessed by", risk.assessed_by, "Not assessed yet"),
        _fact("Assessed on", risk.assessed_at, "Not assessed yet"),
        orientation="horizontal",
        size="2",
    )
    earlier = rx.cond(
        tab.assessments.length() > 1,  # type: ignore[attr-defined]
        rx.flex(
            rx.heading("All assessments, newest first", as_="h3", size="3"),
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        rx.table.column_header_cell("Recorded"),
                        rx.table.column_header_cell("Level"),
                        rx.table.column_header_cell("Factors"),
                        rx.table.column_header_cell("Notes"),
                        rx.table.column_header_cell("Assessed by"),
                    )
                ),
                rx.table.body(rx.foreach(tab.assessments, _assessment_row)),
                variant="surface",
                size="1",
                width="100%",
            ),
            direction="column",
            spacing="2",
        ),
        rx.text("No earlier assessments.", size="2", color_scheme="gray"),
    )
    return _panel(
        "Current risk",
        rx.cond(tab.editing, form),
        current,
        earlier,
        action=_start_button(
            "Record a new assessment", "clipboard_plus", tab, allowed=S.can_assess
        ),
    )


# --------------------------------------------------------------------------------------------
# Referrals, enrolments, documents


def _status_badge(label: rx.Var) -> rx.Component:
    return rx.badge(label, variant="soft", color_scheme="gray", size="1")


def referrals_panel() -> rx.Component:
    def row(r: rx.Var[ReferralLine]) -> rx.Component:
        return rx.table.row(
            rx.table.row_header_cell(rx.text(r.tracking_id, font_family="monospace")),
            rx.table.cell(r.date),
            rx.table.cell(
                rx.flex(
                    _status_badge(r.status_label),
                    rx.cond(
                        r.orphaned,
                        rx.badge("Orphaned", color_scheme="red", variant="surface", size="1"),
                    ),
                    spacing="2",
                )
            ),
            rx.table.cell(r.program),
            key=r.id,
        )

    return _panel(
        "Referrals",
        records_table(
            ServiceTab.referrals,
            ("Tracking id", "Referral date", "Status", "Program"),
            row,
            caption="The client's referrals, newest first",
            empty=empty_state(
                "inbox",
                "No referrals",
                "Referrals for this client appear here once one is made through intake.",
            ),
        ),
    )


def enrolments_panel() -> rx.Component:
    def row(e: rx.Var[EnrolmentLine]) -> rx.Component:
        return rx.table.row(
            rx.table.row_header_cell(e.program),
            rx.table.cell(_status_badge(e.status_label)),
            rx.table.cell(e.commencement),
            rx.table.cell(e.end),
            key=e.id,
        )

    return _panel(
        "Enrolments",
        records_table(
            ServiceTab.enrolments,
            ("Program", "Status", "Commenced", "Ended"),
            row,
            caption="The client's enrolments",
            empty=empty_state(
                "graduation_cap",
                "No enrolments",
                "When an approved referral starts service, the client's enrolment in the "
                "program appears here.",
            ),
        ),
    )


def documents_panel() -> rx.Component:
    return empty_state(
        "file_text",
        "Documents arrive in a later release",
        "Consent forms, assessments and letters for this client will be kept here.",
    )


# --------------------------------------------------------------------------------------------
# History


def history_panel() -> rx.Component:
    tab = HistoryTab
    return _panel(
        "History",
        rx.flex(
            rx.text(tab.showing, size="2", color_scheme="gray"),
            rx.cond(tab.loading, rx.spinner(size="1")),
            role="status",
            align="center",
            spacing="2",
        ),
        rx.el.ol(
            rx.foreach(
                tab.lines,
                lambda line: rx.el.li(
                    rx.text(line.sentence, size="2"),
                    key=line.id,
                    padding="var(--space-2) 0",
                    border_bottom=f"1px solid {rx.color('gray', 4)}",
                ),
            ),
            aria_label="History of this record",
            **PLAIN_LIST,
        ),
        rx.cond(
            tab.pages > 1,
            rx.el.nav(
                rx.flex(
                    rx.button(
                        rx.icon("chevron_left", size=16, aria_hidden="true"),
                        "Newer",
                        variant="soft",
                        size="2",
                        disabled=(tab.page <= 1) | tab.loading,
                        on_click=tab.go_to_page(tab.page - 1),
                    ),
                    rx.text("Page ", tab.page, " of ", tab.pages, size="2", color_scheme="gray"),
                    rx.button(
                        "Older",
                        rx.icon("chevron_right", size=16, aria_hidden="true"),
                        variant="soft",
                        size="2",
                        disabled=(tab.page >= tab.pages) | tab.loading,
                        on_click=tab.go_to_page(tab.page + 1),
                    ),
                    align="center",
                    spacing="3",
                ),
                aria_label="Pages of history",
            ),
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
            rx.tabs.trigger("Documents", value="documents"),
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
            rx.tabs.content(documents_panel(), value="documents"),
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
