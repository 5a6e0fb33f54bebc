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

from mtkcare.auth.guard import requires
from mtkcare.auth.permissions import Permission
from mtkcare.fields import spec
from mtkcare.referrals.moves import MoveInput
from mtkcare.referrals.page import Option
from mtkcare.referrals.workflow import Move
from mtkcare.ui.components import form_dialog
from mtkcare.ui.forms import error_summary, form_summary, input_for

MOVE_FORM = "move"
MOVE_FIELDS = tuple(MoveInput.model_fields)


def _options(options: list[Option]) -> list[dict[str, str]]:
    return [{"value": o.value, "label": o.label} for o in options]


class MoveFormState(rx.State, mixin=True):  # type: ignore[call-arg]
    """The move form's vars and its own handlers, shared by the pages that show it."""

    move_target: str = ""  # the status the move goes to; "" while the form is closed
    move_title: str = ""
    move_asks: list[str] = []
    move_required: list[str] = []
    errors: dict[str, str] = {}
    program_options: list[dict[str, str]] = []
    staff_options: list[dict[str, str]] = []
    decline_options: list[dict[str, str]] = []
    saving: bool = False

    @rx.var
    def error_list(self) -> list[dict[str, str]]:
        return form_summary(self.errors, MOVE_FORM, MOVE_FIELDS)

    def _open_move_form(
        self, move: Move, title: str, choices: tuple[list[Option], list[Option], list[Option]]
    ) -> None:
        """Show the form of ``move`` with the choices its fields offer (see
        ``page.move_form_choices``)."""
        self.errors = {}
        self.move_target = move.target.value
        self.move_title = title
        self.move_asks = list(move.asks)
        self.move_required = list(move.required)
        programs, staff, reasons = choices
        self.program_options = _options(programs)
        self.staff_options = _options(staff)
        self.decline_options = _options(reasons)

    def _show_errors(self, errors: dict[str, str]) -> None:
        self.errors = errors

    @requires(Permission.REFERRAL_VIEW)
    @rx.event
    def set_move_open(self, is_open: bool) -> None:
        """The form's own close (Escape, Cancel)."""
        if not is_open:
            self.move_target = ""
            self.errors = {}


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
    return form_dialog(
        rx.cond(
            state.errors.contains("status"),
            rx.callout.root(
                rx.callout.text(state.errors["status"]), color_scheme="red", role="alert", size="1"
            ),
        ),
        *(_move_field(state, name) for name in MOVE_FIELDS),
        title=state.move_title,
        description="The workflow checks this move when you confirm it; anything missing is "
        "shown next to its field.",
        submit="Confirm",
        on_submit=state.make_move,
        is_open=state.move_target != "",
        on_open_change=state.set_move_open,
        errors=error_summary(state.error_list),
        saving=state.saving,
        max_width="34rem",
    )
