"""Pages of the reports area (placeholder)."""

from __future__ import annotations

import reflex as rx

from mtkcare.ui import routes
from mtkcare.ui.components import coming_soon
from mtkcare.ui.layout import app_page, page_layout
from mtkcare.ui.styles import page_title


@app_page(routes.REPORTS, page_title("Reports"))
def reports() -> rx.Component:
    return page_layout(
        coming_soon(
            "Reports",
            "Dashboards and exports of referrals, enrolments and outcomes will be here.",
        ),
        title="Reports",
        active=routes.REPORTS,
    )
