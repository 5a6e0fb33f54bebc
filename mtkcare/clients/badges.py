"""The risk badge, one look everywhere a client's risk shows (list, record, history)."""

from __future__ import annotations

import reflex as rx

# Colour is never the only signal: each level has its word and an icon.
RISK_STYLE: dict[str, tuple[str, str]] = {
    "CRITICAL": ("octagon_alert", "red"),
    "HIGH": ("triangle_alert", "orange"),
    "MEDIUM": ("circle_alert", "amber"),
    "LOW": ("circle_check", "green"),
}


def risk_badge(
    level: rx.Var,
    label: rx.Var,
    *,
    otherwise: rx.Component,
    prefix: str = "",
    size: str = "1",
) -> rx.Component:
    """``level`` is the risk code, ``label`` its words; ``otherwise`` shows when not assessed."""
    return rx.match(
        level,
        *(
            (
                code,
                rx.badge(
                    rx.icon(icon, size=12, aria_hidden="true"),
                    prefix,
                    label,
                    color_scheme=color,
                    size=size,
                ),
            )
            for code, (icon, color) in RISK_STYLE.items()
        ),
        otherwise,
    )
