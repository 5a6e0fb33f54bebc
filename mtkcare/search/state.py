"""State of the search box in the header (on every page): what was searched, the results as
options of a listbox, which one the arrow keys are on, and whether the list is open.

The box sends what was typed once typing pauses; the results come from one service call
(``search_records``: only what this user may see, audited). The arrow keys, Enter and
Escape are sent here too (and no other key), so the active option is known on the server
and Enter opens a link the server chose, never one the browser names."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import reflex as rx

from mtkcare.auth.guard import signed_in
from mtkcare.auth.state import AppState, Refused
from mtkcare.search.service import MIN_CHARS, Hit, SearchResults, search_records
from mtkcare.ui.paging import clean_search

OPTION_ID = "global-search-option-"  # + the option's place in the list
NAVIGATION_KEYS = ("ArrowDown", "ArrowUp", "Enter", "Escape")


@dataclass(frozen=True)
class Option:
    key: str  # its element id, for aria-activedescendant
    href: str
    title: str
    detail: str


def _options(hits: list[Hit], start: int) -> list[Option]:
    return [
        Option(key=f"{OPTION_ID}{start + n}", href=h.href, title=h.title, detail=h.detail)
        for n, h in enumerate(hits)
    ]


def _count(n: int, what: str) -> str:
    return f"{n} {what}" if n == 1 else f"{n} {what}s"


class SearchState(AppState):
    term: str = ""
    status: str = "idle"  # idle | loading | ready
    is_open: bool = False
    clients: list[Option] = []
    referrals: list[Option] = []
    more_clients: bool = False
    more_referrals: bool = False
    active: str = ""  # the key of the option the arrow keys are on; "" for none

    # Backend only: the options in list order, and where each leads.
    _order: list[str] = []
    _links: dict[str, str] = {}

    @rx.var
    def summary(self) -> str:
        """What the list holds, in words (read out to screen readers as it changes)."""
        if self.status == "loading":
            return "Searching…"
        if self.status != "ready":
            return ""
        if not self.clients and not self.referrals:
            return f"No clients or referrals match “{self.term}”"
        found = (
            f"{_count(len(self.clients), 'client')} and {_count(len(self.referrals), 'referral')}"
        )
        if self.more_clients or self.more_referrals:
            return f"First {found}: more match, keep typing to narrow"
        return found

    def _clear(self) -> None:
        self.term = ""
        self.status = "idle"
        self.is_open = False
        self.clients, self.referrals = [], []
        self.more_clients = self.more_referrals = False
        self.active = ""
        self._order, self._links = [], {}

    def _show(self, found: SearchResults) -> None:
        self.clients = _options(found.clients, 0)
        self.referrals = _options(found.referrals, len(found.clients))
        self.more_clients, self.more_referrals = found.more_clients, found.more_referrals
        options = [*self.clients, *self.referrals]
        self._order = [o.key for o in options]
        self._links = {o.key: o.href for o in options}
        self.active = ""
        self.status = "ready"

    @signed_in
    @rx.event
    def find(self, text: str) -> Iterator[Any]:
        """What was typed, once typing paused (fewer than MIN_CHARS characters: nothing)."""
        term = clean_search(text)
        if len(term) < MIN_CHARS:
            self._clear()
            return
        self.term, self.status, self.is_open, self.active = term, "loading", True, ""
        yield
        done = self._call(lambda db, me: search_records(db, me, term))
        if isinstance(done, Refused):
            self._clear()
            yield done.events
            return
        self._show(done)

    @signed_in
    @rx.event
    def navigate(self, key: str) -> Any:
        """ArrowDown / ArrowUp move through the options (round the ends), Enter opens the
        active one, Escape closes the list."""
        if key == "Escape":
            self.is_open, self.active = False, ""
            return None
        # Only an open list is navigated: a closed one may be from an earlier page's box.
        if not self.is_open or self.status != "ready" or not self._order:
            return None
        if key in ("ArrowDown", "ArrowUp"):
            step = 1 if key == "ArrowDown" else -1
            at = self._order.index(self.active) if self.active in self._order else -1
            if at == -1 and step == -1:
                at = 0
            self.active = self._order[(at + step) % len(self._order)]
            return None
        if key == "Enter" and self.active in self._links:
            link = self._links[self.active]
            self._clear()
            return rx.redirect(link)
        return None

    @signed_in
    @rx.event
    def dismiss(self) -> None:
        """The box lost focus: the list closes (typing again reopens it)."""
        self.is_open, self.active = False, ""

    @signed_in
    @rx.event
    def chosen(self) -> None:
        """An option was clicked (its link opens by itself): the search is done."""
        self._clear()
