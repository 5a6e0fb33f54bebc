"""The organisation's form (create on the list, edit on its page): a dialog drawn from
``OrganisationInput``'s declarations. ``OrganisationFormState`` holds the form's vars; each
page's state declares its own open and save handlers (create or update)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from mtkcare.organisations.layouts import ORGANISATION_LAYOUT
from mtkcare.organisations.service import OrganisationInput
from mtkcare.ui.components import form_dialog
from mtkcare.ui.forms import error_summary, form_fields, form_summary

ORGANISATION_FORM = "organisation"
ORGANISATION_FIELDS = tuple(OrganisationInput.model_fields)


class OrganisationFormState(rx.State, mixin=True):  # type: ignore[call-arg]
    form_open: bool = False
    # What the inputs start from (they are uncontrolled: the browser keeps what is typed).
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    # Bumped each time the form opens, so its inputs start again from ``values``.
    form_key: int = 0

    @rx.var
    def error_list(self) -> list[dict[str, str]]:
        return form_summary(self.errors, ORGANISATION_FORM, ORGANISATION_FIELDS)

    def _open_form(self, values: dict[str, str]) -> None:
        self.values = values
        self.errors = {}
        self.form_key += 1
        self.form_open = True

    def _close_form(self) -> None:
        self.form_open = False
        self.errors = {}

    def _show_errors(self, errors: dict[str, str]) -> None:
        self.errors = errors


def organisation_dialog(
    state: Any, *, title: str, description: str, submit: str, on_submit: Any, on_open_change: Any
) -> rx.Component:
    return form_dialog(
        form_fields(
            OrganisationInput,
            ORGANISATION_LAYOUT,
            form=ORGANISATION_FORM,
            values=state.values,
            errors=state.errors,
            widths={"phone": "12rem"},
        ),
        title=title,
        description=description,
        submit=submit,
        on_submit=on_submit,
        is_open=state.form_open,
        on_open_change=on_open_change,
        errors=error_summary(state.error_list),
        key=state.form_key.to_string(),
    )
