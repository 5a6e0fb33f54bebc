"""Pages of the referrals area (placeholder until the board is built)."""

from __future__ import annotations

import reflex as rx

from mtkcare.ui import routes
from mtkcare.ui.components import coming_soon
from mtkcare.ui.layout import app_page, page_layout
from mtkcare.ui.styles import page_title


@app_page(routes.REFERRALS, page_title("Referrals board"))
def referrals_board() -> rx.Component:
    return page_layout(
        coming_soon(
            "The referrals board",
            "Referrals will be shown here in columns by status, from new to closed, "
            "so your team can assign, accept and decline them.",
        ),
        title="Referrals board",
        active=routes.REFERRALS,
    )
