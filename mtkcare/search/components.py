"""The search box in the header: a combobox whose results (clients, then referrals) open in
a list under it. Focus stays in the box: the arrow keys move the active option
(aria-activedescendant), Enter opens it, Escape closes the list; a click opens one too."""

from __future__ import annotations

import reflex as rx

from mtkcare.auth.state import AppState
from mtkcare.search.state import NAVIGATION_KEYS, Option, SearchState
from mtkcare.ui import routes
from mtkcare.ui.paging import SEARCH_MAX_LENGTH

S = SearchState
LABEL = "Search clients and referrals"
INPUT_ID = "global-search"
LISTBOX_ID = "global-search-results"
TYPING_PAUSE_MS = 300


def _option(option: Option) -> rx.Component:
    active = option.key == S.active
    return rx.link(
        rx.text(option.title, size="2", weight="medium", high_contrast=True),
        rx.text(option.detail, size="1", color_scheme="gray"),
        href=option.href,
        id=option.key,
        role="option",
        aria_selected=rx.cond(active, "true", "false"),
        tab_index=-1,
        underline="none",
        # Keeps focus in the box (a blur would close the list before the click lands).
        on_mouse_down=rx.prevent_default,
        on_click=S.chosen,
        display="block",
        padding="var(--space-2) var(--space-3)",
        border_radius="var(--radius-2)",
        background_color=rx.cond(active, rx.color("accent", 4), "transparent"),
        outline=rx.cond(active, f"2px solid {rx.color('accent', 8)}", "none"),
        outline_offset="-2px",
        _hover={"background_color": rx.color("accent", 3)},
    )


def _group(label: str, options: rx.Var[list[Option]], label_id: str) -> rx.Component:
    return rx.cond(
        options.length() > 0,
        rx.el.div(
            rx.text(
                label,
                id=label_id,
                size="1",
                weight="bold",
                color_scheme="gray",
                padding="var(--space-1) var(--space-3)",
            ),
            rx.foreach(options, _option),
            role="group",
            aria_labelledby=label_id,
        ),
    )


def _results() -> rx.Component:
    return rx.box(
        rx.flex(
            rx.cond(S.status == "loading", rx.spinner(size="1")),
            rx.text(S.summary, size="1", color_scheme="gray"),
            role="status",
            align="center",
            spacing="2",
            padding="var(--space-1) var(--space-3)",
        ),
        rx.el.div(
            _group("Clients", S.clients, "global-search-clients"),
            _group("Referrals", S.referrals, "global-search-referrals"),
            id=LISTBOX_ID,
            role="listbox",
            aria_label="Search results",
        ),
        display=rx.cond(S.is_open, "block", "none"),
        position="absolute",
        top="calc(100% + var(--space-1))",
        left="0",
        right="0",
        z_index="20",
        padding="var(--space-2)",
        max_height="70vh",
        overflow_y="auto",
        background_color=rx.color("gray", 1),
        border=f"1px solid {rx.color('gray', 6)}",
        border_radius="var(--radius-3)",
        box_shadow="var(--shadow-4)",
    )


def _box() -> rx.Component:
    return rx.box(
        rx.input(
            rx.input.slot(rx.icon("search", size=16, aria_hidden="true")),
            id=INPUT_ID,
            placeholder=LABEL,
            aria_label=LABEL,
            auto_complete="off",
            max_length=SEARCH_MAX_LENGTH,
            size="2",
            variant="surface",
            width="100%",
            on_change=lambda text: S.find(text).debounce(TYPING_PAUSE_MS),
            # Only the keys that move through the list go to the server.
            on_key_down=lambda key, _info: rx.cond(
                rx.Var.create(list(NAVIGATION_KEYS)).contains(key),
                S.navigate(key),
                rx.noop(),
            ),
            on_blur=S.dismiss,
            custom_attrs={
                "role": "combobox",
                "aria-autocomplete": "list",
                "aria-controls": LISTBOX_ID,
                "aria-expanded": rx.cond(S.is_open, "true", "false"),
                "aria-activedescendant": rx.cond(S.active != "", S.active, None),
            },
        ),
        _results(),
        role="search",
        position="relative",
    )


def search_box() -> rx.Component:
    """The header's search, for those who may see clients or referrals."""
    may_search = AppState.nav_areas.contains(routes.CLIENTS) | AppState.nav_areas.contains(  # type: ignore[attr-defined]
        routes.REFERRALS
    )
    return rx.box(rx.cond(may_search, _box()), flex="1", max_width="28rem")
