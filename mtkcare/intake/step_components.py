"""The intake wizard's steps as screens: each draws its parts' fields from their declarations,
plus what is not a plain field (look-up matches, the duplicate callout, program cards)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import reflex as rx

from mtkcare.fields import Kind
from mtkcare.intake import steps
from mtkcare.intake.state import FORM, IntakeState
from mtkcare.ui.components import empty_state
from mtkcare.ui.forms import (
    field_group,
    field_id,
    fieldset,
    input_for,
    select_for,
)

S = IntakeState
# A short text (a postcode) gets a box its size.
NARROW = 10


def _value(name: str) -> rx.Var:
    return S.values.get(name, "")


def _keep(name: str) -> Callable[[Any], Any]:
    return lambda value: S.keep(name, value)


def _words(name: str, control: rx.Component) -> rx.Component:
    """A date box, with the date written out under it once given (no 03/04 guessing)."""
    words = S.date_words.get(name, "")
    return rx.flex(
        control,
        rx.text(
            rx.cond(words != "", "Reads as " + words.to(str), ""),
            size="1",
            color_scheme="gray",
            aria_live="polite",
        ),
        direction="column",
        spacing="1",
    )


def _field(
    part: steps.Part, key: str, *, on_type: Callable[[str], Any] | None = None
) -> rx.Component:
    """One declared field of a step, as the draft names it. ``on_type`` (name -> callback)
    follows a text as it is typed instead of when it is left."""
    spec, name = part.spec(key), part.name(key)
    common: dict[str, Any] = {"form": FORM, "name": name, "value": _value(name), "errors": S.errors}
    if spec.kind == Kind.CHECKBOX:
        return input_for(spec, on_change=lambda _checked: S.toggle(name), **common)
    if key in part.selects:
        return select_for(spec, on_change=_keep(name), **common)
    if spec.kind in (Kind.CHOICE, Kind.REFERENCE):
        options = S.options.get(spec.reference or spec.name, [])
        return input_for(spec, options=options, on_change=_keep(name), **common)
    typed = {"on_change": on_type(name)} if on_type else {"on_blur": _keep(name)}
    narrow = spec.kind == Kind.TEXT and (spec.max_length or NARROW + 1) <= NARROW
    control = input_for(spec, width="8rem" if narrow else None, **typed, **common)
    return _words(name, control) if spec.kind == Kind.DATE else control


def _row(*children: rx.Component) -> rx.Component:
    return rx.grid(*children, columns="2", spacing="4", width="100%")


def _part(part: steps.Part, **how: Any) -> rx.Component:
    """A part's fields row by row (a row of two side by side), boxed under its title if it
    asks to be, shown only while the answer it depends on holds."""
    rows = [
        _field(part, row, **how)
        if isinstance(row, str)
        else _row(*(_field(part, k, **how) for k in row))
        for row in part.layout
    ]
    drawn = (
        fieldset(part.title, *rows)
        if part.boxed
        else rx.flex(*rows, direction="column", spacing="4", width="100%")
    )
    if part.when is None:
        return drawn
    answer, value = part.when
    return rx.cond(_value(answer) == value, drawn)


def _parts(*parts: steps.Part) -> rx.Component:
    return rx.flex(*(_part(p) for p in parts), direction="column", spacing="4")


def help_text(text: str | rx.Var) -> rx.Component:
    return rx.text(text, size="2", color_scheme="gray")


# --------------------------------------------------------------------------------------------
# The steps


def step_referral() -> rx.Component:
    return _parts(*steps.REFERRAL)


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
    keep = None if name == steps.CLIENT_CHOICE else (lambda _v: S.keep(name, value))
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


def _look_up(name: str) -> Callable[[Any], Any]:
    return lambda value: S.look_up(name, value).debounce(300)


def step_lookup() -> rx.Component:
    return rx.flex(
        help_text(
            "Before creating a client, check whether they are already known. Matches appear "
            "as you type, with the reason they match."
        ),
        _part(steps.LOOKUP, on_type=_look_up),
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
                    help_text("No existing clients match what you typed so far."),
                ),
                rx.card(
                    rx.flex(
                        rx.el.input(
                            type="radio",
                            id=field_id(FORM, "client_choice"),
                            name="client_choice",
                            value=steps.NEW_CLIENT,
                            default_checked=_value("client_choice") == steps.NEW_CLIENT,
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
                    _part(steps.NOT_DUPLICATE),
                    direction="column",
                    spacing="2",
                ),
                color_scheme="orange",
            ),
        ),
        _parts(*steps.CLIENT),
        direction="column",
        spacing="4",
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
            help_text(
                "Who should we call in an emergency? Add at least one person with a phone number."
            ),
        ),
        *(
            rx.cond(S.contact_count > index, _part(part))
            for index, part in enumerate(steps.CONTACTS)
        ),
        rx.flex(
            rx.cond(
                S.contact_count < steps.MAX_CONTACTS,
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
    name = steps.IDENTITY.option_name("identity_ids", "") + option["value"].to(str)
    fid = f"{FORM}-identity-" + option["value"].to(str)
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
    """The identities are one checkbox each, from the reference list; then the notes."""
    part = steps.IDENTITY
    identities = part.spec("identity_ids")
    return rx.flex(
        field_group(
            identities.label,
            part.name("identity_ids"),
            rx.grid(
                rx.foreach(S.options.get(identities.reference or "", []), _identity),
                columns="3",
                spacing="2",
            ),
            form=FORM,
            errors=S.errors,
            hint=identities.hint,
        ),
        _field(part, "cultural_identity_notes"),
        direction="column",
        spacing="4",
    )


def step_risk() -> rx.Component:
    return rx.flex(
        _part(steps.RISK),
        help_text("Assessed by " + S.assessor + " on " + S.today + " (recorded when you finish)."),
        direction="column",
        spacing="4",
    )


def _program(program: rx.Var) -> rx.Component:
    return _radio_card(
        steps.PROGRAM.name("target_program_id"),
        program.value,
        [program.label],
        rx.text(program.description, size="1", color_scheme="gray"),
    )


def step_program() -> rx.Component:
    """The programs taking referrals for step 1's service type, as cards."""
    program = steps.PROGRAM.spec("target_program_id")
    return field_group(
        program.label,
        steps.PROGRAM.name("target_program_id"),
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
        form=FORM,
        errors=S.errors,
        hint=program.hint,
    )


def step_consent() -> rx.Component:
    """The consent, then what the answer given asks for (read from the consent input)."""
    return _parts(*steps.STEPS[steps.STEP_KEYS["consent"] - 1].parts)


STEP_VIEWS = {
    "referral": step_referral,
    "lookup": step_lookup,
    "client": step_client,
    "contacts": step_contacts,
    "identity": step_identity,
    "risk": step_risk,
    "program": step_program,
    "consent": step_consent,
}
