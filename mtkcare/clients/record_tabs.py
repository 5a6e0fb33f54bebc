"""The tabs of a client's record page, one sub-state each: what the tab shows (taken from the
record when the page reads it) and its form, if it has one."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import reflex as rx
from sqlmodel import Session

from mtkcare import dates
from mtkcare.auth.guard import requires
from mtkcare.auth.permissions import Permission
from mtkcare.auth.service import Principal
from mtkcare.auth.state import Refused
from mtkcare.clients import record as rec
from mtkcare.clients.layouts import CONTACT_LAYOUT, PROFILE_FACTS, RISK_LAYOUT
from mtkcare.clients.record_state import RecordTab
from mtkcare.clients.record_views import (
    CONTACT_FORM,
    IDENTITY_FORM,
    IDENTITY_PREFIX,
    PROFILE_FORM,
    RISK_FORM,
    Assessment,
    ContactCard,
    EnrolmentLine,
    Fact,
    HistoryLine,
    IdentityChoice,
    ReferralLine,
    assessment_view,
)
from mtkcare.clients.service import (
    ClientDetails,
    CulturalIdentityInput,
    EmergencyContactInput,
    RiskAssessmentInput,
    add_emergency_contact,
    assess_risk,
    set_cultural_identities,
    update_client,
)
from mtkcare.fields import facts, form_values, submitted
from mtkcare.reference.service import list_options
from mtkcare.ui.forms import checked_ids

# --------------------------------------------------------------------------------------------
# The tabs


class ProfileTab(RecordTab):
    facts: list[Fact] = []
    values: dict[str, str] = {}  # what the edit form starts from
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
        changes = submitted(ClientDetails, form_data)

        def work(db: Session, me: Principal) -> str:
            saved = update_client(
                db, me, self._client_id, expected_version=self._version, **changes
            )
            return f"Changes to {saved.full_name} saved"

        return self._save(work, PROFILE_FORM, tuple(ClientDetails.model_fields))


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
                    assessment_view(a),
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
                referral_id=e.referral_id,
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
