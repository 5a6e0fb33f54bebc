"""The intake page's pieces: the drafts list, the step indicator, one form per step, the
check-your-answers summary and the outcome.

Each step's fields are drawn from its parts (``mtkcare.intake.service``): the service inputs'
declarations give every label, hint, limit and choice (``forms.input_for``), named as the
draft names them, so the server's messages land next to their fields. Text fields keep their
value in the draft when the worker leaves them (on blur); choices when they change. What is
not a plain field stays here: look-up matches and program cards as radio cards, the duplicate
callout, contacts on record, identity checkboxes, the step indicator.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from mtkcare.intake import steps
from mtkcare.intake.state import IntakeState
from mtkcare.intake.step_components import STEP_VIEWS, help_text
from mtkcare.ui import routes
from mtkcare.ui.components import confirm_dialog, empty_state, loading_block, records_table
from mtkcare.ui.forms import (
    error_summary,
)
from mtkcare.ui.styles import VISUALLY_HIDDEN

S = IntakeState
# A link drawn as a solid button keeps the button's text colour (white on the accent).
BUTTON_LINK = {"color": "var(--accent-contrast)"}


# --------------------------------------------------------------------------------------------
# Drafts


def _draft_row(draft: Any) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.text(draft.summary, weight="medium")),
        rx.table.cell("Step ", draft.step, ": ", draft.step_title),
        rx.table.cell(draft.updated),
        rx.table.cell(
            rx.flex(
                rx.button(
                    rx.link(
                        "Resume",
                        rx.el.span(" ", draft.summary, style=VISUALLY_HIDDEN),
                        href=routes.INTAKE + "?draft=" + draft.id.to(str),
                        underline="none",
                        style=BUTTON_LINK,
                    ),
                    as_child=True,
                    size="1",
                ),
                confirm_dialog(
                    rx.button(
                        "Discard",
                        rx.el.span(" ", draft.summary, style=VISUALLY_HIDDEN),
                        size="1",
                        variant="soft",
                        color_scheme="red",
                    ),
                    title="Discard this draft?",
                    body="The intake for “" + draft.summary.to(str) + "” will be removed "
                    "from your drafts. Nothing was saved to client records yet, so nothing "
                    "else changes.",
                    confirm_label="Discard draft",
                    cancel_label="Keep the draft",
                    on_confirm=S.discard(draft.id),
                ),
                spacing="2",
            )
        ),
        align="center",
        key=draft.id,
    )


def drafts_view() -> rx.Component:
    start = rx.button(
        rx.icon("clipboard_plus", size=16, aria_hidden="true"),
        "Start a new intake",
        on_click=S.start,
        size="2",
    )
    return rx.flex(
        rx.flex(
            rx.heading("Your intakes in progress", as_="h2", size="4"),
            start,
            justify="between",
            align="center",
        ),
        help_text(
            "An intake is saved as you go: pick it up here after a break, a lost connection "
            "or a closed browser. Only you can see your drafts."
        ),
        records_table(
            S.drafts,
            ("Client or referral", "Reached", "Last saved", "Actions"),
            _draft_row,
            caption="Your intakes in progress, most recently saved first",
            empty=empty_state(
                "clipboard_list",
                "No intakes in progress",
                "Start an intake when a referral comes in: it takes the referral, finds or "
                "creates the client, and records consent, step by step.",
            ),
        ),
        direction="column",
        spacing="4",
    )


# --------------------------------------------------------------------------------------------
# Step indicator


def _step_item(step: steps.Step) -> rx.Component:
    current = S.step == step.number
    reached = S.reached >= step.number
    label = f"{step.number}. {step.title}"
    return rx.el.li(
        rx.cond(
            S.skipped.contains(step.number),  # type: ignore[attr-defined]
            rx.text(
                label,
                rx.el.span(" (not needed: you may not see this client's risk)"),
                size="2",
                color_scheme="gray",
            ),
            rx.cond(
                current,
                rx.text(label, size="2", weight="bold", color_scheme="indigo", aria_current="step"),
                rx.cond(
                    reached,
                    rx.link(
                        label,
                        href="#",
                        size="2",
                        on_click=[S.go_to(step.number), rx.prevent_default],
                    ),
                    rx.text(label, size="2", color_scheme="gray"),
                ),
            ),
        ),
        padding_y="var(--space-1)",
    )


def step_indicator() -> rx.Component:
    return rx.el.nav(
        rx.el.ol(
            *(_step_item(step) for step in steps.STEPS),
            rx.el.li(
                rx.cond(
                    S.step == steps.CHECK_STEP,
                    rx.text("Check your answers", size="2", weight="bold", color_scheme="indigo"),
                    rx.text("Check your answers", size="2", color_scheme="gray"),
                ),
                padding_y="var(--space-1)",
            ),
            style={"margin": "0", "padding_left": "0", "list_style": "none"},
        ),
        aria_label="Intake steps",
        min_width="13rem",
    )


# --------------------------------------------------------------------------------------------
# Check your answers, outcome


def _review_line(line: rx.Var) -> rx.Component:
    return rx.cond(
        line["kind"] == "section",
        rx.flex(
            rx.heading(line["title"], as_="h3", size="3"),
            rx.button(
                "Change",
                rx.el.span(" ", line["title"], style=VISUALLY_HIDDEN),
                type="button",
                variant="ghost",
                size="1",
                on_click=S.go_to(line["step"]),
            ),
            justify="between",
            align="center",
            padding_top="var(--space-4)",
            border_bottom=f"1px solid {rx.color('gray', 6)}",
        ),
        rx.grid(
            rx.text(line["label"], size="2", weight="medium", color_scheme="gray"),
            rx.text(line["value"], size="2", white_space="pre-wrap"),
            columns="14rem 1fr",
            spacing="3",
            padding_y="var(--space-1)",
        ),
    )


def check_answers() -> rx.Component:
    return rx.flex(
        help_text(
            "Check everything with the client. Finishing saves the client, their contacts, "
            "identity, risk, the referral and consent together; if anything fails, nothing "
            "is saved and this draft stays."
        ),
        rx.box(rx.foreach(S.review, _review_line)),
        rx.flex(
            rx.button("Back", type="button", variant="soft", color_scheme="gray",
                      on_click=S.back),
            rx.button(
                rx.cond(S.busy, rx.spinner(size="2"), rx.icon("check", size=16)),
                "Finish intake",
                type="button",
                size="3",
                disabled=S.busy,
                on_click=S.finish,
            ),
            spacing="3",
            justify="end",
        ),
        direction="column",
        spacing="4",
    )  # fmt: skip


def _wizard_form() -> rx.Component:
    return rx.form(
        rx.flex(
            rx.match(
                S.step,
                *((step.number, STEP_VIEWS[step.key]()) for step in steps.STEPS),
                rx.fragment(),
            ),
            rx.flex(
                rx.link("Save and close", href=routes.INTAKE, size="2"),
                rx.text(
                    rx.cond(
                        S.saved,
                        rx.fragment(
                            rx.icon("circle_check", size=14, aria_hidden="true"),
                            " Draft saved",
                        ),
                        "Saved as you go",
                    ),
                    role="status",
                    size="1",
                    color_scheme="gray",
                    display="flex",
                    align_items="center",
                    gap="var(--space-1)",
                ),
                rx.spacer(),
                rx.cond(
                    S.step > 1,
                    rx.button(
                        "Back",
                        type="button",
                        variant="soft",
                        color_scheme="gray",
                        on_click=S.back,
                        disabled=S.busy,
                    ),
                ),
                rx.button(
                    rx.cond(S.busy, rx.spinner(size="2"), rx.fragment()),
                    rx.cond(S.step == steps.LAST_STEP, "Continue to check", "Continue"),
                    type="submit",
                    disabled=S.busy,
                ),
                align="center",
                spacing="3",
                padding_top="var(--space-2)",
            ),
            direction="column",
            spacing="5",
        ),
        on_submit=S.submit,
        reset_on_submit=False,
        key=S.form_key,
        aria_labelledby="intake-step",
    )


def wizard_view() -> rx.Component:
    return rx.flex(
        step_indicator(),
        rx.card(
            rx.flex(
                rx.flex(
                    rx.heading(S.step_heading, as_="h2", size="5", id="intake-step", tab_index=-1),
                    rx.progress(value=S.progress, max=100, aria_label="Intake progress"),
                    direction="column",
                    spacing="2",
                ),
                error_summary(S.error_list),
                rx.cond(S.step == steps.CHECK_STEP, check_answers(), _wizard_form()),
                direction="column",
                spacing="4",
            ),
            size="3",
            flex="1",
            min_width="0",
        ),
        spacing="5",
        align="start",
    )


def done_view() -> rx.Component:
    return rx.card(
        rx.flex(
            rx.callout(S.outcome.message, icon="circle_check", color_scheme="green", size="2",
                       role="status"),
            rx.flex(
                rx.button(
                    rx.link("Open " + S.outcome.client_name + "'s record",
                            href=S.outcome.client_href, underline="none", style=BUTTON_LINK),
                    as_child=True,
                ),
                rx.button("Start another intake", variant="soft", on_click=S.start),
                spacing="3",
            ),
            direction="column",
            spacing="4",
        ),
        size="3",
    )  # fmt: skip


def intake_body() -> rx.Component:
    return rx.match(
        S.view,
        ("drafts", drafts_view()),
        ("wizard", wizard_view()),
        ("done", done_view()),
        (
            "missing",
            empty_state(
                "file_x",
                "This intake is not available",
                "It was finished or discarded, or it is not yours. Your drafts are listed on "
                "the intake page.",
                rx.link("Go to your drafts", href=routes.INTAKE, size="2"),
            ),
        ),
        loading_block("Opening the intake…"),
    )
