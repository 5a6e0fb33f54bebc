"""The documents area: ``/documents`` (recent documents and what needs attention)."""

from __future__ import annotations

import reflex as rx

from mtkcare.documents.page_components import documents_body
from mtkcare.documents.page_state import DocumentsPageState
from mtkcare.ui import routes
from mtkcare.ui.layout import app_page, page_layout
from mtkcare.ui.styles import page_title


@app_page(routes.DOCUMENTS, page_title("Documents"), on_load=DocumentsPageState.load)
def documents() -> rx.Component:
    return page_layout(documents_body(), title="Documents", active=routes.DOCUMENTS)
