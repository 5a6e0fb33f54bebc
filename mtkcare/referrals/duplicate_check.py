"""The duplicate check of a client the partner API created: "possible duplicate — check".

The partner API links a submitted person to an existing client only on an exact match of
normalised name and date of birth; anyone else becomes a new client. That keeps the request
fast and predictable, but a typo ("Jonh"), a dropped macron or a swapped day and month makes a
second record of someone already known. So, when the API creates a client, it asks for this
check in its transaction (``request_duplicate_check``); after commit a job runs the full
duplicate look-up (``clients.duplicates.find_likely_duplicates``, whose score and order alone
decide what is "likely") for the referral's client, other clients only, deleted ones never.
When the best candidate is likely, the referral is flagged with that client
(``possible_duplicate_of_id``), shown on the referral page and the board.

Staff then decide on the referral page:

- **Link to this client** (``link_referral_to_client``): the referral — with its consent
  records, enrolments and documents — moves to the existing client and the flag is cleared.
  The record the API made is then soft-deleted when it is still exactly what the API made
  (never edited, made by the system) and nothing else points at it: it was only a by-product
  of this referral, deleting leaves nothing orphaned (the design's cascade rule), and a live
  copy would catch the partner's next submission with the same typo as an exact match. It is
  deleted as the system (team leads can restore it); otherwise it stays, and the page says so.
- **Not a duplicate** (``dismiss_possible_duplicate``): the flag is cleared, recorded as the
  intake's "not a duplicate" confirmation is (``NOT_DUPLICATE_CONFIRMED``).

The check runs once per referral: the first run sets ``duplicate_checked_at`` whatever it
finds, so a retried or re-handed job changes nothing and a dismissed flag never comes back.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, SQLModel, col, select

from mtkcare import dates
from mtkcare.audit.models import AuditAction
from mtkcare.audit.service import record_event, record_shown
from mtkcare.auth.access import reads, service
from mtkcare.auth.permissions import Permission
from mtkcare.auth.service import Principal
from mtkcare.clients.duplicates import find_likely_duplicates
from mtkcare.clients.models import Client
from mtkcare.db import session_scope, utcnow
from mtkcare.errors import EditConflict
from mtkcare.jobs.queue import enqueue, job
from mtkcare.referrals import live
from mtkcare.referrals.models import ConsentRecord, Referral
from mtkcare.referrals.moves import lock_for_change, visible
from mtkcare.referrals.service import link_client

log = logging.getLogger(__name__)

CHECK = "referrals.duplicate_check"
RESOLVED = (
    "Someone has already dealt with this possible duplicate — reload to see what they decided. "
    "Nothing was saved."
)


@service(Permission.REFERRAL_CREATE)
def request_duplicate_check(session: Session, actor: Principal, referral: Referral) -> None:
    """Check the referral's (new) client against the others once this transaction commits."""
    enqueue(session, CHECK, {"referral_id": referral.id})


@service(Permission.REFERRAL_VIEW, Permission.CLIENT_VIEW)
def check_for_duplicate(session: Session, actor: Principal, referral_id: int) -> int | None:
    """Run the full duplicate look-up for the referral's client, once, and flag the referral
    with the best candidate when the look-up calls it likely; that client's id, or None."""
    referral = session.exec(
        select(Referral)
        .where(Referral.id == referral_id, visible(session, actor))
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if referral is None or referral.duplicate_checked_at is not None:
        return None  # gone, or checked already (a retry, or the sweep handing it over again)
    referral.duplicate_checked_at = utcnow()
    client = (
        session.exec(select(Client).where(Client.id == referral.client_id)).first()
        if referral.client_id is not None
        else None
    )
    if client is None:  # no client, or deleted meanwhile: nothing to compare
        return None
    found = find_likely_duplicates(
        session,
        actor,
        first_name=client.first_name,
        last_name=client.last_name,
        date_of_birth=client.date_of_birth,
        phone=client.phone,
        email=client.email,
        limit=1,
        exclude_client_id=client.id,
    )
    if not found or not found[0].likely:
        return None
    referral.possible_duplicate_of_id = found[0].client_id
    # A change staff should see before they decide: a move made on the page as it was is
    # refused ("reload"), and open boards show the card's badge.
    referral.version += 1
    live.announce(session, referral.id)
    return found[0].client_id


@job(CHECK, label="Duplicate check of a partner's new client", max_attempts=5)
def duplicate_check(referral_id: int) -> None:
    with session_scope() as db:
        check_for_duplicate(db, Principal.system("duplicate check"), referral_id)


# --------------------------------------------------------------------------------------------
# What the referral page shows


@dataclass(frozen=True)
class PossibleDuplicate:
    """The flag as the referral page shows it (``shown`` False: no flag, or one this user may
    not look into: they see clients only with ``client.view``; a candidate deleted since is
    not named)."""

    shown: bool = False
    client_id: int = 0
    name: str = ""
    born: str = ""
    reasons: str = ""
    deleted: bool = False
    checked: str = ""


NO_DUPLICATE = PossibleDuplicate()


@reads(Permission.REFERRAL_VIEW)
def possible_duplicate(
    session: Session, actor: Principal, referral: Referral, *, audit: bool = False
) -> PossibleDuplicate:
    """The candidate the check flagged, with the look-up's reasons as they stand now (the
    look-up again, only for a flagged referral); ``audit`` records that it was shown."""
    candidate_id = referral.possible_duplicate_of_id
    if candidate_id is None or not actor.can(Permission.CLIENT_VIEW):
        return NO_DUPLICATE
    candidate = session.exec(
        select(Client).where(Client.id == candidate_id).execution_options(include_deleted=True)
    ).first()
    if candidate is None:
        return NO_DUPLICATE
    checked = dates.moment(referral.duplicate_checked_at)
    if candidate.is_deleted:  # nothing to link to; who they were is for those who may restore
        return PossibleDuplicate(shown=True, client_id=candidate_id, deleted=True, checked=checked)
    reasons: list[str] = []
    own = (
        session.exec(select(Client).where(Client.id == referral.client_id)).first()
        if referral.client_id is not None
        else None
    )
    if own is not None:
        for match in find_likely_duplicates(
            session,
            actor,
            first_name=own.first_name,
            last_name=own.last_name,
            date_of_birth=own.date_of_birth,
            phone=own.phone,
            email=own.email,
            exclude_client_id=own.id,
        ):
            if match.client_id == candidate_id:
                reasons = match.reasons
                break
    if audit:
        record_shown(
            session, "Client", user_id=actor.user_id,
            what=f"possible duplicate on referral {referral.tracking_id}",
            query={"referral_id": referral.id}, ids=[candidate_id],
        )  # fmt: skip
    return PossibleDuplicate(
        shown=True,
        client_id=candidate_id,
        name=candidate.full_name,
        born=dates.day(candidate.date_of_birth),
        reasons="; ".join(reasons),
        checked=checked,
    )


# --------------------------------------------------------------------------------------------
# Staff decide


@dataclass(frozen=True)
class Linked:
    tracking_id: str
    client_name: str
    left_behind: str  # the name on the record the referral left
    left_deleted: bool  # that record was soft-deleted (it held nothing else)


def _flagged(
    session: Session, actor: Principal, referral_id: int, expected_version: int | None
) -> Referral:
    referral = lock_for_change(session, actor, referral_id, expected_version)
    if referral.possible_duplicate_of_id is None:
        raise EditConflict(RESOLVED)
    return referral


# The rows that belong to a referral and name its client too: they follow it to another client.
def _follows_referral() -> list[type[SQLModel]]:
    from mtkcare.documents.models import Document
    from mtkcare.programs.models import Enrolment

    return [ConsentRecord, Enrolment, Document]


def _holds_nothing(session: Session, client_id: int) -> bool:
    """No row of any table points at the client (deleted rows too): every foreign key to the
    client table, read from the models, so a table added later is counted without a change
    here."""
    target = Client.__table__  # type: ignore[attr-defined]
    for table in SQLModel.metadata.sorted_tables:
        for key in table.foreign_keys:
            if key.column.table is not target:
                continue
            # A Core select of the table: the soft-delete filter does not apply.
            found = session.execute(
                sa.select(sa.literal(1)).select_from(table).where(key.parent == client_id).limit(1)
            ).first()
            if found is not None:
                return False
    return True


def _retire_if_unused(session: Session, client_id: int) -> bool:
    """Soft-delete the client the API made for this referral, when it is still only that: never
    edited, made by the system, and nothing points at it (see the module's note)."""
    from mtkcare.clients.service import delete_client

    client = session.exec(select(Client).where(Client.id == client_id)).first()
    if client is None or client.version != 1 or client.created_by is not None:
        return False
    if not _holds_nothing(session, client_id):
        return False
    delete_client(session, Principal.system("duplicate linked: unused record"), client_id)
    return True


@service(Permission.REFERRAL_ASSIGN, Permission.CLIENT_VIEW)
def link_referral_to_client(
    session: Session,
    actor: Principal,
    referral_id: int,
    client_id: int,
    *,
    expected_version: int | None = None,
) -> Linked:
    """Move a referral flagged as a possible duplicate to the existing client it was flagged
    with (its consent records, enrolments and documents too) and clear the flag."""
    referral = _flagged(session, actor, referral_id, expected_version)
    if referral.possible_duplicate_of_id != client_id:
        raise EditConflict(RESOLVED)
    left = referral.client_id
    # The one way a referral changes client (it checks the client exists and is not deleted;
    # it reads the row again, so the flag is cleared after it).
    link_client(session, actor, referral_id, client_id)
    referral.possible_duplicate_of_id = None
    if left is not None:
        for model in _follows_referral():
            rows = session.exec(
                select(model)
                .where(
                    col(model.referral_id) == referral_id,  # type: ignore[attr-defined]
                    col(model.client_id) == left,  # type: ignore[attr-defined]
                )
                .execution_options(include_deleted=True)
            ).all()
            for row in rows:
                row.client_id = client_id
        session.flush()
    left_name = ""
    left_deleted = False
    if left is not None and left != client_id:
        left_client = session.exec(
            select(Client).where(Client.id == left).execution_options(include_deleted=True)
        ).first()
        left_name = left_client.full_name if left_client is not None else ""
        left_deleted = _retire_if_unused(session, left)
    linked = session.exec(select(Client).where(Client.id == client_id)).one()
    return Linked(referral.tracking_id, linked.full_name, left_name, left_deleted)


@service(Permission.REFERRAL_ASSIGN, Permission.CLIENT_VIEW)
def dismiss_possible_duplicate(
    session: Session, actor: Principal, referral_id: int, *, expected_version: int | None = None
) -> Referral:
    """The referral's client is not the flagged one: clear the flag, on the record."""
    referral = _flagged(session, actor, referral_id, expected_version)
    candidate_id = referral.possible_duplicate_of_id
    candidate = session.exec(
        select(Client).where(Client.id == candidate_id).execution_options(include_deleted=True)
    ).first()
    referral.possible_duplicate_of_id = None
    referral.version += 1
    name = candidate.full_name if candidate is not None else "a client"
    record_event(
        session,
        AuditAction.NOT_DUPLICATE,
        "Client",
        user_id=actor.user_id,
        resource_id=referral.client_id,
        detail=f"Confirmed a different person from {name} (client {candidate_id}), "
        f"flagged on referral {referral.tracking_id}",
        changes={"candidates": [[candidate_id, None]], "referral_id": referral.id},
    )
    session.flush()
    live.announce(session, referral.id)
    return referral
