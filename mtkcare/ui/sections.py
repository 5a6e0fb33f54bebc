"""A titled card holding one part of a page: someone's details, a form, a table."""

from __future__ import annotations

import reflex as rx


def section(title: str, *children: rx.Component, description: str | None = None) -> rx.Component:
    return rx.card(
        rx.flex(
            rx.heading(title, as_="h2", size="4"),
            rx.text(description, size="2", color_scheme="gray") if description else rx.fragment(),
            *children,
            direction="column",
            spacing="3",
        ),
        size="3",
        width="100%",
    )
