"""The administrators' jobs page (with the document metadata sync's findings)."""

from __future__ import annotations

import reflex as rx

from mtkcare.jobs.components import document_sync_section, jobs_body
from mtkcare.jobs.state import DocumentSyncState, JobsState
from mtkcare.ui import routes
from mtkcare.ui.layout import app_page, page_layout
from mtkcare.ui.styles import page_title


@app_page(
    routes.JOBS, page_title("Background jobs"), on_load=[JobsState.load, DocumentSyncState.load]
)
def jobs() -> rx.Component:
    return page_layout(
        rx.vstack(jobs_body(), document_sync_section(), spacing="6", width="100%"),
        title="Background jobs",
        active=routes.JOBS,
    )
