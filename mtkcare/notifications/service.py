"""In-app notifications to staff: written by the services whose change they tell about (in the
same transaction, so a rolled-back change tells nobody), read and marked read by their
recipient only (the bell in the header: state.py, components.py)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from sqlmodel import Session, col, func, select

from mtkcare import dates
from mtkcare.auth.access import reads, require_person, service
from mtkcare.auth.service import Principal
from mtkcare.db import utcnow
from mtkcare.errors import NotFound
from mtkcare.notifications.models import Notification


class NoticeKind(StrEnum):
    ARRIVED = "referral.arrived"  # a referral came into one of my programs
    ASSIGNED = "referral.assigned"  # a referral was given to me
    MOVED = "referral.moved"  # someone else moved a referral I work
    FOLLOW_UP = "referral.follow_up"  # a consent follow-up is due today or overdue
    DOCUMENT_ADDED = "document.added"  # a document was added to a referral I work
    DOCUMENT_FAILED = "document.failed"  # a document I uploaded could not be stored


def notify(
    session: Session,
    recipients: Iterable[int | None],
    *,
    kind: NoticeKind,
    title: str,
    body: str | None = None,
    link: str | None = None,
    resource: str | None = None,
    resource_id: int | None = None,
    not_to: int | None = None,
    once_key: str | None = None,
) -> int:
    """Add one notification per recipient (never to ``not_to``: people are not told about
    their own actions) in the caller's transaction; returns how many. With ``once_key``, a
    person who already has a notice with that key gets no second one."""
    people = {r for r in recipients if r is not None and r != not_to}
    if once_key is not None and people:
        people -= set(
            session.exec(
                select(Notification.recipient_id).where(
                    col(Notification.once_key) == once_key,
                    col(Notification.recipient_id).in_(people),
                )
            ).all()
        )
    for person in sorted(people):
        session.add(
            Notification(
                recipient_id=person,
                kind=kind.value,
                title=title[:200],
                body=body,
                link=link,
                resource=resource,
                resource_id=str(resource_id) if resource_id is not None else None,
                once_key=once_key,
            )
        )
    return len(people)


@dataclass(frozen=True)
class NoticeView:
    id: int
    kind: str
    title: str
    body: str
    link: str
    when: str
    unread: bool


@reads()
def my_notifications(session: Session, actor: Principal, limit: int = 30) -> list[NoticeView]:
    """The signed-in person's newest notifications."""
    me = require_person(actor)
    rows = session.exec(
        select(Notification)
        .where(Notification.recipient_id == me)
        .order_by(col(Notification.created_at).desc(), col(Notification.id).desc())
        .limit(max(1, min(limit, 200)))
    ).all()
    return [
        NoticeView(
            id=n.id or 0,
            kind=n.kind,
            title=n.title,
            body=n.body or "",
            link=n.link or "",
            when=dates.ago(n.created_at),
            unread=n.read_at is None,
        )
        for n in rows
    ]


@reads()
def unread_count(session: Session, actor: Principal) -> int:
    me = require_person(actor)
    return session.exec(
        select(func.count())
        .select_from(Notification)
        .where(Notification.recipient_id == me, col(Notification.read_at).is_(None))
    ).one()


@service()
def mark_read(session: Session, actor: Principal, notification_id: int) -> None:
    """Mark one of one's own notifications read (someone else's is not found)."""
    me = require_person(actor)
    notice = session.get(Notification, notification_id)
    if notice is None or notice.recipient_id != me:
        raise NotFound("That notification is not yours or no longer exists")
    if notice.read_at is None:
        notice.read_at = utcnow()


@service()
def mark_all_read(session: Session, actor: Principal) -> int:
    me = require_person(actor)
    unread = session.exec(
        select(Notification).where(
            Notification.recipient_id == me, col(Notification.read_at).is_(None)
        )
    ).all()
    now = utcnow()
    for notice in unread:
        notice.read_at = now
    return len(unread)
