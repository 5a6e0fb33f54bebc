"""The intake wizard page (placeholder until the wizard lands)."""

from __future__ import annotations

import reflex as rx

from mtkcare.ui import routes
from mtkcare.ui.components import coming_soon
from mtkcare.ui.layout import app_page, page_layout
from mtkcare.ui.styles import page_title


@app_page(routes.INTAKE, page_title("Intake"))
def intake() -> rx.Component:
    return page_layout(
        coming_soon("Intake", "The intake wizard is being built."),
        title="Intake",
        active=routes.INTAKE,
        crumbs=[("Clients", routes.CLIENTS), ("Intake", None)],
    )
