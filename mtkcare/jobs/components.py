"""The jobs page: counts per status, a status filter, and the newest jobs with their attempts,
last error and a "Retry now" button for failed or waiting ones."""

from __future__ import annotations

import reflex as rx

from mtkcare.jobs.service import STATUS_LABELS, JobLine
from mtkcare.jobs.state import EVERY, JobsState
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
