"""Pieces of a client's record page: header, deleted notice, and one panel per tab."""

from __future__ import annotations

from typing import Any

import reflex as rx

from mtkcare.clients.badges import risk_badge as shared_risk_badge
from mtkcare.clients.record_state import (
    CONTACT_FORM,
    GENDER_CHOICES,
    IDENTITY_FORM,
    PROFILE_FORM,
    RISK_CHOICES,
    RISK_FORM,
    ClientRecordState,
)
from mtkcare.ui import routes
from mtkcare.ui.components import confirm_dialog, empty_state, loading_block, records_table
from mtkcare.ui.forms import (
    checkbox_field,
    error_summary,
    fieldset,
    radio_field,
    select_field,
    text_field,
    textarea_field,
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


def _fact(label: str, value: rx.Var | rx.Component, missing: str = "Not recorded") -> rx.Component:
    shown = (
        rx.cond(value != "", rx.text(value), rx.text(missing, color_scheme="gray"))
        if isinstance(value, rx.Var)
        else value
    )
    return rx.data_list.item(
        rx.data_list.label(label, min_width="11rem"), rx.data_list.value(shown)
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
    client = S.client
    return rx.flex(
        rx.text(
            "Born ",
            client["date_of_birth"],
            " (age ",
            client["age"],
            ")",
            size="3",
        ),
        rx.cond(
            client["preferred_name"] != "",
            rx.text("Known as ", client["preferred_name"], size="3", color_scheme="gray"),
        ),
        rx.cond(S.show_risk, risk_badge(S.risk["level"], S.risk["level_label"])),
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
                title="Restore " + S.client["full_name"] + "?",
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
            title="Delete " + S.client["full_name"] + "?",
            body="The client will be hidden from the clients list and searches. Their "
            "referrals are kept and marked orphaned, for reporting. Nothing is erased: "
            "you (or another team lead) can restore the client from this page.",
            confirm_label="Delete client",
            on_confirm=S.delete,
        ),
    )


# --------------------------------------------------------------------------------------------
# Profile


def profile_view() -> rx.Component:
    client = S.client
    edit = rx.cond(
        S.can_edit & ~S.is_deleted,
        rx.button(
            rx.icon("pencil", size=16, aria_hidden="true"),
            "Edit details",
            size="2",
            on_click=S.start_edit,
        ),
    )
    return _panel(
        "Details",
        rx.data_list.root(
            _fact("First name", client["first_name"]),
            _fact("Last name", client["last_name"]),
            _fact("Preferred name", client["preferred_name"]),
            _fact("Date of birth", client["date_of_birth"]),
            _fact("Gender", client["gender_label"]),
            _fact("Phone number", client["phone"]),
            _fact("Email address", client["email"]),
            _fact("Address", client["address"]),
            _fact("Primary language", client["primary_language"]),
            _fact("Interpreter needed", client["interpreter"]),
            _fact("Notes", client["notes"], "No notes"),
            orientation="horizontal",
            size="2",
        ),
        action=edit,
    )


def profile_form() -> rx.Component:
    client = S.client
    errors = S.errors

    def text(label: str, name: str, **kw: Any) -> rx.Component:
        return text_field(label, name, form=PROFILE_FORM, value=client[name], errors=errors, **kw)

    return _panel(
        "Edit details",
        rx.cond(
            S.conflict != "",
            rx.callout.root(
                rx.callout.icon(rx.icon("triangle_alert", aria_hidden="true")),
                rx.callout.text(S.conflict),
                color_scheme="amber",
                role="alert",
                size="2",
            ),
        ),
        error_summary(S.error_list),
        rx.form(
            rx.flex(
                fieldset(
                    "Name",
                    text("First name", "first_name", max_length=100, auto_complete="off"),
                    text("Last name", "last_name", max_length=100),
                    text("Preferred name", "preferred_name", optional=True, max_length=100),
                ),
                fieldset(
                    "About them",
                    text_field(
                        "Date of birth",
                        "date_of_birth",
                        form=PROFILE_FORM,
                        value=client["date_of_birth_iso"],
                        errors=errors,
                        type="date",
                        hint="Day, month and year, for example 27 March 2007",
                        width="12rem",
                    ),
                    select_field(
                        "Gender",
                        "gender",
                        form=PROFILE_FORM,
                        options=GENDER_CHOICES,
                        value=client["gender"],
                        errors=errors,
                        placeholder=None,
                        width="16rem",
                    ),
                ),
                fieldset(
                    "Contact details",
                    text(
                        "Phone number",
                        "phone",
                        optional=True,
                        type="tel",
                        max_length=40,
                        hint="Like 021 555 0123",
                    ),
                    text("Email address", "email", optional=True, type="email", max_length=254),
                    text("Address line 1", "address_line1", optional=True, max_length=200),
                    text("Address line 2", "address_line2", optional=True, max_length=200),
                    text("Suburb", "suburb", optional=True, max_length=100),
                    text("Town or city", "city", optional=True, max_length=100),
                    text("Postcode", "postcode", optional=True, max_length=10, width="8rem"),
                ),
                fieldset(
                    "Language",
                    select_field(
                        "Primary language",
                        "primary_language_id",
                        form=PROFILE_FORM,
                        options=S.language_options,
                        value=client["primary_language_id"],
                        errors=errors,
                        placeholder="Not recorded",
                        optional=True,
                        width="20rem",
                    ),
                    checkbox_field(
                        "An interpreter is needed",
                        "interpreter_required",
                        form=PROFILE_FORM,
                        checked=client["interpreter_required"] != "",
                        errors=errors,
                    ),
                ),
                textarea_field(
                    "Notes",
                    "notes",
                    form=PROFILE_FORM,
                    value=client["notes"],
                    errors=errors,
                    optional=True,
                    max_length=5000,
                    rows="4",
                ),
                _form_buttons("Save changes", S.cancel_edit),
                direction="column",
                spacing="4",
            ),
            on_submit=S.save_profile,
            reset_on_submit=False,
            key=S.form_key,
        ),
    )


def profile_panel() -> rx.Component:
    return rx.cond(S.editing, profile_form(), profile_view())


# --------------------------------------------------------------------------------------------
# Emergency contacts


def _contact_card(contact: rx.Var) -> rx.Component:
    return rx.el.li(
        rx.card(
            rx.flex(
                rx.flex(
                    rx.heading(contact["name"], as_="h3", size="3"),
                    rx.cond(
                        contact["primary"] != "",
                        rx.badge("Main contact", color_scheme="indigo"),
                    ),
                    align="center",
                    spacing="2",
                ),
                rx.text(contact["relationship"], size="2", color_scheme="gray"),
                rx.text(rx.text.span("Phone: ", weight="medium"), contact["phone"], size="2"),
                rx.cond(
                    contact["email"] != "",
                    rx.text(rx.text.span("Email: ", weight="medium"), contact["email"], size="2"),
                ),
                rx.cond(contact["notes"] != "", rx.text(contact["notes"], size="2")),
                direction="column",
                spacing="1",
            ),
            size="2",
        ),
        key=contact["id"],
    )


def contact_form() -> rx.Component:
    errors = S.contact_errors
    return rx.flex(
        error_summary(S.contact_error_list),
        rx.form(
            fieldset(
                "New emergency contact",
                text_field(
                    "Contact's name", "name", form=CONTACT_FORM, errors=errors, max_length=200
                ),
                select_field(
                    "Relationship to the client",
                    "relationship_type_id",
                    form=CONTACT_FORM,
                    options=S.relationship_options,
                    errors=errors,
                    optional=True,
                    width="20rem",
                ),
                text_field(
                    "Contact's phone number",
                    "phone",
                    form=CONTACT_FORM,
                    errors=errors,
                    type="tel",
                    max_length=40,
                    hint="Like 021 555 0123",
                ),
                text_field(
                    "Contact's email address",
                    "email",
                    form=CONTACT_FORM,
                    errors=errors,
                    type="email",
                    optional=True,
                    max_length=254,
                ),
                checkbox_field(
                    "This is the main contact", "is_primary", form=CONTACT_FORM, errors=errors
                ),
                textarea_field(
                    "Notes",
                    "notes",
                    form=CONTACT_FORM,
                    errors=errors,
                    optional=True,
                    max_length=2000,
                ),
                _form_buttons("Add contact", S.close_contact_form),
            ),
            on_submit=S.add_contact,
            reset_on_submit=False,
            key=S.form_key,
        ),
        direction="column",
        spacing="3",
    )


def contacts_panel() -> rx.Component:
    add = rx.cond(
        S.can_edit & ~S.is_deleted & ~S.adding_contact,
        rx.button(
            rx.icon("user_plus", size=16, aria_hidden="true"),
            "Add emergency contact",
            size="2",
            on_click=S.open_contact_form,
        ),
    )
    return _panel(
        "Emergency contacts",
        rx.cond(S.adding_contact, contact_form()),
        rx.cond(
            S.contacts.length() > 0,  # type: ignore[attr-defined]
            rx.el.ul(
                rx.foreach(S.contacts, _contact_card),
                display="grid",
                grid_template_columns="repeat(auto-fill, minmax(18rem, 1fr))",
                gap="var(--space-3)",
                **PLAIN_LIST,
            ),
            rx.cond(
                ~S.adding_contact,
                empty_state(
                    "phone_off",
                    "No emergency contacts",
                    "People to call in an emergency appear here. Add the first one with "
                    "“Add emergency contact”.",
                ),
            ),
        ),
        action=add,
    )


# --------------------------------------------------------------------------------------------
# Cultural identity


def _identity_checkbox(option: rx.Var) -> rx.Component:
    return rx.el.li(
        checkbox_field(
            option["label"],
            option["field"],
            form=IDENTITY_FORM,
            checked=option["checked"] != "",
        ),
        key=option["id"],
    )


def identities_form() -> rx.Component:
    return rx.form(
        rx.flex(
            rx.el.fieldset(
                rx.el.legend(
                    rx.text(
                        "Cultural identities (choose all that apply)", size="2", weight="medium"
                    ),
                    padding="0",
                ),
                rx.el.ul(
                    rx.foreach(S.identity_options, _identity_checkbox),
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
            textarea_field(
                "Cultural identity notes",
                "cultural_identity_notes",
                form=IDENTITY_FORM,
                value=S.client["cultural_identity_notes"],
                errors=S.identity_errors,
                optional=True,
                hint="For example iwi, hapū, or how they describe their identity",
                max_length=5000,
            ),
            _form_buttons("Save cultural identity", S.cancel_identities),
            direction="column",
            spacing="4",
        ),
        on_submit=S.save_identities,
        reset_on_submit=False,
        key=S.form_key,
    )


def identities_view() -> rx.Component:
    return rx.flex(
        rx.cond(
            S.identities.length() > 0,  # type: ignore[attr-defined]
            rx.el.ul(
                rx.foreach(
                    S.identities,
                    lambda i: rx.el.li(rx.badge(i["label"], size="2", variant="soft"), key=i["id"]),
                ),
                display="flex",
                flex_wrap="wrap",
                gap="var(--space-2)",
                **PLAIN_LIST,
            ),
            rx.text("No cultural identity recorded.", size="2", color_scheme="gray"),
        ),
        rx.data_list.root(
            _fact("Notes", S.client["cultural_identity_notes"], "No notes"),
            orientation="horizontal",
            size="2",
        ),
        direction="column",
        spacing="4",
    )


def identities_panel() -> rx.Component:
    edit = rx.cond(
        S.can_edit & ~S.is_deleted & ~S.editing_identities,
        rx.button(
            rx.icon("pencil", size=16, aria_hidden="true"),
            "Change cultural identity",
            size="2",
            on_click=S.start_identities,
        ),
    )
    return _panel(
        "Cultural identity",
        rx.cond(S.editing_identities, identities_form(), identities_view()),
        action=edit,
    )


# --------------------------------------------------------------------------------------------
# Risk


def risk_form() -> rx.Component:
    errors = S.risk_errors
    return rx.flex(
        error_summary(S.risk_error_list),
        rx.form(
            fieldset(
                "New risk assessment",
                radio_field(
                    "Risk level",
                    "risk_level",
                    form=RISK_FORM,
                    options=RISK_CHOICES,
                    errors=errors,
                ),
                textarea_field(
                    "Risk factors",
                    "risk_factors",
                    form=RISK_FORM,
                    errors=errors,
                    optional=True,
                    max_length=5000,
                    hint="What puts them at risk, separated by semicolons",
                ),
                textarea_field(
                    "Risk notes",
                    "risk_notes",
                    form=RISK_FORM,
                    errors=errors,
                    optional=True,
                    max_length=5000,
                    hint="Safety plan, who to tell, when to review",
                ),
                _form_buttons("Save assessment", S.cancel_assessment),
            ),
            on_submit=S.save_assessment,
            reset_on_submit=False,
            key=S.form_key,
        ),
        direction="column",
        spacing="3",
    )


def _assessment_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(row["recorded_at"]),
        rx.table.cell(risk_badge(row["level"], row["level_label"])),
        rx.table.cell(row["factors"]),
        rx.table.cell(row["notes"]),
        rx.table.cell(rx.cond(row["assessed_by"] != "", row["assessed_by"], row["recorded_by"])),
    )


def risk_panel() -> rx.Component:
    risk = S.risk
    new = rx.cond(
        S.can_assess & ~S.is_deleted & ~S.assessing,
        rx.button(
            rx.icon("clipboard_plus", size=16, aria_hidden="true"),
            "Record a new assessment",
            size="2",
            on_click=S.start_assessment,
        ),
    )
    current = rx.data_list.root(
        _fact("Risk level", risk_badge(risk["level"], risk["level_label"])),
        _fact("Risk factors", risk["factors"], "None recorded"),
        _fact("Risk notes", risk["notes"], "None recorded"),
        _fact("Assessed by", risk["assessed_by"], "Not assessed yet"),
        _fact("Assessed on", risk["assessed_at"], "Not assessed yet"),
        orientation="horizontal",
        size="2",
    )
    earlier = rx.cond(
        S.risk_assessments.length() > 1,  # type: ignore[attr-defined]
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
                rx.table.body(rx.foreach(S.risk_assessments, _assessment_row)),
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
        rx.cond(S.assessing, risk_form()),
        current,
        earlier,
        action=new,
    )


# --------------------------------------------------------------------------------------------
# Referrals, enrolments, documents


def _status_badge(label: rx.Var) -> rx.Component:
    return rx.badge(label, variant="soft", color_scheme="gray", size="1")


def referrals_panel() -> rx.Component:
    def row(r: rx.Var) -> rx.Component:
        return rx.table.row(
            rx.table.row_header_cell(rx.text(r["tracking_id"], font_family="monospace")),
            rx.table.cell(r["date"]),
            rx.table.cell(
                rx.flex(
                    _status_badge(r["status_label"]),
                    rx.cond(
                        r["orphaned"] != "",
                        rx.badge("Orphaned", color_scheme="red", variant="surface", size="1"),
                    ),
                    spacing="2",
                )
            ),
            rx.table.cell(r["program"]),
            key=r["id"],
        )

    return _panel(
        "Referrals",
        records_table(
            S.referrals,
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
    def row(e: rx.Var) -> rx.Component:
        return rx.table.row(
            rx.table.row_header_cell(e["program"]),
            rx.table.cell(_status_badge(e["status_label"])),
            rx.table.cell(e["commencement"]),
            rx.table.cell(e["end"]),
            key=e["id"],
        )

    return _panel(
        "Enrolments",
        records_table(
            S.enrolments,
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
    return _panel(
        "History",
        rx.flex(
            rx.text(S.history_range, size="2", color_scheme="gray"),
            rx.cond(S.history_loading, rx.spinner(size="1")),
            role="status",
            align="center",
            spacing="2",
        ),
        rx.el.ol(
            rx.foreach(
                S.history,
                lambda line: rx.el.li(
                    rx.text(line["sentence"], size="2"),
                    key=line["id"],
                    padding="var(--space-2) 0",
                    border_bottom=f"1px solid {rx.color('gray', 4)}",
                ),
            ),
            aria_label="History of this record",
            **PLAIN_LIST,
        ),
        rx.cond(
            S.history_pages > 1,
            rx.el.nav(
                rx.flex(
                    rx.button(
                        rx.icon("chevron_left", size=16, aria_hidden="true"),
                        "Newer",
                        variant="soft",
                        size="2",
                        disabled=(S.history_page <= 1) | S.history_loading,
                        on_click=S.go_to_history_page(S.history_page - 1),
                    ),
                    rx.text(
                        "Page ",
                        S.history_page,
                        " of ",
                        S.history_pages,
                        size="2",
                        color_scheme="gray",
                    ),
                    rx.button(
                        "Older",
                        rx.icon("chevron_right", size=16, aria_hidden="true"),
                        variant="soft",
                        size="2",
                        disabled=(S.history_page >= S.history_pages) | S.history_loading,
                        on_click=S.go_to_history_page(S.history_page + 1),
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
