"""The intake page: your drafts, and the wizard on one of them (``/intake?draft=<id>``)."""

from __future__ import annotations

import reflex as rx

from mtkcare.intake.components import intake_body
from mtkcare.intake.state import IntakeState
from mtkcare.ui import routes
from mtkcare.ui.layout import app_page, page_layout
from mtkcare.ui.styles import page_title


@app_page(routes.INTAKE, page_title("Intake"), on_load=IntakeState.load)
def intake() -> rx.Component:
    return page_layout(
        intake_body(),
        title="Intake",
        active=routes.INTAKE,
        crumbs=[("Clients", routes.CLIENTS), ("Intake", None)],
    )
