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
from mtkcare.referrals.page import MoveChoice
from mtkcare.ui import routes
from mtkcare.ui.components import loading_block
from mtkcare.ui.forms import filter_buttons, filter_field

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
        return filter_field(
            fields[name],
            form=FILTER_FORM,
            width=width,
            value=S.filters.get(name, ""),
            errors=S.filter_errors,
            options=options.get(name),
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
            filter_buttons(S.clear_filters),
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


# A card is drawn with plain elements (styled with the theme's variables) rather than the
# theme's Card/Flex/Text components: a board draws up to 300 of them, and each theme component
# is a React layer of its own.
CARD_STYLE = {
    "display": "flex",
    "flexDirection": "column",
    "gap": "var(--space-1)",
    "padding": "var(--space-2) var(--space-3)",
    "background": "var(--color-panel-solid)",
    "borderRadius": "var(--radius-3)",
    "boxShadow": "var(--shadow-2)",
}
LINE = {"margin": "0", "fontSize": "var(--font-size-1)", "color": "var(--gray-11)"}


MOVE_BUTTON_STYLE = {
    "display": "inline-flex",
    "alignItems": "center",
    "justifyContent": "center",
    "gap": "var(--space-1)",
    "height": "var(--space-5)",
    "padding": "0 var(--space-2)",
    "border": "none",
    "borderRadius": "var(--radius-2)",
    "background": "var(--accent-a3)",
    "color": "var(--accent-11)",
    "fontSize": "var(--font-size-1)",
    "fontFamily": "inherit",
    "cursor": "pointer",
}


def _priority(priority: rx.Var[str], label: rx.Var[str]) -> rx.Component:
    """The priority as a small badge in its colour (a plain span: see CARD_STYLE)."""

    def shade(step: str) -> rx.Var:
        return rx.match(
            priority,
            *((p, f"var(--{c}-{step})") for p, c in PRIORITY_COLOURS.items()),
            f"var(--gray-{step})",
        )

    return rx.el.span(
        label,
        style={
            "padding": "0 var(--space-1)",
            "borderRadius": "var(--radius-1)",
            "fontSize": "var(--font-size-1)",
            "fontWeight": "500",
            "lineHeight": "var(--line-height-1)",
            "background": shade("a3"),
            "color": shade("a11"),
        },
    )


def _move_menu(card_id: rx.Var[int], tracking_id: rx.Var[str], moves: rx.Var) -> rx.Component:
    return rx.menu.root(
        rx.menu.trigger(
            rx.el.button(
                "Move to…",
                rx.icon("chevron_down", size=14, aria_hidden="true"),
                type="button",
                aria_label="Move " + tracking_id + " to…",
                style=MOVE_BUTTON_STYLE,
            )
        ),
        rx.menu.content(
            rx.cond(
                moves.length() > 0,
                rx.foreach(
                    moves,
                    lambda m: rx.menu.item(
                        m.label + " → " + m.target_label, on_select=S.choose_move(card_id, m.target)
                    ),
                ),
                rx.menu.item("No moves you can make", disabled=True),
            )
        ),
        # Not modal: a modal menu makes the whole page inert while open and live again on
        # close, which restyles every card on the board (~100 ms at the moment of the press).
        modal=False,
    )


# A card is a memo (React.memo) of plain values: when the board changes, only the cards whose
# values changed are drawn again (a move redraws one card, not the 300 on screen). Its move
# menu's choices come from ``menus``, which keeps its identity while the user's moves stay
# the same.
@rx.memo
def board_card(
    card_id: rx.Var[int],
    tracking_id: rx.Var[str],
    client_name: rx.Var[str],
    program: rx.Var[str],
    worker: rx.Var[str],
    age: rx.Var[str],
    priority: rx.Var[str],
    priority_label: rx.Var[str],
    follow_up: rx.Var[str],
    overdue: rx.Var[bool],
    possible_duplicate: rx.Var[bool],
    moves: rx.Var[list[MoveChoice]],
) -> rx.Component:
    return DragBox.create(
        rx.el.div(
            rx.el.a(
                tracking_id,
                href=routes.REFERRAL + "?id=" + card_id.to_string(),
                style={
                    "fontFamily": "var(--code-font-family, monospace)",
                    "fontSize": "var(--font-size-2)",
                    "color": "var(--accent-11)",
                },
            ),
            _priority(priority, priority_label),
            style={"display": "flex", "justifyContent": "space-between", "alignItems": "center"},
        ),
        rx.el.p(
            client_name,
            style={"margin": "0", "fontSize": "var(--font-size-2)", "fontWeight": "500"},
        ),
        rx.cond(
            possible_duplicate,
            rx.el.p(
                rx.icon("users", size=12, aria_hidden="true"),
                "Possible duplicate",
                style={
                    **LINE,
                    "display": "flex",
                    "alignItems": "center",
                    "gap": "var(--space-1)",
                    "color": "var(--orange-11)",
                    "fontWeight": "500",
                },
            ),
        ),
        rx.el.p(program, style=LINE),
        rx.el.p(worker, " · ", age, style=LINE),
        rx.cond(
            follow_up != "",
            rx.el.p(
                rx.cond(
                    overdue,
                    rx.icon("triangle_alert", size=12, aria_hidden="true"),
                    rx.icon("calendar", size=12, aria_hidden="true"),
                ),
                follow_up,
                style={
                    **LINE,
                    "display": "flex",
                    "alignItems": "center",
                    "gap": "var(--space-1)",
                    "color": rx.cond(overdue, "var(--red-11)", "var(--gray-11)"),
                    "fontWeight": rx.cond(overdue, "700", "400"),
                },
            ),
        ),
        _move_menu(card_id, tracking_id, moves),
        draggable=True,
        on_drag_start=S.start_drag(card_id),
        custom_attrs={"data-card": tracking_id},
        cursor="grab",
        style=CARD_STYLE,
    )


def _card(card: rx.Var[Card], column: rx.Var[Column]) -> rx.Component:
    return rx.el.li(
        board_card(
            card_id=card.id,
            tracking_id=card.tracking_id,
            client_name=card.client_name,
            program=card.program,
            worker=card.worker,
            age=card.age,
            priority=card.priority,
            priority_label=card.priority_label,
            follow_up=card.follow_up,
            overdue=card.overdue,
            possible_duplicate=card.possible_duplicate,
            moves=S.menus[column.status],
        ),
        key=card.id,
    )


def _column(column: rx.Var[Column]) -> rx.Component:
    return DragBox.create(
        rx.el.section(
            rx.flex(
                rx.heading(column.label, as_="h2", size="3"),
                rx.badge(
                    column.count.to_string(),
                    size="1",
                    variant="soft",
                    custom_attrs={"data-count": column.status},
                ),
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
