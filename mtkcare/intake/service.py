"""The intake wizard's business rules: drafts kept on the server, each step checked on the
server, and finishing as one transaction (client, contacts, identities, risk, referral,
consent, enrolment, each with its audit rows).

A draft holds what the worker typed, as typed, keyed by form field name. Each step's check
turns those strings into the same validated inputs the client and referral services use, so
the wizard and every later screen apply one set of rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, col, select

from mtkcare import dates
from mtkcare.audit.models import AuditAction
from mtkcare.audit.service import record_event, record_shown
from mtkcare.auth.access import reads, require_person, service
from mtkcare.auth.permissions import Permission
from mtkcare.auth.service import Principal
from mtkcare.clients.duplicates import (
    DuplicateCandidate,
    find_likely_duplicates,
    search_clients,
)
from mtkcare.clients.models import Client, ClientCulturalIdentity
from mtkcare.clients.service import (
    add_emergency_contact,
    assess_risk,
    create_client,
    load_client_for,
    set_cultural_identities,
    update_client,
)
from mtkcare.db import utcnow
from mtkcare.errors import EditConflict, NotFound, ValidationFailed
from mtkcare.intake.models import IntakeDraft
from mtkcare.intake.steps import (
    CLIENT,
    CLIENT_CHOICE,
    CONSENT,
    CONSENT_STATUS,
    CONTACTS,
    GONE,
    IDENTITY,
    MAX_CONTACTS,
    MAX_DRAFT_CHARACTERS,
    MAX_DRAFT_KEYS,
    MAX_VALUE_LENGTH,
    NAMED,
    NEW_CLIENT,
    OPTION_FIELD,
    PROGRAM,
    REFERRAL,
    RISK,
    START,
    STEP_KEYS,
    STEP_TITLES,
    STEPS,
    Part,
    StepInvalid,
    as_date,
    check_step,
    cleared_checkboxes,
    contact_count,
    data_of,
    first_invalid_step,
    is_draft_field,
    likely_duplicates,
    next_step,
    renamed,
    skipped_steps,
    skips_risk,
    step_of,
    text_of,
)
from mtkcare.programs.models import Enrolment
from mtkcare.referrals.models import ConsentStatus, ReferralStatus
from mtkcare.referrals.moves import move_referral
from mtkcare.referrals.service import create_referral, record_consent

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
    if shown:
        typed = {"name": name, "born": born, "phone": phone, "email": email}
        record_shown(
            session,
            "Client",
            user_id=actor.user_id,
            what="intake look-up",
            query={k: v for k, v in typed.items() if v},
            ids=[c.client_id for c in shown],
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
    name = " ".join(p for p in (text_of(values, "first_name"), text_of(values, "last_name")) if p)
    if name:
        return name[:200]
    reason = text_of(values, "reason")
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
    today = dates.today().isoformat()
    # The inputs' own defaults (source, priority, gender), then the intake's.
    defaults = {
        name: default.value
        for part, key, name in NAMED
        if isinstance(default := part.model.model_fields[key].default, Enum)
    }
    draft = IntakeDraft(
        owner_id=require_person(actor),
        values={
            **defaults,
            "referral_date": today,
            CONSENT_STATUS: ConsentStatus.OBTAINED.value,
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
    values = {**draft.values, **cleared_checkboxes(asked, draft.values), **_clean(form)}
    link_problem = None
    if asked.key == "lookup":
        values, link_problem = _choose_client(
            session, actor, draft, values, form.get(CLIENT_CHOICE)
        )
    errors = check_step(session, actor, draft, asked, values)
    if link_problem:
        errors[CLIENT_CHOICE] = link_problem
    _keep(draft, values)
    if not errors:
        draft.step = next_step(step, skipped_steps(actor, draft))
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
    return {k: v for k, v in values.items() if k not in filled and not OPTION_FIELD.match(k)}


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


@service(
    Permission.REFERRAL_CREATE,
    Permission.REFERRAL_ACCEPT,
    Permission.REFERRAL_ASSIGN,
    Permission.CONSENT_RECORD,
)
def finish_intake(session: Session, actor: Principal, draft_id: int) -> IntakeOutcome:
    """Everything in one transaction; any problem saves nothing and keeps the draft."""
    draft = get_draft_for(session, actor, draft_id)
    values = dict(draft.values)
    step, errors = first_invalid_step(session, actor, draft)
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
        notes=text_of(values, IDENTITY.name("cultural_identity_notes")),
    )
    if draft.client_id is not None and not skips_risk(actor, draft):
        risk = RISK.data(values, blanks=True)
        if any((getattr(client, name) or None) != value for name, value in risk.items()):
            assess_risk(session, actor, client.id, **risk)

    program_id = int(text_of(values, PROGRAM.name("target_program_id")))
    referral = create_referral(session, actor, **data_of(REFERRAL, values), client_id=client.id)
    assert referral.id is not None
    # The onboarding flow's moves, each its own row in the referral's history, made by the
    # intake worker through the one move service (their role holds these moves' permissions).
    try:
        move_referral(
            session,
            actor,
            referral.id,
            ReferralStatus.ASSESSED,
            expected_version=referral.version,
            target_program_id=program_id,
        )
        move_referral(
            session,
            actor,
            referral.id,
            ReferralStatus.AWAITING_CONSENT,
            expected_version=referral.version,
            assigned_staff_id=actor.user_id,
        )
    except ValidationFailed as exc:
        raise StepInvalid(
            STEP_KEYS["program"],
            {PROGRAM.name("target_program_id"): _as_the_worker(exc)},
        ) from None
    consent: dict[str, Any] = data_of(CONSENT, values)
    try:
        record_consent(session, actor, referral.id, expected_version=referral.version, **consent)
    except ValidationFailed as exc:
        raise StepInvalid(STEP_KEYS["consent"], renamed(CONSENT, exc.errors)) from None
    enrolment: Enrolment | None = None
    if START.applies(values):
        starts = as_date(text_of(values, START.name("commencement_date")))
        assert starts is not None
        move_referral(
            session,
            actor,
            referral.id,
            ReferralStatus.ACTIVE,
            expected_version=referral.version,
            commencement_date=starts,
        )
        enrolment = session.exec(
            select(Enrolment).where(Enrolment.referral_id == referral.id)
        ).one()

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


def _as_the_worker(exc: ValidationFailed) -> str:
    """The move's refusal, said to the intake worker who would become the client's worker."""
    messages = list(exc.errors.values())
    if "assigned_staff_id" in exc.errors:
        return (
            f"You would become this client's worker ({exc.errors['assigned_staff_id']}). "
            "Ask a team lead to add you to the program's team, or choose another program"
        )
    return "; ".join(messages)


def _save_client(
    session: Session, actor: Principal, draft: IntakeDraft, values: dict[str, Any]
) -> Client:
    details = data_of(CLIENT, values)
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
