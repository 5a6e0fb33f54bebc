"""The intake wizard's business rules: drafts kept on the server, each step checked on the
server, and finishing as one transaction (client, contacts, identities, risk, referral,
consent, enrolment, each with its audit rows).

A draft holds what the worker typed, as typed, keyed by form field name. Each step's check
turns those strings into the same validated inputs the client and referral services use, so
the wizard and every later screen apply one set of rules.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import Enum
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
    CulturalIdentityInput,
    EmergencyContactInput,
    RiskAssessmentInput,
    add_emergency_contact,
    assess_risk,
    check_client_details,
    check_cultural_identities,
    check_emergency_contact,
    create_client,
    load_client_for,
    require_client,
    set_cultural_identities,
    update_client,
)
from mtkcare.db import utcnow
from mtkcare.errors import EditConflict, NotFound, ValidationFailed
from mtkcare.fields import IDENTIFYING, FieldSpec, Kind, Layout, field, names, specs
from mtkcare.intake.models import IntakeDraft
from mtkcare.programs.models import Enrolment
from mtkcare.programs.service import check_program_matches_service_type
from mtkcare.referrals.models import ConsentStatus, ReferralSource, ReferralStatus
from mtkcare.referrals.service import (
    CONSENT_ASKS,
    CONSENT_NEEDS,
    ConsentInput,
    ReferralInput,
    check_referral,
    create_referral,
    move_referral,
    record_consent,
    start_service,
)
from mtkcare.referrals.workflow import ReferralFacts
from mtkcare.validation import Input, validate

# --------------------------------------------------------------------------------------------
# What the steps ask for: the service inputs, as the draft names their fields


class ClientLookup(Input):
    """Step 2's search: what the worker knows of the client (searched for, not checked)."""

    lookup_name: str = field(
        "Name", hint="First and last name, or part of it", default="", privacy=IDENTIFYING
    )
    lookup_dob: str = field("Date of birth", kind=Kind.DATE, default="", privacy=IDENTIFYING)
    lookup_phone: str = field("Phone number", kind=Kind.PHONE, default="", privacy=IDENTIFYING)
    lookup_email: str = field("Email address", kind=Kind.EMAIL, default="", privacy=IDENTIFYING)


class DuplicateCheck(Input):
    """Step 3's answer when the details typed are likely someone on record."""

    not_duplicate: bool = field(
        "I have checked: this is a different person from the clients above",
        hint="Your confirmation is recorded. If it is the same person, go back to step 2 and "
        "choose them instead.",
        default=False,
    )


class ServiceStart(Input):
    """With consent obtained, the intake enrols the client from this day."""

    commencement_date: date = field("Service starts on", hint="An enrolment starts on this date")


@dataclass(frozen=True)
class Part:
    """Fields of one service input that a step asks for, rows as its screen lays them out.

    The draft names each field ``prefix`` + its name (the ``bare`` ones without); a list of
    reference ids (``identity_ids``) is one checkbox per option (``identity_12``). ``needed``:
    fields the step's check requires though the input may leave them blank. ``when``: asked
    only while another answer has that value. ``title``: a group, boxed on screen if ``boxed``,
    read as one line (``joiner`` between the answers) on "Check your answers", which leaves
    out a part not ``reviewed``. ``selects``: choices asked with a select, not radios."""

    model: type[BaseModel]
    layout: Layout
    prefix: str = ""
    bare: frozenset[str] = frozenset()
    needed: frozenset[str] = frozenset()
    when: tuple[str, str] | None = None
    title: str = ""
    boxed: bool = False
    joiner: str = ", "
    reviewed: bool = True
    selects: frozenset[str] = frozenset()

    @property
    def fields(self) -> list[str]:
        return names(self.layout)

    def name(self, key: str) -> str:
        return key if key in self.bare else self.prefix + key

    def spec(self, key: str) -> FieldSpec:
        found = specs(self.model)[key]
        return replace(found, optional=False) if key in self.needed else found

    def many(self, key: str) -> bool:
        return typing.get_origin(self.model.model_fields[key].annotation) is list

    def option_name(self, key: str, option_id: int | str) -> str:
        return f"{self.name(key).removesuffix('ids')}{option_id}"

    def chosen(self, key: str, values: dict[str, Any]) -> list[int]:
        stem = self.option_name(key, "")
        return sorted(
            int(name.removeprefix(stem))
            for name in values
            if name.startswith(stem) and name.removeprefix(stem).isdigit() and _ticked(values, name)
        )

    def applies(self, values: dict[str, Any]) -> bool:
        return self.when is None or _text(values, self.when[0]) == self.when[1]

    def data(self, values: dict[str, Any], *, blanks: bool = False) -> dict[str, object]:
        """The input's data as typed: a checkbox ticked or not, options chosen, other blanks
        left out (or None with ``blanks``)."""
        data: dict[str, object] = {}
        for key in self.fields:
            if self.many(key):
                data[key] = self.chosen(key, values)
            elif self.spec(key).kind == Kind.CHECKBOX:
                data[key] = _ticked(values, self.name(key))
            elif (value := _optional(values, self.name(key))) is not None or blanks:
                data[key] = value
        return data


def _data(parts: tuple[Part, ...], values: dict[str, Any], **how: bool) -> dict[str, object]:
    return {k: v for part in parts for k, v in part.data(values, **how).items()}


def _renamed(parts: tuple[Part, ...], errors: dict[str, str]) -> dict[str, str]:
    """A service's error keys -> the draft's field names."""
    outer = {key: part.name(key) for part in parts for key in part.fields}
    return {outer.get(key, key): message for key, message in errors.items()}


REFERRAL = (
    Part(ReferralInput, ("source",)),
    Part(
        ReferralInput,
        ("external_organisation_id",),
        when=("source", ReferralSource.EXTERNAL.value),
        needed=frozenset({"external_organisation_id"}),
    ),
    Part(ReferralInput, (("referrer_name", "referrer_phone"), "referrer_email"),
         title="Referrer", joiner=" · "),
    Part(ReferralInput, (("referral_date", "service_type_id"), "priority", "reason")),
)  # fmt: skip
LOOKUP = Part(ClientLookup, (("lookup_name", "lookup_dob"), ("lookup_phone", "lookup_email")))
NOT_DUPLICATE = Part(DuplicateCheck, ("not_duplicate",), reviewed=False)
CLIENT = (
    Part(ClientDetails, (("first_name", "last_name"),), title="Name", joiner=" "),
    Part(
        ClientDetails,
        (
            ("preferred_name", "date_of_birth"),
            ("gender", "primary_language_id"),
            "interpreter_required",
            ("phone", "email"),
        ),
    ),
    Part(
        ClientDetails,
        ("address_line1", "address_line2", ("suburb", "city"), "postcode"),
        title="Address",
        boxed=True,
    ),
)
MAX_CONTACTS = 5
CONTACTS = tuple(
    Part(
        EmergencyContactInput,
        (("name", "relationship_type_id"), ("phone", "email")),
        prefix=f"contact_{index}_",
        needed=frozenset({"phone"}),
        title=f"Emergency contact {index + 1}",
        boxed=True,
    )
    for index in range(MAX_CONTACTS)
)
IDENTITY = Part(CulturalIdentityInput, ("identity_ids", "cultural_identity_notes"))
RISK = Part(RiskAssessmentInput, ("risk_level", "risk_factors", "risk_notes"))
PROGRAM = Part(ReferralInput, ("target_program_id",))
# Consent's names carry a prefix where the bare name would clash with another step's.
_CONSENT_NAMES: dict[str, Any] = {
    "prefix": "consent_",
    "bare": frozenset({"decline_reason_id", "follow_up_date"}),
}
_STATUS = "consent_status"
CONSENT = (
    Part(ConsentInput, ("status",), **_CONSENT_NAMES),
    *(
        Part(
            ConsentInput,
            asks,
            when=(_STATUS, answer.value),
            needed=frozenset(CONSENT_NEEDS[answer]),
            selects=frozenset({"method"}),
            **_CONSENT_NAMES,
        )
        for answer, asks in CONSENT_ASKS.items()
    ),
    Part(ConsentInput, ("notes",), **_CONSENT_NAMES),
)
START = Part(ServiceStart, ("commencement_date",), when=(_STATUS, ConsentStatus.OBTAINED.value))


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


# --------------------------------------------------------------------------------------------
# Checking a step: each step names the service's own check of what it asks for


Check = Callable[[Session, Principal, IntakeDraft, dict[str, Any]], dict[str, str]]


def _collect(run: Callable[[], object], errors: dict[str, str], parts: tuple[Part, ...]) -> Any:
    try:
        return run()
    except ValidationFailed as exc:
        errors.update(_renamed(parts, exc.errors))
    except NotFound as exc:
        errors.setdefault("__all__", exc.message)
    return None


def _checked_by(
    service_check: Callable[[Session, Principal, dict[str, object]], object],
    *parts: Part,
    blanks: bool = False,
) -> Check:
    """A step checked by the service's check of its input, its messages by the draft's names."""

    def check(
        session: Session, actor: Principal, draft: IntakeDraft, values: dict[str, Any]
    ) -> dict[str, str]:
        errors: dict[str, str] = {}
        data = _data(parts, values, blanks=blanks)
        _collect(lambda: service_check(session, actor, data), errors, parts)
        return errors

    return check


def _validated(model: type[BaseModel]) -> Callable[[Session, Principal, dict[str, object]], object]:
    return lambda _session, _actor, data: validate(model, data)


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


def _check_client_choice(
    session: Session, actor: Principal, draft: IntakeDraft, values: dict[str, Any]
) -> dict[str, str]:
    """Step 2: the client chosen (held on the draft) is still on the system, or "new"."""
    if draft.client_id is None:
        if _text(values, CLIENT_CHOICE) == NEW_CLIENT:
            return {}
        return {CLIENT_CHOICE: "Choose the matching client, or choose “This is a new client”"}
    try:
        require_client(session, actor, draft.client_id)
    except NotFound:
        return {CLIENT_CHOICE: GONE}
    return {}


def _check_client(
    session: Session, actor: Principal, draft: IntakeDraft, values: dict[str, Any]
) -> dict[str, str]:
    """Step 3: the client service's check, then a new client who is likely someone on record
    needs the worker's confirmation."""
    errors = _checked_by(check_client_details, *CLIENT)(session, actor, draft, values)
    if (
        not errors
        and not _ticked(values, NOT_DUPLICATE.name("not_duplicate"))
        and likely_duplicates(session, actor, draft, values)
    ):
        errors[NOT_DUPLICATE.name("not_duplicate")] = (
            "This person may already be a client: go back to step 2 to link them, or "
            "confirm they are a different person"
        )
    return errors


def _check_contacts(
    session: Session, actor: Principal, draft: IntakeDraft, values: dict[str, Any]
) -> dict[str, str]:
    """Step 4: each contact typed as the client service checks a new one; at least one,
    unless a linked client has some on record."""
    errors: dict[str, str] = {}
    filled = [part for part in CONTACTS[: contact_count(values)] if part.data(values)]
    for part in filled:
        errors |= _checked_by(check_emergency_contact, part)(session, actor, draft, values)
    if not filled and (draft.client_id is None or not existing_contacts(session, actor, draft)):
        errors[CONTACTS[0].name("name")] = "Add at least one emergency contact"
    return errors


def _check_program(
    session: Session, actor: Principal, draft: IntakeDraft, values: dict[str, Any]
) -> dict[str, str]:
    """Step 7: a program chosen, taking referrals for step 1's service type."""
    program = _text(values, PROGRAM.name("target_program_id"))
    if not program.isdigit():
        return {PROGRAM.name("target_program_id"): "Choose a program for this referral"}
    service_type = _text(values, "service_type_id")
    errors: dict[str, str] = {}
    _collect(
        lambda: check_program_matches_service_type(
            session, actor, int(program), int(service_type) if service_type.isdigit() else None
        ),
        errors,
        (PROGRAM,),
    )
    return errors


def _check_consent(
    session: Session, actor: Principal, draft: IntakeDraft, values: dict[str, Any]
) -> dict[str, str]:
    """Step 8: the consent as the referral service takes it; with consent obtained, the day
    service starts (not before the referral)."""
    errors = _checked_by(_validated(ConsentInput), *CONSENT)(session, actor, draft, values)
    if _text(values, _STATUS) == ConsentStatus.OBTAINED.value:
        starts = _as_date(_text(values, START.name("commencement_date")))
        referred = _as_date(_text(values, "referral_date"))
        if starts is None:
            errors[START.name("commencement_date")] = "Enter the date service starts"
        elif referred is not None and starts < referred:
            errors[START.name("commencement_date")] = (
                "Enter a start date on or after the referral date"
            )
    return errors


@dataclass(frozen=True)
class Step:
    number: int
    key: str
    title: str
    parts: tuple[Part, ...]
    check: Check

    def names(self) -> list[str]:
        """The step's field names, in the order of its screen (its error summary's order)."""
        return [part.name(key) for part in self.parts for key in part.fields]


STEPS: tuple[Step, ...] = (
    Step(1, "referral", "The referral", REFERRAL, _checked_by(check_referral, *REFERRAL)),
    Step(2, "lookup", "Find the client", (LOOKUP,), _check_client_choice),
    Step(3, "client", "Client details", (NOT_DUPLICATE, *CLIENT), _check_client),
    Step(4, "contacts", "Emergency contacts", CONTACTS, _check_contacts),
    Step(5, "identity", "Cultural identity", (IDENTITY,),
         _checked_by(check_cultural_identities, IDENTITY)),
    # Blank answers as None: a missing risk level is a choice not made.
    Step(6, "risk", "Risk assessment", (RISK,),
         _checked_by(_validated(RiskAssessmentInput), RISK, blanks=True)),
    Step(7, "program", "Program", (PROGRAM,), _check_program),
    Step(8, "consent", "Consent", (*CONSENT[:2], START, *CONSENT[2:]), _check_consent),
)  # fmt: skip
LAST_STEP = len(STEPS)
CHECK_STEP = LAST_STEP + 1  # "Check your answers", then finish
STEP_TITLES = {s.number: s.title for s in STEPS} | {CHECK_STEP: "Check your answers"}
STEP_KEYS = {s.key: s.number for s in STEPS}
RISK_STEP = STEP_KEYS["risk"]

# Step 2's answer: which client the intake is for. It is taken only from step 2's own form,
# through the audited read of that client, and held on the draft (``client_id`` and
# ``client_version``), never from a field kept as the worker types.
CLIENT_CHOICE = "client_choice"
NEW_CLIENT = "new"
GONE = "That client is no longer on the system (they may have been deleted); choose again"
CLIENT_FIELDS = tuple(STEPS[STEP_KEYS["client"] - 1].names())

# What the draft keeps, derived from the steps: their fields (a list of options as one
# checkbox each), which of them are checkboxes (a submit clears those it does not send) and
# dates (written out under their box).
PARTS = tuple(part for step in STEPS for part in step.parts)
_NAMED = [(part, key, part.name(key)) for part in PARTS for key in part.fields]
_DRAFT_FIELDS = frozenset({"contact_count"}) | {
    name for part, key, name in _NAMED if not part.many(key)
}
_OPTIONS = re.compile(
    "^(?:"
    + "|".join(re.escape(part.option_name(f, "")) for part, f, _n in _NAMED if part.many(f))
    + r")\d{1,9}$"
)
DATE_FIELDS = frozenset(name for part, key, name in _NAMED if part.spec(key).kind == Kind.DATE)
# A draft is the wizard's fields, not a free-form store: a few hundred keys and characters
# in the tens of thousands are far beyond any real intake.
MAX_VALUE_LENGTH = 10_000
MAX_DRAFT_KEYS = 200
MAX_DRAFT_CHARACTERS = 100_000


def is_draft_field(name: str) -> bool:
    """Only the wizard's own field names are kept: a draft is not a free-form store."""
    return name in _DRAFT_FIELDS or _OPTIONS.match(name) is not None


def step_of(number: int) -> Step | None:
    return STEPS[number - 1] if 1 <= number <= LAST_STEP else None


def _cleared_checkboxes(step: Step, values: dict[str, Any]) -> dict[str, str]:
    """A form leaves unticked checkboxes out: on submit they are cleared explicitly."""
    cleared: dict[str, str] = {}
    for part in step.parts:
        for key in part.fields:
            if part.many(key):
                stem = part.option_name(key, "")
                cleared |= {
                    name: "" for name in values if _OPTIONS.match(name) and name.startswith(stem)
                }
            elif part.spec(key).kind == Kind.CHECKBOX:
                cleared[part.name(key)] = ""
    return cleared


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


def _check_step(
    session: Session, actor: Principal, draft: IntakeDraft, step: Step, values: dict[str, Any]
) -> dict[str, str]:
    """The problems with what was typed for ``step`` (empty: the step is complete)."""
    if step.number in skipped_steps(actor, draft):
        return {}
    return step.check(session, actor, draft, values)


def _first_invalid_step(
    session: Session, actor: Principal, draft: IntakeDraft
) -> tuple[int, dict[str, str]]:
    """The first step that does not pass, with its problems; (0, {}) when all pass."""
    for step in STEPS:
        errors = _check_step(session, actor, draft, step, draft.values)
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
    # The inputs' own defaults (source, priority, gender), then the intake's.
    defaults = {
        name: default.value
        for part, key, name in _NAMED
        if isinstance(default := part.model.model_fields[key].default, Enum)
    }
    draft = IntakeDraft(
        owner_id=require_person(actor),
        values={
            **defaults,
            "referral_date": today,
            _STATUS: ConsentStatus.OBTAINED.value,
            START.name("commencement_date"): today,
            "contact_count": "1",
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
    for part in CONTACTS[count:]:
        changes |= {part.name(key): "" for key in part.fields}
    return save_values(session, actor, draft_id, changes)


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
    asked = step_of(step)
    if asked is None or step > draft.reached:
        raise ValidationFailed({"__all__": "Go through the steps in order"})
    values = {**draft.values, **_cleared_checkboxes(asked, draft.values), **_clean(form)}
    link_problem = None
    if asked.key == "lookup":
        values, link_problem = _choose_client(
            session, actor, draft, values, form.get(CLIENT_CHOICE)
        )
    errors = _check_step(session, actor, draft, asked, values)
    if link_problem:
        errors[CLIENT_CHOICE] = link_problem
    _keep(draft, values)
    if not errors:
        draft.step = _next_step(step, skipped_steps(actor, draft))
        draft.reached = max(draft.reached, draft.step)
    else:
        draft.step = step
    return draft, errors


def _from_record(actor: Principal) -> tuple[Part, ...]:
    """What a linked client's record fills in: their details and identities, and their risk
    for a worker who may see it."""
    steps = _LINKED if actor.can(Permission.CLIENT_VIEW_RISK) else _LINKED[:-1]
    return tuple(part for step in steps for part in step.parts)


_LINKED = tuple(STEPS[STEP_KEYS[key] - 1] for key in ("client", "identity", "risk"))


def _unlinked(values: dict[str, Any]) -> dict[str, Any]:
    """Values without what a linked client's record filled in."""
    filled = {name for step in _LINKED for name in step.names()}
    return {k: v for k, v in values.items() if k not in filled and not _OPTIONS.match(k)}


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
        return values, GONE
    filled = _unlinked(values)
    for part in _from_record(actor):
        for key in part.fields:
            if part.many(key):
                continue
            value = getattr(client, key, None)
            if isinstance(value, bool):
                value = "on" if value else ""
            filled[part.name(key)] = "" if value is None else str(value)
    for link in session.exec(
        select(ClientCulturalIdentity).where(ClientCulturalIdentity.client_id == client_id)
    ):
        filled[IDENTITY.option_name("identity_ids", link.cultural_identity_id)] = "on"
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
    for part in CONTACTS[: contact_count(values)]:
        if data := part.data(values):
            add_emergency_contact(session, actor, client.id, **data)
    set_cultural_identities(
        session,
        actor,
        client.id,
        IDENTITY.chosen("identity_ids", values),
        notes=_text(values, IDENTITY.name("cultural_identity_notes")),
    )
    if draft.client_id is not None and not skips_risk(actor, draft):
        risk = RISK.data(values, blanks=True)
        if any((getattr(client, name) or None) != value for name, value in risk.items()):
            assess_risk(session, actor, client.id, **risk)

    referral = create_referral(
        session,
        actor,
        **_data(REFERRAL, values),
        client_id=client.id,
        target_program_id=int(_text(values, PROGRAM.name("target_program_id"))),
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
        record_consent(session, actor, referral.id, **_data(CONSENT, values))
    except ValidationFailed as exc:
        raise StepInvalid(STEP_KEYS["consent"], _renamed(CONSENT, exc.errors)) from None
    enrolment: Enrolment | None = None
    if START.applies(values):
        starts = _as_date(_text(values, START.name("commencement_date")))
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
    details = _data(CLIENT, values)
    if draft.client_id is not None:
        if draft.client_version is None:
            raise StepInvalid(STEP_KEYS["lookup"], {CLIENT_CHOICE: "Choose the client again"})
        try:
            return update_client(
                session,
                actor,
                draft.client_id,
                expected_version=draft.client_version,
                **details,
            )
        except EditConflict as exc:
            raise StepInvalid(STEP_KEYS["client"], {"first_name": exc.message}) from None
    duplicates = likely_duplicates(session, actor, draft, values)
    client = create_client(session, actor, risk=RISK.data(values, blanks=True), **details)
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
