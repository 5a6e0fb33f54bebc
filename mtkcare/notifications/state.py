"""State of the notification bell in the header (on every page): the unread count, kept up to
date while the page is open, and the panel of the newest notifications.

The count is re-read every POLL_SECONDS by a background event started when the bell is
shown (one cheap indexed count). It ends when a newer page's bell has started its own, the
tab has gone or the sign-in has ended, like the board's listener."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import reflex as rx
from sqlmodel import Session

from mtkcare.auth.guard import signed_in
from mtkcare.auth.routes import safe_next
from mtkcare.auth.service import Principal, session_still_open
from mtkcare.auth.state import AppState, Refused, tab_is_open
from mtkcare.db import session_scope
from mtkcare.notifications.service import (
    NoticeView,
    mark_all_read,
    mark_read,
    my_notifications,
    unread_count,
)
from mtkcare.ui.paging import clean_id

POLL_SECONDS = 3.0
SHOWN = 20  # the panel's newest notifications


@dataclass(frozen=True)
class NoticeLine:
    id: int
    title: str
    body: str
    when: str
    unread: bool
    href: str  # "" when it leads nowhere in the app


def _lines(notices: list[NoticeView]) -> list[NoticeLine]:
    return [
        NoticeLine(
            id=n.id,
            title=n.title,
            body=n.body,
            when=n.when,
            unread=n.unread,
            # Only a path inside the app is ever a link (never another site).
            href=n.link if n.link and safe_next(n.link) == n.link else "",
        )
        for n in notices
    ]


def _read(db: Session, me: Principal) -> tuple[list[NoticeView], int]:
    return my_notifications(db, me, SHOWN), unread_count(db, me)


def _count_while_signed_in(me: Principal, panel_open: bool) -> tuple[int, list[NoticeView]] | None:
    """The unread count (and the panel's notifications, when it is open); None once the
    sign-in has ended."""
    with session_scope() as db:
        if not session_still_open(db, me.session_id):
            return None
        return unread_count(db, me), my_notifications(db, me, SHOWN) if panel_open else []


class NotificationsState(AppState):
    unread: int = 0
    notices: list[NoticeLine] = []
    status: str = "idle"  # idle | loading | ready: the panel's list
    panel_open: bool = False

    # Backend only: which background reader is the tab's current one (0: none), as the board.
    _reader: int = 0
    _readers_started: int = 0

    @rx.var
    def bell_label(self) -> str:
        return (
            f"Notifications, {self.unread} unread" if self.unread else "Notifications, none unread"
        )

    @rx.var
    def badge(self) -> str:
        return "99+" if self.unread > 99 else str(self.unread)

    def _show(self, notices: list[NoticeView], unread: int) -> None:
        self.notices = _lines(notices)
        self.unread = unread
        self.status = "ready"

    def _reload(self) -> Any:
        done = self._call(_read)
        if isinstance(done, Refused):
            return done.events
        self._show(*done)
        return None

    @signed_in
    @rx.event(background=True)
    async def follow(self) -> None:
        """Started when the bell is shown: the count now, then every POLL_SECONDS."""
        async with self:
            self._readers_started += 1
            mine = self._reader = self._readers_started
            me = self._principal
            token = self.router.session.client_token
        if me is None or me.user_id is None:
            return
        panel_open = False  # as last seen: its list is read too while it is open
        try:
            while tab_is_open(token):
                read = await asyncio.to_thread(_count_while_signed_in, me, panel_open)
                if read is None:
                    return
                count, notices = read
                async with self:
                    if self._reader != mine:
                        return
                    if count != self.unread:
                        self.unread = count
                        if panel_open and self.panel_open:
                            self.notices = _lines(notices)
                    panel_open = self.panel_open
                await asyncio.sleep(POLL_SECONDS)
        finally:
            async with self:
                if self._reader == mine:
                    self._reader = 0

    @signed_in
    @rx.event
    def set_panel_open(self, is_open: bool) -> Iterator[Any]:
        """The panel opened (its list is read then) or closed."""
        self.panel_open = is_open is True
        if not self.panel_open:
            return
        self.status = "loading"
        yield
        yield self._reload()

    @signed_in
    @rx.event
    def open_notice(self, notification_id: int) -> Any:
        """A notification's link was followed (it opens by itself): it is read now."""
        notice = clean_id(notification_id)
        if notice is None:
            return None
        self.panel_open = False

        def read_it(db: Session, me: Principal) -> int:
            mark_read(db, me, notice)
            return unread_count(db, me)

        done = self._call(read_it)
        if isinstance(done, Refused):
            return done.events
        self.unread = done
        self.notices = [
            dataclasses.replace(line, unread=False) if line.id == notice else line
            for line in self.notices
        ]
        return None

    @signed_in
    @rx.event
    def mark_all(self) -> Any:
        done = self._call(lambda db, me: mark_all_read(db, me))
        if isinstance(done, Refused):
            return done.events
        return [*(self._reload() or []), rx.toast.success("All notifications marked read")]
