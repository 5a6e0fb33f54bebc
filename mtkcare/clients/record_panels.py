"""The client record page's tabs as panels: each names its layout; fields are drawn from their
declarations (``mtkcare.fields``)."""

from __future__ import annotations

import reflex as rx

from mtkcare.clients.layouts import CONTACT_LAYOUT, PROFILE_FORM_GROUPS, RISK_LAYOUT
from mtkcare.clients.record_parts import (
    S,
    fact,
    facts_list,
    panel,
    risk_badge,
    start_button,
    tab_form,
)
from mtkcare.clients.record_tabs import (
    CONTACT_FORM,
    IDENTITY_FORM,
    PROFILE_FORM,
    RISK_FORM,
    Assessment,
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
from mtkcare.documents.components import documents_panel as documents_panel_for
from mtkcare.fields import spec
from mtkcare.ui import routes
from mtkcare.ui.components import empty_state, records_table
from mtkcare.ui.forms import (
    checkbox_field,
    fieldset,
    form_fields,
    input_for,
)
from mtkcare.ui.styles import PLAIN_LIST

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
    return panel(
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
        tab_form(
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
        panel(
            "Details",
            facts_list(tab.facts),
            action=start_button("Edit details", "pencil", tab, allowed=S.can_edit),
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
    form = tab_form(
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
    return panel(
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
        action=start_button("Add emergency contact", "user_plus", tab, allowed=S.can_edit),
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
    form = tab_form(
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
            fact(notes.label, tab.notes, "No notes"), orientation="horizontal", size="2"
        ),
        direction="column",
        spacing="4",
    )
    return panel(
        "Cultural identity",
        rx.cond(tab.editing, form, view),
        action=start_button("Change cultural identity", "pencil", tab, allowed=S.can_edit),
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
    form = tab_form(
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
        fact(labels["risk_level"], risk_badge(risk.level, risk.level_label)),
        fact(labels["risk_factors"], risk.factors, "None recorded"),
        fact(labels["risk_notes"], risk.notes, "None recorded"),
        fact("Assessed by", risk.assessed_by, "Not assessed yet"),
        fact("Assessed on", risk.assessed_at, "Not assessed yet"),
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
    return panel(
        "Current risk",
        rx.cond(tab.editing, form),
        current,
        earlier,
        action=start_button("Record a new assessment", "clipboard_plus", tab, allowed=S.can_assess),
    )


# --------------------------------------------------------------------------------------------
# Referrals, enrolments, documents


def _status_badge(label: rx.Var) -> rx.Component:
    return rx.badge(label, variant="soft", color_scheme="gray", size="1")


def referrals_panel() -> rx.Component:
    def row(r: rx.Var[ReferralLine]) -> rx.Component:
        return rx.table.row(
            rx.table.row_header_cell(
                rx.link(
                    r.tracking_id,
                    href=routes.REFERRAL + "?id=" + r.id.to_string(),
                    font_family="monospace",
                    aria_label="Open referral " + r.tracking_id,
                )
            ),
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

    return panel(
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
            rx.table.cell(
                rx.cond(
                    e.referral_id > 0,
                    rx.link(
                        "Referral and its documents",
                        href=routes.REFERRAL + "?id=" + e.referral_id.to_string(),
                    ),
                    "—",
                )
            ),
            key=e.id,
        )

    return panel(
        "Enrolments",
        records_table(
            ServiceTab.enrolments,
            ("Program", "Status", "Commenced", "Ended", "Documents"),
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
    return documents_panel_for("client")


# --------------------------------------------------------------------------------------------
# History


def history_panel() -> rx.Component:
    tab = HistoryTab
    return panel(
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
