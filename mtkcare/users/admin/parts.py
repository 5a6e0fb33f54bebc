"""What the admin pages share: the admin area's own tabs and the active / inactive badge."""

from __future__ import annotations

from typing import Any

import reflex as rx

from mtkcare.auth.state import AppState
from mtkcare.ui import routes
from mtkcare.ui.components import confirm_dialog
from mtkcare.ui.styles import PLAIN_LIST, VISUALLY_HIDDEN

ADMIN_TABS: tuple[tuple[str, str, str], ...] = (
    ("Users", routes.ADMIN, "users"),
    ("Roles and permissions", routes.ADMIN_ROLES, "shield_check"),
    ("Azure AD group mappings", routes.ADMIN_MAPPINGS, "network"),
    ("Organisations", routes.ADMIN_ORGANISATIONS, "building_2"),
)
# Tabs to pages of their own navigation area, shown only to those who may open them.
_NAV_ROUTES = frozenset(item.route for item in routes.NAV_ITEMS)
# What a handler says when the browser sent an id that cannot be one (a stale or forged page).
RELOAD = "Reload the page and try again"


def admin_tabs(current: str) -> rx.Component:
    """The admin area's own navigation; the current page is marked, not by colour alone."""
    items = []
    for label, route, icon in ADMIN_TABS:
        is_current = route == current
        item = rx.el.li(
            rx.link(
                rx.flex(
                    rx.icon(icon, size=16, aria_hidden="true"),
                    rx.text(label, size="2", weight="bold" if is_current else "regular"),
                    align="center",
                    spacing="2",
                ),
                href=route,
                underline="none",
                color_scheme="indigo" if is_current else "gray",
                high_contrast=not is_current,
                custom_attrs={"aria-current": "page"} if is_current else {},
                display="block",
                padding="var(--space-2) var(--space-3)",
                border_bottom=(
                    f"2px solid {rx.color('accent', 9)}" if is_current else "2px solid transparent"
                ),
            ),
        )
        if route in _NAV_ROUTES:
            item = rx.cond(AppState.nav_areas.contains(route), item)  # type: ignore[attr-defined]
        items.append(item)
    return rx.el.nav(
        rx.el.ul(*items, display="flex", gap="var(--space-2)", **PLAIN_LIST),
        aria_label="Admin",
        border_bottom=f"1px solid {rx.color('gray', 5)}",
    )


def status_badge(active: rx.Var | bool) -> rx.Component:
    # Word and icon, not colour alone.
    return rx.cond(
        active,
        rx.badge(
            rx.icon("circle_check", size=12, aria_hidden="true"), "Active", color_scheme="green"
        ),
        rx.badge(
            rx.icon("circle_slash", size=12, aria_hidden="true"), "Inactive", color_scheme="gray"
        ),
    )


def actions_heading() -> rx.Component:
    """The heading of a table's column of row actions: named for screen readers, not shown."""
    return rx.text("Actions", style=VISUALLY_HIDDEN)


def row_action(
    label: str,
    names: rx.Var | str,
    *,
    title: str,
    body: rx.Var | str,
    confirm_label: str | None = None,
    on_confirm: Any,
) -> rx.Component:
    """A destructive action on a table row (end a session, remove a mapping): a small button
    named ``names`` for screen readers, which asks first and says what will happen."""
    return confirm_dialog(
        rx.button(label, variant="soft", color_scheme="red", size="1", aria_label=names),
        title=title,
        body=body,
        confirm_label=confirm_label or label,
        on_confirm=on_confirm,
    )
