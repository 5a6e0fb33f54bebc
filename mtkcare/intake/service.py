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

from mtkcare import dates
from mtkcare.audit.models import AuditAction
from mtkcare.audit.service import record_event
from mtkcare.auth.access import reads, require_person, service
from mtkcare.auth.permissions import Permission
from mtkcare.auth.service import Principal
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
    load_client_for,
    require_client,
    set_cultural_identities,
    update_client,
)
from mtkcare.db import utcnow
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

RISK_STEP = 6

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
# Step 2's answer: which client the intake is for. It is taken only from step 2's own form,
# through the audited read of that client, and held on the draft (``client_id`` and
# ``client_version``), never from a field kept as the worker types.
CLIENT_CHOICE = "client_choice"
LOOKUP_FIELDS = ("lookup_name", "lookup_dob", "lookup_phone", "lookup_email")
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
    2: (*LOOKUP_FIELDS, CLIENT_CHOICE),
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
# A draft is the wizard's fields, not a free-form store: a few hundred keys and characters
# in the tens of thousands are far beyond any real intake.
MAX_DRAFT_KEYS = 200
MAX_DRAFT_CHARACTERS = 100_000
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


def skips_risk(actor: Principal, draft: IntakeDraft) -> bool:
    """An existing client's risk assessment is theirs to keep: a worker who may not see it
    skips the risk step and the intake never writes risk (a new client's first assessment is
    always taken)."""
    return draft.client_id is not None and not actor.can(Permission.CLIENT_VIEW_RISK)


def skipped_steps(actor: Principal, draft: IntakeDraft) -> frozenset[int]:
    return frozenset({RISK_STEP}) if skips_risk(actor, draft) else frozenset()


def _next_step(step: int, skipped: frozenset[int]) -> int:
    step += 1
    while step in skipped:
        step += 1
    return step


def previous_step(actor: Principal, draft: IntakeDraft, step: int) -> int:
    skipped = skipped_steps(actor, draft)
    step -= 1
    while step in skipped and step > 1:
        step -= 1
    return max(1, step)


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


def _risk_data(values: dict[str, Any]) -> dict[str, object]:
    return {name: _optional(values, name) for name in RISK_FIELDS}


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


def _audit_shown(
    session: Session, actor: Principal, what: str, query: dict[str, Any], ids: list[int]
) -> None:
    """Clients shown to the worker from a search: who searched for what, and saw whom."""
    if ids:
        record_event(
            session,
            AuditAction.LIST,
            "Client",
            user_id=actor.user_id,
            detail=what,
            changes={"query": query, "ids": ids},
        )


@reads(Permission.CLIENT_VIEW)
def likely_duplicates(
    session: Session, actor: Principal, draft: IntakeDraft, values: dict[str, Any]
) -> list[DuplicateCandidate]:
    """Existing clients who are likely the person typed in step 3 (new clients only). Those
    found are audited as shown (the worker sees them in step 3)."""
    first, last = _text(values, "first_name"), _text(values, "last_name")
    if not first or not last or draft.client_id is not None:
        return []
    born = _as_date(_text(values, "date_of_birth"))
    phone, email = _optional(values, "phone"), _optional(values, "email")
    found = [
        c
        for c in find_likely_duplicates(
            session,
            actor,
            first_name=first,
            last_name=last,
            date_of_birth=born,
            phone=phone,
            email=email,
        )
        if c.likely
    ]
    typed = {"name": f"{first} {last}", "born": born.isoformat() if born else None}
    _audit_shown(
        session,
        actor,
        "intake duplicate check",
        {k: v for k, v in {**typed, "phone": phone, "email": email}.items() if v},
        [c.client_id for c in found],
    )
    return found


@reads(Permission.CLIENT_VIEW)
def existing_contacts(session: Session, actor: Principal, draft: IntakeDraft) -> list[str]:
    """The linked client's emergency contacts on record ("Mere Smith, 021 555 0101"); none
    when the client has been deleted since."""
    if draft.client_id is None:
        return []
    return [
        f"{c.name}, {c.phone}"
        for c in session.exec(
            select(ClientEmergencyContact)
            .join(Client, col(Client.id) == col(ClientEmergencyContact.client_id))
            .where(ClientEmergencyContact.client_id == draft.client_id)
            .order_by(col(ClientEmergencyContact.id))
        )
    ]


def _check_step(
    session: Session, actor: Principal, draft: IntakeDraft, step: int, values: dict[str, Any]
) -> dict[str, str]:
    """The problems with what was typed for ``step`` (empty: the step is complete)."""
    errors: dict[str, str] = {}
    if step in skipped_steps(actor, draft):
        return errors
    if step == 1:
        _check(lambda: check_referral(session, actor, _referral_data(values)), errors)
    elif step == 2:
        if draft.client_id is None and _text(values, CLIENT_CHOICE) != NEW_CLIENT:
            errors[CLIENT_CHOICE] = "Choose the matching client, or choose “This is a new client”"
        elif draft.client_id is not None:
            try:
                require_client(session, actor, draft.client_id)
            except NotFound:
                errors[CLIENT_CHOICE] = (
                    "That client is no longer on the system (they may have been deleted); "
                    "choose again"
                )
    elif step == 3:
        _check(lambda: check_client_details(session, actor, _client_data(values)), errors)
        language = _text(values, "primary_language_id")
        if errors and language.isdigit() and "primary_language_id" not in errors:
            # Other fields failed first: still say if the language is wrong, all at once.
            chosen = session.get(Language, int(language))
            if chosen is None or not chosen.is_active:
                errors["primary_language_id"] = "Choose a primary language from the list"
        if (
            not errors
            and not _ticked(values, "not_duplicate")
            and likely_duplicates(session, actor, draft, values)
        ):
            errors["not_duplicate"] = (
                "This person may already be a client: go back to step 2 to link them, or "
                "confirm they are a different person"
            )
    elif step == 4:
        errors.update(_check_contacts(session, actor, draft, values))
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
        _check(lambda: validate(RiskAssessmentInput, _risk_data(values)), errors)
    elif step == 7:
        program = _text(values, "target_program_id")
        service_type = _text(values, "service_type_id")
        if not program.isdigit():
            errors["target_program_id"] = "Choose a program for this referral"
        else:
            _check(
                lambda: check_program_matches_service_type(
                    session,
                    actor,
                    int(program),
                    int(service_type) if service_type.isdigit() else None,
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


def _check_contacts(
    session: Session, actor: Principal, draft: IntakeDraft, values: dict[str, Any]
) -> dict[str, str]:
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
    if filled == 0 and (draft.client_id is None or not existing_contacts(session, actor, draft)):
        errors[contact_field(0, "name")] = "Add at least one emergency contact"
    return errors


def _first_invalid_step(
    session: Session, actor: Principal, draft: IntakeDraft
) -> tuple[int, dict[str, str]]:
    """The first step that does not pass, with its problems; (0, {}) when all pass."""
    for step in STEPS:
        errors = _check_step(session, actor, draft, step.number, draft.values)
        if errors:
            return step.number, errors
    return 0, {}


LOOKUP_MIN_LENGTH = 2


def match_view(candidate: DuplicateCandidate) -> dict[str, str]:
    return {
        "id": str(candidate.client_id),
        "name": candidate.full_name,
        "born": dates.day(date.fromisoformat(candidate.date_of_birth)),
        "phone": candidate.phone,
        "city": candidate.city,
        "score": str(candidate.score),
        "likely": "yes" if candidate.likely else "",
        "reasons": "; ".join(candidate.reasons),
    }


@reads(Permission.CLIENT_VIEW)
def look_up_clients(
    session: Session, actor: Principal, values: dict[str, Any]
) -> list[DuplicateCandidate]:
    """Clients matching what was typed in step 2, best first: a full name is scored with
    the date of birth, phone and email typed beside it; a partial one is searched as typed.
    Each look-up that shows clients is audited: the query and the clients shown."""
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
            actor,
            first_name=parts[0],
            last_name=parts[1],
            date_of_birth=dob,
            phone=phone,
            email=email,
        ):
            found[c.client_id] = c
    for term in (name, phone or "", email or ""):
        if len(term) >= LOOKUP_MIN_LENGTH:
            for c in search_clients(session, actor, term, limit=10):
                # A search hit says how well the typing fits, not that it is the same
                # person: only the duplicate check (name with birth date, phone, email)
                # flags a likely match, and its reasons are kept.
                if c.client_id not in found:
                    found[c.client_id] = c.model_copy(update={"likely": False})
    shown = sorted(found.values(), key=lambda c: (not c.likely, -c.score, c.full_name))[:10]
    _audit_shown(
        session,
        actor,
        "intake look-up",
        {
            k: v
            for k, v in (("name", name), ("born", born), ("phone", phone), ("email", email))
            if v
        },
        [c.client_id for c in shown],
    )
    return shown


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


@reads(Permission.REFERRAL_CREATE)
def get_draft_for(session: Session, actor: Principal, draft_id: int) -> IntakeDraft:
    """The actor's own unfinished draft; anyone else's is 'not found' (never revealed)."""
    draft = session.exec(
        select(IntakeDraft).where(
            IntakeDraft.id == draft_id,
            IntakeDraft.owner_id == require_person(actor),
            col(IntakeDraft.finished_at).is_(None),
        )
    ).first()
    if draft is None:
        raise NotFound("That draft no longer exists: it was finished or discarded")
    return draft


@reads(Permission.REFERRAL_CREATE)
def list_drafts(session: Session, actor: Principal) -> list[DraftView]:
    drafts = session.exec(
        select(IntakeDraft)
        .where(
            IntakeDraft.owner_id == require_person(actor), col(IntakeDraft.finished_at).is_(None)
        )
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


@service(Permission.REFERRAL_CREATE)
def start_draft(session: Session, actor: Principal) -> IntakeDraft:
    today = date.today().isoformat()
    draft = IntakeDraft(
        owner_id=require_person(actor),
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
    record_event(
        session, AuditAction.CREATE, "IntakeDraft", user_id=actor.user_id, resource_id=draft.id
    )
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


def _within_limits(values: dict[str, Any]) -> dict[str, Any]:
    """The draft's values if they stay within its size limits; refused otherwise."""
    if (
        len(values) > MAX_DRAFT_KEYS
        or sum(len(k) + len(v) for k, v in values.items() if isinstance(v, str))
        > MAX_DRAFT_CHARACTERS
    ):
        raise ValidationFailed(
            {"__all__": "This intake holds more than an intake can: nothing more was saved"}
        )
    return values


def _keep(draft: IntakeDraft, values: dict[str, Any]) -> None:
    # A new dict: the JSON column sees the change.
    draft.values = _within_limits(dict(values))
    draft.summary = _summary(draft.values)
    draft.updated_at = utcnow()


@service(Permission.REFERRAL_CREATE)
def save_values(
    session: Session, actor: Principal, draft_id: int, changes: dict[str, Any]
) -> IntakeDraft:
    """Keep what was typed (unknown field names are dropped, nothing is validated)."""
    draft = get_draft_for(session, actor, draft_id)
    cleaned = _clean(changes)
    if cleaned:
        _keep(draft, {**draft.values, **cleaned})
    return draft


@service(Permission.REFERRAL_CREATE)
def set_contact_count(session: Session, actor: Principal, draft_id: int, count: int) -> IntakeDraft:
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


@service(Permission.REFERRAL_CREATE)
def submit_step(
    session: Session,
    actor: Principal,
    draft_id: int,
    step: int,
    form: dict[str, Any],
) -> tuple[IntakeDraft, dict[str, str]]:
    """Save the step's form and check it: no problems -> on to the next step. Step 2's
    choice links the intake to an existing client (or to a new one) and fills the later
    steps from their record."""
    draft = get_draft_for(session, actor, draft_id)
    if step < 1 or step > LAST_STEP or step > draft.reached:
        raise ValidationFailed({"__all__": "Go through the steps in order"})
    values = {**draft.values, **_step_checkboxes(step, draft.values), **_clean(form)}
    link_problem = None
    if step == 2:
        values, link_problem = _choose_client(
            session, actor, draft, values, form.get(CLIENT_CHOICE)
        )
    errors = _check_step(session, actor, draft, step, values)
    if link_problem:
        errors[CLIENT_CHOICE] = link_problem
    _keep(draft, values)
    if not errors:
        draft.step = _next_step(step, skipped_steps(actor, draft))
        draft.reached = max(draft.reached, draft.step)
    else:
        draft.step = step
    return draft, errors


def _unlinked(values: dict[str, Any]) -> dict[str, Any]:
    """Values without what a linked client's record filled in."""
    filled = set(CLIENT_FIELDS) | set(IDENTITY_FIELDS) | set(RISK_FIELDS)
    return {k: v for k, v in values.items() if k not in filled and not _IDENTITY_FIELD.match(k)}


def _choose_client(
    session: Session,
    actor: Principal,
    draft: IntakeDraft,
    values: dict[str, Any],
    choice: object,
) -> tuple[dict[str, Any], str | None]:
    """Step 2's answer. An existing client is read through the audited, deleted-aware read
    (``load_client_for``): their details, identities and (for a worker who may see it) risk
    fill steps 3-6, and the draft remembers the client and the version read, which finishing
    requires. Choosing again replaces what the previous choice filled in."""
    text = choice.strip() if isinstance(choice, str) else ""
    values = {k: v for k, v in values.items() if k != CLIENT_CHOICE}
    if text == NEW_CLIENT:
        if draft.client_id is not None:
            values = _unlinked(values)
        draft.client_id, draft.client_version = None, None
        return {**values, CLIENT_CHOICE: NEW_CLIENT}, None
    if not text.isdigit():
        return values, None  # no choice: step 2's check says what to do
    client_id = int(text)
    if client_id == draft.client_id:
        return {**values, CLIENT_CHOICE: text}, None
    try:
        client = load_client_for(session, actor, client_id)
    except NotFound:
        if draft.client_id is not None:
            values = _unlinked(values)
        draft.client_id, draft.client_version = None, None
        return values, (
            "That client is no longer on the system (they may have been deleted); choose again"
        )
    filled = _unlinked(values)
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
    if actor.can(Permission.CLIENT_VIEW_RISK):
        for name in RISK_FIELDS:
            value = getattr(client, name, None)
            filled[name] = "" if value is None else str(value)
    draft.client_id, draft.client_version = client_id, client.version
    return {**filled, CLIENT_CHOICE: text}, None


@service(Permission.REFERRAL_CREATE)
def go_to_step(session: Session, actor: Principal, draft_id: int, step: int) -> IntakeDraft:
    """Back, or a step indicator link: any step already reached (a skipped step is passed
    over, forwards)."""
    draft = get_draft_for(session, actor, draft_id)
    step = max(1, min(step, draft.reached))
    skipped = skipped_steps(actor, draft)
    while step in skipped:
        step += 1
    draft.step = step
    draft.reached = max(draft.reached, step)
    draft.updated_at = utcnow()
    return draft


def _forget(draft: IntakeDraft, summary: str) -> None:
    """A finished or discarded draft keeps no personal data: the referral and the audit
    trail hold what was kept."""
    draft.values = {}
    draft.summary = summary
    draft.updated_at = utcnow()


@service(Permission.REFERRAL_CREATE)
def discard_draft(session: Session, actor: Principal, draft_id: int) -> None:
    draft = get_draft_for(session, actor, draft_id)
    _forget(draft, "Discarded")
    draft.client_id, draft.client_version = None, None
    draft.is_deleted = True
    draft.deleted_at = utcnow()
    draft.deleted_by = actor.user_id
    record_event(
        session, AuditAction.DELETE, "IntakeDraft", user_id=actor.user_id, resource_id=draft_id
    )


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


@service(Permission.REFERRAL_CREATE, Permission.CONSENT_RECORD)
def finish_intake(session: Session, actor: Principal, draft_id: int) -> IntakeOutcome:
    """Everything in one transaction; any problem saves nothing and keeps the draft."""
    draft = get_draft_for(session, actor, draft_id)
    values = dict(draft.values)
    step, errors = _first_invalid_step(session, actor, draft)
    if errors:
        raise StepInvalid(step, errors)

    client = _save_client(session, actor, draft, values)
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
    if draft.client_id is not None and not skips_risk(actor, draft):
        risk = _risk_data(values)
        if any((getattr(client, name) or None) != risk[name] for name in RISK_FIELDS):
            assess_risk(session, actor, client.id, **risk)

    referral = create_referral(
        session,
        actor,
        **_referral_data(values),
        client_id=client.id,
        target_program_id=int(_text(values, "target_program_id")),
        assigned_staff_id=actor.user_id,
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
    _forget(draft, f"Finished: referral {referral.tracking_id}")
    record_event(
        session, AuditAction.UPDATE, "IntakeDraft", user_id=actor.user_id, resource_id=draft_id,
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


def _save_client(
    session: Session, actor: Principal, draft: IntakeDraft, values: dict[str, Any]
) -> Client:
    details = _client_data(values)
    if draft.client_id is not None:
        if draft.client_version is None:
            raise StepInvalid(2, {CLIENT_CHOICE: "Choose the client again"})
        try:
            return update_client(
                session,
                actor,
                draft.client_id,
                expected_version=draft.client_version,
                **details,
            )
        except EditConflict as exc:
            raise StepInvalid(3, {"first_name": exc.message}) from None
    duplicates = likely_duplicates(session, actor, draft, values)
    client = create_client(session, actor, risk=_risk_data(values), **details)
    if duplicates:
        # Step 3 made the worker confirm: that confirmation is on the record.
        record_event(
            session,
            AuditAction.NOT_DUPLICATE,
            "Client",
            user_id=actor.user_id,
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
