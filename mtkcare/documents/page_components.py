"""The ``/documents`` page: what needs attention, the filters, and the recent documents."""

from __future__ import annotations

import reflex as rx

from mtkcare.documents.components import expiry, file_url, uploaded
from mtkcare.documents.overview import Attention, DocumentFilters, RecentDocument
from mtkcare.documents.page_state import DocumentsPageState
from mtkcare.fields import spec
from mtkcare.ui import routes
from mtkcare.ui.components import empty_state, loading_block, records_table
from mtkcare.ui.forms import filter_buttons, filter_field

S = DocumentsPageState
FORM = "documents-filter"


def _attention() -> rx.Component:
    def item(a: rx.Var[Attention]) -> rx.Component:
        return rx.el.li(
            rx.callout.root(
                rx.callout.icon(rx.icon("triangle_alert", aria_hidden="true")),
                rx.callout.text(
                    rx.text(a.what, weight="bold"),
                    " — ",
                    rx.link(a.client_name, href=routes.CLIENT + "?id=" + a.client_id.to_string()),
                    rx.cond(
                        a.tracking_id != "",
                        rx.fragment(
                            ", ",
                            rx.link(
                                a.tracking_id,
                                href=routes.REFERRAL + "?id=" + a.referral_id.to_string(),
                            ),
                        ),
                    ),
                    ". ",
                    a.detail,
                ),
                color="amber",
                size="1",
            )
        )

    return rx.cond(
        S.attention.length() > 0,  # type: ignore[attr-defined]
        rx.el.section(
            rx.heading("Needs attention", as_="h2", size="4"),
            rx.el.ul(
                rx.foreach(S.attention, item),
                style={"listStyle": "none", "paddingLeft": "0", "display": "grid", "gap": "6px"},
            ),
            aria_label="Needs attention",
        ),
    )


def _filters() -> rx.Component:
    options = {
        "document_type": S.type_options,
        "program_id": S.program_options,
        "uploaded_by": S.uploader_options,
    }

    def control(name: str, width: str) -> rx.Component:
        return filter_field(
            spec(DocumentFilters, name),
            form=FORM,
            width=width,
            errors=S.filter_errors,
            options=options.get(name),
        )

    return rx.form(
        rx.flex(
            control("client", "14rem"),
            control("document_type", "12rem"),
            control("program_id", "14rem"),
            control("uploaded_by", "12rem"),
            control("since", "10rem"),
            control("until", "10rem"),
            filter_buttons(S.clear_filters, clear_type="reset"),
            spacing="3",
            wrap="wrap",
            align="end",
        ),
        on_submit=S.apply_filters,
        reset_on_submit=False,
        aria_label="Filter documents",
    )


def _row(r: rx.Var[RecentDocument]) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.flex(
                rx.text(r.title, weight="medium"),
                rx.text(r.file_name, size="1", color_scheme="gray"),
                direction="column",
            )
        ),
        rx.table.cell(r.type_label),
        rx.table.cell(
            rx.cond(
                r.client_id > 0,
                rx.link(r.client_name, href=routes.CLIENT + "?id=" + r.client_id.to_string()),
            )
        ),
        rx.table.cell(
            rx.cond(
                r.referral_id > 0,
                rx.link(r.tracking_id, href=routes.REFERRAL + "?id=" + r.referral_id.to_string()),
                "—",
            )
        ),
        rx.table.cell("v" + r.version.to_string()),
        rx.table.cell(rx.badge(r.access_label, variant="soft", size="1")),
        rx.table.cell(uploaded(r)),
        rx.table.cell(expiry(r)),
        rx.table.cell(
            rx.cond(
                r.can_open,
                rx.link(
                    "Download", href=file_url(r.id, download=True), aria_label="Download " + r.title
                ),
                rx.text(r.status_label, size="2", title=r.failure),
            )
        ),
        key=r.id,
    )


def documents_body() -> rx.Component:
    return rx.cond(
        S.loaded,
        rx.flex(
            _attention(),
            _filters(),
            records_table(
                S.rows,
                (
                    "Title",
                    "Type",
                    "Client",
                    "Referral",
                    "Version",
                    "Access",
                    "Uploaded",
                    "Expiry",
                    "",
                ),  # fmt: skip
                _row,
                caption="Recent documents",
                empty=empty_state(
                    "file_text",
                    rx.cond(S.filtered, "No documents match", "No documents yet"),
                    rx.cond(
                        S.filtered,
                        "Try fewer filters.",
                        "Documents uploaded on clients and referrals you work with appear here.",
                    ),
                ),
            ),
            direction="column",
            spacing="4",
            width="100%",
        ),
        loading_block("Loading documents…"),
    )
