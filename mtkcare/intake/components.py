"""The intake page's pieces: the drafts list, the step indicator, one form per step, the
check-your-answers summary and the outcome.

Every field is a shared form field (ui/forms.py) named as the service names it, so the
server's messages land next to their fields. Text fields keep their value in the draft when
the worker leaves them (on blur); choices when they change.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from mtkcare.intake import service as intake
from mtkcare.intake.review import CONSENT, GENDERS, METHODS, PRIORITIES, RISK_LEVELS, SOURCES
from mtkcare.intake.state import FORM, IntakeState
from mtkcare.ui import routes
from mtkcare.ui.components import confirm_dialog, empty_state, loading_block, records_table
from mtkcare.ui.forms import (
    checkbox_field,
    error_summary,
    field_id,
    fieldset,
    radio_field,
    select_field,
    text_field,
    textarea_field,
)
from mtkcare.ui.styles import VISUALLY_HIDDEN

S = IntakeState
# A link drawn as a solid button keeps the button's text colour (white on the accent).
BUTTON_LINK = {"color": "var(--accent-contrast)"}


def _value(name: str) -> rx.Var:
    return S.values.get(name, "")


def _keep(name: str) -> Any:
    return lambda value: S.keep(name, value)


def _text(label: str, name: str, **props: Any) -> rx.Component:
    return text_field(
        label,
        name,
        form=FORM,
        value=_value(name),
        errors=S.errors,
        on_blur=_keep(name),
        **props,
    )


def _date(label: str, name: str, **props: Any) -> rx.Component:
    """A date box, with the date written out under it once given (no 03/04 guessing)."""
    words = S.date_words.get(name, "")
    return rx.flex(
        _text(label, name, type="date", **props),
        rx.text(
            rx.cond(words != "", "Reads as " + words.to(str), ""),
            size="1",
            color_scheme="gray",
            aria_live="polite",
        ),
        direction="column",
        spacing="1",
    )


def _area(label: str, name: str, **props: Any) -> rx.Component:
    return textarea_field(
        label, name, form=FORM, value=_value(name), errors=S.errors, on_blur=_keep(name), **props
    )


def _select(label: str, name: str, options: Any, **props: Any) -> rx.Component:
    return select_field(
        label,
        name,
        form=FORM,
        options=options,
        value=_value(name),
        errors=S.errors,
        on_change=_keep(name),
        **props,
    )


def _radios(legend: str, name: str, options: dict[str, str], **props: Any) -> rx.Component:
    return radio_field(
        legend,
        name,
        form=FORM,
        options=list(options.items()),
        value=_value(name),
        errors=S.errors,
        on_change=_keep(name),
        **props,
    )


def _checkbox(label: str | rx.Var, name: str, **props: Any) -> rx.Component:
    return checkbox_field(
        label,
        name,
        form=FORM,
        checked=_value(name) == "on",
        errors=S.errors,
        on_change=lambda _value: S.toggle(name),
        **props,
    )


def _row(*children: rx.Component) -> rx.Component:
    return rx.grid(*children, columns="2", spacing="4", width="100%")


def _help(text: str | rx.Var) -> rx.Component:
    return rx.text(text, size="2", color_scheme="gray")


# --------------------------------------------------------------------------------------------
# Drafts


def _draft_row(draft: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.text(draft["summary"], weight="medium")),
        rx.table.cell("Step ", draft["step"], ": ", draft["step_title"]),
        rx.table.cell(draft["updated"]),
        rx.table.cell(
            rx.flex(
                rx.button(
                    rx.link(
                        "Resume",
                        rx.el.span(" ", draft["summary"], style=VISUALLY_HIDDEN),
                        href=routes.INTAKE + "?draft=" + draft["id"],
                        underline="none",
                        style=BUTTON_LINK,
                    ),
                    as_child=True,
                    size="1",
                ),
                confirm_dialog(
                    rx.button(
                        "Discard",
                        rx.el.span(" ", draft["summary"], style=VISUALLY_HIDDEN),
                        size="1",
                        variant="soft",
                        color_scheme="red",
                    ),
                    title="Discard this draft?",
                    body="The intake for “" + draft["summary"].to(str) + "” will be removed "
                    "from your drafts. Nothing was saved to client records yet, so nothing "
                    "else changes.",
                    confirm_label="Discard draft",
                    cancel_label="Keep the draft",
                    on_confirm=S.discard(draft["id"]),
                ),
                spacing="2",
            )
        ),
        align="center",
        key=draft["id"],
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
        _help(
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


def _step_item(step: intake.Step) -> rx.Component:
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
            *(_step_item(step) for step in intake.STEPS),
            rx.el.li(
                rx.cond(
                    S.step == intake.CHECK_STEP,
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
# The steps


def step_referral() -> rx.Component:
    return rx.flex(
        _radios("Where does the referral come from?", "source", SOURCES),
        rx.cond(
            _value("source") == "EXTERNAL",
            _select(
                "Referring organisation",
                "external_organisation_id",
                S.organisations,
                hint="Only active organisations are listed",
            ),
        ),
        _row(
            _text("Referrer's name", "referrer_name", optional=True, max_length=200),
            _text("Referrer's phone number", "referrer_phone", optional=True, type="tel"),
        ),
        _text("Referrer's email address", "referrer_email", optional=True, type="email"),
        _row(
            _date(
                "Referral date",
                "referral_date",
                hint="The day the referral was made: today or earlier",
            ),
            _select("Service type", "service_type_id", S.service_types),
        ),
        _radios("Priority", "priority", PRIORITIES),
        _area(
            "Reason for referral",
            "reason",
            hint="What the client needs, in the referrer's words where possible",
            rows="4",
            max_length=10000,
        ),
        direction="column",
        spacing="4",
    )


def _radio_card(
    name: str,
    value: rx.Var,
    label: list[Any],
    *details: rx.Component,
    badge: rx.Component | None = None,
) -> rx.Component:
    """One answer of a choice drawn from data (a client, a program), as a card: the radio,
    its label, a few lines of detail. The client choice is only taken when step 2 is
    submitted (nothing is kept as it is ticked)."""
    keep = None if name == intake.CLIENT_CHOICE else (lambda _v: S.keep(name, value))
    rid = f"{FORM}-{name}-" + value.to(str)
    return rx.card(
        rx.flex(
            rx.el.input(
                type="radio",
                id=rid,
                name=name,
                value=value,
                default_checked=_value(name) == value,
                on_change=keep,
                style={"width": "1.1rem", "height": "1.1rem", "margin": "0"},
            ),
            rx.flex(
                rx.text(
                    rx.el.label(*label, html_for=rid), as_child=True, weight="medium", size="2"
                ),
                *details,
                direction="column",
                spacing="1",
                flex="1",
            ),
            badge if badge is not None else rx.fragment(),
            align="start",
            spacing="3",
        ),
        size="1",
        variant="surface",
    )


def _match(match: rx.Var) -> rx.Component:
    return _radio_card(
        "client_choice",
        match["id"],
        ["Same person: ", match["name"], ", born ", match["born"]],
        rx.text(
            rx.cond(match["phone"] != "", match["phone"] + " · ", ""),
            match["city"],
            size="1",
            color_scheme="gray",
        ),
        rx.text("Why: ", match["reasons"], size="1"),
        badge=rx.badge(
            rx.cond(match["likely"] == "yes", "Likely the same: ", "Fits what you typed: "),
            match["score"],
            "%",
            color_scheme=rx.cond(match["likely"] == "yes", "orange", "gray"),
            variant="soft",
        ),
    )


def step_lookup() -> rx.Component:
    def look(label: str, name: str, **props: Any) -> rx.Component:
        return text_field(
            label,
            name,
            form=FORM,
            value=_value(name),
            errors=S.errors,
            on_change=lambda value: S.look_up(name, value).debounce(300),
            **props,
        )

    return rx.flex(
        _help(
            "Before creating a client, check whether they are already known. Matches appear "
            "as you type, with the reason they match."
        ),
        _row(
            look("Name", "lookup_name", hint="First and last name, or part of it"),
            look("Date of birth", "lookup_dob", type="date"),
        ),
        _row(
            look("Phone number", "lookup_phone", type="tel"),
            look("Email address", "lookup_email", type="email"),
        ),
        rx.el.fieldset(
            rx.el.legend(rx.text("Is this person already a client?", size="3", weight="bold")),
            rx.text(
                S.errors.get("client_choice", ""),
                id=field_id(FORM, "client_choice") + "-error",
                color_scheme="red",
                size="2",
                weight="medium",
            ),
            rx.flex(
                rx.cond(
                    S.matches.length() > 0,  # type: ignore[attr-defined]
                    rx.foreach(S.matches, _match),
                    _help("No existing clients match what you typed so far."),
                ),
                rx.card(
                    rx.flex(
                        rx.el.input(
                            type="radio",
                            id=field_id(FORM, "client_choice"),
                            name="client_choice",
                            value=intake.NEW_CLIENT,
                            default_checked=_value("client_choice") == intake.NEW_CLIENT,
                            style={"width": "1.1rem", "height": "1.1rem", "margin": "0"},
                        ),
                        rx.text(
                            rx.el.label(
                                "This is a new client", html_for=field_id(FORM, "client_choice")
                            ),
                            as_child=True,
                            weight="medium",
                            size="2",
                        ),
                        align="center",
                        spacing="3",
                    ),
                    size="1",
                    variant="surface",
                ),
                direction="column",
                spacing="2",
            ),
            border="none",
            padding="0",
            margin="0",
            aria_describedby=field_id(FORM, "client_choice") + "-error",
        ),
        direction="column",
        spacing="4",
    )


def _duplicate(match: rx.Var) -> rx.Component:
    return rx.el.li(
        rx.text(
            match["name"],
            ", born ",
            match["born"],
            " (match ",
            match["score"],
            "%): ",
            match["reasons"],
            size="2",
        )
    )


def step_client() -> rx.Component:
    return rx.flex(
        rx.cond(
            S.linked_name != "",
            rx.callout(
                rx.text(
                    "You are updating the record of ",
                    rx.text(S.linked_name, as_="span", weight="bold"),
                    ". Check their details with them and change what is out of date.",
                ),
                icon="user_check",
                color_scheme="indigo",
            ),
        ),
        rx.cond(
            S.duplicates.length() > 0,  # type: ignore[attr-defined]
            rx.callout.root(
                rx.callout.icon(rx.icon("users", aria_hidden="true")),
                rx.flex(
                    rx.text("This person may already be a client", weight="bold"),
                    rx.el.ul(
                        rx.foreach(S.duplicates, _duplicate),
                        style={"margin": "0", "padding_left": "1.2rem"},
                    ),
                    _checkbox(
                        "I have checked: this is a different person from the clients above",
                        "not_duplicate",
                        hint="Your confirmation is recorded. If it is the same person, go "
                        "back to step 2 and choose them instead.",
                    ),
                    direction="column",
                    spacing="2",
                ),
                color_scheme="orange",
            ),
        ),
        _row(
            _text("First name", "first_name", max_length=100, auto_complete="off"),
            _text("Last name", "last_name", max_length=100),
        ),
        _row(
            _text(
                "Preferred name",
                "preferred_name",
                optional=True,
                hint="What they like to be called",
                max_length=100,
            ),
            _date(
                "Date of birth",
                "date_of_birth",
                hint="Day, month and year, in the order the box shows",
            ),
        ),
        _row(
            _select("Gender", "gender", list(GENDERS.items()), placeholder=None),
            _select("Primary language", "primary_language_id", S.languages, optional=True),
        ),
        _checkbox("An interpreter is needed", "interpreter_required"),
        _row(
            _text("Phone number", "phone", optional=True, type="tel", hint="Like 021 555 0123"),
            _text("Email address", "email", optional=True, type="email"),
        ),
        fieldset(
            "Address",
            _text("Address line 1", "address_line1", optional=True, max_length=200),
            _text("Address line 2", "address_line2", optional=True, max_length=200),
            _row(
                _text("Suburb", "suburb", optional=True, max_length=100),
                _text("Town or city", "city", optional=True, max_length=100),
            ),
            _text("Postcode", "postcode", optional=True, max_length=10, width="8rem"),
        ),
        direction="column",
        spacing="4",
    )


def _contact(index: int) -> rx.Component:
    def name(part: str) -> str:
        return intake.contact_field(index, part)

    return rx.cond(
        S.contact_count > index,
        fieldset(
            f"Emergency contact {index + 1}",
            _row(
                _text("Contact's name", name("name"), max_length=200),
                _select("Relationship", name("relationship_type_id"), S.relationships),
            ),
            _row(
                _text(
                    "Contact's phone number",
                    name("phone"),
                    type="tel",
                    hint="Needed to reach them in an emergency",
                ),
                _text("Contact's email address", name("email"), type="email", optional=True),
            ),
        ),
    )


def step_contacts() -> rx.Component:
    return rx.flex(
        rx.cond(
            S.on_record.length() > 0,  # type: ignore[attr-defined]
            rx.callout.root(
                rx.callout.icon(rx.icon("contact", aria_hidden="true")),
                rx.flex(
                    rx.text(S.linked_name, " already has these contacts on record:"),
                    rx.el.ul(
                        rx.foreach(S.on_record, lambda line: rx.el.li(line)),
                        style={"margin": "0", "padding_left": "1.2rem"},
                    ),
                    rx.text("Add anyone new below, or continue.", size="2"),
                    direction="column",
                    spacing="1",
                ),
                color_scheme="gray",
            ),
            _help(
                "Who should we call in an emergency? Add at least one person with a phone number."
            ),
        ),
        *(_contact(i) for i in range(intake.MAX_CONTACTS)),
        rx.flex(
            rx.cond(
                S.contact_count < intake.MAX_CONTACTS,
                rx.button(
                    rx.icon("plus", size=14, aria_hidden="true"),
                    "Add another contact",
                    type="button",
                    variant="soft",
                    on_click=S.add_contact,
                ),
            ),
            rx.cond(
                S.contact_count > 1,
                rx.button(
                    "Remove the last contact",
                    type="button",
                    variant="soft",
                    color_scheme="gray",
                    on_click=S.remove_contact,
                ),
            ),
            spacing="3",
        ),
        direction="column",
        spacing="4",
    )


def _identity(option: rx.Var) -> rx.Component:
    name = "identity_" + option["value"].to(str)
    fid = "intake-identity-" + option["value"].to(str)
    return rx.flex(
        rx.el.input(
            type="checkbox",
            id=fid,
            name=name,
            default_checked=S.values.get(name, "") == "on",
            on_change=lambda _v: S.toggle(name),
            style={"width": "1.1rem", "height": "1.1rem", "margin": "0"},
        ),
        rx.text(rx.el.label(option["label"], html_for=fid), as_child=True, size="2"),
        align="center",
        spacing="2",
    )


def step_identity() -> rx.Component:
    return rx.flex(
        rx.el.fieldset(
            rx.el.legend(rx.text("Which cultural identities does the client hold?", weight="bold")),
            _help("Choose all that apply, in the client's own words where possible."),
            rx.grid(rx.foreach(S.identities, _identity), columns="3", spacing="2"),
            border="none",
            padding="0",
            margin="0",
            display="flex",
            flex_direction="column",
            gap="var(--space-2)",
        ),
        _area(
            "Iwi, hapū or other cultural detail",
            "cultural_identity_notes",
            optional=True,
            max_length=2000,
        ),
        direction="column",
        spacing="4",
    )


def step_risk() -> rx.Component:
    return rx.flex(
        _radios(
            "Risk level",
            "risk_level",
            RISK_LEVELS,
            hint="Critical: immediate danger to the client or others; contact a team lead now",
        ),
        _area("Risk factors", "risk_factors", optional=True, max_length=5000),
        _area("Notes on the assessment", "risk_notes", optional=True, max_length=5000),
        _help("Assessed by " + S.assessor + " on " + S.today + " (recorded when you finish)."),
        direction="column",
        spacing="4",
    )


def _program(program: rx.Var) -> rx.Component:
    return _radio_card(
        "target_program_id",
        program["value"],
        [program["label"]],
        rx.text(program["description"], size="1", color_scheme="gray"),
    )


def step_program() -> rx.Component:
    return rx.el.fieldset(
        rx.el.legend(rx.text("Which program will serve this client?", weight="bold")),
        _help("Programs taking referrals for the referral's service type."),
        rx.text(
            S.errors.get("target_program_id", ""),
            id=field_id(FORM, "target_program_id"),
            tab_index=-1,
            color_scheme="red",
            size="2",
            weight="medium",
        ),
        rx.cond(
            S.programs.length() > 0,  # type: ignore[attr-defined]
            rx.flex(rx.foreach(S.programs, _program), direction="column", spacing="2"),
            empty_state(
                "folder_x",
                "No program takes this service type",
                "No active program provides the service type chosen in step 1. Go back and "
                "change the service type, or ask a manager to open a program.",
            ),
        ),
        border="none",
        padding="0",
        margin="0",
        display="flex",
        flex_direction="column",
        gap="var(--space-3)",
    )


def step_consent() -> rx.Component:
    status = _value("consent_status")
    return rx.flex(
        _radios("Has the client consented to the service?", "consent_status", CONSENT),
        rx.match(
            status,
            (
                "OBTAINED",
                rx.flex(
                    _select("How consent was given", "consent_method", list(METHODS.items())),
                    _area(
                        "What the consent covers",
                        "consent_scope",
                        optional=True,
                        hint="For example: sharing details with housing providers",
                        max_length=2000,
                    ),
                    _row(
                        _date("Consent expiry date", "consent_expires_on",
                              optional=True),
                        _date("Service starts on", "commencement_date",
                              hint="An enrolment starts on this date"),
                    ),
                    direction="column",
                    spacing="4",
                ),
            ),
            (
                "DECLINED",
                _select("Reason for declining", "decline_reason_id", S.decline_reasons),
            ),
            (
                "REQUESTED",
                _date("Follow-up date", "follow_up_date",
                      hint="When to ask again: today or later"),
            ),
            rx.fragment(),
        ),
        _area("Notes", "consent_notes", optional=True, max_length=5000),
        direction="column",
        spacing="4",
    )  # fmt: skip


STEP_VIEWS = {
    1: step_referral,
    2: step_lookup,
    3: step_client,
    4: step_contacts,
    5: step_identity,
    6: step_risk,
    7: step_program,
    8: step_consent,
}


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
        _help(
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
            rx.match(S.step, *((n, view()) for n, view in STEP_VIEWS.items()), rx.fragment()),
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
                    rx.cond(S.step == intake.LAST_STEP, "Continue to check", "Continue"),
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
                rx.cond(S.step == intake.CHECK_STEP, check_answers(), _wizard_form()),
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
            rx.callout(S.outcome["message"], icon="circle_check", color_scheme="green", size="2",
                       role="status"),
            rx.flex(
                rx.button(
                    rx.link("Open " + S.outcome["client_name"] + "'s record",
                            href=S.outcome["client_href"], underline="none", style=BUTTON_LINK),
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
