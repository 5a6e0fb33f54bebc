"""The intake wizard's steps as data: what each asks for (parts of the service inputs, as
the draft names their fields and the screen lays them out), the service check it calls, and
what the draft may hold, all derived from the declarations (``mtkcare.fields``)."""

from __future__ import annotations

import re
import typing
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, col, select

from mtkcare.audit.service import record_shown
from mtkcare.auth.access import reads
from mtkcare.auth.permissions import Permission
from mtkcare.auth.service import Principal
from mtkcare.clients.duplicates import (
    DuplicateCandidate,
    find_likely_duplicates,
)
from mtkcare.clients.models import Client, ClientEmergencyContact
from mtkcare.clients.service import (
    ClientDetails,
    CulturalIdentityInput,
    EmergencyContactInput,
    RiskAssessmentInput,
    check_client_details,
    check_cultural_identities,
    check_emergency_contact,
    require_client,
)
from mtkcare.errors import NotFound, ValidationFailed
from mtkcare.fields import IDENTIFYING, FieldSpec, Kind, Layout, field, names, placed_in, specs
from mtkcare.intake.models import IntakeDraft
from mtkcare.programs.service import check_program_matches_service_type
from mtkcare.referrals.models import ConsentStatus, ReferralSource
from mtkcare.referrals.service import (
    CONSENT_ASKS,
    CONSENT_NEEDS,
    ConsentInput,
    ReferralInput,
    check_referral,
)
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

    def __post_init__(self) -> None:
        where = f"intake: {self.title or self.model.__name__}"
        placed_in(where, self.model, self.layout)
        if self.reviewed:
            placed_in("intake: check your answers", self.model, self.layout, shows=True)

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
        return self.when is None or text_of(values, self.when[0]) == self.when[1]

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


def data_of(parts: tuple[Part, ...], values: dict[str, Any], **how: bool) -> dict[str, object]:
    return {k: v for part in parts for k, v in part.data(values, **how).items()}


def renamed(parts: tuple[Part, ...], errors: dict[str, str]) -> dict[str, str]:
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
            "preferred_contact_method",
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
CONSENT_STATUS = "consent_status"
CONSENT = (
    Part(ConsentInput, ("status",), **_CONSENT_NAMES),
    *(
        Part(
            ConsentInput,
            asks,
            when=(CONSENT_STATUS, answer.value),
            needed=frozenset(CONSENT_NEEDS[answer]),
            selects=frozenset({"method"}),
            **_CONSENT_NAMES,
        )
        for answer, asks in CONSENT_ASKS.items()
    ),
    Part(ConsentInput, ("notes",), **_CONSENT_NAMES),
)
START = Part(
    ServiceStart, ("commencement_date",), when=(CONSENT_STATUS, ConsentStatus.OBTAINED.value)
)


# --------------------------------------------------------------------------------------------
# Reading what was typed


def text_of(values: dict[str, Any], name: str) -> str:
    value = values.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def _optional(values: dict[str, Any], name: str) -> str | None:
    return text_of(values, name) or None


def _ticked(values: dict[str, Any], name: str) -> bool:
    return text_of(values, name) in {"on", "true", "yes"}


def as_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def contact_count(values: dict[str, Any]) -> int:
    raw = text_of(values, "contact_count")
    return max(1, min(int(raw), MAX_CONTACTS)) if raw.isdigit() else 1


# --------------------------------------------------------------------------------------------
# Checking a step: each step names the service's own check of what it asks for


Check = Callable[[Session, Principal, IntakeDraft, dict[str, Any]], dict[str, str]]


def _collect(run: Callable[[], object], errors: dict[str, str], parts: tuple[Part, ...]) -> Any:
    try:
        return run()
    except ValidationFailed as exc:
        errors.update(renamed(parts, exc.errors))
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
        data = data_of(parts, values, blanks=blanks)
        _collect(lambda: service_check(session, actor, data), errors, parts)
        return errors

    return check


def _validated(model: type[BaseModel]) -> Callable[[Session, Principal, dict[str, object]], object]:
    return lambda _session, _actor, data: validate(model, data)


@reads(Permission.CLIENT_VIEW)
def likely_duplicates(
    session: Session, actor: Principal, draft: IntakeDraft, values: dict[str, Any]
) -> list[DuplicateCandidate]:
    """Existing clients who are likely the person typed in step 3 (new clients only). Those
    found are audited as shown (the worker sees them in step 3)."""
    first, last = text_of(values, "first_name"), text_of(values, "last_name")
    if not first or not last or draft.client_id is not None:
        return []
    born = as_date(text_of(values, "date_of_birth"))
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
    if found:
        record_shown(
            session,
            "Client",
            user_id=actor.user_id,
            what="intake duplicate check",
            query={k: v for k, v in {**typed, "phone": phone, "email": email}.items() if v},
            ids=[c.client_id for c in found],
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
        if text_of(values, CLIENT_CHOICE) == NEW_CLIENT:
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
    program = text_of(values, PROGRAM.name("target_program_id"))
    if not program.isdigit():
        return {PROGRAM.name("target_program_id"): "Choose a program for this referral"}
    service_type = text_of(values, "service_type_id")
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
    if text_of(values, CONSENT_STATUS) == ConsentStatus.OBTAINED.value:
        starts = as_date(text_of(values, START.name("commencement_date")))
        referred = as_date(text_of(values, "referral_date"))
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
NAMED = [(part, key, part.name(key)) for part in PARTS for key in part.fields]
_DRAFT_FIELDS = frozenset({"contact_count"}) | {
    name for part, key, name in NAMED if not part.many(key)
}
OPTION_FIELD = re.compile(
    "^(?:"
    + "|".join(re.escape(part.option_name(f, "")) for part, f, _n in NAMED if part.many(f))
    + r")\d{1,9}$"
)
DATE_FIELDS = frozenset(name for part, key, name in NAMED if part.spec(key).kind == Kind.DATE)
# A draft is the wizard's fields, not a free-form store: a few hundred keys and characters
# in the tens of thousands are far beyond any real intake.
MAX_VALUE_LENGTH = 10_000
MAX_DRAFT_KEYS = 200
MAX_DRAFT_CHARACTERS = 100_000


def is_draft_field(name: str) -> bool:
    """Only the wizard's own field names are kept: a draft is not a free-form store."""
    return name in _DRAFT_FIELDS or OPTION_FIELD.match(name) is not None


def step_of(number: int) -> Step | None:
    return STEPS[number - 1] if 1 <= number <= LAST_STEP else None


def cleared_checkboxes(step: Step, values: dict[str, Any]) -> dict[str, str]:
    """A form leaves unticked checkboxes out: on submit they are cleared explicitly."""
    cleared: dict[str, str] = {}
    for part in step.parts:
        for key in part.fields:
            if part.many(key):
                stem = part.option_name(key, "")
                cleared |= {
                    name: ""
                    for name in values
                    if OPTION_FIELD.match(name) and name.startswith(stem)
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


def next_step(step: int, skipped: frozenset[int]) -> int:
    step += 1
    while step in skipped:
        step += 1
    return step


@reads(Permission.REFERRAL_CREATE)
def check_step(
    session: Session, actor: Principal, draft: IntakeDraft, step: Step, values: dict[str, Any]
) -> dict[str, str]:
    """The problems with what was typed for ``step`` (empty: the step is complete)."""
    if step.number in skipped_steps(actor, draft):
        return {}
    return step.check(session, actor, draft, values)


@reads(Permission.REFERRAL_CREATE)
def first_invalid_step(
    session: Session, actor: Principal, draft: IntakeDraft
) -> tuple[int, dict[str, str]]:
    """The first step that does not pass, with its problems; (0, {}) when all pass."""
    for step in STEPS:
        errors = check_step(session, actor, draft, step, draft.values)
        if errors:
            return step.number, errors
    return 0, {}
