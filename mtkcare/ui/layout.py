"""The frame every page sits in: top bar, left navigation, and a content area with
breadcrumbs and the page's one h1."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import reflex as rx
from reflex_base.constants import Dirs
from reflex_base.vars import VarData
from reflex_base.vars.base import ImportVar, Var

from mtkcare.auth.binding import SESSION_TIMER_ATTR, SESSION_TIMER_ID, SessionBindingState
from mtkcare.auth.state import AppState
from mtkcare.notifications.components import notification_bell
from mtkcare.search.components import search_box
from mtkcare.ui import routes
from mtkcare.ui.components import loading_block, native_post_form
from mtkcare.ui.styles import (
    ACCENT_COLOR,
    APP_NAME,
    CONTENT_MAX_WIDTH,
    PLAIN_LIST,
    SIDEBAR_WIDTH,
    TOP_BAR_HEIGHT,
)

# (label, route); the last crumb is the current page and has no link.
Crumb = tuple[str, str | None]


def _brand() -> rx.Component:
    return rx.link(
        rx.flex(
            rx.icon("heart_handshake", size=22, color=rx.color("accent", 9), aria_hidden="true"),
            rx.text(APP_NAME, size="4", weight="bold", high_contrast=True),
            align="center",
            spacing="2",
        ),
        href=routes.CLIENTS,
        underline="none",
        color_scheme="gray",
        aria_label=f"{APP_NAME} home",
        width=SIDEBAR_WIDTH,
        flex_shrink="0",
    )


def backend_url(path: str) -> Var:
    """An absolute URL on the backend server, worked out in the browser (in development the
    backend listens on its own port; in production it is the same origin)."""
    return Var(
        _js_expr=f"new URL({path!r}, getBackendURL(env.UPLOAD)).href",
        _var_data=VarData(
            imports={
                f"$/{Dirs.STATE_PATH}": [ImportVar(tag="getBackendURL")],
                "$/env.json": [ImportVar(tag="env", is_default=True)],
            }
        ),
    ).to(str)


def _user_menu() -> rx.Component:
    signed_in = rx.flex(
        rx.link(
            rx.flex(
                rx.icon("circle_user", size=20, aria_hidden="true"),
                rx.text(AppState.user_name, size="2", weight="medium"),
                align="center",
                spacing="2",
            ),
            href=routes.ACCOUNT,
            underline="none",
            color_scheme="gray",
            high_contrast=True,
            aria_label=AppState.user_name + ": your account",
        ),
        # A plain form POST: only the backend route can clear the HttpOnly cookie. It names
        # the tab, whose state on the server the route then empties.
        native_post_form(
            rx.el.input(type="hidden", name="tab", value=rx.State.router.session.client_token),
            rx.button(
                rx.icon("log_out", size=14, aria_hidden="true"),
                "Sign out",
                type="submit",
                variant="soft",
                color_scheme="gray",
                size="1",
            ),
            action=backend_url("/auth/logout"),
        ),
        align="center",
        spacing="3",
        flex_shrink="0",
    )
    signed_out = rx.flex(
        rx.icon("circle_user", size=20, color=rx.color("gray", 10), aria_hidden="true"),
        rx.text("Not signed in", size="2", color_scheme="gray"),
        align="center",
        spacing="2",
        flex_shrink="0",
    )
    return rx.cond(AppState.user_name != "", signed_in, signed_out)


def top_bar() -> rx.Component:
    return rx.el.header(
        rx.flex(
            _brand(),
            search_box(),
            rx.spacer(),
            rx.cond(AppState.user_name != "", notification_bell()),
            _user_menu(),
            align="center",
            spacing="5",
            height="100%",
            padding_x="var(--space-4)",
        ),
        height=TOP_BAR_HEIGHT,
        position="sticky",
        top="0",
        z_index="10",
        background_color=rx.color("gray", 1),
        border_bottom=f"1px solid {rx.color('gray', 5)}",
    )


def _nav_link(item: routes.NavItem, active: str) -> rx.Component:
    is_active = item.route == active
    link = rx.el.li(
        rx.link(
            rx.flex(
                rx.icon(item.icon, size=18, aria_hidden="true"),
                rx.text(item.label, size="2", weight="medium" if is_active else "regular"),
                align="center",
                spacing="3",
            ),
            href=item.route,
            underline="none",
            # The current page: accent colour, medium weight and aria-current, not colour alone.
            color_scheme=ACCENT_COLOR if is_active else "gray",
            high_contrast=not is_active,
            custom_attrs={"aria-current": "page"} if is_active else {},
            display="block",
            padding="var(--space-2) var(--space-3)",
            border_radius="var(--radius-2)",
            background_color=rx.color("accent", 3) if is_active else "transparent",
            _hover={"background_color": rx.color("accent" if is_active else "gray", 4)},
        ),
    )
    # Only the areas this user may open (the server decides again when they open it).
    return rx.cond(AppState.nav_areas.contains(item.route), link)  # type: ignore[attr-defined]


def side_nav(active: str) -> rx.Component:
    # The column runs the full page height; the links inside stay in view while scrolling.
    return rx.box(
        rx.el.nav(
            rx.el.ul(
                *(_nav_link(item, active) for item in routes.NAV_ITEMS),
                display="flex",
                flex_direction="column",
                gap="var(--space-1)",
                **PLAIN_LIST,
            ),
            aria_label="Main",
            padding="var(--space-3)",
            position="sticky",
            top=TOP_BAR_HEIGHT,
            max_height=f"calc(100vh - {TOP_BAR_HEIGHT})",
            overflow_y="auto",
        ),
        width=SIDEBAR_WIDTH,
        flex_shrink="0",
        background_color=rx.color("gray", 1),
        border_right=f"1px solid {rx.color('gray', 5)}",
    )


def breadcrumbs(crumbs: Sequence[Crumb]) -> rx.Component:
    items: list[rx.Component] = []
    for index, (label, href) in enumerate(crumbs):
        last = index == len(crumbs) - 1
        if last or href is None:
            crumb: rx.Component = rx.text(
                label,
                size="2",
                color_scheme="gray",
                custom_attrs={"aria-current": "page"} if last else {},
            )
        else:
            crumb = rx.link(label, href=href, size="2")
        separator = (
            rx.fragment()
            if last
            else rx.icon("chevron_right", size=14, color=rx.color("gray", 9), aria_hidden="true")
        )
        items.append(
            rx.el.li(crumb, separator, display="flex", align_items="center", gap="var(--space-1)")
        )
    return rx.el.nav(
        rx.el.ol(*items, display="flex", align_items="center", gap="var(--space-1)", **PLAIN_LIST),
        aria_label="Breadcrumb",
    )


def page_layout(
    *children: rx.Component,
    title: str,
    active: str,
    crumbs: Sequence[Crumb] = (),
    actions: rx.Component | None = None,
) -> rx.Component:
    """A page: ``title`` is its h1, ``active`` the route highlighted in the navigation,
    ``actions`` an optional button group on the right of the title."""
    return rx.box(
        top_bar(),
        session_timer(),
        rx.flex(
            side_nav(active),
            rx.el.main(
                rx.flex(
                    breadcrumbs(crumbs) if crumbs else rx.fragment(),
                    rx.flex(
                        rx.heading(title, as_="h1", size="7", weight="bold"),
                        actions if actions is not None else rx.fragment(),
                        align="center",
                        justify="between",
                        spacing="4",
                        wrap="wrap",
                    ),
                    rx.match(
                        AppState.access,
                        ("allowed", rx.fragment(*children)),
                        ("denied", not_allowed()),
                        ("signed_out", loading_block("Taking you to the sign-in page…")),
                        loading_block("Checking your access…"),
                    ),
                    direction="column",
                    spacing="5",
                    max_width=CONTENT_MAX_WIDTH,
                    padding="var(--space-6)",
                ),
                id="main-content",
                flex="1",
                min_width="0",
            ),
            align="stretch",
            min_height=f"calc(100vh - {TOP_BAR_HEIGHT})",
        ),
        min_height="100vh",
        background_color=rx.color("gray", 2),
    )


def session_timer() -> rx.Component:
    """When the session ends if left alone, for assets/mtkcare.js (data, not script)."""
    return rx.el.div(
        id=SESSION_TIMER_ID,
        hidden=True,
        custom_attrs={SESSION_TIMER_ATTR: SessionBindingState.session_timer},
    )


def not_allowed() -> rx.Component:
    return rx.callout(
        "You are not allowed to use this page. If you need it for your work, ask an "
        "administrator to give you the right role.",
        icon="shield_alert",
        color_scheme="red",
        role="alert",
        size="2",
    )


def app_page(
    route: str, title: str, on_load: Any = None
) -> Callable[[Callable[[], rx.Component]], Callable[[], rx.Component]]:
    """``@rx.page`` with the access check first: every page states its permission in
    ``routes.PAGE_PERMISSIONS`` and the server decides on each load."""
    extra = [] if on_load is None else (on_load if isinstance(on_load, list) else [on_load])
    return rx.page(route=route, title=title, on_load=[AppState.check_page_access, *extra])
