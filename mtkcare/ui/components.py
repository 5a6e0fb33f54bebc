"""Small building blocks shared by every area: empty states, loading, "coming soon"."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import reflex as rx

from mtkcare.ui import routes
from mtkcare.ui.styles import VISUALLY_HIDDEN


def empty_state(
    icon: str,
    title: str | rx.Var,
    body: str | rx.Var,
    *actions: rx.Component,
) -> rx.Component:
    """What a list or area shows when there is nothing in it yet: what it is and what to do."""
    return rx.card(
        rx.flex(
            rx.icon(icon, size=32, color=rx.color("gray", 9), aria_hidden="true"),
            rx.heading(title, as_="h2", size="4", weight="medium"),
            rx.text(body, size="2", color_scheme="gray", align="center", max_width="32rem"),
            rx.flex(*actions, spacing="3") if actions else rx.fragment(),
            direction="column",
            align="center",
            spacing="3",
            padding="var(--space-7) var(--space-5)",
        ),
        size="2",
        variant="surface",
    )


def loading_block(label: str) -> rx.Component:
    """Shown while a page's data is first being fetched."""
    return rx.flex(
        rx.spinner(size="3"),
        rx.text(label, size="2", color_scheme="gray"),
        role="status",
        align="center",
        justify="center",
        spacing="3",
        padding_y="var(--space-8)",
    )


def coming_soon(area: str, what: str) -> rx.Component:
    """The honest placeholder for an area that is not built yet."""
    return empty_state(
        "construction",
        f"{area} arrives in a later release",
        what,
        rx.link("Go to the clients list", href=routes.CLIENTS, size="2"),
    )


def native_post_form(*children: rx.Component, action: rx.Var | str) -> rx.Component:
    """A form the browser itself submits (a real POST and page load), for the sign-in and
    sign-out routes that must set or clear an HttpOnly cookie. Reflex's form would cancel
    the browser's submit and send the fields over the websocket instead."""
    form = rx.el.form(*children, action=action, method="post")
    form.event_triggers.pop("on_submit", None)
    return form


def pager(state: Any, what: str) -> rx.Component:
    """ "Showing 1–25 of 1,284" and Previous/Next for a server-paged list. ``state`` has
    showing_text, loading, page, pages, has_previous, has_next and a go_to_page handler."""
    return rx.flex(
        rx.flex(
            rx.text(state.showing_text, size="2", color_scheme="gray"),
            rx.cond(state.loading, rx.spinner(size="1")),
            role="status",
            align="center",
            spacing="2",
        ),
        rx.el.nav(
            rx.flex(
                rx.button(
                    rx.icon("chevron_left", size=16, aria_hidden="true"),
                    "Previous",
                    variant="soft",
                    size="2",
                    disabled=~state.has_previous | state.loading,
                    on_click=state.go_to_page(state.page - 1),
                ),
                rx.text("Page ", state.page, " of ", state.pages, size="2", color_scheme="gray"),
                rx.button(
                    "Next",
                    rx.icon("chevron_right", size=16, aria_hidden="true"),
                    variant="soft",
                    size="2",
                    disabled=~state.has_next | state.loading,
                    on_click=state.go_to_page(state.page + 1),
                ),
                align="center",
                spacing="3",
            ),
            aria_label=f"Pages of {what}",
        ),
        align="center",
        justify="between",
        spacing="4",
        wrap="wrap",
    )


def confirm_dialog(
    trigger: rx.Component,
    *,
    title: str | rx.Var,
    body: str | rx.Var,
    confirm_label: str,
    on_confirm: Any,
    destructive: bool = True,
    cancel_label: str = "Cancel",
) -> rx.Component:
    """A confirmation that says what will happen; focus returns to the trigger on close."""
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(trigger),
        rx.alert_dialog.content(
            rx.alert_dialog.title(title),
            # Plain text only: the description is itself a <p>.
            rx.alert_dialog.description(body, custom_attrs={"size": "2"}),
            rx.flex(
                rx.alert_dialog.cancel(
                    rx.button(cancel_label, variant="soft", color_scheme="gray", type="button")
                ),
                rx.alert_dialog.action(
                    rx.button(
                        confirm_label,
                        color_scheme="red" if destructive else "indigo",
                        type="button",
                        on_click=on_confirm,
                    )
                ),
                spacing="3",
                justify="end",
                margin_top="var(--space-4)",
            ),
            max_width="30rem",
        ),
    )


def list_or_empty(
    items: rx.Var, item: Any, *, empty: str, label: str | None = None, plain: bool = True
) -> rx.Component:
    """A list of ``items`` (each drawn by ``item``, an ``<li>``), or a quiet line saying
    there is nothing (``empty``). ``label`` names the list for screen readers and tests."""
    return rx.cond(
        items.length() > 0,
        rx.el.ul(
            rx.foreach(items, item),
            **({"aria_label": label} if label else {}),
            **(
                {"style": {"listStyle": "none", "paddingLeft": "0", "margin": "0"}} if plain else {}
            ),
        ),
        rx.text(empty, color_scheme="gray", size="2"),
    )


def form_dialog(
    *fields: rx.Component,
    title: str | rx.Var,
    description: str | rx.Var,
    submit: str | rx.Var,
    on_submit: Any,
    is_open: rx.Var,
    on_open_change: Any,
    errors: rx.Component | None = None,
    key: rx.Var | None = None,
    saving: rx.Var | bool = False,
    max_width: str = "36rem",
) -> rx.Component:
    """A dialog holding one form: title, what it does, an error summary, the fields, then
    Cancel and the submit button. Open while ``is_open``; closing (Escape, Cancel) goes to
    ``on_open_change(False)``; ``key`` re-draws the form (its fields start again)."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(title),
            rx.dialog.description(description, size="2", margin_bottom="var(--space-3)"),
            rx.form(
                rx.flex(
                    errors if errors is not None else rx.fragment(),
                    *fields,
                    rx.flex(
                        rx.dialog.close(
                            rx.button("Cancel", type="button", variant="soft", color_scheme="gray")
                        ),
                        rx.button(submit, type="submit", loading=saving),
                        spacing="3",
                        justify="end",
                    ),
                    direction="column",
                    spacing="3",
                ),
                on_submit=on_submit,
                reset_on_submit=False,
                **({"key": key} if key is not None else {}),
            ),
            max_width=max_width,
        ),
        open=is_open,
        on_open_change=on_open_change,
    )


def records_table(
    items: rx.Var,
    columns: Sequence[str | rx.Component],
    row: Callable[[rx.Var], rx.Component],
    *,
    empty: rx.Component,
    caption: str | None = None,
    size: str = "2",
    busy: rx.Var | bool = False,
) -> rx.Component:
    """A table of ``items`` (one ``row`` each, under ``columns``), or ``empty`` when there
    are none. ``caption`` names the table for screen readers; ``busy`` (a paged list's
    ``loading``) tells them a new page is on its way."""
    return rx.cond(
        items.length() > 0,
        rx.table.root(
            rx.el.caption(caption, style=VISUALLY_HIDDEN) if caption else rx.fragment(),
            rx.table.header(rx.table.row(*(rx.table.column_header_cell(name) for name in columns))),
            rx.table.body(rx.foreach(items, row)),
            variant="surface",
            size=size,
            width="100%",
            **({} if busy is False else {"aria_busy": busy}),
        ),
        empty,
    )
