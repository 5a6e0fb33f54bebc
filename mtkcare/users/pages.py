"""Pages of the admin area: users, roles and reference data (placeholder)."""

from __future__ import annotations

import reflex as rx

from mtkcare.ui import routes
from mtkcare.ui.components import coming_soon
from mtkcare.ui.layout import app_page, page_layout
from mtkcare.ui.styles import page_title


@app_page(routes.ADMIN, page_title("Admin"))
def admin() -> rx.Component:
    return page_layout(
        coming_soon(
            "Admin",
            "Administrators will manage users, roles, sign-in group mappings and "
            "the option lists used across the app here.",
        ),
        title="Admin",
        active=routes.ADMIN,
    )
