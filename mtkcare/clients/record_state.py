"""State of a client's record page (``/clients/view?id=N``).

The client being looked at is kept server-side (``_client_id``) from the moment the page
opened it through ``open_client_record`` (authorised and audited once per page load); every
later handler works on that id only, never on an id sent back by the browser. The version
the profile form was opened on is kept the same way (``_version``), so a save on an
out-of-date form is refused instead of overwriting someone else's change.

Public vars hold display strings chosen in ``mtkcare.clients.record``: risk only for those
who may see risk, referrals and enrolments only for those who may see them.
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
from mtkcare.clients import record as rec
from mtkcare.clients.models import RiskLevel
from mtkcare.clients.service import (
    ClientDetails,
    add_emergency_contact,
    assess_risk,
    delete_client,
    restore_client,
    set_cultural_identities,
    update_client,
)
from mtkcare.db import session_scope
from mtkcare.errors import DomainError, EditConflict, NotAllowed, NotFound, ValidationFailed
from mtkcare.reference.service import list_options
from mtkcare.ui import routes
from mtkcare.ui.forms import error_items, focus_error_summary
from mtkcare.ui.paging import clean_id

PROFILE_FORM = "profile"
CONTACT_FORM = "contact"
IDENTITY_FORM = "identity"
RISK_FORM = "risk"
IDENTITY_PREFIX = "identity:"

# The profile form's fields, in the order they appear (the error summary follows it).
PROFILE_FIELDS: tuple[str, ...] = tuple(ClientDetails.model_fields)
CONTACT_FIELDS: tuple[str, ...] = (
    "name",
    "relationship_type_id",
    "phone",
    "email",
    "is_primary",
    "notes",
)
RISK_FIELDS: tuple[str, ...] = ("risk_level", "risk_factors", "risk_notes")
CHECKBOXES = frozenset({"interpreter_required", "is_primary"})
# Required text stays "" when blank, so the message is "Enter first name", not a type error.
REQUIRED_TEXT = frozenset({"first_name", "last_name", "name"})
RISK_CHOICES: tuple[tuple[str, str], ...] = tuple(
    (level.value, rec.RISK_LABELS[level.value]) for level in RiskLevel
)
GENDER_CHOICES: tuple[tuple[str, str], ...] = tuple(rec.GENDER_LABELS.items())


# --------------------------------------------------------------------------------------------
# Checking what the browser sent


def form_values(form_data: Any, names: tuple[str, ...], max_length: int = 10_000) -> dict[str, Any]:
    """The named fields of a submitted form, for a service to validate: text as typed
    (blank means none), ticked checkboxes True and unticked False. Other keys are dropped,
    so the browser cannot set fields the form does not have."""
    data = form_data if isinstance(form_data, dict) else {}
    values: dict[str, Any] = {}
    for name in names:
        raw = data.get(name)
        if name in CHECKBOXES:
            values[name] = raw not in (None, "", "off", False)
            continue
        if not isinstance(raw, str):
            values[name] = None
            continue
        text = raw[:max_length]
        values[name] = text if text.strip() or name in REQUIRED_TEXT else None
    return values


def checked_ids(form_data: Any, prefix: str) -> list[int]:
    """Ids of the ticked checkboxes named ``<prefix><id>`` (an unticked box sends nothing)."""
    if not isinstance(form_data, dict):
        return []
    found = {
        clean_id(name.removeprefix(prefix))
        for name, value in form_data.items()
        if isinstance(name, str) and name.startswith(prefix) and value not in ("", "off", False)
    }
    return sorted(i for i in found if i is not None)


# --------------------------------------------------------------------------------------------
# Views for the browser


def client_fields(record: rec.ClientRecord) -> dict[str, str]:
    address = ", ".join(
        part
        for part in (
            record.address_line1,
            record.address_line2,
            record.suburb,
            " ".join(p for p in (record.city, record.postcode) if p),
        )
        if part
    )
    return {
        "full_name": record.full_name,
        "first_name": record.first_name,
        "last_name": record.last_name,
        "preferred_name": record.preferred_name,
        "date_of_birth": dates.day(record.date_of_birth),
        "date_of_birth_iso": record.date_of_birth.isoformat(),
        "age": str(record.age),
        "gender": record.gender,
        "gender_label": record.gender_label,
        "email": record.email,
        "phone": record.phone,
        "address_line1": record.address_line1,
        "address_line2": record.address_line2,
        "suburb": record.suburb,
        "city": record.city,
        "postcode": record.postcode,
        "address": address,
        "primary_language_id": str(record.primary_language_id or ""),
        "primary_language": record.primary_language,
        "interpreter": "Yes" if record.interpreter_required else "No",
        "interpreter_required": "yes" if record.interpreter_required else "",
        "notes": record.notes,
        "cultural_identity_notes": record.cultural_identity_notes,
    }


def risk_fields(risk: rec.RiskView | None) -> dict[str, str]:
    if risk is None:
        return {}
    return {
        "level": risk.level,
        "level_label": risk.level_label,
        "factors": risk.factors,
        "notes": risk.notes,
        "assessed_at": dates.moment(risk.assessed_at),
        "assessed_by": risk.assessed_by,
    }


def assessment_fields(view: rec.RiskAssessmentView) -> dict[str, str]:
    return {
        **risk_fields(view),
        "recorded_at": dates.moment(view.recorded_at),
        "recorded_by": view.recorded_by,
    }


def deleted_note(record: rec.ClientRecord) -> str:
    if not record.is_deleted:
        return ""
    by = record.deleted_by or "someone no longer on the staff list"
    return f"This client was deleted on {dates.moment(record.deleted_at)} by {by}; their referrals are kept."


def contact_fields(view: rec.ContactView) -> dict[str, str]:
    return {
        "id": str(view.id),
        "name": view.name,
        "relationship": view.relationship or "Relationship not recorded",
        "phone": view.phone,
        "email": view.email,
        "primary": "yes" if view.is_primary else "",
        "notes": view.notes,
    }


def referral_fields(view: rec.ReferralView) -> dict[str, str]:
    return {
        "id": str(view.id),
        "tracking_id": view.tracking_id,
        "date": dates.day(view.referral_date),
        "status": view.status,
        "status_label": view.status_label,
        "program": view.program or "Not assigned yet",
        "orphaned": "yes" if view.is_orphaned else "",
    }


def enrolment_fields(view: rec.EnrolmentView) -> dict[str, str]:
    return {
        "id": str(view.id),
        "program": view.program,
        "status_label": view.status_label,
        "commencement": dates.day(view.commencement_date),
        "end": dates.day(view.end_date) or "Still enrolled",
    }


def history_fields(line: rec.HistoryLine) -> dict[str, str]:
    return {"id": str(line.id), "sentence": line.sentence}


def summary_items(
    client_id: int, errors: dict[str, str], form: str, order: tuple[str, ...]
) -> list[dict[str, str]]:
    """The error summary's links. They keep ``?id=``: a bare "#field" link would navigate
    to the page without it, which reloads the page as "no such client"."""
    items = error_items(errors, form, order)
    base = f"{routes.CLIENT}?id={client_id}"
    return [{**item, "href": base + item["href"]} for item in items]


# --------------------------------------------------------------------------------------------
# The page's state


class ClientRecordState(AppState):
    status: str = "loading"  # loading | ready | not_found
    client: dict[str, str] = {}
    is_deleted: bool = False
    deleted_note: str = ""

    # What this user may do here (the handlers check again on the server).
    can_edit: bool = False
    can_delete: bool = False
    show_risk: bool = False
    can_assess: bool = False
    show_referrals: bool = False
    show_enrolments: bool = False

    # Profile
    editing: bool = False
    errors: dict[str, str] = {}
    error_list: list[dict[str, str]] = []
    conflict: str = ""
    form_key: int = 0
    language_options: list[dict[str, str]] = []

    # Emergency contacts
    contacts: list[dict[str, str]] = []
    adding_contact: bool = False
    contact_errors: dict[str, str] = {}
    contact_error_list: list[dict[str, str]] = []
    relationship_options: list[dict[str, str]] = []

    # Cultural identity
    identities: list[dict[str, str]] = []
    identity_options: list[dict[str, str]] = []
    editing_identities: bool = False
    identity_errors: dict[str, str] = {}

    # Risk (empty unless show_risk)
    risk: dict[str, str] = {}
    risk_assessments: list[dict[str, str]] = []
    assessing: bool = False
    risk_errors: dict[str, str] = {}
    risk_error_list: list[dict[str, str]] = []

    referrals: list[dict[str, str]] = []
    enrolments: list[dict[str, str]] = []

    # History
    history: list[dict[str, str]] = []
    history_page: int = 1
    history_pages: int = 1
    history_total: int = 0
    history_loading: bool = False

    # Backend only: the client this page opened, and the version its profile form shows.
    _client_id: int = 0
    _loaded_version: int = 0
    _version: int = 0

    @rx.var
    def heading(self) -> str:
        if self.status == "ready":
            return self.client.get("full_name", "Client")
        if self.status == "not_found":
            return "No such client"
        return "Client record"

    @rx.var
    def history_range(self) -> str:
        if self.history_total == 0:
            return "No history yet"
        size = rec.HISTORY_PAGE_SIZE
        first = (self.history_page - 1) * size + 1
        last = min(self.history_page * size, self.history_total)
        return f"Showing {first}–{last} of {self.history_total:,} events, newest first"

    # -- helpers (not callable from the browser)

    def _may(self, *permissions: Permission) -> bool:
        return all(self._can(p) for p in permissions)

    def _reset(self) -> None:
        self.status = "loading"
        self.client = {}
        self.is_deleted = False
        self.deleted_note = ""
        self.editing = False
        self.adding_contact = False
        self.editing_identities = False
        self.assessing = False
        self._clear_errors()
        self.contacts = []
        self.identities = []
        self.identity_options = []
        self.risk = {}
        self.risk_assessments = []
        self.referrals = []
        self.enrolments = []
        self.history = []
        self.history_page = 1
        self.history_pages = 1
        self.history_total = 0
        self._client_id = 0
        self._loaded_version = 0
        self._version = 0

    def _clear_errors(self) -> None:
        self.errors = {}
        self.error_list = []
        self.conflict = ""
        self.contact_errors = {}
        self.contact_error_list = []
        self.identity_errors = {}
        self.risk_errors = {}
        self.risk_error_list = []

    def _not_found(self) -> None:
        self._reset()
        self.status = "not_found"

    def _show(self, db: Session, record: rec.ClientRecord) -> None:
        """Everything the page shows, read in the caller's transaction."""
        actor = self._acting()
        self._client_id = record.id
        self._loaded_version = record.version
        self.client = client_fields(record)
        self.is_deleted = record.is_deleted
        self.deleted_note = deleted_note(record)
        self.can_edit = self._may(Permission.CLIENT_EDIT)
        self.can_delete = self._may(Permission.CLIENT_DELETE)
        self.show_risk = record.risk is not None
        self.can_assess = self.show_risk and self.can_edit
        self.show_referrals = self._may(Permission.REFERRAL_VIEW)
        self.show_enrolments = self._may(Permission.PROGRAM_VIEW)
        self.contacts = [contact_fields(c) for c in rec.emergency_contacts(db, actor, record.id)]
        held = rec.cultural_identities(db, actor, record.id)
        self.identities = [{"id": str(i.id), "label": i.label} for i in held]
        held_ids = {i.id for i in held}
        self.identity_options = [
            {
                "id": str(o.id),
                "label": o.label,
                "field": f"{IDENTITY_PREFIX}{o.id}",
                "checked": "yes" if o.id in held_ids else "",
            }
            for o in list_options(db, "cultural_identity")
        ]
        self.language_options = [
            {"value": str(o.id), "label": o.label} for o in list_options(db, "language")
        ]
        self.relationship_options = [
            {"value": str(o.id), "label": o.label} for o in list_options(db, "relationship_type")
        ]
        self.risk = risk_fields(record.risk)
        self.risk_assessments = (
            [assessment_fields(a) for a in rec.risk_history(db, actor, record.id)]
            if self.show_risk
            else []
        )
        self.referrals = [referral_fields(r) for r in rec.client_referrals(db, actor, record.id)]
        self.enrolments = [enrolment_fields(e) for e in rec.client_enrolments(db, actor, record.id)]
        self._show_history(db, 1)
        self.form_key += 1
        self.status = "ready"

    def _show_history(self, db: Session, page: int) -> None:
        result = rec.client_history(db, self._acting(), self._client_id, page=page)
        self.history = [history_fields(line) for line in result.lines]
        self.history_page = result.page
        self.history_pages = result.pages
        self.history_total = result.total

    def _reread(self, db: Session) -> None:
        self._show(db, rec.reread_client_record(db, self._acting(), self._client_id))

    def _ready_to_change(self, *permissions: Permission) -> bool:
        return (
            self.status == "ready"
            and self._client_id > 0
            and self._may(Permission.CLIENT_VIEW, *permissions)
        )

    # -- page load

    @requires(Permission.CLIENT_VIEW)
    @rx.event
    def load(self) -> Iterator[None]:
        """Page load: the client named by ``?id=`` in the address (one audited view)."""
        self._reset()
        yield
        client_id = clean_id(self.router.url.query_parameters.get("id"))
        if client_id is None:
            self._not_found()
            return
        try:
            with session_scope() as db:
                record = rec.open_client_record(db, self._acting(), client_id)
                self._show(db, record)
        except (NotFound, NotAllowed):
            self._not_found()

    # -- profile

    @requires(Permission.CLIENT_EDIT)
    @rx.event
    def start_edit(self) -> None:
        if not self._ready_to_change(Permission.CLIENT_EDIT) or self.is_deleted:
            return
        self._clear_errors()
        # The form shows the details as loaded: a save is checked against that version.
        self._version = self._loaded_version
        self.form_key += 1
        self.editing = True

    @requires(Permission.CLIENT_VIEW)
    @rx.event
    def cancel_edit(self) -> None:
        self._clear_errors()
        self.editing = False

    @requires(Permission.CLIENT_EDIT)
    @rx.event
    def save_profile(self, form_data: dict[str, Any]) -> Any:
        if not self._ready_to_change(Permission.CLIENT_EDIT) or not self.editing:
            return rx.toast.error("Reload the page and try again")
        self._clear_errors()
        changes = form_values(form_data, PROFILE_FIELDS)
        try:
            with session_scope() as db:
                saved = update_client(
                    db,
                    self._acting(),
                    self._client_id,
                    expected_version=self._version,
                    **changes,
                )
                name = saved.full_name
                self._reread(db)
        except ValidationFailed as exc:
            self.errors = exc.errors
            self.error_list = summary_items(
                self._client_id, exc.errors, PROFILE_FORM, PROFILE_FIELDS
            )
            return focus_error_summary()
        except EditConflict as exc:
            self.conflict = exc.message
            return rx.toast.error(exc.message)
        except DomainError as exc:
            return rx.toast.error(exc.message)
        self.editing = False
        return rx.toast.success(f"Changes to {name} saved")

    # -- emergency contacts

    @requires(Permission.CLIENT_EDIT)
    @rx.event
    def open_contact_form(self) -> None:
        if not self._ready_to_change(Permission.CLIENT_EDIT) or self.is_deleted:
            return
        self._clear_errors()
        self.form_key += 1
        self.adding_contact = True

    @requires(Permission.CLIENT_VIEW)
    @rx.event
    def close_contact_form(self) -> None:
        self._clear_errors()
        self.adding_contact = False

    @requires(Permission.CLIENT_EDIT)
    @rx.event
    def add_contact(self, form_data: dict[str, Any]) -> Any:
        if not self._ready_to_change(Permission.CLIENT_EDIT) or not self.adding_contact:
            return rx.toast.error("Reload the page and try again")
        self._clear_errors()
        data = form_values(form_data, CONTACT_FIELDS, 5_000)
        try:
            with session_scope() as db:
                contact = add_emergency_contact(db, self._acting(), self._client_id, **data)
                name = contact.name
                self._reread(db)
        except ValidationFailed as exc:
            self.contact_errors = exc.errors
            self.contact_error_list = summary_items(
                self._client_id, exc.errors, CONTACT_FORM, CONTACT_FIELDS
            )
            return focus_error_summary()
        except DomainError as exc:
            return rx.toast.error(exc.message)
        self.adding_contact = False
        return rx.toast.success(f"Emergency contact {name} added")

    # -- cultural identity

    @requires(Permission.CLIENT_EDIT)
    @rx.event
    def start_identities(self) -> None:
        if not self._ready_to_change(Permission.CLIENT_EDIT) or self.is_deleted:
            return
        self._clear_errors()
        self.form_key += 1
        self.editing_identities = True

    @requires(Permission.CLIENT_VIEW)
    @rx.event
    def cancel_identities(self) -> None:
        self._clear_errors()
        self.editing_identities = False

    @requires(Permission.CLIENT_EDIT)
    @rx.event
    def save_identities(self, form_data: dict[str, Any]) -> Any:
        if not self._ready_to_change(Permission.CLIENT_EDIT) or not self.editing_identities:
            return rx.toast.error("Reload the page and try again")
        self._clear_errors()
        ids = checked_ids(form_data, IDENTITY_PREFIX)
        notes = form_values(form_data, ("cultural_identity_notes",), 5_000)
        try:
            with session_scope() as db:
                set_cultural_identities(
                    db,
                    self._acting(),
                    self._client_id,
                    ids,
                    notes["cultural_identity_notes"] or "",
                )
                self._reread(db)
        except ValidationFailed as exc:
            self.identity_errors = exc.errors
            return rx.toast.error(next(iter(exc.errors.values()), exc.message))
        except DomainError as exc:
            return rx.toast.error(exc.message)
        self.editing_identities = False
        return rx.toast.success("Cultural identity saved")

    # -- risk

    @requires(Permission.CLIENT_EDIT)
    @rx.event
    def start_assessment(self) -> None:
        if (
            not self._ready_to_change(Permission.CLIENT_EDIT, Permission.CLIENT_VIEW_RISK)
            or self.is_deleted
        ):
            return
        self._clear_errors()
        self.form_key += 1
        self.assessing = True

    @requires(Permission.CLIENT_VIEW)
    @rx.event
    def cancel_assessment(self) -> None:
        self._clear_errors()
        self.assessing = False

    @requires(Permission.CLIENT_EDIT)
    @rx.event
    def save_assessment(self, form_data: dict[str, Any]) -> Any:
        # Recording risk needs seeing it too: the service checks (and audits) that.
        if not self._ready_to_change(Permission.CLIENT_EDIT) or not self.assessing:
            return rx.toast.error("Reload the page and try again")
        self._clear_errors()
        data = form_values(form_data, RISK_FIELDS, 5_000)
        try:
            with session_scope() as db:
                assess_risk(db, self._acting(), self._client_id, **data)
                self._reread(db)
        except ValidationFailed as exc:
            self.risk_errors = exc.errors
            self.risk_error_list = summary_items(
                self._client_id, exc.errors, RISK_FORM, RISK_FIELDS
            )
            return focus_error_summary()
        except DomainError as exc:
            return rx.toast.error(exc.message)
        self.assessing = False
        return rx.toast.success(f"Risk assessment saved: {self.risk.get('level_label', '')}")

    # -- delete and restore

    @requires(Permission.CLIENT_DELETE)
    @rx.event
    def delete(self) -> Any:
        if not self._ready_to_change(Permission.CLIENT_DELETE) or self.is_deleted:
            return rx.toast.error("Reload the page and try again")
        try:
            with session_scope() as db:
                client = delete_client(db, self._acting(), self._client_id)
                name = client.full_name
                self._reread(db)
        except DomainError as exc:
            return rx.toast.error(exc.message)
        self.editing = False
        self.adding_contact = False
        self.editing_identities = False
        self.assessing = False
        return rx.toast.success(
            f"{name} was deleted. Their referrals are kept; you can restore them from this page."
        )

    @requires(Permission.CLIENT_DELETE)
    @rx.event
    def restore(self) -> Any:
        if not self._ready_to_change(Permission.CLIENT_DELETE) or not self.is_deleted:
            return rx.toast.error("Reload the page and try again")
        try:
            with session_scope() as db:
                client = restore_client(db, self._acting(), self._client_id)
                name = client.full_name
                self._reread(db)
        except DomainError as exc:
            return rx.toast.error(exc.message)
        return rx.toast.success(f"{name} was restored, with their referrals")

    # -- history

    @requires(Permission.CLIENT_VIEW)
    @rx.event
    def go_to_history_page(self, page: int) -> Iterator[None]:
        if self.status != "ready" or self._client_id <= 0:
            return
        target = page if isinstance(page, int) and not isinstance(page, bool) else 1
        self.history_loading = True
        yield
        try:
            with session_scope() as db:
                self._show_history(db, max(1, min(target, 1_000_000)))
        finally:
            self.history_loading = False
