"""State of one organisation's page (``/admin/organisation?id=N``): its details (edited in a
dialog), deactivating and reactivating it, and where decision notices go. Its keys, referrals
and access log are sections with states of their own (``keys_state``, ``referrals_state``,
``access_log_state``), which load and fail apart."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import reflex as rx
from sqlmodel import Session

from mtkcare.auth.guard import requires
from mtkcare.auth.permissions import Permission
from mtkcare.auth.service import Principal
from mtkcare.auth.state import AppState, Refused
from mtkcare.fields import form_values, submitted
from mtkcare.organisations.admin.keys_state import ApiKeysState
from mtkcare.organisations.admin.organisation_form import OrganisationFormState
from mtkcare.organisations.admin.parts import RELOAD, organisation_id_of
from mtkcare.organisations.models import ExternalOrganisation
from mtkcare.organisations.service import (
    NoticeInput,
    OrganisationInput,
    deactivate_organisation,
    reactivate_organisation,
    set_decision_notices,
    update_organisation,
)
from mtkcare.organisations.views import (
    OrganisationDetail,
    organisation_detail,
    organisation_values,
)
from mtkcare.ui import routes
from mtkcare.ui.forms import form_summary

NOTICES_FORM = "notices"
NOTICES_FIELDS = tuple(NoticeInput.model_fields)
NOTHING = OrganisationDetail(0, "", "", False, "", "", "", "", "", "", "", 0, 0, "")


class OrganisationPageState(OrganisationFormState, AppState):
    status: str = "loading"  # loading | ready | not_found
    organisation: OrganisationDetail = NOTHING
    notice_values: dict[str, str] = {}
    notice_errors: dict[str, str] = {}
    notices_key: int = 0

    _organisation_id: int = 0

    @rx.var
    def heading(self) -> str:
        if self.status == "ready":
            return self.organisation.name
        return "No such organisation" if self.status == "not_found" else "Organisation"

    @rx.var
    def notice_error_list(self) -> list[dict[str, str]]:
        page = f"{routes.ADMIN_ORGANISATION}?id={self.organisation.id}"
        return form_summary(self.notice_errors, NOTICES_FORM, NOTICES_FIELDS, page)

    def _reread(self) -> Any:
        organisation_id = self._organisation_id

        def read(db: Session, me: Principal) -> tuple[OrganisationDetail, dict[str, Any]]:
            return (
                organisation_detail(db, me, organisation_id),
                organisation_values(db, me, organisation_id),
            )

        done = self._call(read)
        if isinstance(done, Refused):
            self.status = "not_found"
            self.organisation = NOTHING
            return None  # the page says so: no toast as well
        self.organisation, values = done
        self.notice_values = form_values(NoticeInput, values)
        self.notices_key += 1
        self.status = "ready"
        return None

    def _change(
        self, work: Callable[[Session, Principal], ExternalOrganisation], success: str
    ) -> Any:
        """One change to this organisation (a refusal is a toast), then the page read again."""
        if self._organisation_id <= 0:
            return rx.toast.error(RELOAD)
        done = self._call(work)
        if isinstance(done, Refused):
            return done.events
        self._reread()
        # The keys section says whether its keys work and may be issued.
        return [rx.toast.success(success), ApiKeysState.load]

    @requires(Permission.ORGANISATION_MANAGE)
    @rx.event
    def load(self) -> None:
        """Page load: the organisation named by ``?id=`` in the address."""
        self._close_form()
        self.notice_errors = {}
        self.status = "loading"
        organisation_id = organisation_id_of(self)
        if organisation_id is None:
            self.status = "not_found"
            return
        self._organisation_id = organisation_id
        self._reread()

    @requires(Permission.ORGANISATION_MANAGE)
    @rx.event
    def start_edit(self) -> Any:
        if self._organisation_id <= 0:
            return rx.toast.error(RELOAD)
        organisation_id = self._organisation_id
        done = self._call(lambda db, me: organisation_values(db, me, organisation_id))
        if isinstance(done, Refused):
            return done.events
        self._open_form(form_values(OrganisationInput, done))
        return None

    @requires(Permission.ORGANISATION_MANAGE)
    @rx.event
    def set_form_open(self, is_open: bool) -> None:
        """The form's own close (Escape, Cancel)."""
        if not is_open:
            self._close_form()

    @requires(Permission.ORGANISATION_MANAGE)
    @rx.event
    def save(self, form_data: dict[str, Any]) -> Any:
        self.errors = {}
        if self._organisation_id <= 0:
            return rx.toast.error(RELOAD)
        organisation_id = self._organisation_id
        data = submitted(OrganisationInput, form_data)
        done = self._call(
            lambda db, me: update_organisation(db, me, organisation_id, **data).name,
            on_invalid=self._show_errors,
        )
        if isinstance(done, Refused):
            return done.events
        self._close_form()
        self._reread()
        return rx.toast.success(f"{done}: details saved")

    @requires(Permission.ORGANISATION_MANAGE)
    @rx.event
    def save_notices(self, form_data: dict[str, Any]) -> Any:
        self.notice_errors = {}
        if self._organisation_id <= 0:
            return rx.toast.error(RELOAD)
        organisation_id = self._organisation_id
        data = submitted(NoticeInput, form_data)

        def show(errors: dict[str, str]) -> None:
            self.notice_errors = errors

        done = self._call(
            lambda db, me: set_decision_notices(db, me, organisation_id, **data), on_invalid=show
        )
        if isinstance(done, Refused):
            return done.events
        self._reread()
        return rx.toast.success("Decision notices saved")

    @requires(Permission.ORGANISATION_MANAGE)
    @rx.event
    def deactivate(self) -> Any:
        organisation_id = self._organisation_id
        return self._change(
            lambda db, me: deactivate_organisation(db, me, organisation_id),
            "Organisation deactivated: its API keys are refused from now on",
        )

    @requires(Permission.ORGANISATION_MANAGE)
    @rx.event
    def reactivate(self) -> Any:
        organisation_id = self._organisation_id
        return self._change(
            lambda db, me: reactivate_organisation(db, me, organisation_id),
            "Organisation reactivated: its keys that are not revoked or expired work again",
        )
