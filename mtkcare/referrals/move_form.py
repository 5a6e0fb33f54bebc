"""The form of one move (the referral page's and the board's): the fields the workflow table
says the move asks for (``Move.asks``), drawn from their declarations in ``moves.MoveInput``,
those its guards read marked as needed. ``state`` is the page's state class; it holds the
form's vars under the names used here (``move_title``, ``move_asks``, ``move_required``,
``errors``, ``error_list``, ``saving``, the three option lists) and the handlers
``make_move`` and ``set_move_open``."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import reflex as rx

from mtkcare.fields import spec
from mtkcare.referrals.moves import MoveInput
from mtkcare.ui.forms import error_summary, input_for

MOVE_FORM = "move"
MOVE_FIELDS = tuple(MoveInput.model_fields)


def _move_field(state: Any, name: str) -> rx.Component:
    declared = spec(MoveInput, name)
    options = {
        "target_program_id": state.program_options,
        "assigned_staff_id": state.staff_options,
        "decline_reason_id": state.decline_options,
    }.get(name)

    def drawn(optional: bool) -> rx.Component:
        return input_for(
            replace(declared, optional=optional),
            form=MOVE_FORM,
            errors=state.errors,
            options=options,
        )

    return rx.cond(
        state.move_asks.contains(name),
        rx.cond(state.move_required.contains(name), drawn(False), drawn(True)),
    )


def move_dialog(state: Any) -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(state.move_title),
            rx.dialog.description(
                "The workflow checks this move when you confirm it; anything missing is "
                "shown next to its field.",
                size="2",
                margin_bottom="var(--space-3)",
            ),
            rx.form(
                rx.flex(
                    error_summary(state.error_list),
                    rx.cond(
                        state.errors.contains("status"),
                        rx.callout.root(
                            rx.callout.text(state.errors["status"]),
                            color_scheme="red",
                            role="alert",
                            size="1",
                        ),
                    ),
                    *(_move_field(state, name) for name in MOVE_FIELDS),
                    rx.flex(
                        rx.dialog.close(
                            rx.button("Cancel", type="button", variant="soft", color_scheme="gray")
                        ),
                        rx.button("Confirm", type="submit", loading=state.saving),
                        spacing="3",
                        justify="end",
                    ),
                    direction="column",
                    spacing="3",
                ),
                on_submit=state.make_move,
                reset_on_submit=False,
            ),
            max_width="34rem",
        ),
        open=state.move_target != "",
        on_open_change=state.set_move_open,
    )
