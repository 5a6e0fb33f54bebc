"""The documents panel: the upload form (drop files or choose them; each file's progress and
result, sent by the page script ``assets/mtkcare.js`` to our own ``/files/upload``), the list
with what each document is and where it stands, and its actions — open, download, new
version, versions, access, history, delete — each shown only to those who may use it (the
server checks again)."""

from __future__ import annotations

import reflex as rx

from mtkcare.documents.service import DocumentLine
from mtkcare.documents.state import NAMED, DocumentsPanelState, HistoryLine
from mtkcare.ui.components import confirm_dialog, empty_state, loading_block, records_table
from mtkcare.ui.forms import checkbox_field, select_field, text_field
from mtkcare.ui.layout import backend_url

S = DocumentsPanelState
FORM = "document-upload"


def file_url(document_id: rx.Var[int], download: bool = False) -> rx.Var:
    return backend_url("/files/") + document_id.to_string() + ("?download=1" if download else "")


def upload_form() -> rx.Component:
    """What the files are, then where to drop them. The page script reads the form's fields
    and data attributes when files arrive."""
    return rx.el.form(
        rx.heading(
            rx.cond(
                S.replacing_id > 0,
                "Upload a new version of “" + S.replacing_title + "”",
                "Add documents",
            ),
            as_="h3",
            size="3",
        ),
        rx.cond(
            S.replacing_id > 0,
            rx.button(
                "Add new documents instead",
                type="button",
                variant="ghost",
                size="1",
                on_click=S.cancel_new_version,
            ),
        ),
        rx.flex(
            rx.cond(
                S.replacing_id > 0,
                rx.fragment(),
                rx.box(
                    select_field(
                        "Document type",
                        "document_type",
                        form=FORM,
                        options=S.type_options,
                        on_change=S.choose_type,
                    ),
                    width="14rem",
                ),
            ),
            rx.box(
                select_field(
                    "Access level",
                    "access_level",
                    form=FORM,
                    options=S.level_options,
                    value="STANDARD",
                    placeholder=None,
                ),
                width="12rem",
            ),
            rx.cond(
                S.upload_expires & (S.replacing_id == 0),
                rx.box(
                    text_field("Expiry date", "expiry_date", form=FORM, type="date", optional=True),
                    width="12rem",
                ),
            ),
            rx.box(
                text_field(
                    "Title",
                    "title",
                    form=FORM,
                    optional=True,
                    hint="For one file; several files take their names",
                ),
                width="18rem",
            ),
            spacing="3",
            wrap="wrap",
            align="end",
        ),
        rx.el.div(
            rx.icon("upload", size=20, aria_hidden="true"),
            rx.text("Drop files here, or ", size="2", as_="span"),
            rx.el.label(
                "choose files",
                rx.el.input(
                    type="file",
                    multiple=True,
                    custom_attrs={"data-upload-input": ""},
                    style={"position": "absolute", "opacity": "0", "width": "1px", "height": "1px"},
                ),
                style={
                    "color": "var(--accent-11)",
                    "textDecoration": "underline",
                    "cursor": "pointer",
                    "position": "relative",
                },
            ),
            rx.text(" — PDF, images, Office documents or plain text.", size="2", as_="span"),
            custom_attrs={"data-upload-zone": ""},
            style={
                "display": "flex",
                "alignItems": "center",
                "gap": "var(--space-1)",
                "flexWrap": "wrap",
                "padding": "var(--space-4)",
                "border": "2px dashed var(--gray-a7)",
                "borderRadius": "var(--radius-3)",
                "background": "var(--gray-a2)",
            },
        ),
        # Each file's progress and result, written by the page script (read out as it changes).
        rx.el.ul(
            custom_attrs={"data-upload-progress": "", "aria-live": "polite"},
            style={"listStyle": "none", "paddingLeft": "0", "margin": "0"},
        ),
        # Pressed by the page script when a file's upload has finished.
        rx.el.button(
            "Refresh documents",
            type="button",
            hidden=True,
            custom_attrs={"data-upload-done": ""},
            on_click=S.refresh,
        ),
        custom_attrs={
            "data-upload-form": "",
            "data-upload-url": backend_url("/files/upload"),
            "data-target-kind": S.kind,
            "data-target-id": S.target_id.to_string(),  # type: ignore[attr-defined]
            "data-replaces-id": S.replacing_id.to_string(),  # type: ignore[attr-defined]
        },
        on_submit=rx.prevent_default,
        aria_label="Add documents",
        # Not re-keyed between new documents and a new version: the files' results stay.
        style={"display": "flex", "flexDirection": "column", "gap": "var(--space-3)"},
    )


def _status(line: rx.Var[DocumentLine]) -> rx.Component:
    return rx.match(
        line.status,
        ("AVAILABLE", rx.fragment()),
        (
            "PENDING",
            rx.flex(
                rx.spinner(size="1"),
                rx.text(line.status_label, size="1"),
                spacing="1",
                align="center",
            ),
        ),
        rx.tooltip(
            rx.badge(line.status_label, color_scheme="red", size="1"),
            content=line.failure,
        ),
    )


def _actions(line: rx.Var[DocumentLine]) -> rx.Component:
    opened = rx.cond(
        line.can_open,
        rx.flex(
            rx.cond(
                line.inline,
                rx.link(
                    "Open",
                    href=file_url(line.id),
                    is_external=True,
                    aria_label="Open " + line.title,
                ),
            ),
            rx.link(
                "Download",
                href=file_url(line.id, download=True),
                aria_label="Download " + line.title,
            ),
            spacing="2",
        ),
    )
    return rx.flex(
        opened,
        rx.menu.root(
            rx.menu.trigger(
                rx.button(
                    "More",
                    rx.icon("chevron_down", size=14, aria_hidden="true"),
                    variant="soft",
                    size="1",
                    aria_label="More for " + line.title,
                )
            ),
            rx.menu.content(
                rx.cond(
                    S.can_upload & line.can_open,
                    rx.menu.item("Upload a new version", on_select=S.start_new_version(line.id)),
                ),
                rx.menu.item("Versions", on_select=S.show_versions(line.id)),
                rx.menu.item("Access history", on_select=S.show_history(line.id)),
                rx.cond(
                    S.can_manage,
                    rx.menu.item("Change access", on_select=S.show_access(line.id)),
                ),
            ),
            modal=False,
        ),
        rx.cond(
            S.can_manage,
            rx.cond(
                line.deleted,
                rx.button(
                    "Restore",
                    size="1",
                    variant="soft",
                    on_click=S.restore(line.id),
                    aria_label="Restore " + line.title,
                ),
                confirm_dialog(
                    rx.button(
                        "Delete",
                        size="1",
                        variant="soft",
                        color_scheme="red",
                        aria_label="Delete " + line.title,
                    ),
                    title="Delete “" + line.title + "”?",
                    body="The document and its earlier versions will be hidden from every "
                    "list. Nothing is erased: a team lead can restore it.",
                    confirm_label="Delete document",
                    on_confirm=S.delete(line.id),
                ),
            ),
        ),
        spacing="2",
        align="center",
        wrap="wrap",
    )


def uploaded(line: rx.Var[DocumentLine]) -> rx.Component:
    """Who uploaded a document, and when."""
    return rx.flex(
        rx.text(line.uploaded_by, size="2"),
        rx.text(line.uploaded_at, size="1", color_scheme="gray"),
        direction="column",
    )


def expiry(line: rx.Var[DocumentLine]) -> rx.Component:
    """Until when a document is current; an expired one in bold red, in words."""
    return rx.cond(
        line.expiry != "",
        rx.text(
            rx.cond(line.expired, "Expired " + line.expiry, "Until " + line.expiry),
            color_scheme=rx.cond(line.expired, "red", "gray"),
            weight=rx.cond(line.expired, "bold", "regular"),
            size="2",
        ),
        rx.text("—", color_scheme="gray"),
    )


def _row(line: rx.Var[DocumentLine]) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.flex(
                rx.text(line.title, weight="medium"),
                rx.text(line.file_name + " · " + line.size, size="1", color_scheme="gray"),
                direction="column",
            )
        ),
        rx.table.cell(line.type_label),
        rx.table.cell("v" + line.version.to_string()),
        rx.table.cell(
            rx.badge(
                line.access_label,
                color_scheme=rx.match(
                    line.access, ("CONFIDENTIAL", "red"), ("RESTRICTED", "orange"), "gray"
                ),
                variant="soft",
                size="1",
            )
        ),
        rx.table.cell(uploaded(line)),
        rx.table.cell(expiry(line)),
        rx.table.cell(_status(line)),
        rx.table.cell(_actions(line)),
        key=line.id,
        custom_attrs={"data-document": line.title},
    )


def _list() -> rx.Component:
    return records_table(
        S.lines,
        ("Title", "Type", "Version", "Access", "Uploaded", "Expiry", "Status", "Actions"),
        _row,
        caption="Documents",
        empty=empty_state(
            "file_text",
            rx.cond(S.showing_deleted, "No deleted documents", "No documents yet"),
            rx.cond(
                S.showing_deleted,
                "Deleted documents would be listed here, to restore.",
                "Consent forms, assessments, letters and identification appear here once "
                "they are uploaded.",
            ),
        ),
    )


def _versions_dialog() -> rx.Component:
    def row(v: rx.Var[DocumentLine]) -> rx.Component:
        return rx.table.row(
            rx.table.row_header_cell("v" + v.version.to_string()),
            rx.table.cell(v.uploaded_by + ", " + v.uploaded_at),
            rx.table.cell(v.size),
            rx.table.cell(rx.cond(v.superseded, "Superseded", "Current")),
            rx.table.cell(
                rx.cond(
                    v.can_open,
                    rx.link("Download", href=file_url(v.id, download=True)),
                    v.status_label,
                )
            ),
            key=v.id,
        )

    return _dialog(
        "versions",
        "Versions of “" + S.dialog_title + "”",
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    *(
                        rx.table.column_header_cell(n)
                        for n in ("Version", "Uploaded", "Size", "", "")
                    )
                )
            ),
            rx.table.body(rx.foreach(S.versions, row)),
            size="1",
        ),
    )


def _history_dialog() -> rx.Component:
    def row(h: rx.Var[HistoryLine]) -> rx.Component:
        return rx.table.row(
            rx.table.row_header_cell(h.when),
            rx.table.cell(h.who),
            rx.table.cell(h.action),
            rx.table.cell(h.version),
            rx.table.cell(h.address),
        )

    return _dialog(
        "history",
        "Who opened or changed “" + S.dialog_title + "”",
        rx.cond(
            S.history.length() > 0,  # type: ignore[attr-defined]
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        *(
                            rx.table.column_header_cell(n)
                            for n in ("When", "Who", "What", "Version", "From")
                        )
                    )
                ),
                rx.table.body(rx.foreach(S.history, row)),
                size="1",
                aria_label="Access history",
            ),
            rx.text("Nobody has opened it yet.", size="2"),
        ),
    )


def _access_dialog() -> rx.Component:
    return _dialog(
        "access",
        "Who may see “" + S.dialog_title + "”",
        rx.form(
            rx.flex(
                select_field(
                    "Access level",
                    "access_level",
                    form="document-access",
                    options=S.level_options,
                    value=S.access_choice,
                    placeholder=None,
                    hint="Restricted: staff who may see restricted documents. Confidential: "
                    "you, the staff named on it and the client's workers.",
                ),
                rx.el.fieldset(
                    rx.el.legend(
                        rx.text("Staff named on it (when confidential)", size="2", weight="bold")
                    ),
                    rx.flex(
                        rx.foreach(
                            S.staff_choices,
                            lambda p: checkbox_field(
                                p["name"],
                                NAMED + p["id"],
                                form="document-access",
                                checked=p["named"] != "",
                            ),
                        ),
                        direction="column",
                        spacing="1",
                        max_height="12rem",
                        overflow_y="auto",
                    ),
                    style={"border": "none", "padding": "0", "margin": "0"},
                ),
                rx.flex(
                    rx.button("Save access", type="submit"),
                    justify="end",
                ),
                direction="column",
                spacing="3",
            ),
            on_submit=S.save_access,
            reset_on_submit=False,
            key=S.dialog_id.to_string(),  # type: ignore[attr-defined]
        ),
    )


def _dialog(name: str, title: rx.Var | str, body: rx.Component) -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(title),
            rx.dialog.description("", size="1"),
            body,
            rx.flex(
                rx.dialog.close(rx.button("Close", variant="soft", color_scheme="gray")),
                justify="end",
                margin_top="var(--space-3)",
            ),
            max_width="44rem",
        ),
        open=S.dialog == name,
        on_open_change=S.close_dialog,
    )


def documents_panel(kind: str) -> rx.Component:
    """The documents of the client or referral whose page this is (``kind``)."""
    return rx.box(
        rx.cond(
            S.loaded,
            rx.flex(
                rx.cond(S.can_upload & ~S.showing_deleted, upload_form()),
                rx.flex(
                    rx.heading(
                        rx.cond(S.showing_deleted, "Deleted documents", "Documents"),
                        as_="h3",
                        size="3",
                    ),
                    rx.cond(
                        S.can_manage,
                        rx.button(
                            rx.cond(S.showing_deleted, "Back to documents", "Show deleted"),
                            variant="ghost",
                            size="1",
                            on_click=S.toggle_deleted,
                        ),
                    ),
                    justify="between",
                    align="center",
                ),
                _list(),
                _versions_dialog(),
                _history_dialog(),
                _access_dialog(),
                direction="column",
                spacing="4",
            ),
            loading_block("Loading documents…"),
        ),
        on_mount=S.load(kind),
        width="100%",
    )
