"""The referrals board (``/referrals``), read for one user: a column per status of the
workflow table (the final ones only on request, and only the last 30 days), each with its
count and its first cards; filters and search. Only referrals this user may see
(``moves.visible``); what was shown is audited (one LIST row per board view).

Cards are paged per column (``per_column``, then "show more"), so a board of 5,000 open
referrals never travels to the browser whole. Two queries: the counts per column and priority,
then every column's first cards in one round trip, each part read in order from the board
index (status, priority, status_changed_at, id).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from pydantic import field_validator
from sqlmodel import Session, col, func, select

from mtkcare import dates
from mtkcare.audit.service import record_shown
from mtkcare.auth.access import reads
from mtkcare.auth.permissions import Permission
from mtkcare.auth.service import Principal
from mtkcare.clients.models import Client
from mtkcare.clients.service import matching_client_ids
from mtkcare.db import utcnow
from mtkcare.fields import Kind, field, spec
from mtkcare.programs.models import Program, ProgramTeamMember
from mtkcare.referrals.models import Referral, ReferralPriority, ReferralSource
from mtkcare.referrals.moves import team_program_ids, visible
from mtkcare.referrals.page import MoveChoice, move_choices
from mtkcare.referrals.service import ReferralInput
from mtkcare.referrals.workflow import BOARD_COLUMNS, FINAL_STATUSES, status_label
from mtkcare.users.models import User
from mtkcare.validation import Input

PER_COLUMN = 50
# Most urgent first: the enum lists priorities from low to urgent.
PRIORITY_ORDER = tuple(p.value for p in reversed(ReferralPriority))
MAX_PER_COLUMN = 1000
SEARCH_LIMIT = 5000  # referrals a board search considers
CLOSED_DAYS = 30


class Overdue(StrEnum):
    ONLY = "only"


class BoardFilters(Input):
    """What the board is narrowed to; kept in the address (``?program=3&priority=HIGH``)."""

    program_id: int | None = field("Program", kind=Kind.REFERENCE, default=None)
    worker_id: int | None = field("Worker", kind=Kind.REFERENCE, default=None)
    priority: ReferralPriority | None = field(
        "Priority", choices=dict(spec(ReferralInput, "priority").choices), default=None
    )
    source: ReferralSource | None = field(
        "Source", choices=dict(spec(ReferralInput, "source").choices), default=None
    )
    overdue_only: bool = field("Overdue follow-ups only", kind=Kind.CHECKBOX, default=False)
    show_closed: bool = field("Show closed (last 30 days)", kind=Kind.CHECKBOX, default=False)
    q: str | None = field(
        "Search the board", hint="Client name or tracking id", default=None, max_length=100
    )

    @field_validator("q", mode="after")
    @classmethod
    def _blank(cls, value: str | None) -> str | None:
        return value or None


# The address's names for the filters (short, stable: links are shared).
ADDRESS_NAMES = {
    "program_id": "program",
    "worker_id": "worker",
    "priority": "priority",
    "source": "source",
    "overdue_only": "overdue",
    "show_closed": "closed",
    "q": "q",
}


def filters_from_address(query: dict[str, Any]) -> dict[str, Any]:
    """The filters a board address names, as BoardFilters' fields (unknown names ignored)."""
    found: dict[str, Any] = {}
    for name, key in ADDRESS_NAMES.items():
        raw = query.get(key)
        if not isinstance(raw, str) or not raw.strip():
            continue
        found[name] = (
            raw.strip() in ("1", "yes", "on")
            if name in ("overdue_only", "show_closed")
            else raw.strip()[:100]
        )
    return found


def address_of(filters: BoardFilters) -> str:
    """The board's address for these filters (what "copy link" shares)."""
    from urllib.parse import urlencode

    parts: dict[str, str] = {}
    for name, key in ADDRESS_NAMES.items():
        value = getattr(filters, name)
        if value in (None, False, ""):
            continue
        parts[key] = "1" if value is True else str(getattr(value, "value", value))
    return "/referrals" + (f"?{urlencode(parts)}" if parts else "")


@dataclass(frozen=True)
class Card:
    id: int
    tracking_id: str
    version: int
    client_name: str
    program: str
    worker: str
    priority: str
    priority_label: str
    age: str
    follow_up: str
    overdue: bool
    # Flagged by the partner API's duplicate check, not yet decided (referrals/duplicate_check).
    possible_duplicate: bool


@dataclass(frozen=True)
class Column:
    status: str
    label: str
    count: int
    cards: list[Card]
    more: bool
    moves: list[MoveChoice]


@dataclass(frozen=True)
class Board:
    columns: list[Column]
    total: int


def _conditions(
    session: Session, actor: Principal, filters: BoardFilters, today: date
) -> list[Any]:
    where: list[Any] = [visible(session, actor)]
    if filters.program_id is not None:
        where.append(Referral.target_program_id == filters.program_id)
    if filters.worker_id is not None:
        where.append(Referral.assigned_staff_id == filters.worker_id)
    if filters.priority is not None:
        where.append(Referral.priority == filters.priority.value)
    if filters.source is not None:
        where.append(Referral.source == filters.source.value)
    if filters.overdue_only:
        where.append(col(Referral.follow_up_date) < today)
    if filters.q:
        term = filters.q.strip()
        tracking = "".join(term.split()).upper()
        # Client name or phone through the clients' search indexes, or the tracking id:
        # each through its own index, then the board reads those referrals by id.
        clients = matching_client_ids(session, actor, term)
        candidates = list(
            session.exec(
                select(Referral.id).where(
                    col(Referral.client_id).in_(clients) if clients else sa.false()
                )
            ).all()
        )
        candidates += session.exec(
            select(Referral.id).where(col(Referral.tracking_id) == tracking)
        ).all()
        where.append(col(Referral.id).in_([i for i in candidates if i is not None]))
    return where


def _statuses(filters: BoardFilters) -> list[str]:
    return [s.value for s in BOARD_COLUMNS if filters.show_closed or s not in FINAL_STATUSES]


def _card_rows(where: list[Any]) -> Any:
    """The columns a card shows (plain values, no ORM objects), for the referrals matching
    ``where``."""
    return (
        sa.select(
            col(Referral.id).label("id"),
            col(Referral.tracking_id).label("tracking_id"),
            col(Referral.version).label("version"),
            col(Referral.status).label("status"),
            col(Referral.priority).label("priority"),
            col(Referral.referral_date).label("referral_date"),
            col(Referral.follow_up_date).label("follow_up_date"),
            col(Referral.status_changed_at).label("status_changed_at"),
            col(Referral.is_orphaned).label("is_orphaned"),
            col(Referral.possible_duplicate_of_id).label("possible_duplicate_of_id"),
            col(Client.first_name).label("client_first"),
            col(Client.last_name).label("client_last"),
            col(Program.name).label("program"),
            col(User.first_name).label("worker_first"),
            col(User.last_name).label("worker_last"),
        )
        .join(Client, col(Client.id) == col(Referral.client_id), isouter=True)
        .join(Program, col(Program.id) == col(Referral.target_program_id), isouter=True)
        .join(User, col(User.id) == col(Referral.assigned_staff_id), isouter=True)
        .where(*where)
    )


RANK = {priority: rank for rank, priority in enumerate(PRIORITY_ORDER)}
NEVER = datetime.min.replace(tzinfo=UTC)


def _order(row: Any) -> tuple[int, datetime, int]:
    """A column's order: most urgent first, then longest in this status."""
    changed = row.status_changed_at or NEVER
    return (RANK[row.priority], changed if changed.tzinfo else changed.replace(tzinfo=UTC), row.id)


@reads(Permission.REFERRAL_VIEW)
def read_board(
    session: Session,
    actor: Principal,
    filters: BoardFilters,
    *,
    shown: dict[str, int] | None = None,
    audit: bool = True,
    only: Collection[str] | None = None,
) -> Board:
    """The board for this user. ``shown`` raises a column's page size ("show more");
    ``only`` reads just those columns (after a move: the two it changed), and ``total`` then
    counts only them."""
    today = dates.today()
    closed_since = utcnow() - timedelta(days=CLOSED_DAYS)
    final = [s.value for s in FINAL_STATUSES]
    statuses = [s for s in _statuses(filters) if only is None or s in only]
    where = [
        col(Referral.status).in_(statuses),
        sa.or_(col(Referral.status).not_in(final), col(Referral.status_changed_at) >= closed_since),
        *_conditions(session, actor, filters, today),
    ]

    def limit(status: str) -> int:
        return min(MAX_PER_COLUMN, max(PER_COLUMN, (shown or {}).get(status, PER_COLUMN)))

    by_status: dict[str, list[Any]] = {status: [] for status in statuses}
    if filters.q:
        # A search matches few referrals: read them all at once and sort them here.
        found = list(session.execute(_card_rows(where).limit(SEARCH_LIMIT)).all())
        found.sort(key=_order)
        counts: dict[str, int] = {}
        for row in found:
            counts[row.status] = counts.get(row.status, 0) + 1
            if len(by_status[row.status]) < limit(row.status):
                by_status[row.status].append(row)
    else:
        # Counts per column and priority first; then, in one round trip, each column's first
        # cards: most urgent first, then longest waiting, one part per priority read in order
        # from the board index (no sort of a whole column), each part asking for exactly the
        # cards it adds.
        per_priority = session.execute(
            sa.select(col(Referral.status), col(Referral.priority), func.count())
            .where(*where)
            .group_by(col(Referral.status), col(Referral.priority))
        ).all()
        counts = {}
        for status, _priority, n in per_priority:
            counts[status] = counts.get(status, 0) + n
        found_in = {(status, priority): n for status, priority, n in per_priority}
        parts = []
        for status in statuses:
            room = limit(status)
            for priority in PRIORITY_ORDER:
                take = min(room, found_in.get((status, priority), 0))
                if take:
                    part = _card_rows(
                        [*where, col(Referral.status) == status, col(Referral.priority) == priority]
                    ).order_by(col(Referral.status_changed_at), col(Referral.id))
                    parts.append(sa.select(part.limit(take).subquery()))
                    room -= take
        if parts:
            for row in sorted(session.execute(sa.union_all(*parts)).all(), key=_order):
                by_status[row.status].append(row)
    columns: list[Column] = []
    shown_ids: list[int] = []
    for status in statuses:
        cards = [_card(row, today=today) for row in by_status[status]]
        shown_ids += [c.id for c in cards]
        count = counts.get(status, 0)
        columns.append(
            Column(
                status=status,
                label=status_label(status),
                count=count,
                cards=cards,
                more=count > len(cards),
                moves=move_choices(actor, status),
            )
        )
    if audit:
        record_shown(
            session, "Referral", user_id=actor.user_id, what="referrals board",
            query=filters.model_dump(mode="json", exclude_defaults=True), ids=shown_ids,
        )  # fmt: skip
    return Board(columns=columns, total=sum(counts.values()))


PRIORITY_WORDS = dict(spec(ReferralInput, "priority").choices)


def _card(r: Any, *, today: date) -> Card:
    """A card from one of ``_card_rows``' rows."""
    opened = r.referral_date
    age = (today - opened).days if opened else 0
    follow_up = ""
    overdue = False
    if r.follow_up_date is not None:
        overdue = r.follow_up_date < today
        follow_up = (
            f"Follow-up overdue since {dates.day(r.follow_up_date)}"
            if overdue
            else f"Follow-up due {dates.day(r.follow_up_date)}"
        )
    return Card(
        id=r.id or 0,
        tracking_id=r.tracking_id,
        version=r.version,
        client_name=(
            "Client deleted"
            if r.is_orphaned
            else f"{r.client_first} {r.client_last}"
            if r.client_first
            else "No client linked"
        ),
        program=r.program or "No program yet",
        worker=f"{r.worker_first} {r.worker_last}" if r.worker_first else "Unassigned",
        priority=r.priority,
        priority_label=PRIORITY_WORDS.get(r.priority, r.priority),
        age="today" if age == 0 else ("1 day" if age == 1 else f"{age} days"),
        follow_up=follow_up,
        overdue=overdue,
        possible_duplicate=r.possible_duplicate_of_id is not None,
    )


@reads(Permission.REFERRAL_VIEW)
def board_choices(
    session: Session, actor: Principal
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The filters' choices: programs this user may see referrals of, and their workers."""
    programs = select(Program.id, Program.name).order_by(col(Program.name))
    if not actor.can(Permission.REFERRAL_VIEW_ALL):
        programs = programs.where(col(Program.id).in_(team_program_ids(session, actor)))
    program_rows = session.exec(programs).all()
    workers = session.exec(
        select(User.id, User.first_name, User.last_name)
        .where(
            col(User.id).in_(
                select(ProgramTeamMember.user_id).where(
                    col(ProgramTeamMember.program_id).in_([p for p, _ in program_rows])
                )
            ),
            User.is_active,
        )
        .order_by(col(User.first_name), col(User.last_name))
    ).all()
    return (
        [(str(p), name) for p, name in program_rows],
        [(str(u), f"{f} {last}") for u, f, last in workers],
    )
