"""Form fields, the same everywhere: a visible label tied to its input, an optional hint under
the label, and the error message in one place (between the hint and the input), plus the error
summary that heads a form after a failed submit (GOV.UK pattern, see UI.md).

Every field's element id is ``f"{form}-{name}"``: labels, hints, errors and the error
summary's links all derive from it, so a test finds any input by its label.

Inputs are uncontrolled (``default_value``): the browser keeps what is typed, the form's
``on_submit`` sends every named field to the server. Put a ``key`` on the form that changes
when the values are reloaded (another draft, another step) so the inputs start again from the
server's values. ``on_blur`` / ``on_change`` callbacks receive the field's new value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import reflex as rx
from pydantic import BaseModel
from reflex_base.vars.function import FunctionStringVar

from mtkcare.fields import FieldSpec, Kind, Layout, specs
from mtkcare.ui.paging import clean_id
from mtkcare.ui.styles import VISUALLY_HIDDEN

ERROR_SUMMARY_ID = "error-summary"

# One look for native selects, matching the Radix text fields beside them.
_SELECT_STYLE: dict[str, Any] = {
    "height": "var(--space-6)",
    "padding": "0 var(--space-2)",
    "border_radius": "var(--radius-2)",
    "border": "1px solid var(--gray-a7)",
    "background_color": "var(--color-surface)",
    "font_size": "var(--font-size-2)",
    "color": "var(--gray-12)",
}

type Options = Sequence[tuple[str, str]] | rx.Var  # (value, label) pairs, or a Var of dicts
Callback = Callable[[Any], Any] | None


def field_id(form: str, name: str) -> str:
    return f"{form}-{name}"


def _error_of(errors: rx.Var | None, name: str) -> rx.Var | str:
    if errors is None:
        return ""
    return errors.get(name, "")


def _described_by(fid: str, hint: str | None) -> str:
    return f"{fid}-hint {fid}-error" if hint else f"{fid}-error"


def _error_edge(error: rx.Var | str) -> dict[str, Any]:
    """A field in error gets a red bar on its left and moves right by a small gap; every
    field keeps the bar's 3px, so fields not in error line up with each other."""
    return {
        "padding_left": rx.cond(error != "", "var(--space-3)", "0"),
        "border_left": rx.cond(error != "", "3px solid var(--red-9)", "3px solid transparent"),
    }


def _error_text(fid: str, error: rx.Var | str) -> rx.Component:
    # Always present (empty when fine), so aria-describedby never points at nothing.
    return rx.text(
        rx.cond(
            error != "",
            rx.fragment(
                rx.el.span("Error: ", style=VISUALLY_HIDDEN),
                error,
            ),
        ),
        id=f"{fid}-error",
        size="2",
        weight="medium",
        color_scheme="red",
    )


def form_field(
    label: str | rx.Var,
    fid: str,
    control: rx.Component,
    *,
    hint: str | None = None,
    error: rx.Var | str = "",
    optional: bool = False,
) -> rx.Component:
    """The frame of one field: label, hint, error, control. ``control`` carries ``id=fid``."""
    return rx.flex(
        rx.text(
            rx.el.label(
                label,
                rx.cond(optional, rx.text(" (optional)", as_="span", color_scheme="gray")),
                html_for=fid,
            ),
            as_child=True,
            size="2",
            weight="medium",
        ),
        rx.text(hint, id=f"{fid}-hint", size="1", color_scheme="gray") if hint else rx.fragment(),
        _error_text(fid, error),
        control,
        direction="column",
        spacing="1",
        width="100%",
        **_error_edge(error),
    )


def text_field(
    label: str,
    name: str,
    *,
    form: str,
    value: rx.Var | str = "",
    errors: rx.Var | None = None,
    hint: str | None = None,
    type: str = "text",
    optional: bool = False,
    on_blur: Callback = None,
    on_change: Callback = None,
    max_length: int | None = None,
    auto_complete: str = "off",
    width: str = "100%",
    debounce: int | None = None,
    monospace: bool = False,
) -> rx.Component:
    """A one-line input. For a password give ``type="password"`` and ``auto_complete``
    ("current-password" / "new-password"), and no ``value``: the browser keeps what is typed
    and the page never holds it. ``monospace`` suits codes and identifiers."""
    fid = field_id(form, name)
    error = _error_of(errors, name)
    props: dict[str, Any] = {}
    if monospace:
        props["font_family"] = "var(--code-font-family)"
    if on_blur is not None:
        props["on_blur"] = on_blur
    if on_change is not None:
        props["on_change"] = on_change
    if max_length is not None:
        props["max_length"] = max_length
    control: rx.Component = rx.input(
        id=fid,
        name=name,
        type=type,
        default_value=value,
        auto_complete=auto_complete,
        aria_describedby=_described_by(fid, hint),
        aria_invalid=rx.cond(error != "", "true", "false"),
        size="2",
        width=width,
        **props,
    )
    if debounce is not None:
        control = rx.debounce_input(control, debounce_timeout=debounce)
    return form_field(label, fid, control, hint=hint, error=error, optional=optional)


def textarea_field(
    label: str,
    name: str,
    *,
    form: str,
    value: rx.Var | str = "",
    errors: rx.Var | None = None,
    hint: str | None = None,
    optional: bool = False,
    on_blur: Callback = None,
    rows: str = "3",
    max_length: int | None = None,
) -> rx.Component:
    fid = field_id(form, name)
    error = _error_of(errors, name)
    props: dict[str, Any] = {} if on_blur is None else {"on_blur": on_blur}
    if max_length is not None:
        props["max_length"] = max_length
    return form_field(
        label,
        fid,
        rx.text_area(
            id=fid,
            name=name,
            default_value=value,
            rows=rows,
            aria_describedby=_described_by(fid, hint),
            aria_invalid=rx.cond(error != "", "true", "false"),
            width="100%",
            **props,
        ),
        hint=hint,
        error=error,
        optional=optional,
    )


def _options(options: Options, placeholder: str | None) -> list[rx.Component] | rx.Component:
    first = [rx.el.option(placeholder, value="")] if placeholder is not None else []
    if isinstance(options, rx.Var):
        return rx.fragment(
            *first,
            rx.foreach(
                options,
                lambda o: rx.el.option(o["label"], value=o["value"]),
            ),
        )
    return rx.fragment(*first, *(rx.el.option(text, value=value) for value, text in options))


def select_field(
    label: str,
    name: str,
    *,
    form: str,
    options: Options,
    value: rx.Var | str = "",
    errors: rx.Var | None = None,
    hint: str | None = None,
    placeholder: str | None = "Choose…",
    optional: bool = False,
    on_change: Callback = None,
    width: str = "100%",
) -> rx.Component:
    """A native select (keyboard type-ahead for free); ``options`` are (value, label) pairs or
    a Var holding a list of {"value", "label"} dicts."""
    fid = field_id(form, name)
    error = _error_of(errors, name)
    props: dict[str, Any] = {} if on_change is None else {"on_change": on_change}
    return form_field(
        label,
        fid,
        rx.el.select(
            _options(options, placeholder),
            id=fid,
            name=name,
            default_value=value,
            aria_describedby=_described_by(fid, hint),
            aria_invalid=rx.cond(error != "", "true", "false"),
            width=width,
            style=_SELECT_STYLE,
            **props,
        ),
        hint=hint,
        error=error,
        optional=optional,
    )


def checkbox_field(
    label: str | rx.Var,
    name: str,
    *,
    form: str,
    checked: rx.Var | bool = False,
    errors: rx.Var | None = None,
    hint: str | None = None,
    on_change: Callback = None,
) -> rx.Component:
    """A native checkbox with its label beside it; the form sends ``name: "on"`` when ticked."""
    fid = field_id(form, name)
    error = _error_of(errors, name)
    props: dict[str, Any] = {} if on_change is None else {"on_change": on_change}
    return rx.flex(
        _error_text(fid, error),
        rx.flex(
            rx.el.input(
                type="checkbox",
                id=fid,
                name=name,
                default_checked=checked,
                aria_describedby=_described_by(fid, hint),
                aria_invalid=rx.cond(error != "", "true", "false"),
                style={"width": "1.1rem", "height": "1.1rem", "margin": "0"},
                **props,
            ),
            rx.text(rx.el.label(label, html_for=fid), as_child=True, size="2"),
            align="center",
            spacing="2",
        ),
        rx.text(hint, id=f"{fid}-hint", size="1", color_scheme="gray") if hint else rx.fragment(),
        direction="column",
        spacing="1",
        **_error_edge(error),
    )


def radio_field(
    legend: str,
    name: str,
    *,
    form: str,
    options: Sequence[tuple[str, str]],
    value: rx.Var | str = "",
    errors: rx.Var | None = None,
    hint: str | None = None,
    on_change: Callback = None,
) -> rx.Component:
    """One choice among a few, as a fieldset: the legend is the question, each radio its
    own label (arrow keys move between them)."""
    fid = field_id(form, name)
    error = _error_of(errors, name)

    def radio(option: tuple[str, str]) -> rx.Component:
        opt_value, text = option
        # The first radio carries the field's id: the error summary's link focuses it.
        rid = fid if opt_value == options[0][0] else f"{fid}-{opt_value.lower()}"
        props: dict[str, Any] = {}
        if on_change is not None:
            props["on_change"] = lambda _checked: on_change(opt_value)
        return rx.flex(
            rx.el.input(
                type="radio",
                id=rid,
                name=name,
                value=opt_value,
                default_checked=value == opt_value,
                style={"width": "1.1rem", "height": "1.1rem", "margin": "0"},
                **props,
            ),
            rx.text(rx.el.label(text, html_for=rid), as_child=True, size="2"),
            align="center",
            spacing="2",
        )

    return rx.el.fieldset(
        rx.el.legend(rx.text(legend, size="2", weight="medium"), padding="0"),
        rx.text(hint, id=f"{fid}-hint", size="1", color_scheme="gray") if hint else rx.fragment(),
        _error_text(fid, error),
        rx.flex(*(radio(o) for o in options), direction="column", spacing="2"),
        aria_describedby=_described_by(fid, hint),
        border="none",
        padding="0",
        margin="0",
        display="flex",
        flex_direction="column",
        gap="var(--space-1)",
        **_error_edge(error),
    )


def field_group(
    legend: str,
    name: str,
    control: rx.Component,
    *,
    form: str,
    errors: rx.Var | None = None,
    hint: str | None = None,
    hide_legend: bool = False,
) -> rx.Component:
    """Several inputs answering one question (a list of checkboxes), as a fieldset: the
    legend names the group, then the hint and the group's error, then ``control``. The
    fieldset carries the field id and takes focus from the error summary's link."""
    fid = field_id(form, name)
    error = _error_of(errors, name)
    return rx.el.fieldset(
        rx.el.legend(
            rx.text(legend, size="2", weight="medium"),
            padding="0",
            style=VISUALLY_HIDDEN if hide_legend else {},
        ),
        rx.text(hint, id=f"{fid}-hint", size="1", color_scheme="gray") if hint else rx.fragment(),
        _error_text(fid, error),
        control,
        id=fid,
        # Focusable by script only (Reflex's fieldset has no tab_index prop).
        custom_attrs={"tabIndex": -1},
        aria_describedby=_described_by(fid, hint),
        border="none",
        padding="0",
        margin="0",
        display="flex",
        flex_direction="column",
        gap="var(--space-1)",
        min_width="0",
        **_error_edge(error),
    )


def error_items(
    errors: dict[str, str], form: str, order: Sequence[str] = ()
) -> list[dict[str, str]]:
    """The error summary's lines: each message with a link to its field, in form order."""
    rank = {name: i for i, name in enumerate(order)}
    names = sorted(errors, key=lambda n: (rank.get(n, len(rank)), n))
    return [
        {"href": f"#{field_id(form, n)}", "id": field_id(form, n), "message": errors[n]}
        for n in names
    ]


def error_summary(items: rx.Var) -> rx.Component:
    """Heads the form after a failed submit: every problem, each a link to its field.
    ``items`` is a Var list of {"href", "id", "message"} (see ``error_items``)."""
    return rx.cond(
        items.length() > 0,
        rx.callout.root(
            rx.callout.icon(rx.icon("circle_alert", aria_hidden="true")),
            rx.flex(
                rx.heading("There is a problem", as_="h2", size="3"),
                rx.el.ul(
                    rx.foreach(
                        items,
                        lambda item: rx.el.li(
                            # A plain anchor to the field (a router link would drop the
                            # page's query string).
                            rx.el.a(
                                item["message"],
                                href=item["href"],
                                # No navigation (a changed address would reload the
                                # page's state): scroll the field into view, focus it.
                                on_click=[rx.prevent_default, focus_field(item["id"])],
                                style={"color": "var(--red-11)", "text_decoration": "underline"},
                            )
                        ),
                    ),
                    style={"margin": "0", "padding_left": "1.2rem"},
                ),
                direction="column",
                spacing="2",
            ),
            id=ERROR_SUMMARY_ID,
            tab_index=-1,
            role="alert",
            color_scheme="red",
            size="2",
        ),
    )


def focus_field(element_id: rx.Var) -> rx.event.EventSpec:
    """Calls the static ``mtkcare.focusField`` (assets/mtkcare.js) with the id as data: no
    script is ever built from a value."""
    return rx.run_script(FunctionStringVar.create("window.mtkcare.focusField").call(element_id))


def focus_error_summary() -> rx.event.EventSpec:
    """Move focus to the error summary once it is drawn (return it from the handler)."""
    return rx.call_script(
        f"setTimeout(() => document.getElementById('{ERROR_SUMMARY_ID}')?.focus(), 60)"
    )


def fieldset(legend: str, *children: rx.Component) -> rx.Component:
    """A group of fields under a visible heading (one contact, one address)."""
    return rx.el.fieldset(
        rx.el.legend(rx.text(legend, size="3", weight="bold"), padding="0 var(--space-1)"),
        rx.flex(*children, direction="column", spacing="3"),
        border=f"1px solid {rx.color('gray', 6)}",
        border_radius="var(--radius-3)",
        padding="var(--space-3) var(--space-4) var(--space-4)",
        margin="0",
    )


# --------------------------------------------------------------------------------------------
# Fields drawn from their declaration (mtkcare.fields): label, hint, optional, kind and limits
# come from the service's input, so no form types them again.

# Up to this many choices are radios; more, or an optional choice (which may be left
# unanswered), are a select.
MAX_RADIOS = 4


def _checked(value: rx.Var | str) -> rx.Var | bool:
    if isinstance(value, str):
        return value in ("on", "yes", "true")
    return (value == "on") | (value == "yes") | (value == "true")


def input_for(
    spec: FieldSpec,
    *,
    form: str,
    value: rx.Var | str = "",
    errors: rx.Var | None = None,
    options: Options | None = None,
    name: str | None = None,
    on_blur: Callback = None,
    on_change: Callback = None,
    width: str | None = None,
    placeholder: str | None = "Choose…",
    monospace: bool = False,
    say_optional: bool = True,
) -> rx.Component:
    """The control a declared field asks for (``mtkcare.fields.FieldSpec``), with its label,
    hint, error and limits. ``name`` is the form field's name when it is not the field's own
    (a prefixed contact field); ``options`` are a reference list's choices; ``on_blur`` is
    called with a text's value when it is left, ``on_change`` with a choice's value.
    ``say_optional=False`` leaves "(optional)" off the label (filters, where every field is)."""
    name = name or spec.name
    marked = spec.optional and say_optional
    common: dict[str, Any] = {"form": form, "errors": errors, "hint": spec.hint}
    if spec.kind == Kind.CHECKBOX:
        return checkbox_field(
            spec.label, name, checked=_checked(value), on_change=on_change, **common
        )
    if spec.kind == Kind.CHOICE and not spec.optional and len(spec.choices) <= MAX_RADIOS:
        return radio_field(
            spec.label, name, options=spec.choices, value=value, on_change=on_change, **common
        )
    if spec.kind in (Kind.CHOICE, Kind.REFERENCE):
        return select_field(
            spec.label,
            name,
            options=spec.choices if spec.kind == Kind.CHOICE or options is None else options,
            value=value,
            placeholder=None if spec.kind == Kind.CHOICE and not spec.optional else placeholder,
            optional=marked,
            on_change=on_change,
            width=width or "100%",
            **common,
        )
    if spec.kind == Kind.TEXTAREA:
        return textarea_field(
            spec.label,
            name,
            value=value,
            optional=marked,
            on_blur=on_blur,
            max_length=spec.max_length,
            **common,
        )
    return text_field(
        spec.label,
        name,
        value=value,
        type=spec.kind.value if spec.kind != Kind.TEXT else "text",
        optional=marked,
        on_blur=on_blur,
        on_change=on_change,
        max_length=spec.max_length,
        width=width or ("12rem" if spec.kind == Kind.DATE else "100%"),
        monospace=monospace,
        **common,
    )


def filter_field(
    spec: FieldSpec,
    *,
    form: str,
    width: str,
    errors: rx.Var | None = None,
    options: Options | None = None,
    value: rx.Var | str = "",
) -> rx.Component:
    """One control of a list's filter form: every filter is optional, and "Any" is the
    choice that does not narrow."""
    return rx.box(
        input_for(
            spec,
            form=form,
            value=value,
            errors=errors,
            options=options,
            placeholder="Any",
            say_optional=False,
        ),
        width=width,
    )


def filter_buttons(on_clear: Any, *, clear_type: str = "button") -> rx.Component:
    """A filter form's "Apply filters" (submits) and "Clear" (``on_clear``)."""
    return rx.flex(
        rx.button("Apply filters", type="submit", size="2"),
        rx.button(
            "Clear",
            type=clear_type,
            variant="soft",
            color_scheme="gray",
            size="2",
            on_click=on_clear,
        ),
        spacing="2",
        align="end",
    )


def form_fields(
    model: type[BaseModel],
    layout: Layout,
    *,
    form: str,
    values: rx.Var,
    errors: rx.Var | None = None,
    options: Mapping[str, Options] | None = None,
    prefix: str = "",
    on_blur: Callable[[str, Any], Any] | None = None,
    on_change: Callable[[str, Any], Any] | None = None,
    widths: Mapping[str, str] | None = None,
) -> rx.Component:
    """The fields of ``model`` a layout names, row by row (a row of several sits side by
    side). ``values`` is a Var dict of the form's values by field name (with ``prefix``:
    ``prefix + name``); ``on_blur(name, value)`` / ``on_change(name, value)`` keep a field."""
    fields = specs(model)

    def keeper(keep: Callable[[str, Any], Any] | None, name: str) -> Callback:
        if keep is None:
            return None
        return lambda value: keep(name, value)

    def control(field_name: str) -> rx.Component:
        name = prefix + field_name
        return input_for(
            fields[field_name],
            form=form,
            name=name,
            value=values.get(name, ""),
            errors=errors,
            options=(options or {}).get(field_name),
            on_blur=keeper(on_blur, name),
            on_change=keeper(on_change, name),
            width=(widths or {}).get(field_name),
        )

    rows = [
        control(row)
        if isinstance(row, str)
        else rx.flex(
            *(control(n) for n in row), spacing="3", width="100%", wrap="wrap", align="start"
        )
        for row in layout
    ]
    return rx.flex(*rows, direction="column", spacing="4", width="100%")


# --------------------------------------------------------------------------------------------
# Added with the intake's and bulk consent's forms (issue #9): a declared choice asked with a
# select however few its answers (a list staff know well, kept compact).


def select_for(
    spec: FieldSpec,
    *,
    form: str,
    value: rx.Var | str = "",
    errors: rx.Var | None = None,
    name: str | None = None,
    on_change: Callback = None,
) -> rx.Component:
    return select_field(
        spec.label,
        name or spec.name,
        form=form,
        options=spec.choices,
        value=value,
        errors=errors,
        hint=spec.hint,
        optional=spec.optional,
        on_change=on_change,
    )


# --------------------------------------------------------------------------------------------
# What a submitted form sent (for forms that are not a declared input: passwords, lists of
# ticked options), and one form's error summary when a page holds several.

PASSWORD_MAX_LENGTH = 1024


def form_text(form_data: Any, name: str, max_length: int = 500) -> str:
    """One text field of a submitted form ("" when missing or not text)."""
    value = form_data.get(name, "") if isinstance(form_data, dict) else ""
    return value[:max_length] if isinstance(value, str) else ""


def form_password(form_data: Any, name: str) -> str:
    # Passwords are never trimmed or cut: what was typed is the password.
    value = form_data.get(name, "") if isinstance(form_data, dict) else ""
    return value if isinstance(value, str) and len(value) <= PASSWORD_MAX_LENGTH else ""


def ticked(form_data: Any, prefix: str) -> list[str]:
    """What follows ``prefix`` in the names of the ticked checkboxes named ``<prefix><what>``
    (an unticked box sends nothing), sorted and unchecked: the caller or its service
    refuses what it does not know."""
    if not isinstance(form_data, dict):
        return []
    return sorted(
        name.removeprefix(prefix)
        for name, value in form_data.items()
        if isinstance(name, str) and name.startswith(prefix) and value not in ("", "off", False)
    )


def checked_ids(form_data: Any, prefix: str) -> list[int]:
    """Ids of the ticked checkboxes named ``<prefix><id>``; names that are not ids are dropped."""
    found = {clean_id(name) for name in ticked(form_data, prefix)}
    return sorted(i for i in found if i is not None)


def form_summary(
    errors: dict[str, str], form: str, fields: Sequence[str], page: str = ""
) -> list[dict[str, str]]:
    """One form's error summary lines (only its own fields: a page may hold several forms
    sharing one errors dict). ``page`` ("/path?query") goes in front of each link, so a page
    opened with a query string keeps it."""
    items = error_items({k: v for k, v in errors.items() if k in fields}, form, fields)
    return [{**item, "href": page + item["href"]} for item in items]
