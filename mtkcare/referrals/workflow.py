"""The referral workflow as data: statuses, the moves between them, who may make each move,
what each move asks for, and the guards that must hold. No database code: the move service
(``referrals/moves.py``) gathers the facts, this module decides. The board's columns, its
"Move to…" menus and the referral page's buttons are read from here, so a new move is one
line in ``MOVES``.

Two guards may be set aside by a user holding the guard's override permission who gives a
reason (``OVERRIDES``): approving without obtained consent, and assigning someone at their
caseload limit. The move service records the override and its reason in the status history.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from enum import StrEnum

from mtkcare.auth.permissions import Permission
from mtkcare.errors import InvalidTransition
from mtkcare.referrals.models import ReferralStatus

S = ReferralStatus
P = Permission


class Guard(StrEnum):
    PROGRAM_MATCHES_SERVICE = "program_matches_service"
    STAFF_ACTIVE = "staff_active"
    STAFF_IN_TEAM = "staff_in_team"
    STAFF_HAS_ROOM = "staff_has_room"
    CLIENT_LINKED = "client_linked"
    CONSENT_OBTAINED = "consent_obtained"
    CONSENT_DECLINED = "consent_declined"
    DECLINE_REASON_GIVEN = "decline_reason_given"
    FOLLOW_UP_DATE_SET = "follow_up_date_set"
    COMMENCEMENT_DATE_SET = "commencement_date_set"
    WITHDRAWAL_EXPLAINED = "withdrawal_explained"
    REASON_GIVEN = "reason_given"
    WITHIN_REOPEN_WINDOW = "within_reopen_window"


# What each guard tells staff when it does not hold ({names} are ReferralFacts fields).
GUARD_MESSAGES: dict[Guard, str] = {
    Guard.PROGRAM_MATCHES_SERVICE: "Choose a program that provides the referral's service type",
    Guard.STAFF_ACTIVE: "Assign a staff member whose account is active",
    Guard.STAFF_IN_TEAM: "Assign a member of the program's team",
    Guard.STAFF_HAS_ROOM: (
        "{staff_name} has reached their caseload limit of {caseload_limit} in this program: "
        "choose someone else"
    ),
    Guard.CLIENT_LINKED: "Link the referral to a client first",
    Guard.CONSENT_OBTAINED: "Record the client's consent first",
    Guard.CONSENT_DECLINED: "Record that the client declined consent first",
    Guard.DECLINE_REASON_GIVEN: "Choose a reason for declining",
    Guard.FOLLOW_UP_DATE_SET: "Set a follow-up date that is today or later",
    Guard.COMMENCEMENT_DATE_SET: "Set the date service starts",
    Guard.WITHDRAWAL_EXPLAINED: "Say who withdrew the referral and why",
    Guard.REASON_GIVEN: "Give a reason",
    Guard.WITHIN_REOPEN_WINDOW: (
        "Only a referral closed in the last {reopen_days} days can be reopened"
    ),
}

# The input each guard is about: its message is shown next to that field of the move's form
# ("status" when the move has no field for it).
GUARD_FIELDS: dict[Guard, str] = {
    Guard.PROGRAM_MATCHES_SERVICE: "target_program_id",
    Guard.STAFF_ACTIVE: "assigned_staff_id",
    Guard.STAFF_IN_TEAM: "assigned_staff_id",
    Guard.STAFF_HAS_ROOM: "assigned_staff_id",
    Guard.DECLINE_REASON_GIVEN: "decline_reason_id",
    Guard.FOLLOW_UP_DATE_SET: "follow_up_date",
    Guard.COMMENCEMENT_DATE_SET: "commencement_date",
    Guard.WITHDRAWAL_EXPLAINED: "reason",
    Guard.REASON_GIVEN: "reason",
}


# The inputs each guard reads: a move's form marks these as needed (not "optional").
GUARD_INPUTS: dict[Guard, tuple[str, ...]] = {
    Guard.PROGRAM_MATCHES_SERVICE: ("target_program_id",),
    Guard.STAFF_ACTIVE: ("assigned_staff_id",),
    Guard.DECLINE_REASON_GIVEN: ("decline_reason_id",),
    Guard.FOLLOW_UP_DATE_SET: ("follow_up_date",),
    Guard.COMMENCEMENT_DATE_SET: ("commencement_date",),
    Guard.WITHDRAWAL_EXPLAINED: ("withdrawn_by", "reason"),
    Guard.REASON_GIVEN: ("reason",),
}


@dataclass(frozen=True)
class Override:
    permission: Permission
    name: str  # kept in the status history's ``overrides``
    hint: str  # added to the guard's message for a user who may override
    words: str  # what was set aside, in the referral's timeline


OVERRIDES: dict[Guard, Override] = {
    Guard.CONSENT_OBTAINED: Override(
        P.REFERRAL_OVERRIDE_CONSENT,
        "consent",
        "or, as you may approve without consent, give the reason in 'Override reason'",
        "the consent rule",
    ),
    Guard.STAFF_HAS_ROOM: Override(
        P.REFERRAL_OVERRIDE_CASELOAD,
        "caseload",
        "or, as a team lead, give the reason to go over the limit in 'Override reason'",
        "the caseload limit",
    ),
}


@dataclass(frozen=True)
class Move:
    source: ReferralStatus
    target: ReferralStatus
    label: str  # the button's words
    permission: Permission
    guards: tuple[Guard, ...] = ()
    # The move form's fields (names of ``moves.MoveInput``), in order; none: no dialog.
    asks: tuple[str, ...] = ()

    @property
    def needs_input(self) -> bool:
        return any(name != "note" for name in self.asks)

    @property
    def required(self) -> tuple[str, ...]:
        """The asked inputs its guards read (the rest of its form is optional)."""
        needed = {name for g in self.guards for name in GUARD_INPUTS.get(g, ())}
        return tuple(name for name in self.asks if name in needed)


STAFF = (Guard.STAFF_ACTIVE, Guard.STAFF_IN_TEAM, Guard.STAFF_HAS_ROOM)

OPEN_ORDER: tuple[ReferralStatus, ...] = (
    S.PENDING, S.ASSESSED, S.AWAITING_CONSENT, S.FOLLOW_UP, S.APPROVED, S.ACTIVE,
)  # fmt: skip
FINAL_ORDER: tuple[ReferralStatus, ...] = (S.DECLINED, S.CLOSED, S.WITHDRAWN)

MOVES: tuple[Move, ...] = (
    # Initial assessment: meets criteria -> a program; does not -> declined with a reason.
    Move(S.PENDING, S.ASSESSED, "Accept into a program", P.REFERRAL_ACCEPT,
         (Guard.PROGRAM_MATCHES_SERVICE,), ("target_program_id", "note")),
    Move(S.PENDING, S.DECLINED, "Decline", P.REFERRAL_DECIDE,
         (Guard.DECLINE_REASON_GIVEN,), ("decline_reason_id", "note")),
    # Staff assignment, then consent is requested (or, for a service that needs no consent,
    # approval straight away).
    Move(S.ASSESSED, S.AWAITING_CONSENT, "Assign staff and ask for consent", P.REFERRAL_ASSIGN,
         (*STAFF, Guard.CLIENT_LINKED), ("assigned_staff_id", "override_reason", "note")),
    Move(S.ASSESSED, S.APPROVED, "Assign staff and approve", P.REFERRAL_DECIDE,
         (*STAFF, Guard.CLIENT_LINKED, Guard.CONSENT_OBTAINED),
         ("assigned_staff_id", "override_reason", "note")),
    Move(S.ASSESSED, S.DECLINED, "Decline", P.REFERRAL_DECIDE,
         (Guard.DECLINE_REASON_GIVEN,), ("decline_reason_id", "note")),
    # Consent: obtained -> approved; pending -> follow-up; declined -> declined with reason.
    Move(S.AWAITING_CONSENT, S.APPROVED, "Approve", P.CONSENT_RECORD,
         (Guard.CONSENT_OBTAINED,), ("override_reason", "note")),
    Move(S.AWAITING_CONSENT, S.FOLLOW_UP, "Follow up later", P.CONSENT_RECORD,
         (Guard.FOLLOW_UP_DATE_SET,), ("follow_up_date", "note")),
    Move(S.AWAITING_CONSENT, S.DECLINED, "Consent declined", P.CONSENT_RECORD,
         (Guard.CONSENT_DECLINED, Guard.DECLINE_REASON_GIVEN), ("decline_reason_id", "note")),
    Move(S.FOLLOW_UP, S.AWAITING_CONSENT, "Ask for consent again", P.CONSENT_RECORD,
         (), ("note",)),
    Move(S.FOLLOW_UP, S.APPROVED, "Approve", P.CONSENT_RECORD,
         (Guard.CONSENT_OBTAINED,), ("override_reason", "note")),
    Move(S.FOLLOW_UP, S.DECLINED, "Consent declined", P.CONSENT_RECORD,
         (Guard.CONSENT_DECLINED, Guard.DECLINE_REASON_GIVEN), ("decline_reason_id", "note")),
    # Approved: commencement creates the enrolment; service delivery begins.
    Move(S.APPROVED, S.ACTIVE, "Start service", P.ENROLMENT_MANAGE,
         (Guard.COMMENCEMENT_DATE_SET, Guard.CONSENT_OBTAINED),
         ("commencement_date", "override_reason", "note")),
    Move(S.APPROVED, S.CLOSED, "Close without starting", P.REFERRAL_DECIDE,
         (Guard.REASON_GIVEN,), ("reason", "note")),
    Move(S.ACTIVE, S.CLOSED, "Close: service ended", P.ENROLMENT_MANAGE,
         (Guard.REASON_GIVEN,), ("enrolment_outcome", "end_date", "reason", "note")),
    # The client or the referrer may withdraw an open referral at any point.
    *(
        Move(source, S.WITHDRAWN, "Withdraw", P.REFERRAL_WITHDRAW,
             (Guard.WITHDRAWAL_EXPLAINED,), ("withdrawn_by", "reason", "note"))
        for source in OPEN_ORDER
    ),
    # A team lead may reopen a finished referral for a fresh assessment, for a while.
    *(
        Move(source, S.PENDING, "Reopen", P.REFERRAL_REOPEN,
             (Guard.WITHIN_REOPEN_WINDOW, Guard.REASON_GIVEN), ("reason", "note"))
        for source in FINAL_ORDER
    ),
)  # fmt: skip

# The board's columns, in order (every status appears once; the final ones behind a toggle).
BOARD_COLUMNS: tuple[ReferralStatus, ...] = (*OPEN_ORDER, *FINAL_ORDER)

STATUS_LABELS: dict[ReferralStatus, str] = {
    S.PENDING: "New",
    S.ASSESSED: "Assessed",
    S.AWAITING_CONSENT: "Awaiting consent",
    S.FOLLOW_UP: "Follow-up",
    S.APPROVED: "Approved",
    S.ACTIVE: "In service",
    S.DECLINED: "Declined",
    S.CLOSED: "Closed",
    S.WITHDRAWN: "Withdrawn",
}

FINAL_STATUSES = frozenset(FINAL_ORDER)
# The design document's "active referrals" query counts these as open work.
OPEN_STATUSES = frozenset(OPEN_ORDER)


@dataclass(frozen=True)
class ReferralFacts:
    """What the guards look at, gathered by the move service from the database."""

    program_matches_service: bool = False
    staff_active: bool = False
    staff_in_team: bool = False
    staff_has_room: bool = False
    staff_name: str = "The staff member"
    caseload_limit: int = 0
    client_linked: bool = False
    consent_obtained: bool = False
    consent_required: bool = True
    # An earlier move of this referral set the consent rule aside (its approval).
    consent_overridden: bool = False
    consent_declined: bool = False
    decline_reason_given: bool = False
    follow_up_date: date | None = None
    commencement_date: date | None = None
    withdrawal_explained: bool = False
    reason_given: bool = False
    final_since: date | None = None  # the day the referral reached its final status
    reopen_days: int = 30
    today: date | None = None

    def holds(self, guard: Guard) -> bool:
        match guard:
            case Guard.FOLLOW_UP_DATE_SET:
                return self.follow_up_date is not None and (
                    self.today is None or self.follow_up_date >= self.today
                )
            case Guard.COMMENCEMENT_DATE_SET:
                return self.commencement_date is not None
            case Guard.CONSENT_OBTAINED:
                return self.consent_obtained or not self.consent_required or self.consent_overridden
            case Guard.WITHIN_REOPEN_WINDOW:
                return (
                    self.final_since is not None
                    and self.today is not None
                    and (self.today - self.final_since).days <= self.reopen_days
                )
        return bool(getattr(self, guard.value))

    def message(self, guard: Guard) -> str:
        return GUARD_MESSAGES[guard].format(**asdict(self))


def moves_from(status: str) -> list[Move]:
    return [m for m in MOVES if m.source == status]


def status_label(status: str) -> str:
    return STATUS_LABELS[S(status)] if status in S.__members__ else status


def find_move(source: str, target: str) -> Move:
    for move in MOVES:
        if move.source == source and move.target == target:
            return move
    raise InvalidTransition(
        f"A referral that is {status_label(source).lower()} cannot become "
        f"{status_label(target).lower()}"
        if source in S.__members__ and target in S.__members__
        else f"Unknown referral status move {source} -> {target}"
    )


@dataclass(frozen=True)
class Decision:
    """What the guards say about one move: the problems by field (empty: it may happen), and
    the guards set aside by an override."""

    problems: dict[str, str]
    overridden: tuple[Guard, ...] = ()


def decide(
    guards: tuple[Guard, ...],
    facts: ReferralFacts,
    *,
    may_override: frozenset[Guard] = frozenset(),
    override_reason_given: bool = False,
) -> Decision:
    """Check every guard of a move (or of an assignment). ``may_override`` holds the guards this user's
    permissions let them set aside: with a reason given they are overridden; without one, the
    guard's message says how to override it."""
    problems: dict[str, str] = {}
    overridden: list[Guard] = []
    for guard in guards:
        if facts.holds(guard):
            continue
        message = facts.message(guard)
        if guard in may_override:
            if override_reason_given:
                overridden.append(guard)
                continue
            message = f"{message}, {OVERRIDES[guard].hint}"
        problems.setdefault(GUARD_FIELDS.get(guard, "status"), message)
    return Decision(problems, tuple(overridden))


def unmet_guards(move: Move, facts: ReferralFacts) -> list[str]:
    """The messages of the guards that do not hold (empty: the move may happen)."""
    return [facts.message(g) for g in move.guards if not facts.holds(g)]


def check_move(source: str, target: str, facts: ReferralFacts) -> Move:
    """The move, if it is allowed and all its guards hold; else InvalidTransition saying why."""
    move = find_move(source, target)
    problems = unmet_guards(move, facts)
    if problems:
        raise InvalidTransition("; ".join(problems))
    return move
