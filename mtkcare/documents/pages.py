"""Pages of the documents area (placeholder)."""

from __future__ import annotations

import reflex as rx

from mtkcare.ui import routes
from mtkcare.ui.components import coming_soon
from mtkcare.ui.layout import app_page, page_layout
from mtkcare.ui.styles import page_title


@app_page(routes.DOCUMENTS, page_title("Documents"))
def documents() -> rx.Component:
    return page_layout(
        coming_soon(
            "Documents",
            "Documents attached to clients and referrals will be listed here, "
            "with who opened them and when.",
        ),
        title="Documents",
        active=routes.DOCUMENTS,
    )
