"""The referral workflow as data: statuses, the moves between them, who may make each move,
and the guards that must hold. No database code: services gather the facts, this module
decides. The referral board's columns and buttons are read from here, so a new move is one
line in ``MOVES``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from mtkcare.auth.permissions import Permission
from mtkcare.errors import InvalidTransition
from mtkcare.referrals.models import ReferralStatus

S = ReferralStatus


class Guard(StrEnum):
    PROGRAM_MATCHES_SERVICE = "program_matches_service"
    ACTIVE_STAFF_ASSIGNED = "active_staff_assigned"
    CONSENT_OBTAINED = "consent_obtained"
    CONSENT_DECLINED = "consent_declined"
    DECLINE_REASON_GIVEN = "decline_reason_given"
    FOLLOW_UP_DATE_SET = "follow_up_date_set"
    COMMENCEMENT_DATE_SET = "commencement_date_set"
    CLIENT_LINKED = "client_linked"


# What each guard tells staff when it does not hold.
GUARD_MESSAGES: dict[Guard, str] = {
    Guard.PROGRAM_MATCHES_SERVICE: "Choose a program that provides the referral's service type",
    Guard.ACTIVE_STAFF_ASSIGNED: "Assign a staff member whose account is active",
    Guard.CONSENT_OBTAINED: "Record the client's consent first",
    Guard.CONSENT_DECLINED: "Record that the client declined consent first",
    Guard.DECLINE_REASON_GIVEN: "Choose a reason for declining",
    Guard.FOLLOW_UP_DATE_SET: "Set a follow-up date that is today or later",
    Guard.COMMENCEMENT_DATE_SET: "Set the date service starts",
    Guard.CLIENT_LINKED: "Link the referral to a client first",
}


@dataclass(frozen=True)
class Move:
    source: ReferralStatus
    target: ReferralStatus
    label: str  # the button's words
    permission: Permission
    guards: tuple[Guard, ...] = ()


MOVES: tuple[Move, ...] = (
    # Initial assessment: meets criteria -> a program; does not -> declined with a reason.
    Move(S.PENDING, S.ASSESSED, "Accept and assign program", Permission.REFERRAL_DECIDE,
         (Guard.PROGRAM_MATCHES_SERVICE,)),
    Move(S.PENDING, S.DECLINED, "Decline", Permission.REFERRAL_DECIDE,
         (Guard.DECLINE_REASON_GIVEN,)),
    # Staff assignment, then consent is requested.
    Move(S.ASSESSED, S.AWAITING_CONSENT, "Assign staff and request consent",
         Permission.REFERRAL_ASSIGN, (Guard.ACTIVE_STAFF_ASSIGNED, Guard.CLIENT_LINKED)),
    Move(S.ASSESSED, S.DECLINED, "Decline", Permission.REFERRAL_DECIDE,
         (Guard.DECLINE_REASON_GIVEN,)),
    # Consent: obtained -> approved; pending -> follow-up; declined -> declined with reason.
    Move(S.AWAITING_CONSENT, S.APPROVED, "Consent obtained", Permission.CONSENT_RECORD,
         (Guard.CONSENT_OBTAINED,)),
    Move(S.AWAITING_CONSENT, S.FOLLOW_UP, "Consent pending: follow up", Permission.CONSENT_RECORD,
         (Guard.FOLLOW_UP_DATE_SET,)),
    Move(S.AWAITING_CONSENT, S.DECLINED, "Consent declined", Permission.CONSENT_RECORD,
         (Guard.CONSENT_DECLINED, Guard.DECLINE_REASON_GIVEN)),
    Move(S.FOLLOW_UP, S.AWAITING_CONSENT, "Request consent again", Permission.CONSENT_RECORD),
    Move(S.FOLLOW_UP, S.APPROVED, "Consent obtained", Permission.CONSENT_RECORD,
         (Guard.CONSENT_OBTAINED,)),
    Move(S.FOLLOW_UP, S.DECLINED, "Consent declined", Permission.CONSENT_RECORD,
         (Guard.CONSENT_DECLINED, Guard.DECLINE_REASON_GIVEN)),
    # Approved: schedule commencement, which creates the enrolment; service delivery begins.
    Move(S.APPROVED, S.ACTIVE, "Start service", Permission.ENROLMENT_MANAGE,
         (Guard.COMMENCEMENT_DATE_SET, Guard.CONSENT_OBTAINED)),
    Move(S.ACTIVE, S.CLOSED, "Close", Permission.ENROLMENT_MANAGE),
    Move(S.APPROVED, S.CLOSED, "Close without starting", Permission.REFERRAL_DECIDE),
)  # fmt: skip

# The board's columns, in order (every status appears once).
BOARD_COLUMNS: tuple[ReferralStatus, ...] = (
    S.PENDING, S.ASSESSED, S.AWAITING_CONSENT, S.FOLLOW_UP, S.APPROVED, S.ACTIVE,
    S.DECLINED, S.CLOSED,
)  # fmt: skip

STATUS_LABELS: dict[ReferralStatus, str] = {
    S.PENDING: "New",
    S.ASSESSED: "Assessed",
    S.AWAITING_CONSENT: "Awaiting consent",
    S.FOLLOW_UP: "Follow-up",
    S.APPROVED: "Approved",
    S.ACTIVE: "In service",
    S.DECLINED: "Declined",
    S.CLOSED: "Closed",
}

FINAL_STATUSES = frozenset({S.DECLINED, S.CLOSED})
# The design document's "active referrals" query counts these as open work.
OPEN_STATUSES = frozenset(set(S) - FINAL_STATUSES)


@dataclass(frozen=True)
class ReferralFacts:
    """What the guards look at, gathered by the service from the database."""

    program_matches_service: bool = False
    active_staff_assigned: bool = False
    consent_obtained: bool = False
    consent_declined: bool = False
    decline_reason_given: bool = False
    follow_up_date: date | None = None
    commencement_date: date | None = None
    client_linked: bool = False
    today: date | None = None

    def holds(self, guard: Guard) -> bool:
        if guard == Guard.FOLLOW_UP_DATE_SET:
            return self.follow_up_date is not None and (
                self.today is None or self.follow_up_date >= self.today
            )
        if guard == Guard.COMMENCEMENT_DATE_SET:
            return self.commencement_date is not None
        return bool(getattr(self, guard.value))


def moves_from(status: str) -> list[Move]:
    return [m for m in MOVES if m.source == status]


def find_move(source: str, target: str) -> Move:
    for move in MOVES:
        if move.source == source and move.target == target:
            return move
    raise InvalidTransition(
        f"A referral that is {STATUS_LABELS.get(S(source), source).lower()} cannot become "
        f"{STATUS_LABELS.get(S(target), target).lower()}"
        if source in S.__members__ and target in S.__members__
        else f"Unknown referral status move {source} -> {target}"
    )


def unmet_guards(move: Move, facts: ReferralFacts) -> list[str]:
    """The messages of the guards that do not hold (empty: the move may happen)."""
    return [GUARD_MESSAGES[g] for g in move.guards if not facts.holds(g)]


def check_move(source: str, target: str, facts: ReferralFacts) -> Move:
    """The move, if it is allowed and all its guards hold; else InvalidTransition saying why."""
    move = find_move(source, target)
    problems = unmet_guards(move, facts)
    if problems:
        raise InvalidTransition("; ".join(problems))
    return move
