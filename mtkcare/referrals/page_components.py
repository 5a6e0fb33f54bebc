"""The referral page: summary, the moves this user may make (each opens its form), details,
the status timeline, consent records, notes, and the documents placeholder."""

from __future__ import annotations

import reflex as rx

from mtkcare.clients.record_parts import fact, panel
from mtkcare.documents.components import documents_panel
from mtkcare.fields import spec
from mtkcare.referrals.move_form import move_dialog
from mtkcare.referrals.page import NoteInput
from mtkcare.referrals.page_state import NOTE_FORM, ReferralPageState
from mtkcare.referrals.service import ReferralInput
from mtkcare.ui import routes
from mtkcare.ui.components import confirm_dialog, empty_state, list_or_empty, loading_block
from mtkcare.ui.forms import error_summary, input_for

S = ReferralPageState
R = S.referral


def status_badge(label: rx.Var, is_open: rx.Var) -> rx.Component:
    return rx.badge(
        rx.icon(rx.cond(is_open, "circle_dot", "circle_check"), size=12, aria_hidden="true"),
        label,
        color_scheme=rx.cond(is_open, "indigo", "gray"),
        size="2",
    )


def summary() -> rx.Component:
    return rx.flex(
        status_badge(R.status_label, R.is_open),
        rx.cond(
            R.client_id > 0,
            rx.link(
                R.client_name,
                href=routes.CLIENT + "?id=" + R.client_id.to_string(),  # type: ignore[attr-defined]
            ),
            rx.text("No client linked", color_scheme="gray"),
        ),
        rx.cond(R.program_name != "", rx.text(R.program_name, size="3")),
        rx.cond(R.worker != "", rx.text("Worker: ", R.worker, size="3")),
        align="center",
        spacing="4",
        wrap="wrap",
    )


def possible_duplicate() -> rx.Component:
    """The duplicate check's flag: who the client may already be, why, and the two answers."""
    d = R.duplicate
    candidate = rx.text(
        rx.link(
            d.name,
            href=routes.CLIENT + "?id=" + d.client_id.to_string(),  # type: ignore[attr-defined]
            weight="medium",
        ),
        ", born ",
        d.born,
        size="2",
    )
    link = confirm_dialog(
        rx.button(rx.icon("link", size=16, aria_hidden="true"), "Link to this client", size="2"),
        title="Link this referral to " + d.name + "?",
        body="The referral moves to the record of "
        + d.name
        + ", born "
        + d.born
        + ", with its consent records, enrolments and documents. The record made for "
        + R.client_name
        + " is deleted if it was never edited and nothing else uses it (a team lead can "
        "restore it); otherwise it is kept.",
        confirm_label="Link to this client",
        on_confirm=S.link_duplicate,
        destructive=False,
    )
    answers = rx.cond(
        S.can_resolve_duplicate,
        rx.flex(
            rx.cond(~d.deleted, link),
            rx.button(
                "Not a duplicate",
                on_click=S.dismiss_duplicate,
                variant="soft",
                color_scheme="gray",
                size="2",
            ),
            spacing="2",
            wrap="wrap",
        ),
        rx.callout.text(
            "An intake worker or team lead can link the referral to this client or record "
            "that it is someone else.",
            size="2",
        ),
    )
    return rx.cond(
        d.shown,
        rx.callout.root(
            rx.callout.icon(rx.icon("users", aria_hidden="true")),
            rx.flex(
                rx.callout.text("Possible duplicate — check", weight="bold"),
                rx.cond(
                    d.deleted,
                    rx.callout.text(
                        "The client it was found to resemble has since been deleted: if this "
                        "is nobody else on the system, record that it is not a duplicate.",
                        size="2",
                    ),
                    rx.flex(
                        rx.callout.text(
                            "This referral's client may already be on the system as:", size="2"
                        ),
                        candidate,
                        rx.cond(d.reasons != "", rx.text("Why: ", d.reasons, size="2")),
                        direction="column",
                        spacing="2",
                    ),
                ),
                rx.text("Found by the duplicate check, ", d.checked, size="1"),
                answers,
                direction="column",
                spacing="2",
                align="start",
            ),
            color_scheme="orange",
            role="region",
            aria_label="Possible duplicate",
            size="2",
        ),
    )


def move_buttons() -> rx.Component:
    return rx.cond(
        R.moves.length() > 0,  # type: ignore[attr-defined]
        rx.flex(
            rx.foreach(
                R.moves,
                lambda m: rx.button(
                    m.label,
                    on_click=S.open_move(m.target),
                    variant=rx.cond(m.target == "WITHDRAWN", "soft", "solid"),
                    color_scheme=rx.cond(
                        (m.target == "DECLINED") | (m.target == "WITHDRAWN"), "red", "indigo"
                    ),
                    size="2",
                ),
            ),
            spacing="2",
            wrap="wrap",
            role="group",
            aria_label="Moves you can make",
        ),
        rx.text("There is nothing you can move on this referral now.", color_scheme="gray"),
    )


def details() -> rx.Component:
    return panel(
        "Details",
        rx.data_list.root(
            fact("Tracking id", R.tracking_id),
            fact("Service type", R.service_type),
            fact("Program", R.program_name, "Not yet in a program"),
            fact("Assigned worker", R.worker, "Nobody yet"),
            fact("Priority", R.priority),
            fact("Source", R.source),
            fact("Referrer", R.referrer),
            rx.cond(
                R.external_reference != "",
                fact(spec(ReferralInput, "external_reference").label, R.external_reference),
            ),
            rx.cond(
                R.partner_consent != "",
                fact(spec(ReferralInput, "partner_reports_consent").label, R.partner_consent),
            ),
            fact("Referral date", R.referral_date),
            fact("Received", R.received),
            fact("Client consent", R.consent),
            fact("Follow-up date", R.follow_up_date, "None"),
            fact("Service starts", R.commencement_date, "Not scheduled"),
            rx.cond(R.decline != "", fact("Declined because", R.decline)),
            fact("Reason for referral", R.reason),
            orientation="horizontal",
            size="2",
        ),
    )


def timeline() -> rx.Component:
    return panel(
        "Status timeline",
        rx.el.ol(
            rx.foreach(
                R.timeline,
                lambda line: rx.el.li(
                    rx.flex(
                        rx.text(line.words, weight="medium", size="2"),
                        rx.text(line.when, " (", line.ago, ")", size="1", color_scheme="gray"),
                        rx.cond(line.reason != "", rx.text("Reason: ", line.reason, size="2")),
                        rx.cond(line.note != "", rx.text("Note: ", line.note, size="2")),
                        rx.cond(
                            line.override != "",
                            rx.text(line.override, size="2", color_scheme="amber"),
                        ),
                        direction="column",
                        spacing="1",
                    ),
                    padding_bottom="var(--space-3)",
                ),
            ),
            aria_label="Status timeline",
            style={"listStyle": "none", "paddingLeft": "0", "margin": "0"},
        ),
    )


def consents() -> rx.Component:
    return panel(
        "Consent records",
        list_or_empty(
            R.consents,
            lambda c: rx.el.li(
                rx.text(c.status, weight="medium", size="2"),
                rx.cond(c.method != "", rx.text(c.method, size="2")),
                rx.cond(c.scope != "", rx.text(c.scope, size="2")),
                rx.cond(c.expires != "", rx.text("Expires ", c.expires, size="2")),
                rx.text("Recorded by ", c.recorded, size="1", color_scheme="gray"),
                padding_bottom="var(--space-2)",
            ),
            empty="No consent recorded yet.",
        ),
    )


def notes() -> rx.Component:
    note = spec(NoteInput, "text")
    return panel(
        "Notes",
        rx.cond(
            S.can_note,
            rx.form(
                rx.flex(
                    error_summary(S.note_error_list),
                    input_for(note, form=NOTE_FORM, errors=S.note_errors),
                    rx.button("Add note", type="submit", width="fit-content"),
                    direction="column",
                    spacing="2",
                ),
                key=S.note_key,
                on_submit=S.add_note,
                reset_on_submit=False,
            ),
        ),
        list_or_empty(
            R.notes,
            lambda n: rx.el.li(
                rx.text(n.text, size="2", white_space="pre-wrap"),
                rx.text(n.by, ", ", n.when, size="1", color_scheme="gray"),
                padding_bottom="var(--space-2)",
            ),
            empty="No notes yet.",
            label="Notes",
        ),
    )


def documents() -> rx.Component:
    return rx.cond(S.can_see_documents, documents_panel("referral"))


def referral_page() -> rx.Component:
    return rx.match(
        S.status,
        ("loading", loading_block("Opening the referral…")),
        (
            "not_found",
            empty_state(
                "file_question",
                "This referral is not available",
                "It does not exist, or it belongs to a program you do not work in.",
            ),
        ),
        rx.flex(
            summary(),
            possible_duplicate(),
            move_buttons(),
            move_dialog(S),
            rx.grid(
                rx.flex(details(), notes(), direction="column", spacing="4"),
                rx.flex(timeline(), consents(), documents(), direction="column", spacing="4"),
                columns=rx.breakpoints(initial="1", md="2"),
                spacing="4",
                width="100%",
            ),
            direction="column",
            spacing="4",
            width="100%",
        ),
    )
