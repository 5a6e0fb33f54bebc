"""Small pieces the client record page is built of: panels, facts, tab forms."""

from __future__ import annotations

from typing import Any

import reflex as rx

from mtkcare.clients.badges import risk_badge as shared_risk_badge
from mtkcare.clients.record_state import ClientRecordState
from mtkcare.ui.forms import (
    error_summary,
)

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


def fact(
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


def facts_list(items: rx.Var) -> rx.Component:
    """A record's facts (label and value as shown), as a list of ``Fact``s."""
    return rx.data_list.root(
        rx.foreach(items, lambda f: fact(f.label, f.value)),
        orientation="horizontal",
        size="2",
    )


def panel(title: str, *children: rx.Component, action: rx.Component | None = None) -> rx.Component:
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


def form_buttons(save_label: str, on_cancel: Any) -> rx.Component:
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


def start_button(label: str, icon: str, tab: Any, *, allowed: rx.Var) -> rx.Component:
    return rx.cond(
        allowed & ~S.is_deleted & ~tab.editing,
        rx.button(rx.icon(icon, size=16, aria_hidden="true"), label, size="2", on_click=tab.start),
    )


def tab_form(tab: Any, form_id: str, save_label: str, *children: rx.Component) -> rx.Component:
    """A tab's form: its error summary, its fields, Save and Cancel."""
    return rx.flex(
        error_summary(tab.error_list),
        rx.form(
            rx.flex(
                *children, form_buttons(save_label, tab.close), direction="column", spacing="4"
            ),
            id=f"{form_id}-form",
            on_submit=tab.save,
            reset_on_submit=False,
            key=tab.form_key,
        ),
        direction="column",
        spacing="3",
    )
