"""State of the intake page: the worker's drafts, and the wizard on one of them.

Everything here is the worker's own typing (their draft) or reference lists; other clients
appear only as look-up matches, to workers who may see clients. Every handler re-reads the
draft on the server through ``mtkcare.intake.service`` (only the owner's draft is found), so
an id sent back by the browser opens nothing it should not.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import reflex as rx
from sqlmodel import Session

from mtkcare import dates
from mtkcare.auth.guard import requires
from mtkcare.auth.permissions import Permission
from mtkcare.auth.state import AppState
from mtkcare.db import session_scope
from mtkcare.errors import DomainError, NotAllowed, NotFound, ValidationFailed
from mtkcare.intake import service as intake
from mtkcare.intake.models import IntakeDraft
from mtkcare.intake.review import review_rows
from mtkcare.organisations.service import active_organisations
from mtkcare.programs.service import active_programs_for
from mtkcare.reference.service import list_options
from mtkcare.ui import routes
from mtkcare.ui.forms import error_items, focus_error_summary
from mtkcare.ui.paging import clean_id

FORM = "intake"


def _options(session: Session, kind: str) -> list[dict[str, str]]:
    return [{"value": str(o.id), "label": o.label} for o in list_options(session, kind)]


class IntakeState(AppState):
    # What the page shows: loading, drafts (the list), wizard, done, missing (no such draft)
    view: str = "loading"
    drafts: list[dict[str, str]] = []
    draft_id: int = 0
    step: int = 1
    reached: int = 1
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    error_list: list[dict[str, str]] = []
    form_key: str = ""
    busy: bool = False
    saved: bool = False  # something was saved to the draft since the page opened
    contact_count: int = 1
    matches: list[dict[str, str]] = []
    duplicates: list[dict[str, str]] = []
    linked_name: str = ""
    on_record: list[str] = []  # a linked client's emergency contacts already on record
    skipped: list[int] = []  # steps this intake does not need (risk, for a linked client)
    programs: list[dict[str, str]] = []
    review: list[dict[str, str]] = []
    outcome: dict[str, str] = {}
    assessor: str = ""
    today: str = ""
    # Reference lists
    service_types: list[dict[str, str]] = []
    organisations: list[dict[str, str]] = []
    languages: list[dict[str, str]] = []
    relationships: list[dict[str, str]] = []
    identities: list[dict[str, str]] = []
    decline_reasons: list[dict[str, str]] = []
    _reloads: int = 0

    @rx.var
    def step_title(self) -> str:
        return intake.STEP_TITLES.get(self.step, "")

    @rx.var
    def step_heading(self) -> str:
        if self.step >= intake.CHECK_STEP:
            return "Check your answers"
        return f"Step {self.step} of {intake.LAST_STEP}: {self.step_title}"

    @rx.var
    def date_words(self) -> dict[str, str]:
        """Each date typed, written out ("14 February 1979"): whatever order the browser's
        date box uses, the worker sees which day it is."""
        return {
            name: dates.day_in_words(value)
            for name, value in self.values.items()
            if name in intake.DATE_FIELDS and value
        }

    @rx.var
    def progress(self) -> int:
        return min(100, round(100 * (self.step - 1) / intake.LAST_STEP))

    # ----------------------------------------------------------------------------------------
    # Helpers (server only)

    def _load_reference(self, session: Session) -> None:
        self.service_types = _options(session, "service_type")
        self.languages = _options(session, "language")
        self.relationships = _options(session, "relationship_type")
        self.identities = _options(session, "cultural_identity")
        self.decline_reasons = _options(session, "decline_reason")
        self.organisations = [
            {"value": str(o.id), "label": o.name}
            for o in active_organisations(session, self._acting())
        ]

    def _show(self, session: Session, draft: IntakeDraft, *, remount: bool = True) -> None:
        """Put the draft on the page and gather what its current step needs."""
        self.view = "wizard"
        self.draft_id = draft.id or 0
        self.step = draft.step
        self.reached = draft.reached
        self.values = {k: v for k, v in draft.values.items() if isinstance(v, str)}
        self.contact_count = intake.contact_count(draft.values)
        if remount:
            self._reloads += 1
            self.form_key = f"{self.draft_id}-{self.step}-{self._reloads}"
        self.matches = []
        self.duplicates = []
        self.programs = []
        self.review = []
        self.on_record = []
        actor = self._acting()
        self.skipped = sorted(intake.skipped_steps(actor, draft))
        self.linked_name = (
            f"{draft.values.get('first_name', '')} {draft.values.get('last_name', '')}".strip()
            if draft.client_id is not None
            else ""
        )
        # Other clients' names only for workers who may see clients.
        sees_clients = self._can(Permission.CLIENT_VIEW)
        if self.step == 2 and sees_clients:
            self.matches = [
                intake.match_view(c) for c in intake.look_up_clients(session, actor, draft.values)
            ]
        elif self.step == 3 and sees_clients:
            self.duplicates = [
                intake.match_view(c)
                for c in intake.likely_duplicates(session, actor, draft, draft.values)
            ]
        elif self.step == 4 and sees_clients:
            self.on_record = intake.existing_contacts(session, actor, draft)
        elif self.step == 7:
            service_type = clean_id(draft.values.get("service_type_id"))
            self.programs = (
                [
                    {"value": str(p.id), "label": p.name, "description": p.description or ""}
                    for p in active_programs_for(session, actor, service_type)
                ]
                if service_type is not None
                else []
            )
        elif self.step == intake.CHECK_STEP:
            self.review = review_rows(session, actor, draft)

    def _set_errors(self, errors: dict[str, str]) -> None:
        self.errors = errors
        order: list[str] = list(intake.STEP_FIELDS.get(self.step, ()))
        if self.step == 4:
            order = [
                intake.contact_field(i, part)
                for i in range(intake.MAX_CONTACTS)
                for part in intake.CONTACT_PARTS
            ]
        self.error_list = error_items(
            {k: v for k, v in errors.items() if k != "__all__"}, FORM, order
        ) + (
            [{"href": "#intake-step", "id": "intake-step", "message": errors["__all__"]}]
            if "__all__" in errors
            else []
        )

    def _refused(self, exc: DomainError) -> Any:
        if isinstance(exc, NotFound):
            self.view = "missing"
        if isinstance(exc, ValidationFailed) and "__all__" in exc.errors:
            return rx.toast.error(exc.errors["__all__"])
        return rx.toast.error(exc.message)

    # ----------------------------------------------------------------------------------------
    # Page load, drafts

    @requires(Permission.REFERRAL_CREATE)
    @rx.event
    def load(self) -> Any:
        """Page load: ``?draft=<id>`` opens that draft of yours, else your drafts list."""
        self.errors, self.error_list, self.outcome, self.saved = {}, [], {}, False
        draft_id = clean_id(self.router.url.query_parameters.get("draft"))
        try:
            with session_scope() as session:
                actor = self._acting()
                self.assessor = actor.display_name or actor.username
                self.today = dates.day(dates.today())
                if draft_id is None:
                    self.view = "drafts"
                    self.drafts = [
                        {
                            "id": str(d.id),
                            "summary": d.summary,
                            "step": str(d.step),
                            "step_title": d.step_title,
                            "updated": dates.ago(d.updated_at),
                        }
                        for d in intake.list_drafts(session, actor)
                    ]
                    return None
                self._load_reference(session)
                self._show(session, intake.get_draft_for(session, actor, draft_id))
        except (NotFound, NotAllowed) as exc:
            self.view = "missing"
            return rx.toast.error(exc.message)
        return None

    @requires(Permission.REFERRAL_CREATE)
    @rx.event
    def start(self) -> Any:
        with session_scope() as session:
            draft = intake.start_draft(session, self._acting())
            draft_id = draft.id
        return rx.redirect(f"{routes.INTAKE}?draft={draft_id}")

    @requires(Permission.REFERRAL_CREATE)
    @rx.event
    def discard(self, draft_id: Any) -> Any:
        found = clean_id(draft_id)
        if found is None:
            return rx.toast.error("Reload the page and try again")
        try:
            with session_scope() as session:
                intake.discard_draft(session, self._acting(), found)
        except NotFound as exc:
            return rx.toast.error(exc.message)
        self.drafts = [d for d in self.drafts if d["id"] != str(found)]
        if self.draft_id == found:
            self.draft_id = 0
            return [
                rx.toast.success("Draft discarded"),
                rx.redirect(routes.INTAKE),
            ]
        return rx.toast.success("Draft discarded")

    # ----------------------------------------------------------------------------------------
    # The wizard

    @requires(Permission.REFERRAL_CREATE)
    @rx.event
    def keep(self, name: Any, value: Any) -> Any:
        """A field was left: keep what it holds in the draft (nothing is checked yet)."""
        return self._keep(name, value)

    def _keep(self, name: Any, value: Any) -> Any:
        if not isinstance(name, str) or not intake.is_draft_field(name):
            return None
        if not isinstance(value, str | bool):
            return None
        try:
            with session_scope() as session:
                draft = intake.save_values(session, self._acting(), self.draft_id, {name: value})
                self.values = {k: v for k, v in draft.values.items() if isinstance(v, str)}
        except (NotFound, ValidationFailed) as exc:
            return self._refused(exc)
        self.saved = True
        return None

    @requires(Permission.REFERRAL_CREATE)
    @rx.event
    def toggle(self, name: Any) -> Any:
        """A checkbox changed: flip it in the draft (the form's submit has the last word)."""
        if not isinstance(name, str):
            return None
        value = "" if self.values.get(name) == "on" else "on"
        return self._keep(name, value)

    @requires(Permission.CLIENT_VIEW)
    @rx.event
    def look_up(self, name: Any, value: Any) -> Any:
        """Step 2, as the worker types: keep the field, show the clients it matches."""
        if name not in {"lookup_name", "lookup_dob", "lookup_phone", "lookup_email"}:
            return None
        if not isinstance(value, str):
            return None
        try:
            with session_scope() as session:
                actor = self._acting()
                draft = intake.save_values(session, actor, self.draft_id, {name: value})
                self.values = {k: v for k, v in draft.values.items() if isinstance(v, str)}
                self.matches = [
                    intake.match_view(c)
                    for c in intake.look_up_clients(session, actor, draft.values)
                ]
        except (NotFound, ValidationFailed) as exc:
            return self._refused(exc)
        return None

    @requires(Permission.REFERRAL_CREATE)
    @rx.event
    def submit(self, form_data: dict[str, Any]) -> Iterator[Any]:
        """Continue: the step is saved and checked on the server."""
        if not isinstance(form_data, dict):
            return
        choice = form_data.get(intake.CLIENT_CHOICE, intake.NEW_CLIENT)
        if choice != intake.NEW_CLIENT and not self._can(Permission.CLIENT_VIEW):
            # Linking opens the client's record: only for workers who may see clients.
            yield self._refuse(Permission.CLIENT_VIEW, "submit")
            return
        self.busy = True
        yield
        try:
            with session_scope() as session:
                draft, errors = intake.submit_step(
                    session, self._acting(), self.draft_id, self.step, form_data
                )
                self._show(session, draft, remount=not errors)
                self._set_errors(errors)
        except (NotFound, NotAllowed, ValidationFailed) as exc:
            self.busy = False
            yield self._refused(exc)
            return
        self.busy = False
        self.saved = True
        if errors:
            yield focus_error_summary()
        else:
            yield rx.scroll_to("intake-step")

    @requires(Permission.REFERRAL_CREATE)
    @rx.event
    def go_to(self, step: Any) -> Any:
        """Back, or a step in the step indicator (only steps already reached)."""
        return self._go_to(step)

    def _go_to(self, step: Any) -> Any:
        wanted = clean_id(step)
        if wanted is None:
            return None
        try:
            with session_scope() as session:
                draft = intake.go_to_step(session, self._acting(), self.draft_id, wanted)
                self._show(session, draft)
        except NotFound as exc:
            return self._refused(exc)
        self._set_errors({})
        return rx.scroll_to("intake-step")

    @requires(Permission.REFERRAL_CREATE)
    @rx.event
    def back(self) -> Any:
        return self._go_to(self.step - 1 - int(self.step - 1 in self.skipped))

    @requires(Permission.REFERRAL_CREATE)
    @rx.event
    def add_contact(self) -> Any:
        if self.contact_count >= intake.MAX_CONTACTS:
            return rx.toast.error(f"An intake takes up to {intake.MAX_CONTACTS} contacts")
        return self._set_contacts(self.contact_count + 1)

    @requires(Permission.REFERRAL_CREATE)
    @rx.event
    def remove_contact(self) -> Any:
        """Remove the last contact (its fields are cleared)."""
        if self.contact_count <= 1:
            return None
        return self._set_contacts(self.contact_count - 1)

    def _set_contacts(self, count: int) -> Any:
        try:
            with session_scope() as session:
                draft = intake.set_contact_count(session, self._acting(), self.draft_id, count)
                self._show(session, draft, remount=False)
        except NotFound as exc:
            return self._refused(exc)
        return None

    @requires(Permission.CONSENT_RECORD)
    @rx.event
    def finish(self) -> Iterator[Any]:
        """Check your answers -> everything saved in one go (or nothing, and the draft stays)."""
        self.busy = True
        yield
        try:
            with session_scope() as session:
                outcome = intake.finish_intake(session, self._acting(), self.draft_id)
        except intake.StepInvalid as exc:
            with session_scope() as session:
                draft = intake.go_to_step(session, self._acting(), self.draft_id, exc.step)
                self._show(session, draft)
            self._set_errors(exc.errors)
            self.busy = False
            yield rx.toast.error(
                f"Nothing was saved: check step {exc.step}, {intake.STEP_TITLES[exc.step]}"
            )
            yield focus_error_summary()
            return
        except DomainError as exc:
            self.busy = False
            yield rx.toast.error(f"Nothing was saved: {exc.message}")
            return
        self.busy = False
        self.view = "done"
        self.outcome = {
            "message": intake.outcome_message(outcome),
            "client_href": f"{routes.CLIENT}?id={outcome.client_id}",
            "client_name": outcome.client_name,
            "status": outcome.status,
        }
        yield rx.toast.success(intake.outcome_message(outcome))
