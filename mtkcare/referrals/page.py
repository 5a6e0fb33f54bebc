"""What the referral page (``/referrals/view``) shows, read for one user: the referral's
details, its client, the status timeline from the history, consent records, notes, and the
moves this user may make now with the choices their forms offer. Opening the page is
authorised (``moves.require_referral``: the user's programs) and audited once; the views are
small typed rows chosen for the browser, never table rows."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, func, select

from mtkcare import dates
from mtkcare.audit.models import AuditAction
from mtkcare.audit.service import record_event
from mtkcare.auth.access import reads, service
from mtkcare.auth.permissions import Permission
from mtkcare.auth.service import Principal
from mtkcare.clients.models import Client
from mtkcare.errors import NotFound
from mtkcare.fields import SENSITIVE, Kind, field, spec
from mtkcare.programs.models import Program, ProgramTeamMember
from mtkcare.reference.models import DeclineReason, ServiceType
from mtkcare.referrals.duplicate_check import NO_DUPLICATE, PossibleDuplicate, possible_duplicate
from mtkcare.referrals.models import (
    ConsentRecord,
    Referral,
    ReferralNote,
    ReferralStatusHistory,
)
from mtkcare.referrals.moves import moves_for, require_referral, visible
from mtkcare.referrals.service import ConsentInput, ReferralInput
from mtkcare.referrals.workflow import OPEN_STATUSES, OVERRIDES, status_label
from mtkcare.users.models import User
from mtkcare.validation import Input, validate

OVERRIDE_WORDS = {o.name: o.words for o in OVERRIDES.values()}


@dataclass(frozen=True)
class MoveChoice:
    target: str
    label: str
    target_label: str


def move_choices(actor: Principal, status: str) -> list[MoveChoice]:
    """The moves from ``status`` this user's role may make, as buttons and menus show them."""
    return [
        MoveChoice(m.target.value, m.label, status_label(m.target))
        for m in moves_for(actor, status)
    ]


@dataclass(frozen=True)
class TimelineLine:
    when: str
    ago: str
    words: str
    reason: str
    note: str
    override: str


@dataclass(frozen=True)
class ConsentLine:
    status: str
    method: str
    scope: str
    recorded: str
    expires: str


@dataclass(frozen=True)
class NoteLine:
    text: str
    by: str
    when: str


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class ReferralPage:
    id: int
    tracking_id: str
    version: int
    status: str
    status_label: str
    is_open: bool
    client_id: int
    client_name: str
    program_id: int
    program_name: str
    service_type: str
    worker: str
    priority: str
    source: str
    referrer: str
    external_reference: str
    partner_consent: str  # what the referring organisation says ("" when it said nothing)
    referral_date: str
    received: str
    reason: str
    follow_up_date: str
    commencement_date: str
    consent: str
    decline: str
    timeline: list[TimelineLine]
    consents: list[ConsentLine]
    notes: list[NoteLine]
    moves: list[MoveChoice]
    # "Possible duplicate — check" (referrals/duplicate_check.py), when flagged.
    duplicate: PossibleDuplicate = NO_DUPLICATE


def _choice_words(model: type[Input], name: str, value: str | None) -> str:
    if value is None:
        return ""
    return dict(spec(model, name).choices).get(value, value)


def _names(session: Session, user_ids: set[int | None]) -> dict[int, str]:
    ids = [i for i in user_ids if i is not None]
    if not ids:
        return {}
    return {
        uid: f"{first} {last}"
        for uid, first, last in session.exec(
            select(User.id, User.first_name, User.last_name).where(col(User.id).in_(ids))
        ).all()
        if uid is not None
    }


def _timeline(session: Session, referral_id: int, names: dict[int, str]) -> list[TimelineLine]:
    rows = session.exec(
        select(ReferralStatusHistory)
        .where(ReferralStatusHistory.referral_id == referral_id)
        .order_by(
            col(ReferralStatusHistory.changed_at).desc(), col(ReferralStatusHistory.id).desc()
        )
    ).all()
    lines = []
    for h in rows:
        who = names.get(h.changed_by or -1, "MTK Care")
        words = (
            f"{who} recorded it as {status_label(h.to_status).lower()}"
            if h.from_status is None
            else f"{who} moved it from {status_label(h.from_status)} to {status_label(h.to_status)}"
        )
        override = ""
        if h.overrides:
            rules = ", ".join(OVERRIDE_WORDS.get(o, o) for o in h.overrides.split(","))
            override = f"Set aside {rules}: {h.override_reason or ''}"
        lines.append(
            TimelineLine(
                when=dates.moment(h.changed_at),
                ago=dates.ago(h.changed_at),
                words=words,
                reason=h.reason or "",
                note=h.note or "",
                override=override,
            )
        )
    return lines


def _page(
    session: Session, actor: Principal, referral: Referral, *, opened: bool = False
) -> ReferralPage:
    assert referral.id is not None
    client = session.get(Client, referral.client_id) if referral.client_id else None
    program = (
        session.get(Program, referral.target_program_id) if referral.target_program_id else None
    )
    service_type = (
        session.get(ServiceType, referral.service_type_id) if referral.service_type_id else None
    )
    decline = (
        session.get(DeclineReason, referral.decline_reason_id)
        if referral.decline_reason_id
        else None
    )
    consents = session.exec(
        select(ConsentRecord)
        .where(ConsentRecord.referral_id == referral.id)
        .order_by(col(ConsentRecord.id).desc())
    ).all()
    notes = session.exec(
        select(ReferralNote)
        .where(ReferralNote.referral_id == referral.id)
        .order_by(col(ReferralNote.id).desc())
    ).all()
    people: set[int | None] = {referral.assigned_staff_id}
    people |= {n.created_by for n in notes} | {c.recorded_by for c in consents}
    people |= set(
        session.exec(
            select(ReferralStatusHistory.changed_by).where(
                ReferralStatusHistory.referral_id == referral.id
            )
        ).all()
    )
    names = _names(session, people)
    client_name = ""
    if client is not None:
        client_name = client.full_name + (" (deleted)" if client.is_deleted else "")
    return ReferralPage(
        id=referral.id,
        tracking_id=referral.tracking_id,
        version=referral.version,
        status=referral.status,
        status_label=status_label(referral.status),
        is_open=referral.status in OPEN_STATUSES,
        client_id=client.id if client is not None and client.id else 0,
        client_name=client_name,
        program_id=program.id if program is not None and program.id else 0,
        program_name=program.name if program is not None else "",
        service_type=service_type.label if service_type is not None else "",
        worker=names.get(referral.assigned_staff_id or -1, ""),
        priority=_choice_words(ReferralInput, "priority", referral.priority),
        source=_choice_words(ReferralInput, "source", referral.source),
        referrer=", ".join(
            p
            for p in (referral.referrer_name, referral.referrer_email, referral.referrer_phone)
            if p
        ),
        external_reference=referral.external_reference or "",
        partner_consent=(
            ""
            if referral.partner_reports_consent is None
            else "Yes, they say"
            if referral.partner_reports_consent
            else "No, they say"
        ),
        referral_date=dates.day(referral.referral_date),
        received=dates.moment(referral.created_at),
        reason=referral.reason,
        follow_up_date=dates.day(referral.follow_up_date),
        commencement_date=dates.day(referral.commencement_date),
        consent="Required" if referral.consent_required else "Not required for this service",
        decline=(decline.label if decline else "")
        + (f": {referral.decline_notes}" if referral.decline_notes else ""),
        timeline=_timeline(session, referral.id, names),
        consents=[
            ConsentLine(
                status=_choice_words(ConsentInput, "status", c.status),
                method=_choice_words(ConsentInput, "method", c.method),
                scope=c.scope or "",
                recorded=f"{names.get(c.recorded_by or -1, 'MTK Care')}, {dates.moment(c.created_at)}",
                expires=dates.day(c.expires_on),
            )
            for c in consents
        ],
        notes=[
            NoteLine(
                text=n.text,
                by=names.get(n.created_by or -1, "MTK Care"),
                when=dates.moment(n.created_at),
            )
            for n in notes
        ],
        moves=move_choices(actor, referral.status),
        duplicate=possible_duplicate(session, actor, referral, audit=opened),
    )


@reads(Permission.REFERRAL_VIEW)
def find_referral_id(session: Session, actor: Principal, tracking_id: str) -> int:
    """A referral's id from its tracking id (as staff read it out: any case, spaces ignored),
    if this user may see it."""
    wanted = "".join(tracking_id.split()).upper()
    found = session.exec(
        select(Referral.id).where(Referral.tracking_id == wanted, visible(session, actor))
    ).first()
    if found is None:
        raise NotFound(f"There is no referral {wanted} that you can see")
    return found


@reads(Permission.REFERRAL_VIEW)
def open_referral(session: Session, actor: Principal, referral_id: int) -> ReferralPage:
    """The page as it opens: authorised (the user's programs) and audited (one VIEW row)."""
    referral = require_referral(session, actor, referral_id)
    record_event(
        session, AuditAction.VIEW, "Referral", user_id=actor.user_id, resource_id=referral_id
    )
    return _page(session, actor, referral, opened=True)


@reads(Permission.REFERRAL_VIEW)
def reread_referral(session: Session, actor: Principal, referral_id: int) -> ReferralPage:
    """The page again after a change made on it (already opened and audited)."""
    return _page(session, actor, require_referral(session, actor, referral_id))


# --------------------------------------------------------------------------------------------
# What a move's form offers


@reads(Permission.REFERRAL_VIEW)
def program_options(session: Session, actor: Principal, referral_id: int) -> list[Option]:
    """Programs taking referrals for the referral's service type."""
    referral = require_referral(session, actor, referral_id)
    return [
        Option(str(p.id), p.name)
        for p in session.exec(
            select(Program)
            .where(Program.service_type_id == referral.service_type_id, Program.is_active)
            .order_by(col(Program.name))
        )
    ]


@reads(Permission.REFERRAL_VIEW)
def staff_options(
    session: Session, actor: Principal, referral_id: int, program_id: int | None = None
) -> list[Option]:
    """The active members of the (referral's) program's team, with their open caseload."""
    referral = require_referral(session, actor, referral_id)
    program = program_id or referral.target_program_id
    if program is None:
        return []
    load = dict(
        session.exec(
            select(Referral.assigned_staff_id, func.count())
            .where(
                Referral.target_program_id == program,
                col(Referral.status).in_([s.value for s in OPEN_STATUSES]),
                col(Referral.assigned_staff_id).is_not(None),
            )
            .group_by(col(Referral.assigned_staff_id))
        ).all()
    )
    rows = session.exec(
        select(User.id, User.first_name, User.last_name, ProgramTeamMember.caseload_limit)
        .join(ProgramTeamMember, col(ProgramTeamMember.user_id) == col(User.id))
        .where(ProgramTeamMember.program_id == program, User.is_active)
        .order_by(col(User.first_name), col(User.last_name))
    ).all()
    return [
        Option(str(uid), f"{first} {last} ({load.get(uid, 0)} open of {limit})")
        for uid, first, last, limit in rows
    ]


@reads(Permission.REFERRAL_VIEW)
def move_form_choices(
    session: Session, actor: Principal, referral_id: int, asks: tuple[str, ...]
) -> tuple[list[Option], list[Option], list[Option]]:
    """What a move's form offers for the fields it asks: programs, staff, decline reasons."""
    return (
        program_options(session, actor, referral_id) if "target_program_id" in asks else [],
        staff_options(session, actor, referral_id) if "assigned_staff_id" in asks else [],
        decline_options(session, actor) if "decline_reason_id" in asks else [],
    )


@reads(Permission.REFERRAL_VIEW)
def decline_options(session: Session, actor: Principal) -> list[Option]:
    return [
        Option(str(r.id), r.label)
        for r in session.exec(
            select(DeclineReason)
            .where(DeclineReason.is_active)
            .order_by(col(DeclineReason.sort_order), col(DeclineReason.label))
        )
    ]


# --------------------------------------------------------------------------------------------
# Notes


class NoteInput(Input):
    text: str = field(
        "Note",
        hint="What happened or what the team should know; kept with the referral",
        kind=Kind.TEXTAREA,
        min_length=1,
        max_length=5000,
        privacy=SENSITIVE,
    )


# Notes are written by those who work referrals (intake workers, case workers, team leads).
@service(Permission.REFERRAL_CREATE)
def add_referral_note(
    session: Session, actor: Principal, referral_id: int, **data: object
) -> ReferralNote:
    details = validate(NoteInput, data)
    referral = require_referral(session, actor, referral_id)
    note = ReferralNote(referral_id=referral.id, text=details.text)  # type: ignore[arg-type]
    session.add(note)
    session.flush()
    return note
