"""State of the intake page: the worker's drafts, and the wizard on one of them.

Everything here is the worker's own typing (their draft) or reference lists; other clients
appear only as look-up matches, to workers who may see clients. Every handler re-reads the
draft on the server through ``mtkcare.intake.service`` (only the owner's draft is found), so
an id sent back by the browser opens nothing it should not. Each calls its service through
``AppState._call``: a refusal becomes a toast, and a draft gone (finished or discarded
elsewhere) shows as not available.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import reflex as rx
from pydantic import BaseModel
from sqlmodel import Session

from mtkcare import dates
from mtkcare.auth.guard import requires
from mtkcare.auth.permissions import Permission
from mtkcare.auth.service import Principal
from mtkcare.auth.state import AppState, Refused
from mtkcare.errors import NotAllowed, NotFound
from mtkcare.intake import service as intake
from mtkcare.intake import steps
from mtkcare.intake.models import IntakeDraft
from mtkcare.intake.review import ReviewLine, review_rows
from mtkcare.organisations.service import active_organisations
from mtkcare.programs.service import active_programs_for
from mtkcare.reference.service import list_options
from mtkcare.ui import routes
from mtkcare.ui.forms import error_items, focus_error_summary
from mtkcare.ui.paging import clean_id

FORM = "intake"
# Choices that are not reference lists, by the field that picks them.
ORGANISATIONS = "external_organisation_id"


class DraftRow(BaseModel):
    """One of the worker's drafts in their list."""

    id: int
    summary: str
    step: int
    step_title: str
    updated: str  # "3 days ago"


class ProgramChoice(BaseModel):
    """A program taking referrals for the service type (step 7's cards)."""

    value: str
    label: str
    description: str


class Outcome(BaseModel):
    message: str = ""
    client_href: str = ""
    client_name: str = ""
    status: str = ""


def _typed(draft: IntakeDraft) -> dict[str, str]:
    return {k: v for k, v in draft.values.items() if isinstance(v, str)}


class IntakeState(AppState):
    # What the page shows: loading, drafts (the list), wizard, done, missing (no such draft)
    view: str = "loading"
    drafts: list[DraftRow] = []
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
    programs: list[ProgramChoice] = []
    review: list[ReviewLine] = []
    outcome: Outcome = Outcome()
    assessor: str = ""
    today: str = ""
    # The choices of the steps' lists: by reference list, organisations by their field.
    options: dict[str, list[dict[str, str]]] = {}
    _reloads: int = 0

    @rx.var
    def step_title(self) -> str:
        return steps.STEP_TITLES.get(self.step, "")

    @rx.var
    def step_heading(self) -> str:
        if self.step >= steps.CHECK_STEP:
            return "Check your answers"
        return f"Step {self.step} of {steps.LAST_STEP}: {self.step_title}"

    @rx.var
    def date_words(self) -> dict[str, str]:
        """Each date typed, written out ("14 February 1979"): whatever order the browser's
        date box uses, the worker sees which day it is."""
        return {
            name: dates.day_in_words(value)
            for name, value in self.values.items()
            if name in steps.DATE_FIELDS and value
        }

    @rx.var
    def progress(self) -> int:
        return min(100, round(100 * (self.step - 1) / steps.LAST_STEP))

    # ----------------------------------------------------------------------------------------
    # Helpers (server only)

    def _load_options(self, session: Session, actor: Principal) -> None:
        lists = {spec.reference for part in steps.PARTS for spec in map(part.spec, part.fields)}
        self.options = {
            kind: [{"value": str(o.id), "label": o.label} for o in list_options(session, kind)]
            for kind in sorted(k for k in lists if k)
        } | {
            ORGANISATIONS: [
                {"value": str(o.id), "label": o.name} for o in active_organisations(session, actor)
            ]
        }

    def _show(self, session: Session, draft: IntakeDraft, *, remount: bool = True) -> None:
        """Put the draft on the page and gather what its current step needs."""
        self.view = "wizard"
        self.draft_id = draft.id or 0
        self.step = draft.step
        self.reached = draft.reached
        self.values = _typed(draft)
        self.contact_count = steps.contact_count(draft.values)
        if remount:
            self._reloads += 1
            self.form_key = f"{self.draft_id}-{self.step}-{self._reloads}"
        self.matches, self.duplicates, self.programs, self.review, self.on_record = (
            [], [], [], [], [],
        )  # fmt: skip
        actor = self._acting()
        self.skipped = sorted(steps.skipped_steps(actor, draft))
        self.linked_name = (
            f"{draft.values.get('first_name', '')} {draft.values.get('last_name', '')}".strip()
            if draft.client_id is not None
            else ""
        )
        # Other clients' names only for workers who may see clients.
        sees_clients = self._can(Permission.CLIENT_VIEW)
        step = steps.step_of(self.step)
        key = step.key if step is not None else ""
        if key == "lookup" and sees_clients:
            self.matches = [
                intake.match_view(c) for c in intake.look_up_clients(session, actor, draft.values)
            ]
        elif key == "client" and sees_clients:
            self.duplicates = [
                intake.match_view(c)
                for c in steps.likely_duplicates(session, actor, draft, draft.values)
            ]
        elif key == "contacts" and sees_clients:
            self.on_record = steps.existing_contacts(session, actor, draft)
        elif key == "program":
            service_type = clean_id(draft.values.get("service_type_id"))
            self.programs = [
                ProgramChoice(value=str(p.id), label=p.name, description=p.description or "")
                for p in (active_programs_for(session, actor, service_type) if service_type else [])
            ]
        elif self.step == steps.CHECK_STEP:
            self.review = review_rows(session, actor, draft)

    def _set_errors(self, errors: dict[str, str]) -> None:
        self.errors = errors
        step = steps.step_of(self.step)
        self.error_list = error_items(
            {k: v for k, v in errors.items() if k != "__all__"},
            FORM,
            step.names() if step is not None else (),
        ) + (
            [{"href": "#intake-step", "id": "intake-step", "message": errors["__all__"]}]
            if "__all__" in errors
            else []
        )

    def _refused(self, refused: Refused) -> list[Any]:
        """A refusal's toast; a draft no longer there (or not the worker's) is shown so."""
        if isinstance(refused.error, NotFound | NotAllowed):
            self.view = "missing"
        return refused.events

    def _on_draft(self, work: Any, *, remount: bool = True) -> list[Any] | None:
        """Run ``work(session, actor)`` (a service call returning the draft) and show the
        draft; None when done, else what to send the browser."""

        def run(session: Session, actor: Principal) -> None:
            self._show(session, work(session, actor), remount=remount)

        done = self._call(run)
        return self._refused(done) if isinstance(done, Refused) else None

    # ----------------------------------------------------------------------------------------
    # Page load, drafts

    @requires(Permission.REFERRAL_CREATE)
    @rx.event
    def load(self) -> Any:
        """Page load: ``?draft=<id>`` opens that draft of yours, else your drafts list."""
        self.errors, self.error_list, self.outcome, self.saved = {}, [], Outcome(), False
        draft_id = clean_id(self.router.url.query_parameters.get("draft"))

        def open_page(session: Session, actor: Principal) -> None:
            self.assessor = actor.display_name or actor.username
            self.today = dates.day(dates.today())
            if draft_id is None:
                self.view = "drafts"
                self.drafts = [
                    DraftRow(
                        id=d.id,
                        summary=d.summary,
                        step=d.step,
                        step_title=d.step_title,
                        updated=dates.ago(d.updated_at),
                    )
                    for d in intake.list_drafts(session, actor)
                ]
                return
            self._load_options(session, actor)
            self._show(session, intake.get_draft_for(session, actor, draft_id))

        done = self._call(open_page)
        return self._refused(done) if isinstance(done, Refused) else None

    @requires(Permission.REFERRAL_CREATE)
    @rx.event
    def start(self) -> Any:
        done = self._call(lambda session, actor: intake.start_draft(session, actor).id)
        if isinstance(done, Refused):
            return done.events
        return rx.redirect(f"{routes.INTAKE}?draft={done}")

    @requires(Permission.REFERRAL_CREATE)
    @rx.event
    def discard(self, draft_id: Any) -> Any:
        found = clean_id(draft_id)
        if found is None:
            return rx.toast.error("Reload the page and try again")
        done = self._call(lambda session, actor: intake.discard_draft(session, actor, found))
        if isinstance(done, Refused):
            return done.events
        self.drafts = [d for d in self.drafts if d.id != found]
        if self.draft_id == found:
            self.draft_id = 0
            return [rx.toast.success("Draft discarded"), rx.redirect(routes.INTAKE)]
        return rx.toast.success("Draft discarded")

    # ----------------------------------------------------------------------------------------
    # The wizard

    @requires(Permission.REFERRAL_CREATE)
    @rx.event
    def keep(self, name: Any, value: Any) -> Any:
        """A field was left: keep what it holds in the draft (nothing is checked yet)."""
        return self._keep(name, value)

    def _keep(self, name: Any, value: Any) -> Any:
        if not isinstance(name, str) or not steps.is_draft_field(name):
            return None
        if not isinstance(value, str | bool):
            return None
        done = self._call(
            lambda session, actor: intake.save_values(session, actor, self.draft_id, {name: value})
        )
        if isinstance(done, Refused):
            return self._refused(done)
        self.values = _typed(done)
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
        if name not in steps.LOOKUP.fields or not isinstance(value, str):
            return None

        def look(session: Session, actor: Principal) -> None:
            draft = intake.save_values(session, actor, self.draft_id, {name: value})
            self.values = _typed(draft)
            self.matches = [
                intake.match_view(c) for c in intake.look_up_clients(session, actor, draft.values)
            ]

        done = self._call(look)
        return self._refused(done) if isinstance(done, Refused) else None

    @requires(Permission.REFERRAL_CREATE)
    @rx.event
    def submit(self, form_data: dict[str, Any]) -> Iterator[Any]:
        """Continue: the step is saved and checked on the server."""
        if not isinstance(form_data, dict):
            return
        choice = form_data.get(steps.CLIENT_CHOICE, steps.NEW_CLIENT)
        if choice != steps.NEW_CLIENT and not self._can(Permission.CLIENT_VIEW):
            # Linking opens the client's record: only for workers who may see clients.
            yield self._refuse(Permission.CLIENT_VIEW, "submit")
            return
        self.busy = True
        yield

        def check(session: Session, actor: Principal) -> dict[str, str]:
            draft, errors = intake.submit_step(session, actor, self.draft_id, self.step, form_data)
            self._show(session, draft, remount=not errors)
            self._set_errors(errors)
            return errors

        done = self._call(check)
        self.busy = False
        if isinstance(done, Refused):
            yield self._refused(done)
            return
        self.saved = True
        yield focus_error_summary() if done else rx.scroll_to("intake-step")

    @requires(Permission.REFERRAL_CREATE)
    @rx.event
    def go_to(self, step: Any) -> Any:
        """Back, or a step in the step indicator (only steps already reached)."""
        return self._go_to(step)

    def _go_to(self, step: Any) -> Any:
        wanted = clean_id(step)
        if wanted is None:
            return None
        refused = self._on_draft(
            lambda session, actor: intake.go_to_step(session, actor, self.draft_id, wanted)
        )
        if refused is not None:
            return refused
        self._set_errors({})
        return rx.scroll_to("intake-step")

    @requires(Permission.REFERRAL_CREATE)
    @rx.event
    def back(self) -> Any:
        return self._go_to(self.step - 1 - int(self.step - 1 in self.skipped))

    @requires(Permission.REFERRAL_CREATE)
    @rx.event
    def add_contact(self) -> Any:
        if self.contact_count >= steps.MAX_CONTACTS:
            return rx.toast.error(f"An intake takes up to {steps.MAX_CONTACTS} contacts")
        return self._set_contacts(self.contact_count + 1)

    @requires(Permission.REFERRAL_CREATE)
    @rx.event
    def remove_contact(self) -> Any:
        """Remove the last contact (its fields are cleared)."""
        if self.contact_count <= 1:
            return None
        return self._set_contacts(self.contact_count - 1)

    def _set_contacts(self, count: int) -> Any:
        return self._on_draft(
            lambda session, actor: intake.set_contact_count(session, actor, self.draft_id, count),
            remount=False,
        )

    @requires(Permission.CONSENT_RECORD)
    @rx.event
    def finish(self) -> Iterator[Any]:
        """Check your answers -> everything saved in one go (or nothing, and the draft stays)."""
        self.busy = True
        yield
        done = self._call(
            lambda session, actor: intake.finish_intake(session, actor, self.draft_id)
        )
        self.busy = False
        if isinstance(done, Refused):
            failed = done.error
            if not isinstance(failed, steps.StepInvalid):
                message = failed.message if failed is not None else "try again"
                yield rx.toast.error(f"Nothing was saved: {message}")
                return
            # Back to the step to fix, with its messages.
            step = failed.step
            yield self._on_draft(
                lambda session, actor: intake.go_to_step(session, actor, self.draft_id, step)
            )
            self._set_errors(failed.errors)
            yield rx.toast.error(
                f"Nothing was saved: check step {failed.step}, {steps.STEP_TITLES[failed.step]}"
            )
            yield focus_error_summary()
            return
        self.view = "done"
        message = intake.outcome_message(done)
        self.outcome = Outcome(
            message=message,
            client_href=f"{routes.CLIENT}?id={done.client_id}",
            client_name=done.client_name,
            status=done.status,
        )
        yield rx.toast.success(message)
