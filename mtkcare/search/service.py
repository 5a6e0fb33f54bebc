"""The search box in the header: clients and referrals matching what was typed, as a few
lines of display text, for people who may see them.

- **Clients** (with ``client.view``): name, first name or surname first, or phone number,
  through the clients list's own search (``matching_client_ids``: the name-key and
  phone-key prefix indexes; deleted clients are never found).
- **Referrals** (with ``referral.view``), only those the user may see (``moves.visible``:
  their programs' and their own): by tracking id, from its start ("REF-7K", or the code
  alone from four characters, "7KQ2"), and by their client, found as above.

Each group shows its first few; a group with more says so, and the person keeps typing.
What was shown is audited like every search that shows records: one ``LIST`` row per group
that showed any, with what was typed and the ids shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from mtkcare import dates
from mtkcare.audit.service import record_shown
from mtkcare.auth.access import reads, refuse
from mtkcare.auth.permissions import Permission
from mtkcare.auth.service import Principal
from mtkcare.clients.models import Client
from mtkcare.clients.service import matching_client_ids
from mtkcare.programs.models import Program
from mtkcare.referrals.models import Referral
from mtkcare.referrals.moves import visible
from mtkcare.referrals.service import TRACKING_ALPHABET
from mtkcare.referrals.workflow import status_label
from mtkcare.ui import routes

MIN_CHARS = 2
MAX_CHARS = 100
PER_GROUP = 5
# Matching clients considered: the first PER_GROUP of these by name are shown, and their
# referrals searched. A term matching more (a common surname's first letters) shows "more".
CLIENT_CANDIDATES = 1000
TRACKING_PREFIX = "REF-"
CODE_MIN_CHARS = 4  # a tracking code typed without "REF-": shorter would match names' letters


@dataclass(frozen=True)
class Hit:
    id: int
    href: str
    title: str
    detail: str


@dataclass(frozen=True)
class SearchResults:
    term: str
    clients: list[Hit]
    referrals: list[Hit]
    more_clients: bool
    more_referrals: bool

    @property
    def empty(self) -> bool:
        return not self.clients and not self.referrals


def _tracking_prefix(term: str) -> str | None:
    """The start of a tracking id that ``term`` can be ("ref-7k" and "REF 7K": "REF-7K"; a
    code alone, "7kq2": "REF-7KQ2"), or None."""
    typed = "".join(term.split()).upper()
    if typed.startswith(TRACKING_PREFIX):
        code = typed[len(TRACKING_PREFIX) :]
    elif typed.startswith("REF") and len(typed) - 3 >= CODE_MIN_CHARS:
        code = typed[3:]
    elif len(typed) >= CODE_MIN_CHARS:
        code = typed
    else:
        return None
    if not code or not set(code) <= set(TRACKING_ALPHABET):
        return None
    return TRACKING_PREFIX + code


def _tracking_starts_with(prefix: str) -> sa.ColumnElement[bool]:
    # A range on the unique index (tracking ids are "REF-" and capitals and digits, which
    # sort alike under any collation), then LIKE to be exact: LIKE alone can only use the
    # index under the C collation.
    tracking = col(Referral.tracking_id)
    return sa.and_(
        tracking >= prefix,
        tracking <= prefix + "Z" * 20,
        tracking.like(prefix + "%"),
    )


def _client_hits(session: Session, ids: list[int]) -> list[Hit]:
    surname, given = col(Client.last_name), col(Client.first_name)
    rows = session.execute(
        sa.select(col(Client.id), given, surname, col(Client.date_of_birth), col(Client.phone))
        .where(col(Client.id).in_(ids))
        .order_by(surname, given, col(Client.id))
        .limit(PER_GROUP)
    ).all()
    return [
        Hit(
            id=cid,
            href=f"{routes.CLIENT}?id={cid}",
            title=f"{first} {last}",
            detail=" · ".join(part for part in (f"Born {dates.day(born)}", phone or "") if part),
        )
        for cid, first, last, born, phone in rows
    ]


def _referral_rows(session: Session, actor: Principal, *where: Any) -> Any:
    return (
        sa.select(
            col(Referral.id),
            col(Referral.tracking_id),
            col(Referral.status),
            col(Referral.is_orphaned),
            col(Client.first_name),
            col(Client.last_name),
            col(Program.name),
        )
        .join(Client, col(Client.id) == col(Referral.client_id), isouter=True)
        .join(Program, col(Program.id) == col(Referral.target_program_id), isouter=True)
        .where(visible(session, actor), *where)
    )


def _referral_hit(row: Any) -> Hit:
    rid, tracking, status, orphaned, first, last, program = row
    client = "Client deleted" if orphaned else f"{first} {last}" if first else "No client linked"
    return Hit(
        id=rid,
        href=f"{routes.REFERRAL}?id={rid}",
        title=tracking,
        detail=" · ".join((client, status_label(status), program or "No program yet")),
    )


def _referral_hits(
    session: Session, actor: Principal, term: str, client_ids: list[int]
) -> tuple[list[Hit], bool]:
    """Tracking id matches first (the more exact), then the matching clients' referrals,
    newest first; and whether there were more."""
    found: list[Any] = []
    if (prefix := _tracking_prefix(term)) is not None:
        found += session.execute(
            _referral_rows(session, actor, _tracking_starts_with(prefix))
            .order_by(col(Referral.tracking_id))
            .limit(PER_GROUP + 1)
        ).all()
    if client_ids and len(found) <= PER_GROUP:
        found += session.execute(
            _referral_rows(session, actor, col(Referral.client_id).in_(client_ids))
            .order_by(col(Referral.referral_date).desc(), col(Referral.id).desc())
            .limit(PER_GROUP + 1)
        ).all()
    unique: dict[int, Any] = {}
    for row in found:  # a referral found both ways is shown once, where first found
        unique.setdefault(row[0], row)
    rows = list(unique.values())
    return [_referral_hit(row) for row in rows[:PER_GROUP]], len(rows) > PER_GROUP


@reads()
def search_records(session: Session, actor: Principal, term: str) -> SearchResults:
    """Clients and referrals matching ``term`` that this user may see (see the module's
    note). Fewer than MIN_CHARS characters find nothing; someone who may see neither
    clients nor referrals is refused."""
    sees_clients = actor.can(Permission.CLIENT_VIEW)
    sees_referrals = actor.can(Permission.REFERRAL_VIEW)
    if not (sees_clients or sees_referrals):
        raise refuse(
            actor, Permission.CLIENT_VIEW, resource="Search", session=session,
            detail="the search needs client.view or referral.view",
        )  # fmt: skip
    text = " ".join(str(term).split())[:MAX_CHARS]
    if len(text) < MIN_CHARS:
        return SearchResults(text, [], [], more_clients=False, more_referrals=False)
    # Referrals are found by their client's name too, which needs seeing clients' names.
    client_ids = (
        matching_client_ids(session, actor, text, CLIENT_CANDIDATES) if sees_clients else []
    )
    clients = _client_hits(session, client_ids) if client_ids else []
    referrals, more_referrals = (
        _referral_hits(session, actor, text, client_ids) if sees_referrals else ([], False)
    )
    for resource, hits in (("Client", clients), ("Referral", referrals)):
        if hits:
            record_shown(
                session, resource, user_id=actor.user_id, what="header search",
                query={"q": text}, ids=[h.id for h in hits],
            )  # fmt: skip
    return SearchResults(
        term=text,
        clients=clients,
        referrals=referrals,
        more_clients=len(client_ids) > len(clients),
        more_referrals=more_referrals,
    )
