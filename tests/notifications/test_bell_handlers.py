"""The notification bell's handlers over the real event socket, called by name as any script
could: nothing without a session; a signed-in person reads and marks only their own
notifications; the count follows new notifications without any click."""

from __future__ import annotations

import json
import time

from sqlmodel import col, select

from mtkcare.db import session_scope
from mtkcare.notifications.models import Notification
from mtkcare.notifications.service import NoticeKind, notify
from tests.auth.test_every_handler_is_guarded import app_handlers
from tests.support.web import Person, Tab, session_cookie, sign_in

STATE = "mtkcare___notifications___state____notifications_state"


def handler(name: str) -> str:
    return next(n for n, _ in app_handlers() if n.endswith(f"{STATE}.{name}"))


def bell_handlers() -> list[str]:
    return sorted(n.rsplit(".", 1)[-1] for n, _ in app_handlers() if f"{STATE}." in n)


def tell(pg_url: str, user_id: int, title: str) -> int:
    """A committed notification for ``user_id``; returns its id."""
    with session_scope(url=pg_url) as db:
        notify(db, [user_id], kind=NoticeKind.ASSIGNED, title=title, link="/referrals/view?id=1")
        db.flush()
        return db.exec(
            select(Notification.id)
            .where(Notification.recipient_id == user_id, Notification.title == title)
            .order_by(col(Notification.id).desc())
        ).first()  # type: ignore[return-value]


def read_at(pg_url: str, notice_id: int) -> object:
    with session_scope(url=pg_url) as db:
        return db.get(Notification, notice_id).read_at  # type: ignore[union-attr]


def test_the_walk_sees_the_bell_handlers() -> None:
    assert {"follow", "set_panel_open", "open_notice", "mark_all"} <= set(bell_handlers())


def test_without_a_session_every_bell_handler_is_refused(
    backend: str, person: Person, pg_url: str
) -> None:
    someone = person("Case worker")
    notice = tell(pg_url, someone.id, "Qvbell secret title")  # type: ignore[arg-type]
    payloads = {"set_panel_open": {"is_open": True}, "open_notice": {"notification_id": notice}}
    with Tab(backend) as tab:
        for name in bell_handlers():
            text = json.dumps(tab.send(handler(name), payloads.get(name, {})))
            assert "Sign in again" in text, (name, text)
            assert "Qvbell" not in text, (name, text)
    assert read_at(pg_url, notice) is None


def test_a_person_reads_and_marks_only_their_own_notifications(
    backend: str, person: Person, pg_url: str
) -> None:
    me, other = person(), person("Case worker")  # no role is needed for one's own
    mine = tell(pg_url, me.id, "Qvbell mine")  # type: ignore[arg-type]
    also_mine = tell(pg_url, me.id, "Qvbell mine too")  # type: ignore[arg-type]
    theirs = tell(pg_url, other.id, "Qvbell theirs")  # type: ignore[arg-type]
    token = session_cookie(sign_in(backend, me.username))
    with Tab(backend, cookie=token) as tab:
        panel = json.dumps(tab.send(handler("set_panel_open"), {"is_open": True}, until="mine"))
        assert "Qvbell mine" in panel and "Qvbell theirs" not in panel

        refused = json.dumps(tab.send(handler("open_notice"), {"notification_id": theirs}))
        assert "not yours" in refused, refused
        assert read_at(pg_url, theirs) is None

        opened = json.dumps(tab.send(handler("open_notice"), {"notification_id": mine}))
        assert "Notifications, 1 unread" in opened, opened
        assert read_at(pg_url, mine) is not None and read_at(pg_url, also_mine) is None

        tab.send(handler("mark_all"))
        assert read_at(pg_url, also_mine) is not None
        assert read_at(pg_url, theirs) is None


def test_the_count_follows_new_notifications_without_a_click(
    backend: str, person: Person, pg_url: str
) -> None:
    me = person("Case worker")
    tell(pg_url, me.id, "Qvbell first")  # type: ignore[arg-type]
    token = session_cookie(sign_in(backend, me.username))
    with Tab(backend, cookie=token) as tab:
        started = json.dumps(tab.send(handler("follow"), until="1 unread", wait=5))
        assert "Notifications, 1 unread" in started, started
        tell(pg_url, me.id, "Qvbell second")  # type: ignore[arg-type]
        deadline = time.monotonic() + 8
        while "Notifications, 2 unread" not in json.dumps(tab.received):
            assert time.monotonic() < deadline, "the count did not follow"
            time.sleep(0.2)
