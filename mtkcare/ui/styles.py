"""The look, set once: theme (accent colour, greys, radius, scale) and the few layout sizes.

Pages never set colours, fonts or spacing themselves; they use Radix Themes props
(`size`, `color_scheme`, `gap`, ...) which all read from this theme.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

APP_NAME = "MTK Care"

# Indigo: its solid buttons keep white text above 4.5:1 contrast (teal and blue do not).
ACCENT_COLOR = "indigo"
GRAY_COLOR = "slate"

theme = rx.theme(
    appearance="light",
    accent_color=ACCENT_COLOR,
    gray_color=GRAY_COLOR,
    radius="medium",
    scaling="100%",
    has_background=True,
)

TOP_BAR_HEIGHT = "3.5rem"
SIDEBAR_WIDTH = "14rem"
CONTENT_MAX_WIDTH = "72rem"

# Hidden on screen, still read by screen readers (table captions, extra context).
VISUALLY_HIDDEN: dict[str, Any] = {
    "position": "absolute",
    "width": "1px",
    "height": "1px",
    "padding": "0",
    "margin": "-1px",
    "overflow": "hidden",
    "clip": "rect(0, 0, 0, 0)",
    "white_space": "nowrap",
    "border": "0",
}

# Lists used for navigation: keep the list semantics, drop the bullets and indent.
PLAIN_LIST: dict[str, Any] = {
    "list_style": "none",
    "margin": "0",
    "padding": "0",
}


def page_title(title: str) -> str:
    """The browser tab title for a page."""
    return f"{title} · {APP_NAME}"
