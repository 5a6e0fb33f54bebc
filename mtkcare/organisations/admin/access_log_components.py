"""An organisation's partner-API access log: time, method, path, answer, duration, key,
address and idempotency key; newest first, paged, narrowed by the answer's class."""

from __future__ import annotations

import reflex as rx

from mtkcare.fields import spec
from mtkcare.organisations.admin.access_log_state import AccessLogState
from mtkcare.organisations.views import AccessLine, AccessLogFilters
from mtkcare.ui.components import loading_block, pager, records_table
from mtkcare.ui.forms import filter_buttons, filter_field
from mtkcare.ui.sections import section

A = AccessLogState
FILTER_FORM = "access-log-filter"


def _status(line: rx.Var[AccessLine]) -> rx.Component:
    colour = rx.cond(line.status < 300, "green", rx.cond(line.status < 500, "amber", "red"))
    return rx.badge(line.status.to_string(), color_scheme=colour, variant="soft")


def _row(line: rx.Var[AccessLine]) -> rx.Component:
    small = {"size": "1"}
    return rx.table.row(
        rx.table.row_header_cell(rx.text(line.time, **small)),
        rx.table.cell(rx.text(line.method, **small)),
        rx.table.cell(rx.text(line.path, style={"wordBreak": "break-all"}, **small)),
        rx.table.cell(_status(line)),
        rx.table.cell(rx.text(line.duration, **small)),
        rx.table.cell(rx.code(line.key_prefix, variant="ghost", **small)),
        rx.table.cell(rx.text(line.address, **small)),
        rx.table.cell(rx.text(line.idempotency_key, style={"wordBreak": "break-all"}, **small)),
        key=line.id,
    )


def _filters() -> rx.Component:
    return rx.form(
        rx.flex(
            filter_field(
                spec(AccessLogFilters, "status_class"),
                form=FILTER_FORM,
                width="18rem",
                errors=A.filter_errors,
                value=A.status_class,
            ),
            filter_buttons(A.clear_filters),
            rx.button(
                rx.icon("refresh_cw", size=16, aria_hidden="true"),
                "Refresh",
                type="button",
                variant="outline",
                on_click=A.go_to_page(1),
            ),
            spacing="3",
            wrap="wrap",
            align="end",
        ),
        on_submit=A.apply_filters,
        reset_on_submit=False,
        aria_label="Filter the access log",
        key=A.filter_key.to_string(),  # type: ignore[attr-defined]
    )


def access_log_section() -> rx.Component:
    return section(
        "Access log",
        _filters(),
        rx.cond(
            A.loaded,
            rx.flex(
                records_table(
                    A.rows,
                    [
                        "Time",
                        "Method",
                        "Path",
                        "Answer",
                        "Took",
                        "Key",
                        "From address",
                        "Idempotency key",
                    ],
                    _row,
                    caption="Partner API calls of this organisation, newest first",
                    size="1",
                    busy=A.loading,
                    empty=rx.text(
                        rx.cond(
                            A.status_class != "",
                            "No calls with answers of this kind.",
                            "No calls yet: its systems have not used the partner API.",
                        ),
                        size="2",
                        color_scheme="gray",
                    ),
                ),
                rx.cond(A.total > 0, pager(A, "the access log")),
                direction="column",
                spacing="3",
            ),
            loading_block("Loading the access log…"),
        ),
        description="Every call its systems made to the partner API with one of its keys "
        "(calls are written within about a second).",
    )
