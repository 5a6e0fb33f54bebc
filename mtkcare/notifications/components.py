"""The notification bell in the header: a button named with the unread count (a badge shows
it too), opening a panel of the newest notifications, each a link to what it is about."""

from __future__ import annotations

import reflex as rx

from mtkcare.notifications.state import NoticeLine, NotificationsState
from mtkcare.ui.styles import PLAIN_LIST, VISUALLY_HIDDEN

S = NotificationsState


def _unread_marker(notice: NoticeLine) -> rx.Component:
    # Not colour alone: a dot and the word.
    return rx.cond(
        notice.unread,
        rx.badge(
            rx.box(
                width="6px",
                height="6px",
                border_radius="50%",
                background_color=rx.color("accent", 9),
                aria_hidden="true",
            ),
            "Unread",
            color_scheme="indigo",
            variant="soft",
            size="1",
        ),
    )


def _notice(notice: NoticeLine) -> rx.Component:
    title = rx.text(notice.title, size="2", weight=rx.cond(notice.unread, "bold", "regular"))
    return rx.el.li(
        rx.flex(
            rx.flex(
                rx.cond(
                    notice.href != "",
                    rx.link(
                        title,
                        href=notice.href,
                        on_click=S.open_notice(notice.id),
                        underline="hover",
                        high_contrast=True,
                    ),
                    title,
                ),
                _unread_marker(notice),
                align="start",
                justify="between",
                spacing="2",
            ),
            rx.cond(notice.body != "", rx.text(notice.body, size="1", color_scheme="gray")),
            rx.text(notice.when, size="1", color_scheme="gray"),
            direction="column",
            spacing="1",
        ),
        padding="var(--space-2) var(--space-3)",
        border_radius="var(--radius-2)",
        background_color=rx.cond(notice.unread, rx.color("accent", 2), "transparent"),
    )


def _panel() -> rx.Component:
    return rx.flex(
        rx.flex(
            rx.heading("Notifications", as_="h2", size="3"),
            rx.button(
                "Mark all read",
                variant="soft",
                size="1",
                type="button",
                disabled=S.unread == 0,
                on_click=S.mark_all,
            ),
            align="center",
            justify="between",
            spacing="3",
        ),
        rx.cond(
            S.status == "loading",
            rx.flex(
                rx.spinner(size="2"),
                rx.text("Loading notifications…", size="2", color_scheme="gray"),
                role="status",
                align="center",
                spacing="2",
                padding_y="var(--space-3)",
            ),
            rx.cond(
                S.notices.length() > 0,  # type: ignore[attr-defined]
                rx.el.ul(
                    rx.foreach(S.notices, _notice),
                    aria_label="Newest notifications",
                    display="flex",
                    flex_direction="column",
                    gap="var(--space-1)",
                    **PLAIN_LIST,
                ),
                rx.text(
                    "No notifications",
                    size="2",
                    color_scheme="gray",
                    padding_y="var(--space-3)",
                ),
            ),
        ),
        direction="column",
        spacing="3",
    )


def notification_bell() -> rx.Component:
    """The bell for the signed-in person; the count follows without a reload."""
    button = rx.icon_button(
        rx.icon("bell", size=18, aria_hidden="true"),
        rx.cond(
            S.unread > 0,
            rx.badge(
                S.badge,
                color_scheme="red",
                variant="solid",
                radius="full",
                size="1",
                position="absolute",
                top="-6px",
                right="-8px",
                aria_hidden="true",
            ),
        ),
        variant="ghost",
        color_scheme="gray",
        size="2",
        type="button",
        position="relative",
        aria_label=S.bell_label,
    )
    return rx.box(
        rx.popover.root(
            rx.popover.trigger(button),
            rx.popover.content(
                _panel(),
                aria_label="Notifications",
                width="24rem",
                max_height="70vh",
                overflow_y="auto",
                align="end",
            ),
            on_open_change=S.set_panel_open,
        ),
        # Said when the count changes, for those who cannot see the badge.
        rx.el.span(S.bell_label, role="status", **VISUALLY_HIDDEN),
        on_mount=S.follow,
        flex_shrink="0",
    )
