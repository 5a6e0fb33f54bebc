"""The intake wizard's business rules: drafts kept on the server, each step checked on the
server, and finishing as one transaction (client, contacts, identities, risk, referral,
consent, enrolment, each with its audit rows).

A draft holds what the worker typed, as typed, keyed by form field name. Each step's check
turns those strings into the same validated inputs the client and referral services use, so
the wizard and every later screen apply one set of rules.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, col, select

from mtkcare.audit.models import AuditAction
from mtkcare.audit.service import record_event
from mtkcare.clients.duplicates import (
    DuplicateCandidate,
    find_likely_duplicates,
    search_clients,
)
from mtkcare.clients.models import Client, ClientCulturalIdentity, ClientEmergencyContact
from mtkcare.clients.service import (
    ClientDetails,
    EmergencyContactInput,
    RiskAssessmentInput,
    add_emergency_contact,
    assess_risk,
    check_client_details,
    create_client,
    get_client,
    set_cultural_identities,
    update_client,
)
from mtkcare.db import service, utcnow
from mtkcare.errors import EditConflict, NotFound, ValidationFailed
from mtkcare.intake.models import IntakeDraft
from mtkcare.programs.models import Enrolment
from mtkcare.programs.service import check_program_matches_service_type
from mtkcare.reference.models import CulturalIdentity, Language, RelationshipType
from mtkcare.referrals.models import ConsentStatus, ReferralStatus
from mtkcare.referrals.service import (
    ConsentInput,
    check_referral,
    create_referral,
    move_referral,
    record_consent,
    start_service,
)
from mtkcare.referrals.workflow import ReferralFacts
from mtkcare.users.models import User
from mtkcare.validation import validate

# --------------------------------------------------------------------------------------------
# The steps


@dataclass(frozen=True)
class Step:
    number: int
    key: str
    title: str


STEPS: tuple[Step, ...] = (
    Step(1, "referral", "The referral"),
    Step(2, "lookup", "Find the client"),
    Step(3, "client", "Client details"),
    Step(4, "contacts", "Emergency contacts"),
    Step(5, "identity", "Cultural identity"),
    Step(6, "risk", "Risk assessment"),
    Step(7, "program", "Program"),
    Step(8, "consent", "Consent"),
)
LAST_STEP = len(STEPS)
CHECK_STEP = LAST_STEP + 1  # "Check your answers", then finish
STEP_TITLES = {s.number: s.title for s in STEPS} | {CHECK_STEP: "Check your answers"}

REFERRAL_FIELDS = (
    "source",
    "external_organisation_id",
    "referrer_name",
    "referrer_phone",
    "referrer_email",
    "referral_date",
    "service_type_id",
    "priority",
    "reason",
)
LOOKUP_FIELDS = ("lookup_name", "lookup_dob", "lookup_phone", "lookup_email", "client_choice")
# The client's details as the client service takes them, plus the duplicate confirmation.
CLIENT_FIELDS = (
    *(name for name in ClientDetails.model_fields if name != "notes"),
    "not_duplicate",
)
CONTACT_PARTS = ("name", "relationship_type_id", "phone", "email")
IDENTITY_FIELDS = ("cultural_identity_notes",)
RISK_FIELDS = ("risk_level", "risk_factors", "risk_notes")
PROGRAM_FIELDS = ("target_program_id",)
# Consent's field names carry a prefix where the bare name would clash with another step's.
CONSENT_NAMES = {
    "consent_status": "status",
    "consent_method": "method",
    "consent_scope": "scope",
    "consent_expires_on": "expires_on",
    "decline_reason_id": "decline_reason_id",
    "follow_up_date": "follow_up_date",
    "consent_notes": "notes",
}
CONSENT_FIELDS = (*CONSENT_NAMES, "commencement_date")

# Field order per step: the error summary lists problems in this order.
STEP_FIELDS: dict[int, tuple[str, ...]] = {
    1: REFERRAL_FIELDS,
    2: LOOKUP_FIELDS,
    3: CLIENT_FIELDS,
    5: IDENTITY_FIELDS,
    6: RISK_FIELDS,
    7: PROGRAM_FIELDS,
    8: CONSENT_FIELDS,
}
CHECKBOX_FIELDS = frozenset({"interpreter_required", "not_duplicate"})
DATE_FIELDS = frozenset(
    {
        "referral_date",
        "lookup_dob",
        "date_of_birth",
        "consent_expires_on",
        "follow_up_date",
        "commencement_date",
    }
)

MAX_CONTACTS = 5
MAX_VALUE_LENGTH = 10_000
NEW_CLIENT = "new"
_CONTACT_FIELD = re.compile(r"^contact_([0-4])_(name|relationship_type_id|phone|email)$")
_IDENTITY_FIELD = re.compile(r"^identity_(\d{1,9})$")
_STATIC_FIELDS = frozenset(
    REFERRAL_FIELDS
    + LOOKUP_FIELDS
    + CLIENT_FIELDS
    + IDENTITY_FIELDS
    + RISK_FIELDS
    + PROGRAM_FIELDS
    + CONSENT_FIELDS
    + ("contact_count",)
)


def is_draft_field(name: str) -> bool:
    """Only the wizard's own field names are kept: a draft is not a free-form store."""
    return (
        name in _STATIC_FIELDS
        or _CONTACT_FIELD.match(name) is not None
        or _IDENTITY_FIELD.match(name) is not None
    )


def contact_field(index: int, part: str) -> str:
    return f"contact_{index}_{part}"


def identity_field(identity_id: int) -> str:
    return f"identity_{identity_id}"


class StepInvalid(ValidationFailed):
    """Finishing found a step that no longer passes: ``step`` is where to send the worker."""

    def __init__(self, step: int, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.step = step


# --------------------------------------------------------------------------------------------
# Reading what was typed


def _text(values: dict[str, Any], name: str) -> str:
    value = values.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def _optional(values: dict[str, Any], name: str) -> str | None:
    return _text(values, name) or None


def _ticked(values: dict[str, Any], name: str) -> bool:
    return _text(values, name) in {"on", "true", "yes"}


def _as_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def contact_count(values: dict[str, Any]) -> int:
    raw = _text(values, "contact_count")
    return max(1, min(int(raw), MAX_CONTACTS)) if raw.isdigit() else 1


def linked_client_id(values: dict[str, Any]) -> int | None:
    choice = _text(values, "client_choice")
    return int(choice) if choice.isdigit() else None


def chosen_identity_ids(values: dict[str, Any]) -> list[int]:
    return sorted(
        int(m.group(1))
        for name in values
        if (m := _IDENTITY_FIELD.match(name)) and _ticked(values, name)
    )


def _prefixed(errors: dict[str, str], names: dict[str, str]) -> dict[str, str]:
    """Service error keys -> the wizard's field names."""
    back = {inner: outer for outer, inner in names.items()}
    return {back.get(key, key): message for key, message in errors.items()}


def _referral_data(values: dict[str, Any]) -> dict[str, object]:
    data: dict[str, object] = {name: _optional(values, name) for name in REFERRAL_FIELDS}
    return {k: v for k, v in data.items() if v is not None}


def _client_data(values: dict[str, Any]) -> dict[str, object]:
    data: dict[str, object] = {
        name: _optional(values, name)
        for name in CLIENT_FIELDS
        if name not in CHECKBOX_FIELDS and _optional(values, name) is not None
    }
    data["interpreter_required"] = _ticked(values, "interpreter_required")
    return data


def _contact_data(values: dict[str, Any], index: int) -> dict[str, object]:
    return {
        part: value
        for part in CONTACT_PARTS
        if (value := _optional(values, contact_field(index, part))) is not None
    }


def _consent_data(values: dict[str, Any]) -> dict[str, object]:
    return {
        inner: value
        for outer, inner in CONSENT_NAMES.items()
        if (value := _optional(values, outer)) is not None
    }


# --------------------------------------------------------------------------------------------
# Checking a step


def _check(
    fn: Callable[[], object], errors: dict[str, str], rename: dict[str, str] | None = None
) -> Any:
    try:
        return fn()
    except ValidationFailed as exc:
        errors.update(_prefixed(exc.errors, rename or {}))
    except NotFound as exc:
        errors.setdefault("__all__", exc.message)
    return None


def likely_duplicates(session: Session, values: dict[str, Any]) -> list[DuplicateCandidate]:
    """Existing clients who are likely the person typed in step 3 (new clients only)."""
    first, last = _text(values, "first_name"), _text(values, "last_name")
    if not first or not last or linked_client_id(values) is not None:
        return []
    return [
        c
        for c in find_likely_duplicates(
            session,
            first_name=first,
            last_name=last,
            date_of_birth=_as_date(_text(values, "date_of_birth")),
            phone=_optional(values, "phone"),
            email=_optional(values, "email"),
        )
        if c.likely
    ]


def existing_contacts(session: Session, client_id: int | None) -> list[str]:
    """A linked client's emergency contacts on record ("Mere Smith, 021 555 0101")."""
    if client_id is None:
        return []
    return [
        f"{c.name}, {c.phone}"
        for c in session.exec(
            select(ClientEmergencyContact)
            .where(ClientEmergencyContact.client_id == client_id)
            .order_by(col(ClientEmergencyContact.id))
        )
    ]


def check_step(session: Session, step: int, values: dict[str, Any]) -> dict[str, str]:
    """The problems with what was typed for ``step`` (empty: the step is complete)."""
    errors: dict[str, str] = {}
    if step == 1:
        _check(lambda: check_referral(session, _referral_data(values)), errors)
    elif step == 2:
        choice = _text(values, "client_choice")
        client_id = linked_client_id(values)
        if choice != NEW_CLIENT and client_id is None:
            errors["client_choice"] = "Choose the matching client, or choose “This is a new client”"
        elif client_id is not None:
            try:
                get_client(session, client_id)
            except NotFound:
                errors["client_choice"] = (
                    "That client is no longer on the system (they may have been deleted); "
                    "choose again"
                )
    elif step == 3:
        _check(lambda: check_client_details(session, _client_data(values)), errors)
        language = _text(values, "primary_language_id")
        if errors and language.isdigit() and "primary_language_id" not in errors:
            # Other fields failed first: still say if the language is wrong, all at once.
            chosen = session.get(Language, int(language))
            if chosen is None or not chosen.is_active:
                errors["primary_language_id"] = "Choose a primary language from the list"
        if (
            not errors
            and likely_duplicates(session, values)
            and not _ticked(values, "not_duplicate")
        ):
            errors["not_duplicate"] = (
                "This person may already be a client: go back to step 2 to link them, or "
                "confirm they are a different person"
            )
    elif step == 4:
        errors.update(_check_contacts(session, values))
    elif step == 5:
        wanted = chosen_identity_ids(values)
        if wanted:
            found = session.exec(
                select(CulturalIdentity.id).where(
                    col(CulturalIdentity.id).in_(wanted), CulturalIdentity.is_active
                )
            ).all()
            if set(found) != set(wanted):
                errors["cultural_identity_notes"] = "Choose cultural identities from the list"
        if len(_text(values, "cultural_identity_notes")) > 2000:
            errors["cultural_identity_notes"] = (
                "Cultural identity notes must be 2000 characters or fewer"
            )
    elif step == 6:
        _check(
            lambda: validate(RiskAssessmentInput, {n: _optional(values, n) for n in RISK_FIELDS}),
            errors,
        )
    elif step == 7:
        program = _text(values, "target_program_id")
        service_type = _text(values, "service_type_id")
        if not program.isdigit():
            errors["target_program_id"] = "Choose a program for this referral"
        else:
            _check(
                lambda: check_program_matches_service_type(
                    session, int(program), int(service_type) if service_type.isdigit() else None
                ),
                errors,
            )
    elif step == 8:
        _check(lambda: validate(ConsentInput, _consent_data(values)), errors, CONSENT_NAMES)
        if _text(values, "consent_status") == ConsentStatus.OBTAINED.value:
            starts = _as_date(_text(values, "commencement_date"))
            referred = _as_date(_text(values, "referral_date"))
            if starts is None:
                errors["commencement_date"] = "Enter the date service starts"
            elif referred is not None and starts < referred:
                errors["commencement_date"] = "Enter a start date on or after the referral date"
    return errors


def _check_contacts(session: Session, values: dict[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    filled = 0
    for index in range(contact_count(values)):
        data = _contact_data(values, index)
        if not data:
            continue
        filled += 1
        prefix = {contact_field(index, part): part for part in CONTACT_PARTS}
        contact = _check(partial(validate, EmergencyContactInput, data), errors, prefix)
        if contact is None:
            continue
        assert isinstance(contact, EmergencyContactInput)
        if not contact.phone:
            errors[contact_field(index, "phone")] = "Enter a phone number for the emergency contact"
        if contact.relationship_type_id is not None:
            rel = session.get(RelationshipType, contact.relationship_type_id)
            if rel is None or not rel.is_active:
                errors[contact_field(index, "relationship_type_id")] = (
                    "Choose a relationship from the list"
                )
    if filled == 0 and not existing_contacts(session, linked_client_id(values)):
        errors[contact_field(0, "name")] = "Add at least one emergency contact"
    return errors


def first_invalid_step(session: Session, values: dict[str, Any]) -> tuple[int, dict[str, str]]:
    """The first step that does not pass, with its problems; (0, {}) when all pass."""
    for step in STEPS:
        errors = check_step(session, step.number, values)
        if errors:
            return step.number, errors
    return 0, {}


LOOKUP_MIN_LENGTH = 2


def match_view(candidate: DuplicateCandidate) -> dict[str, str]:
    born = date.fromisoformat(candidate.date_of_birth)
    return {
        "id": str(candidate.client_id),
        "name": candidate.full_name,
        "born": f"{born.day} {born:%b %Y}",
        "phone": candidate.phone,
        "city": candidate.city,
        "score": str(candidate.score),
        "likely": "yes" if candidate.likely else "",
        "reasons": "; ".join(candidate.reasons),
    }


def look_up_clients(session: Session, values: dict[str, Any]) -> list[DuplicateCandidate]:
    """Clients matching what was typed in step 2, best first: a full name is scored with
    the date of birth, phone and email typed beside it; a partial one is searched as typed."""
    name = " ".join(str(values.get("lookup_name", "")).split())
    born = str(values.get("lookup_dob", "")).strip()
    phone = str(values.get("lookup_phone", "")).strip() or None
    email = str(values.get("lookup_email", "")).strip() or None
    try:
        dob = date.fromisoformat(born) if born else None
    except ValueError:
        dob = None
    found: dict[int, DuplicateCandidate] = {}
    parts = name.split(" ", 1)
    if len(parts) == 2:
        for c in find_likely_duplicates(
            session,
            first_name=parts[0],
            last_name=parts[1],
            date_of_birth=dob,
            phone=phone,
            email=email,
        ):
            found[c.client_id] = c
    for term in (name, phone or "", email or ""):
        if len(term) >= LOOKUP_MIN_LENGTH:
            for c in search_clients(session, term, limit=10):
                # A search hit says how well the typing fits, not that it is the same
                # person: only the duplicate check (name with birth date, phone, email)
                # flags a likely match, and its reasons are kept.
                if c.client_id not in found:
                    found[c.client_id] = c.model_copy(update={"likely": False})
    return sorted(found.values(), key=lambda c: (not c.likely, -c.score, c.full_name))[:10]


# --------------------------------------------------------------------------------------------
# Drafts


class DraftView(BaseModel):
    id: int
    summary: str
    step: int
    step_title: str
    updated_at: datetime


def _summary(values: dict[str, Any]) -> str:
    name = " ".join(p for p in (_text(values, "first_name"), _text(values, "last_name")) if p)
    if name:
        return name[:200]
    reason = _text(values, "reason")
    return (reason[:60] + "…" if len(reason) > 60 else reason) or "New intake"


def get_draft_for(session: Session, actor: User, draft_id: int) -> IntakeDraft:
    """The actor's own unfinished draft; anyone else's is 'not found' (never revealed)."""
    draft = session.exec(
        select(IntakeDraft).where(
            IntakeDraft.id == draft_id,
            IntakeDraft.owner_id == actor.id,
            col(IntakeDraft.finished_at).is_(None),
        )
    ).first()
    if draft is None:
        raise NotFound("That draft no longer exists: it was finished or discarded")
    return draft


def list_drafts(session: Session, actor: User) -> list[DraftView]:
    drafts = session.exec(
        select(IntakeDraft)
        .where(IntakeDraft.owner_id == actor.id, col(IntakeDraft.finished_at).is_(None))
        .order_by(col(IntakeDraft.updated_at).desc())
        .limit(50)
    ).all()
    return [
        DraftView(
            id=d.id or 0,
            summary=d.summary,
            step=d.step,
            step_title=STEP_TITLES.get(d.step, ""),
            updated_at=d.updated_at,
        )
        for d in drafts
    ]


@service
def start_draft(session: Session, actor: User) -> IntakeDraft:
    today = date.today().isoformat()
    draft = IntakeDraft(
        owner_id=actor.id,  # type: ignore[arg-type]
        values={
            "referral_date": today,
            "source": "INTERNAL",
            "priority": "NORMAL",
            "consent_status": ConsentStatus.OBTAINED.value,
            "commencement_date": today,
            "contact_count": "1",
            "gender": "NOT_STATED",
        },
        summary="New intake",
    )
    session.add(draft)
    session.flush()
    record_event(session, AuditAction.CREATE, "IntakeDraft", user_id=actor.id, resource_id=draft.id)
    return draft


def _clean(changes: dict[str, Any]) -> dict[str, str]:
    kept: dict[str, str] = {}
    for name, value in changes.items():
        if not isinstance(name, str) or not is_draft_field(name):
            continue
        if isinstance(value, bool):
            value = "on" if value else ""
        if not isinstance(value, str):
            continue
        kept[name] = value[:MAX_VALUE_LENGTH]
    return kept


@service
def save_values(
    session: Session, actor: User, draft_id: int, changes: dict[str, Any]
) -> IntakeDraft:
    """Keep what was typed (unknown field names are dropped, nothing is validated)."""
    draft = get_draft_for(session, actor, draft_id)
    cleaned = _clean(changes)
    if not cleaned:
        return draft
    draft.values = {**draft.values, **cleaned}  # a new dict: the JSON column sees the change
    draft.summary = _summary(draft.values)
    draft.updated_at = utcnow()
    return draft


@service
def set_contact_count(session: Session, actor: User, draft_id: int, count: int) -> IntakeDraft:
    """Show ``count`` emergency contact blocks (1 to MAX_CONTACTS); the fields of the
    blocks taken away are cleared."""
    count = max(1, min(count, MAX_CONTACTS))
    changes = {"contact_count": str(count)}
    for index in range(count, MAX_CONTACTS):
        for part in CONTACT_PARTS:
            changes[contact_field(index, part)] = ""
    return save_values(session, actor, draft_id, changes)


def _step_checkboxes(step: int, values: dict[str, Any]) -> dict[str, str]:
    """A form leaves unticked checkboxes out: on submit they are cleared explicitly."""
    if step == 3:
        return {name: "" for name in CHECKBOX_FIELDS}
    if step == 5:
        return {name: "" for name in values if _IDENTITY_FIELD.match(name)}
    return {}


@service
def submit_step(
    session: Session,
    actor: User,
    draft_id: int,
    step: int,
    form: dict[str, Any],
    *,
    show_risk: bool = False,
) -> tuple[IntakeDraft, dict[str, str]]:
    """Save the step's form and check it: no problems -> on to the next step. Linking an
    existing client (step 2) fills the later steps from their record; their risk details
    only for a worker allowed to see risk (``show_risk``)."""
    draft = get_draft_for(session, actor, draft_id)
    if step < 1 or step > LAST_STEP or step > draft.reached:
        raise ValidationFailed({"__all__": "Go through the steps in order"})
    cleaned = {**_step_checkboxes(step, draft.values), **_clean(form)}
    values = {**draft.values, **cleaned}
    if step == 2 and linked_client_id(values) is not None:
        values = _with_client(session, actor, values, show_risk=show_risk)
    errors = check_step(session, step, values)
    draft.values = values
    draft.summary = _summary(values)
    draft.updated_at = utcnow()
    if not errors:
        draft.step = step + 1
        draft.reached = max(draft.reached, draft.step)
    else:
        draft.step = step
    return draft, errors


def _with_client(
    session: Session, actor: User, values: dict[str, Any], *, show_risk: bool
) -> dict[str, Any]:
    """Linking an existing client: their details, identities and risk fill steps 3-6 (once
    per client chosen; what the worker then changes is kept). Reading their record is
    audited like opening it."""
    client_id = linked_client_id(values)
    if client_id is None or values.get("linked_version_of") == str(client_id):
        return values
    try:
        client = get_client(session, client_id)
    except NotFound:
        return values
    filled = {k: v for k, v in values.items() if not _IDENTITY_FIELD.match(k)}
    for name in CLIENT_FIELDS:
        if name in CHECKBOX_FIELDS:
            continue
        value = getattr(client, name, None)
        filled[name] = "" if value is None else str(value)
    filled["interpreter_required"] = "on" if client.interpreter_required else ""
    filled["not_duplicate"] = ""
    filled["cultural_identity_notes"] = client.cultural_identity_notes or ""
    for link in session.exec(
        select(ClientCulturalIdentity).where(ClientCulturalIdentity.client_id == client_id)
    ):
        filled[identity_field(link.cultural_identity_id)] = "on"
    for name in RISK_FIELDS:
        value = getattr(client, name, None) if show_risk else None
        filled[name] = "" if value is None else str(value)
    record_event(session, AuditAction.VIEW, "Client", user_id=actor.id, resource_id=client_id)
    filled["linked_version_of"] = str(client_id)
    filled["linked_version"] = str(client.version)
    return filled


@service
def go_to_step(session: Session, actor: User, draft_id: int, step: int) -> IntakeDraft:
    """Back, or a step indicator link: any step already reached."""
    draft = get_draft_for(session, actor, draft_id)
    draft.step = max(1, min(step, draft.reached))
    draft.updated_at = utcnow()
    return draft


@service
def discard_draft(session: Session, actor: User, draft_id: int) -> None:
    draft = get_draft_for(session, actor, draft_id)
    draft.is_deleted = True
    draft.deleted_at = utcnow()
    draft.deleted_by = actor.id
    record_event(session, AuditAction.DELETE, "IntakeDraft", user_id=actor.id, resource_id=draft_id)


# --------------------------------------------------------------------------------------------
# Finishing


@dataclass(frozen=True)
class IntakeOutcome:
    client_id: int
    client_name: str
    referral_id: int
    tracking_id: str
    status: str
    enrolment_id: int | None


@service
def finish_intake(session: Session, actor: User, draft_id: int) -> IntakeOutcome:
    """Everything in one transaction; any problem saves nothing and keeps the draft."""
    draft = get_draft_for(session, actor, draft_id)
    values = dict(draft.values)
    step, errors = first_invalid_step(session, values)
    if errors:
        raise StepInvalid(step, errors)

    client = _save_client(session, actor, values)
    assert client.id is not None
    for index in range(contact_count(values)):
        data = _contact_data(values, index)
        if data:
            add_emergency_contact(session, actor, client.id, **data)
    set_cultural_identities(
        session,
        actor,
        client.id,
        chosen_identity_ids(values),
        notes=_text(values, "cultural_identity_notes"),
    )
    risk = {name: _optional(values, name) for name in RISK_FIELDS}
    if linked_client_id(values) is None or any(
        (getattr(client, name) or None) != risk[name] for name in RISK_FIELDS
    ):
        assess_risk(session, actor, client.id, **risk)

    referral = create_referral(
        session,
        actor,
        **_referral_data(values),
        client_id=client.id,
        target_program_id=int(_text(values, "target_program_id")),
        assigned_staff_id=actor.id,
    )
    session.flush()
    move_referral(referral, ReferralStatus.ASSESSED, ReferralFacts(program_matches_service=True))
    move_referral(
        referral,
        ReferralStatus.AWAITING_CONSENT,
        ReferralFacts(active_staff_assigned=True, client_linked=True),
    )
    assert referral.id is not None
    try:
        record_consent(session, actor, referral.id, **_consent_data(values))
    except ValidationFailed as exc:
        raise StepInvalid(LAST_STEP, _prefixed(exc.errors, CONSENT_NAMES)) from None
    enrolment: Enrolment | None = None
    if _text(values, "consent_status") == ConsentStatus.OBTAINED.value:
        starts = _as_date(_text(values, "commencement_date"))
        assert starts is not None
        enrolment = start_service(session, actor, referral.id, starts)
        session.flush()

    draft.finished_at = utcnow()
    draft.referral_id = referral.id
    draft.updated_at = draft.finished_at
    record_event(
        session, AuditAction.UPDATE, "IntakeDraft", user_id=actor.id, resource_id=draft_id,
        detail=f"Finished: referral {referral.tracking_id}",
    )  # fmt: skip
    return IntakeOutcome(
        client_id=client.id,
        client_name=client.full_name,
        referral_id=referral.id,
        tracking_id=referral.tracking_id,
        status=referral.status,
        enrolment_id=enrolment.id if enrolment else None,
    )


def _save_client(session: Session, actor: User, values: dict[str, Any]) -> Client:
    details = _client_data(values)
    client_id = linked_client_id(values)
    if client_id is not None:
        version = _text(values, "linked_version")
        try:
            return update_client(
                session,
                actor,
                client_id,
                expected_version=int(version) if version.isdigit() else None,
                **details,
            )
        except EditConflict as exc:
            raise StepInvalid(3, {"first_name": exc.message}) from None
    duplicates = likely_duplicates(session, values)
    client = create_client(session, actor, **details)
    if duplicates:
        # Step 3 made the worker confirm: that confirmation is on the record.
        record_event(
            session,
            AuditAction.NOT_DUPLICATE,
            "Client",
            user_id=actor.id,
            resource_id=client.id,
            detail="Confirmed a different person from "
            + ", ".join(
                f"{c.full_name} (client {c.client_id}, score {c.score})" for c in duplicates
            ),
            changes={"candidates": [[c.client_id, c.score] for c in duplicates]},
        )
    return client


def outcome_message(outcome: IntakeOutcome) -> str:
    if outcome.status == ReferralStatus.ACTIVE.value:
        return f"{outcome.client_name} is enrolled; referral {outcome.tracking_id} is in service"
    if outcome.status == ReferralStatus.DECLINED.value:
        return f"Referral {outcome.tracking_id} for {outcome.client_name} is declined"
    return (
        f"Referral {outcome.tracking_id} for {outcome.client_name} is waiting for consent: "
        "follow up on the date set"
    )
