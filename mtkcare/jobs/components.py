"""The jobs page: counts per status, a status filter, and the newest jobs with their attempts,
last error and a "Retry now" button for failed or waiting ones; below them, the documents the
metadata sync found out of step with their store."""

from __future__ import annotations

import reflex as rx

from mtkcare.documents.sync import OutOfStep
from mtkcare.jobs.service import STATUS_LABELS, JobLine
from mtkcare.jobs.state import EVERY, DocumentSyncState, JobsState
from mtkcare.ui.components import empty_state, loading_block

J = JobsState
COLOURS = {"QUEUED": "blue", "RUNNING": "amber", "FAILED": "red", "DONE": "green"}


def _count(status: str, label: str) -> rx.Component:
    return rx.card(
        rx.text(label, size="2", color_scheme="gray"),
        rx.heading(J.counts.get(status, 0), size="6", as_="p"),
        aria_label=f"{label} jobs",
    )


def _status_badge(line: rx.Var[JobLine]) -> rx.Component:
    return rx.match(
        line.status,
        *(
            (status, rx.badge(words, color_scheme=COLOURS[status]))
            for status, words in STATUS_LABELS.items()
        ),
        rx.badge(line.status_label),
    )


def _row(line: rx.Var[JobLine]) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.text(line.label), rx.text("#", line.id, size="1", color_scheme="gray")
        ),
        rx.table.cell(_status_badge(line)),
        rx.table.cell(line.attempts),
        rx.table.cell(line.created),
        rx.table.cell(rx.cond(line.next_attempt != "", line.next_attempt, line.finished)),
        rx.table.cell(rx.text(line.last_error, size="1", style={"wordBreak": "break-word"})),
        rx.table.cell(
            rx.cond(
                line.can_retry,
                rx.button(
                    "Retry now",
                    size="1",
                    variant="soft",
                    on_click=J.retry(line.id),
                    aria_label="Retry job " + line.id.to_string() + " now",
                ),
            )
        ),
    )


def jobs_body() -> rx.Component:
    return rx.cond(
        J.loaded,
        rx.vstack(
            rx.grid(
                *(_count(status, words) for status, words in STATUS_LABELS.items()),
                columns="4",
                spacing="3",
                width="100%",
            ),
            rx.text(
                rx.cond(
                    J.waiting >= 0,
                    "In the queue now: "
                    + J.waiting.to_string()  # type: ignore[attr-defined]
                    + " waiting for a worker, "
                    + J.scheduled.to_string()  # type: ignore[attr-defined]
                    + " scheduled (retries and delayed work).",
                    "The queue's storage cannot be reached: jobs are kept and run once it is back.",
                ),
                size="2",
                color_scheme="gray",
            ),
            rx.hstack(
                rx.text("Show", as_="label", html_for="jobs-status", size="2"),
                rx.select.root(
                    rx.select.trigger(id="jobs-status", aria_label="Show jobs with status"),
                    rx.select.content(
                        rx.select.item("All jobs", value=EVERY),
                        *(
                            rx.select.item(words, value=status)
                            for status, words in STATUS_LABELS.items()
                        ),
                    ),
                    value=J.status,
                    on_change=J.show_status,
                ),
                rx.button("Refresh", variant="outline", on_click=J.load),
                align="center",
                spacing="3",
            ),
            rx.cond(
                J.lines.length() > 0,  # type: ignore[attr-defined]
                rx.table.root(
                    rx.table.header(
                        rx.table.row(
                            *(
                                rx.table.column_header_cell(h)
                                for h in (
                                    "Job",
                                    "Status",
                                    "Attempts",
                                    "Created",
                                    "Next / finished",
                                    "Last error",
                                    "",
                                )
                            )
                        )
                    ),
                    rx.table.body(rx.foreach(J.lines, _row)),
                    variant="surface",
                    width="100%",
                    aria_label="Background jobs",
                ),
                empty_state(
                    "timer",
                    "No jobs here",
                    "Jobs appear when the app has work to do in the background.",
                ),
            ),
            spacing="4",
            width="100%",
        ),
        loading_block("Loading jobs…"),
    )


# --- the document metadata sync ----------------------------------------------------------

D = DocumentSyncState


def _out_of_step_row(line: rx.Var[OutOfStep]) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell("#", line.id),
        rx.table.cell(line.store),
        rx.table.cell(rx.text(line.path, size="1", style={"wordBreak": "break-all"})),
        rx.table.cell(line.finding),
        rx.table.cell(line.checked),
    )


def document_sync_section() -> rx.Component:
    """Documents whose store no longer agrees with their record: where each is and what the
    check found (administrators do not see what a document is), with "Check now"."""
    return rx.el.section(
        rx.vstack(
            rx.hstack(
                rx.heading(
                    "Documents out of step with their store", as_="h2", size="4", id="document-sync"
                ),
                rx.button("Check now", variant="soft", on_click=D.check_now),
                rx.button("Refresh", variant="outline", on_click=D.load),
                align="center",
                spacing="3",
                wrap="wrap",
            ),
            rx.text(
                D.schedule,
                rx.cond(D.last_check != "", " Last complete check: " + D.last_check + ".", ""),
                size="2",
                color_scheme="gray",
            ),
            rx.cond(
                D.loaded,
                rx.cond(
                    D.out_of_step.length() > 0,  # type: ignore[attr-defined]
                    rx.vstack(
                        rx.table.root(
                            rx.table.header(
                                rx.table.row(
                                    *(
                                        rx.table.column_header_cell(h)
                                        for h in ("Document", "Store", "Path", "Finding", "Checked")
                                    )
                                )
                            ),
                            rx.table.body(rx.foreach(D.out_of_step, _out_of_step_row)),
                            variant="surface",
                            width="100%",
                            aria_label="Documents out of step with their store",
                        ),
                        rx.cond(
                            D.total > D.out_of_step.length(),  # type: ignore[attr-defined]
                            rx.text(
                                "Showing the newest ",
                                D.out_of_step.length(),  # type: ignore[attr-defined]
                                " of ",
                                D.total,
                                ".",
                                size="2",
                                color_scheme="gray",
                            ),
                        ),
                        width="100%",
                    ),
                    rx.text("Every document checked agrees with its store.", size="2"),
                ),
                loading_block("Loading the sync's findings…"),
            ),
            spacing="3",
            width="100%",
        ),
        aria_labelledby="document-sync",
        width="100%",
    )
