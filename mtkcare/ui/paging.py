"""What every server-paged list state shares: the page's rows and counts, "Showing 1–25 of
1,284", Previous/Next, a loading flag, and cleaning of what the browser sends.

A list state mixes ``PagedList`` into its ``AppState`` subclass, implements ``_fetch(page)``
(one service call, then ``_show(result, rows)``; it returns what to send the browser instead
when the service refused, e.g. ``Refused.events``) and declares its own handlers. A state may
narrow ``rows`` to its own typed view (``rows: list[UserLine] = []``)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Protocol

import reflex as rx

SEARCH_MAX_LENGTH = 100


class PageResult(Protocol):
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int: ...


def clean_page(value: Any) -> int:
    """A page number from the browser: a positive int, anything else means page 1."""
    if isinstance(value, bool):
        return 1
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int):
        return 1
    return max(1, min(value, 1_000_000))


MAX_ID = 2**31 - 1  # the largest id a PostgreSQL integer key holds


def clean_id(value: Any) -> int | None:
    """A record id from the browser (address, form, event): a positive int or its digits;
    anything else is None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or not 0 < value <= MAX_ID:
        return None
    return value


def clean_search(value: Any) -> str:
    """A search term from the browser: a string, trimmed and cut to a sane length."""
    if not isinstance(value, str):
        return ""
    return " ".join(value.split())[:SEARCH_MAX_LENGTH]


class PagedList(rx.State, mixin=True):  # type: ignore[call-arg]
    rows: list[dict[str, str]] = []
    total: int = 0
    page: int = 1
    pages: int = 1
    page_size: int = 25
    search_term: str = ""
    loading: bool = False
    loaded: bool = False

    @rx.var
    def showing_text(self) -> str:
        if self.total == 0:
            return "Showing 0 of 0"
        first = (self.page - 1) * self.page_size + 1
        last = min(self.page * self.page_size, self.total)
        return f"Showing {first:,}–{last:,} of {self.total:,}"

    @rx.var
    def has_previous(self) -> bool:
        return self.page > 1

    @rx.var
    def has_next(self) -> bool:
        return self.page < self.pages

    def _fetch(self, page: int) -> Any:
        raise NotImplementedError

    def _show(self, result: PageResult, rows: Sequence[Any]) -> None:
        self.rows = list(rows)
        self.total = result.total
        self.page = result.page
        self.pages = result.pages
        self.page_size = result.page_size
        self.loaded = True

    def _show_or_refuse(self, done: Any, rows: Sequence[Any] | None = None) -> Any:
        """A ``_fetch``'s ending: the page a service call returned (its rows, or ``rows`` made
        from them), or the refusal's events when the call did not go through."""
        from mtkcare.auth.state import Refused

        if isinstance(done, Refused):
            return done.events
        self._show(done, done.rows if rows is None else rows)
        return None

    def _load(self, page: int) -> Iterator[Any]:
        self.loading = True
        yield
        try:
            refused = self._fetch(page)
        finally:
            self.loading = False
        if refused:
            yield refused
