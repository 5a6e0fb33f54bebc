"""State of a client's record page (``/clients/view?id=N``): the page and one sub-state per tab.

The client being looked at is kept server-side (``_client_id``) from the moment the page
opened it through ``open_client_record`` (authorised and audited once per page load); every
later handler works on that id only, never on an id sent back by the browser. The version
the profile form was opened on is kept the same way (``_version``), so a save on an
out-of-date form is refused instead of overwriting someone else's change.

What the browser receives are small typed views chosen in ``mtkcare.clients.record``: risk
only for those who may see risk, referrals and enrolments only for those who may see them.
Fields are shown and asked for from their declarations (``mtkcare.fields``); a tab names
its fields in a layout and nothing else.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from typing import Any

import reflex as rx
from sqlmodel import Session

from mtkcare import dates
from mtkcare.auth.guard import requires
from mtkcare.auth.permissions import Permission
from mtkcare.auth.service import Principal
from mtkcare.auth.state import AppState, Refused
from mtkcare.clients import record as rec
from mtkcare.clients.layouts import CONTACT_LAYOUT, PROFILE_FACTS, RISK_LAYOUT
from mtkcare.clients.service import (
    ClientDetails,
    CulturalIdentityInput,
    EmergencyContactInput,
    RiskAssessmentInput,
    add_emergency_contact,
    assess_risk,
    delete_client,
    restore_client,
    set_cultural_identities,
    update_client,
)
from mtkcare.db import session_scope
from mtkcare.errors import EditConflict, NotAllowed, NotFound
from mtkcare.fields import Layout, facts, form_values, submitted
from mtkcare.reference.service import list_options
from mtkcare.ui import routes
from mtkcare.ui.forms import error_items
from mtkcare.ui.paging import clean_id

PROFILE_FORM = "profile"
CONTACT_FORM = "contact"
IDENTITY_FORM = "identity"
RISK_FORM = "risk"
IDENTITY_PREFIX = "identity:"


# --------------------------------------------------------------------------------------------
# What the browser receives


@dataclass
class Fact:
    label: str
    value: str  # "" when nothing is recorded


@dataclass
class ContactCard:
    id: int
    name: str
    relationship: str
    phone: str
    email: str
    main: bool
    notes: str


@dataclass
class IdentityChoice:
    id: int
    label: str
    field: str  # the checkbox's name in the form
    held: bool


@dataclass
class Assessment:
    level: str
    level_label: str
    factors: str
    notes: str
    assessed_by: str
    assessed_at: str
    recorded_by: str = ""
    recorded_at: str = ""


@dataclass
class ReferralLine:
    id: int
    tracking_id: str
    date: str
    status_label: str
    program: str
    orphaned: bool


@dataclass
class EnrolmentLine:
    id: int
    program: str
    status_label: str
    commencement: str
    end: str


@dataclass
class HistoryLine:
    id: int
    sentence: str


def _assessment(view: rec.RiskView) -> Assessment:
    return Assessment(
        level=view.level,
        level_label=view.level_label,
        factors=view.factors,
        notes=view.notes,
        assessed_by=view.assessed_by,
        assessed_at=dates.moment(view.assessed_at),
    )


def deleted_note(record: rec.ClientRecord) -> str:
    if not record.is_deleted:
        return ""
    by = record.deleted_by or "someone no longer on the staff list"
    when = dates.moment(record.deleted_at)
    return f"This client was deleted on {when} by {by}; their referrals are kept."


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


def summary_items(
    client_id: int, errors: dict[str, str], form: str, order: Layout
) -> list[dict[str, str]]:
    """The error summary's links. They keep ``?id=``: a bare "#field" link would navigate
    to the page without it, which reloads the page as "no such client"."""
    names = [n for row in order for n in ((row,) if isinstance(row, str) else row)]
    base = f"{routes.CLIENT}?id={client_id}"
    return [{**i, "href": base + i["href"]} for i in error_items(errors, form, names)]


# --------------------------------------------------------------------------------------------
# The page


class ClientRecordState(AppState):
    status: str = "loading"  # loading | ready | not_found
    full_name: str = ""
    born: str = ""
    age: str = ""
    known_as: str = ""
    is_deleted: bool = False
    deleted_note: str = ""
    # The current assessment, only for those who may see risk (else left as it is here).
    risk: Assessment = Assessment("", "Not assessed", "", "", "", "")

    # What this user may do here (the handlers check again on the server, as do the services).
    can_edit: bool = False
    can_delete: bool = False
    show_risk: bool = False
    show_referrals: bool = False
    show_enrolments: bool = False

    # Backend only: the client this page opened, and the version the record was read at.
    _client_id: int = 0
    _loaded_version: int = 0

    @rx.var
    def heading(self) -> str:
        if self.status == "ready":
            return self.full_name or "Client"
        if self.status == "not_found":
            return "No such client"
        return "Client record"

    @rx.var
    def can_assess(self) -> bool:
        return self.show_risk and self.can_edit

    # -- helpers (not callable from the browser)

    async def _tabs(self) -> AsyncIterator[RecordTab]:
        for cls in RecordTab.__subclasses__():
            yield await self.get_state(cls)

    async def _show(self, db: Session, record: rec.ClientRecord) -> None:
        """The whole page from ``record`` (read in the caller's transaction)."""
        actor = self._acting()
        self._client_id = record.id
        self._loaded_version = record.version
        self.full_name = record.full_name
        self.born = dates.day(record.date_of_birth)
        self.age = str(record.age)
        self.known_as = record.preferred_name
        self.is_deleted = record.is_deleted
        self.deleted_note = deleted_note(record)
        self.risk = (
            _assessment(record.risk)
            if record.risk is not None
            else Assessment("", "Not assessed", "", "", "", "")
        )
        self.can_edit = self._can(Permission.CLIENT_EDIT)
        self.can_delete = self._can(Permission.CLIENT_DELETE)
        self.show_risk = record.risk is not None
        self.show_referrals = self._can(Permission.REFERRAL_VIEW)
        self.show_enrolments = self._can(Permission.PROGRAM_VIEW)
        async for tab in self._tabs():
            tab._fill(db, actor, record)
        self.status = "ready"

    async def _reread(self, db: Session) -> None:
        await self._show(db, rec.reread_client_record(db, self._acting(), self._client_id))

    async def _not_found(self) -> None:
        self.reset()
        async for tab in self._tabs():
            tab.reset()
        self._client_id = self._loaded_version = 0
        self.status = "not_found"

    def _ready(self) -> bool:
        return self.status == "ready" and self._client_id > 0

    # -- page load, refresh after a change, delete, restore

    # -- page load, delete, restore

    @requires(Permission.CLIENT_VIEW)
    @rx.event
    async def load(self) -> AsyncIterator[None]:
        """Page load: the client named by ``?id=`` in the address (one audited view)."""
        await self._not_found()
        self.status = "loading"
        yield
        client_id = clean_id(self.router.url.query_parameters.get("id"))
        if client_id is None:
            await self._not_found()
            return
        try:
            with session_scope() as db:
                await self._show(db, rec.open_client_record(db, self._acting(), client_id))
        except (NotFound, NotAllowed):
            await self._not_found()

    @requires(Permission.CLIENT_VIEW)
    @rx.event
    async def refresh(self) -> None:
        """The record again, after a change made on this page (opened and audited already)."""
        if not self._ready():
            return
        try:
            with session_scope() as db:
                await self._reread(db)
        except (NotFound, NotAllowed):
            await self._not_found()

    @requires(Permission.CLIENT_DELETE)
    @rx.event
    def delete(self) -> Any:
        if not self._ready() or self.is_deleted:
            return rx.toast.error("Reload the page and try again")
        done = self._call(lambda db, me: delete_client(db, me, self._client_id).full_name)
        if isinstance(done, Refused):
            return done.events
        return [
            rx.toast.success(
                f"{done} was deleted. Their referrals are kept; you can restore them from "
                "this page."
            ),
            ClientRecordState.refresh,
        ]

    @requires(Permission.CLIENT_DELETE)
    @rx.event
    def restore(self) -> Any:
        if not self._ready() or not self.is_deleted:
            return rx.toast.error("Reload the page and try again")
        done = self._call(lambda db, me: restore_client(db, me, self._client_id).full_name)
        if isinstance(done, Refused):
            return done.events
        return [
            rx.toast.success(f"{done} was restored, with their referrals"),
            ClientRecordState.refresh,
        ]


class RecordTab(ClientRecordState):
    """One tab of the record: what it shows and, where it has one, its form."""

    editing: bool = False
    errors: dict[str, str] = {}
    error_list: list[dict[str, str]] = []
    form_key: int = 0

    def _fill(self, db: Session, actor: Principal, record: rec.ClientRecord) -> None:
        """Takes what this tab shows from the record (and the database)."""
        self.editing = False
        self._clear()

    def _clear(self) -> None:
        self.errors = {}
        self.error_list = []

    def _open(self) -> None:
        self._clear()
        self.form_key += 1
        self.editing = True

    def _may_open(self, *needs: Permission) -> bool:
        return self._ready() and not self.is_deleted and all(self._can(p) for p in needs)

    def _invalid(self, form: str, layout: Layout) -> Callable[[dict[str, str]], None]:
        def show(errors: dict[str, str]) -> None:
            self.errors = errors
            self.error_list = summary_items(self._client_id, errors, form, layout)

        return show

    def _save(
        self,
        work: Callable[[Session, Principal], str],
        form: str,
        layout: Layout,
        *,
        on_refused: Callable[..., object] | None = None,
    ) -> Any:
        """A form's save: on bad input its field messages and error summary, else the form
        closes, the message ``work`` returned is shown and the record is read again."""
        self._clear()
        done = self._call(work, on_invalid=self._invalid(form, layout), on_refused=on_refused)
        if isinstance(done, Refused):
            return done.events
        self.editing = False
        return [rx.toast.success(done), ClientRecordState.refresh]

    @requires(Permission.CLIENT_VIEW)
    @rx.event
    def close(self) -> None:
        self._clear()
        self.editing = False


# --------------------------------------------------------------------------------------------
# The tabs


class ProfileTab(RecordTab):
    facts: list[Fact] = []
    values: dict[str, str] = {}  # what the edit form starts from
    conflict: str = ""
    language_options: list[dict[str, str]] = []
    _version: int = 0  # the version the edit form was opened on

    def _fill(self, db: Session, actor: Principal, record: rec.ClientRecord) -> None:
        super()._fill(db, actor, record)
        details = record.details
        languages = list_options(db, "language")
        labels = {"language": {o.id: o.label for o in languages}}
        self.facts = [
            Fact(label, value)
            for label, value in facts(ClientDetails, PROFILE_FACTS, details, labels)
        ]
        self.values = form_values(ClientDetails, details)
        self.language_options = [{"value": str(o.id), "label": o.label} for o in languages]

    def _clear(self) -> None:
        super()._clear()
        self.conflict = ""

    @requires(Permission.CLIENT_EDIT)
    @rx.event
    def start(self) -> None:
        if self._may_open(Permission.CLIENT_EDIT):
            # The form shows the details as read: a save is checked against that version.
            self._version = self._loaded_version
            self._open()

    @requires(Permission.CLIENT_EDIT)
    @rx.event
    def save(self, form_data: dict[str, Any]) -> Any:
        if not self._ready() or not self.editing:
            return rx.toast.error("Reload the page and try again")
        changes = submitted(ClientDetails, form_data)

        def work(db: Session, me: Principal) -> str:
            saved = update_client(
                db, me, self._client_id, expected_version=self._version, **changes
            )
            return f"Changes to {saved.full_name} saved"

        def conflict(exc: object) -> None:
            if isinstance(exc, EditConflict):
                self.conflict = exc.message

        return self._save(
            work, PROFILE_FORM, tuple(ClientDetails.model_fields), on_refused=conflict
        )


class ContactsTab(RecordTab):
    contacts: list[ContactCard] = []
    relationship_options: list[dict[str, str]] = []

    def _fill(self, db: Session, actor: Principal, record: rec.ClientRecord) -> None:
        super()._fill(db, actor, record)
        self.contacts = [
            ContactCard(
                id=c.id,
                name=c.name,
                relationship=c.relationship or "Relationship not recorded",
                phone=c.phone,
                email=c.email,
                main=c.is_primary,
                notes=c.notes,
            )
            for c in rec.emergency_contacts(db, actor, record.id)
        ]
        self.relationship_options = [
            {"value": str(o.id), "label": o.label} for o in list_options(db, "relationship_type")
        ]

    @requires(Permission.CLIENT_EDIT)
    @rx.event
    def start(self) -> None:
        if self._may_open(Permission.CLIENT_EDIT):
            self._open()

    @requires(Permission.CLIENT_EDIT)
    @rx.event
    def save(self, form_data: dict[str, Any]) -> Any:
        if not self._ready() or not self.editing:
            return rx.toast.error("Reload the page and try again")
        data = submitted(EmergencyContactInput, form_data)

        def work(db: Session, me: Principal) -> str:
            added = add_emergency_contact(db, me, self._client_id, **data)
            return f"Emergency contact {added.name} added"

        return self._save(work, CONTACT_FORM, CONTACT_LAYOUT)


class IdentityTab(RecordTab):
    held: list[str] = []
    choices: list[IdentityChoice] = []
    notes: str = ""

    def _fill(self, db: Session, actor: Principal, record: rec.ClientRecord) -> None:
        super()._fill(db, actor, record)
        held = rec.cultural_identities(db, actor, record.id)
        held_ids = {i.id for i in held}
        self.held = [i.label for i in held]
        self.choices = [
            IdentityChoice(o.id, o.label, f"{IDENTITY_PREFIX}{o.id}", o.id in held_ids)
            for o in list_options(db, "cultural_identity")
        ]
        self.notes = record.cultural_identity_notes

    @requires(Permission.CLIENT_EDIT)
    @rx.event
    def start(self) -> None:
        if self._may_open(Permission.CLIENT_EDIT):
            self._open()

    @requires(Permission.CLIENT_EDIT)
    @rx.event
    def save(self, form_data: dict[str, Any]) -> Any:
        if not self._ready() or not self.editing:
            return rx.toast.error("Reload the page and try again")
        ids = checked_ids(form_data, IDENTITY_PREFIX)
        notes = submitted(CulturalIdentityInput, form_data, ["cultural_identity_notes"])

        def work(db: Session, me: Principal) -> str:
            text = notes["cultural_identity_notes"] or ""
            set_cultural_identities(db, me, self._client_id, ids, text)
            return "Cultural identity saved"

        return self._save(work, IDENTITY_FORM, ("identity_ids", "cultural_identity_notes"))


class RiskTab(RecordTab):
    assessments: list[Assessment] = []

    def _fill(self, db: Session, actor: Principal, record: rec.ClientRecord) -> None:
        super()._fill(db, actor, record)
        self.assessments = (
            [
                replace(
                    _assessment(a),
                    recorded_at=dates.moment(a.recorded_at),
                    recorded_by=a.recorded_by,
                )
                for a in rec.risk_history(db, actor, record.id)
            ]
            if record.risk is not None
            else []
        )

    @requires(Permission.CLIENT_EDIT)
    @rx.event
    def start(self) -> None:
        if self._may_open(Permission.CLIENT_EDIT, Permission.CLIENT_VIEW_RISK):
            self._open()

    @requires(Permission.CLIENT_EDIT)
    @rx.event
    def save(self, form_data: dict[str, Any]) -> Any:
        # Recording risk needs seeing it too: the service checks (and audits) that.
        if not self._ready() or not self.editing:
            return rx.toast.error("Reload the page and try again")
        data = submitted(RiskAssessmentInput, form_data)

        def work(db: Session, me: Principal) -> str:
            saved = assess_risk(db, me, self._client_id, **data)
            return f"Risk assessment saved: {rec.RISK_LABELS.get(saved.risk_level or '', '')}"

        return self._save(work, RISK_FORM, RISK_LAYOUT)


class ServiceTab(RecordTab):
    """Referrals and enrolments (read only here)."""

    referrals: list[ReferralLine] = []
    enrolments: list[EnrolmentLine] = []

    def _fill(self, db: Session, actor: Principal, record: rec.ClientRecord) -> None:
        super()._fill(db, actor, record)
        self.referrals = [
            ReferralLine(
                id=r.id,
                tracking_id=r.tracking_id,
                date=dates.day(r.referral_date),
                status_label=r.status_label,
                program=r.program or "Not assigned yet",
                orphaned=r.is_orphaned,
            )
            for r in rec.client_referrals(db, actor, record.id)
        ]
        self.enrolments = [
            EnrolmentLine(
                id=e.id,
                program=e.program,
                status_label=e.status_label,
                commencement=dates.day(e.commencement_date),
                end=dates.day(e.end_date) or "Still enrolled",
            )
            for e in rec.client_enrolments(db, actor, record.id)
        ]


class HistoryTab(RecordTab):
    lines: list[HistoryLine] = []
    page: int = 1
    pages: int = 1
    total: int = 0
    loading: bool = False

    @rx.var
    def showing(self) -> str:
        if self.total == 0:
            return "No history yet"
        size = rec.HISTORY_PAGE_SIZE
        first = (self.page - 1) * size + 1
        last = min(self.page * size, self.total)
        return f"Showing {first}–{last} of {self.total:,} events, newest first"

    def _fill(self, db: Session, actor: Principal, record: rec.ClientRecord) -> None:
        super()._fill(db, actor, record)
        self._show_page(db, actor, record.id, 1)

    def _show_page(self, db: Session, actor: Principal, client_id: int, page: int) -> None:
        result = rec.client_history(db, actor, client_id, page=page)
        self.lines = [HistoryLine(line.id, line.sentence) for line in result.lines]
        self.page, self.pages, self.total = result.page, result.pages, result.total

    @requires(Permission.CLIENT_VIEW)
    @rx.event
    def go_to_page(self, page: int) -> Any:
        if not self._ready():
            return None
        target = page if isinstance(page, int) and not isinstance(page, bool) else 1
        self.loading = True
        yield
        done = self._call(
            lambda db, me: self._show_page(db, me, self._client_id, max(1, min(target, 1_000_000)))
        )
        self.loading = False
        if isinstance(done, Refused):
            yield done.events
