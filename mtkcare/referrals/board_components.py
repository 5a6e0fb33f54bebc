"""The referrals board: filters, then a column per status (a labelled region with a list of
cards), each card with its "Move to…" menu; cards can also be dragged to another column.
Colour is never the only signal: priority and overdue follow-ups are written out."""

from __future__ import annotations

import reflex as rx
from reflex.components.el.elements.typography import Div
from reflex_base.event import no_args_event_spec

from mtkcare.fields import spec
from mtkcare.referrals.board import BoardFilters, Card, Column
from mtkcare.referrals.board_state import BoardState
from mtkcare.referrals.move_form import move_dialog
from mtkcare.ui import routes
from mtkcare.ui.components import loading_block
from mtkcare.ui.forms import input_for

S = BoardState
FILTER_FORM = "board-filter"
VISUALLY_HIDDEN = {
    "position": "absolute",
    "width": "1px",
    "height": "1px",
    "overflow": "hidden",
    "clip": "rect(0 0 0 0)",
    "whiteSpace": "nowrap",
}
PRIORITY_COLOURS = {"URGENT": "red", "HIGH": "orange", "NORMAL": "gray", "LOW": "gray"}


class DragBox(Div):
    """A div that takes part in native drag and drop (Reflex's own div has no drag events)."""

    on_drag_start: rx.EventHandler[no_args_event_spec]
    on_drag_over: rx.EventHandler[no_args_event_spec]
    on_drop: rx.EventHandler[no_args_event_spec]


def filters_form() -> rx.Component:
    fields = {name: spec(BoardFilters, name) for name in BoardFilters.model_fields}
    options = {"program_id": S.program_choices, "worker_id": S.worker_choices}

    def control(name: str, width: str) -> rx.Component:
        return rx.box(
            input_for(
                fields[name],
                form=FILTER_FORM,
                value=S.filters.get(name, ""),
                errors=S.filter_errors,
                options=options.get(name),
                placeholder="Any",
                say_optional=False,
            ),
            width=width,
        )

    return rx.form(
        rx.flex(
            control("q", "16rem"),
            control("program_id", "14rem"),
            control("worker_id", "12rem"),
            control("priority", "9rem"),
            control("source", "11rem"),
            rx.flex(
                control("overdue_only", "auto"),
                control("show_closed", "auto"),
                direction="column",
                spacing="1",
            ),
            rx.flex(
                rx.button("Apply filters", type="submit", size="2"),
                rx.button(
                    "Clear",
                    type="button",
                    variant="soft",
                    color_scheme="gray",
                    size="2",
                    on_click=S.clear_filters,
                ),  # fmt: skip
                spacing="2",
                align="end",
            ),
            spacing="3",
            wrap="wrap",
            align="end",
        ),
        # Re-drawn with the values of the address each time the board loads.
        key=S.filters.to_string(),  # type: ignore[attr-defined]
        on_submit=S.apply_filters,
        reset_on_submit=False,
        aria_label="Filter the board",
    )


def _move_menu(card: rx.Var[Card], column: rx.Var[Column]) -> rx.Component:
    return rx.menu.root(
        rx.menu.trigger(
            rx.button(
                "Move to…",
                rx.icon("chevron_down", size=14, aria_hidden="true"),
                variant="soft",
                size="1",
                aria_label="Move " + card.tracking_id + " to…",
            )
        ),
        rx.menu.content(
            rx.cond(
                column.moves.length() > 0,
                rx.foreach(
                    column.moves,
                    lambda m: rx.menu.item(
                        m.label + " → " + m.target_label, on_select=S.choose_move(card.id, m.target)
                    ),
                ),
                rx.menu.item("No moves you can make", disabled=True),
            )
        ),
    )


def _card(card: rx.Var[Card], column: rx.Var[Column]) -> rx.Component:
    return rx.el.li(
        DragBox.create(
            rx.card(
                rx.flex(
                    rx.flex(
                        rx.link(
                            card.tracking_id,
                            href=routes.REFERRAL + "?id=" + card.id.to_string(),
                            font_family="monospace",
                            size="2",
                        ),
                        rx.badge(
                            card.priority_label,
                            color_scheme=rx.match(
                                card.priority,
                                *PRIORITY_COLOURS.items(),
                                "gray",
                            ),
                            size="1",
                        ),
                        justify="between",
                        align="center",
                    ),
                    rx.text(card.client_name, weight="medium", size="2"),
                    rx.text(card.program, size="1", color_scheme="gray"),
                    rx.text(card.worker, " · ", card.age, size="1", color_scheme="gray"),
                    rx.cond(
                        card.follow_up != "",
                        rx.flex(
                            rx.cond(
                                card.overdue,
                                rx.icon("triangle_alert", size=12, aria_hidden="true"),
                                rx.icon("calendar", size=12, aria_hidden="true"),
                            ),
                            rx.text(
                                card.follow_up,
                                size="1",
                                weight=rx.cond(card.overdue, "bold", "regular"),
                            ),
                            color=rx.cond(card.overdue, rx.color("red", 11), rx.color("gray", 11)),
                            align="center",
                            spacing="1",
                        ),
                    ),
                    _move_menu(card, column),
                    direction="column",
                    spacing="1",
                ),
                size="1",
            ),
            draggable=True,
            on_drag_start=S.start_drag(card.id),
            custom_attrs={"data-card": card.tracking_id},
            cursor="grab",
        ),
        key=card.id,
    )


def _column(column: rx.Var[Column]) -> rx.Component:
    return DragBox.create(
        rx.el.section(
            rx.flex(
                rx.heading(column.label, as_="h2", size="3"),
                rx.badge(column.count.to_string(), size="1", variant="soft"),
                justify="between",
                align="center",
                padding_bottom="var(--space-2)",
            ),
            rx.cond(
                column.cards.length() > 0,
                rx.el.ul(
                    rx.foreach(column.cards, lambda card: _card(card, column)),
                    aria_label=column.label,
                    display="flex",
                    flex_direction="column",
                    gap="var(--space-2)",
                    style={"listStyle": "none", "paddingLeft": "0", "margin": "0"},
                ),
                rx.text("No referrals here.", size="2", color_scheme="gray"),
            ),
            rx.cond(
                column.more,
                rx.button(
                    "Show more",
                    variant="ghost",
                    size="1",
                    margin_top="var(--space-2)",
                    on_click=S.show_more(column.status),
                    aria_label="Show more in " + column.label,
                ),
            ),
            aria_label=column.label,
        ),
        on_drag_over=rx.prevent_default,
        on_drop=S.drop_on(column.status),
        custom_attrs={"data-column": column.status},
        width="17rem",
        min_width="17rem",
        padding="var(--space-3)",
        border_radius="var(--radius-3)",
        background=rx.color("gray", 3),
        min_height="12rem",
    )


def board_body() -> rx.Component:
    return rx.cond(
        S.status == "ready",
        rx.flex(
            filters_form(),
            rx.text(S.total.to_string() + " referrals match", size="2", color_scheme="gray"),  # type: ignore[attr-defined]
            # Read out to screen readers: what happened to the last card moved or refused.
            rx.el.div(S.announcement, role="status", aria_live="polite", style=VISUALLY_HIDDEN),
            rx.flex(
                rx.foreach(S.columns, _column),
                spacing="3",
                overflow_x="auto",
                padding_bottom="var(--space-3)",
                align="start",
            ),
            move_dialog(S),
            direction="column",
            spacing="3",
            width="100%",
            # Listen for other people's changes while the board is on screen.
            on_mount=S.follow_changes,
            on_unmount=S.stop_following,
        ),
        loading_block("Loading the board…"),
    )
