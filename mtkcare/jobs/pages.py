"""The administrators' jobs page."""

from __future__ import annotations

import reflex as rx

from mtkcare.jobs.components import jobs_body
from mtkcare.jobs.state import JobsState
from mtkcare.ui import routes
from mtkcare.ui.layout import app_page, page_layout
from mtkcare.ui.styles import page_title


@app_page(routes.JOBS, page_title("Background jobs"), on_load=JobsState.load)
def jobs() -> rx.Component:
    return page_layout(jobs_body(), title="Background jobs", active=routes.JOBS)
