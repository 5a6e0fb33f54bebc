"""State of the referrals board (``/referrals``): columns from the workflow table, filters
kept in the address, "show more" per column, and moves by the cards' "Move to…" menus or by
dragging a card to another column.

Which referral a card is, and the version it was shown at, is kept server-side for the cards
on screen (``_shown``); a move names a card by id and the move service decides (a card
dragged to a column its status cannot reach is refused with the reason and stays where it
was, a stale card is refused with "This referral changed — reload"). A move that needs input
(a program, a staff member, a date, a reason) opens its form first.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from typing import Any

import reflex as rx
from sqlmodel import Session

from mtkcare.auth.guard import requires
from mtkcare.auth.permissions import Permission
from mtkcare.auth.service import Principal
from mtkcare.auth.state import (
    AppState,
    Refused,
    first_message,
    sign_in_is_open,
    tab_is_open,
)
from mtkcare.db import session_scope
from mtkcare.errors import DomainError, ValidationFailed
from mtkcare.fields import submitted
from mtkcare.referrals import board as b
from mtkcare.referrals import live
from mtkcare.referrals import page as view
from mtkcare.referrals.move_form import MOVE_FIELDS, MoveFormState
from mtkcare.referrals.moves import MoveInput, move_referral
from mtkcare.referrals.page import MoveChoice
from mtkcare.referrals.workflow import find_move, status_label
from mtkcare.ui.paging import clean_id

LISTEN_QUIET_SECONDS = 60.0


def _read_quietly(me: Principal, filters: dict[str, Any], per_column: dict[str, int]) -> b.Board:
    """The board again after someone else's change (no new LIST row: nothing new was asked
    for; the cards shown are the same query's)."""
    with session_scope() as db:
        return b.read_board(db, me, b.BoardFilters(**filters), shown=per_column, audit=False)


def _words(error: DomainError | None) -> str:
    if isinstance(error, ValidationFailed):
        return first_message(error)
    return error.message if error is not None else "refused"


def _options(pairs: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"value": v, "label": label} for v, label in pairs]


class BoardState(MoveFormState, AppState):
    status: str = "loading"  # loading | ready
    columns: list[b.Column] = []
    total: int = 0
    # Each column's "Move to…" choices by status: replaced only when they differ, so the
    # cards (memos) are not drawn again for a list that did not change.
    menus: dict[str, list[MoveChoice]] = {}
    # The filters as the form shows them (strings), and their choices.
    filters: dict[str, str] = {}
    program_choices: list[dict[str, str]] = []
    worker_choices: list[dict[str, str]] = []
    filter_errors: dict[str, str] = {}
    # A short message after a refused drag, read out to screen readers.
    announcement: str = ""

    # Backend only: the filters, each column's page size, the cards shown (id -> status,
    # version, tracking id) and the card whose move form is open.
    _filters: dict[str, Any] = {}
    _per_column: dict[str, int] = {}
    _shown: dict[int, tuple[str, int, str]] = {}
    _moving: int = 0
    _dragging: int = 0
    # Which listener for other people's changes is this tab's current one (see
    # follow_changes; 0: none): a listener that is no longer current ends.
    _listener: int = 0
    # Referrals this tab moved and redrew its board after: their announcements need no
    # second read (the follower skips a batch holding nothing else).
    _redrawn: set[int] = set()
    _listeners_started: int = 0

    # -- helpers (not callable from the browser)

    def _read(self, db: Session, me: Principal, *, audit: bool = True) -> b.Board:
        filters = b.BoardFilters(**self._filters)
        return b.read_board(db, me, filters, shown=self._per_column, audit=audit)

    def _show(self, board: b.Board) -> None:
        self.columns = board.columns
        self.total = board.total
        menus = {**self.menus, **{column.status: column.moves for column in board.columns}}
        if menus != self.menus:
            self.menus = menus
        self._shown = {
            card.id: (column.status, card.version, card.tracking_id)
            for column in board.columns
            for card in column.cards
        }
        self.status = "ready"

    async def _redraw(self, statuses: set[str]) -> Any:
        """After this tab's move: only the columns it changed, read again (the others stand;
        other people's changes arrive through the follower). Read off the event loop, so the
        answer already given (the card off its column) reaches the browser meanwhile."""
        wanted = [column.status for column in self.columns if column.status in statuses]
        if not wanted:
            return None
        filters, per_column = b.BoardFilters(**self._filters), dict(self._per_column)
        done = await asyncio.to_thread(
            self._call,
            lambda db, me: b.read_board(
                db, me, filters, shown=per_column, audit=False, only=wanted
            ),  # fmt: skip
        )
        if isinstance(done, Refused):
            return done.events
        fresh = {column.status: column for column in done.columns}
        columns = [fresh.get(column.status, column) for column in self.columns]
        self._show(b.Board(columns=columns, total=sum(column.count for column in columns)))
        return None

    def _reread(self, *, audit: bool = False) -> Any:
        done = self._call(lambda db, me: self._read(db, me, audit=audit))
        if isinstance(done, Refused):
            return done.events
        self._show(done)
        return None

    # -- page load and filters

    @requires(Permission.REFERRAL_VIEW)
    @rx.event
    def load(self) -> Iterator[Any]:
        """Page load: the filters the address names (a shared link opens the same view)."""
        self.status = "loading"
        self.move_target = ""
        self._per_column = {}
        yield
        wanted = b.filters_from_address(dict(self.router.url.query_parameters))
        try:
            filters = b.BoardFilters(**wanted)
        except Exception:
            filters = b.BoardFilters()
            yield rx.toast.warning("Some filters in the address were not understood")
        self._filters = filters.model_dump(exclude_defaults=True)
        self.filters = {
            name: ("on" if value is True else str(getattr(value, "value", value)))
            for name, value in self._filters.items()
        }

        def read(db: Session, me: Principal) -> tuple[b.Board, Any]:
            return self._read(db, me), b.board_choices(db, me)

        done = self._call(read)
        if isinstance(done, Refused):
            yield done.events
            return
        board, (programs, workers) = done
        self.program_choices = _options(programs)
        self.worker_choices = _options(workers)
        self._show(board)

    @requires(Permission.REFERRAL_VIEW)
    @rx.event
    def apply_filters(self, form_data: dict[str, Any]) -> Any:
        """The filter form: checked, then kept in the address (the page reloads from it)."""
        self.filter_errors = {}
        try:
            filters = b.BoardFilters(**submitted(b.BoardFilters, form_data))
        except ValidationFailed as exc:
            self.filter_errors = exc.errors
            return rx.toast.error(first_message(exc))
        except Exception:
            return rx.toast.error("Choose the filters from the lists")
        return rx.redirect(b.address_of(filters))

    @requires(Permission.REFERRAL_VIEW)
    @rx.event
    def clear_filters(self) -> Any:
        return rx.redirect("/referrals")

    @requires(Permission.REFERRAL_VIEW)
    @rx.event
    def show_more(self, status: str) -> Any:
        if status not in {c.status for c in self.columns}:
            return None
        self._per_column[status] = self._per_column.get(status, b.PER_COLUMN) + b.PER_COLUMN
        return self._reread(audit=True)

    @requires(Permission.REFERRAL_VIEW)
    @rx.event
    def refresh(self) -> Any:
        return self._reread()

    # -- other people's changes, live

    @requires(Permission.REFERRAL_VIEW)
    @rx.event(background=True)
    async def follow_changes(self) -> None:
        """Started when the board is shown: re-reads the board whenever a referral changes
        (``live.changes``: Redis pub/sub, or this process), until the board is left, the tab
        is gone or its sign-in has ended (checked on every change and every quiet minute)."""
        async with self:
            self._listeners_started += 1
            mine = self._listener = self._listeners_started
            me = self._principal
            token = self.router.session.client_token
        try:
            async for changed in live.changes(wait=LISTEN_QUIET_SECONDS):
                async with self:
                    filters, per_column = dict(self._filters), dict(self._per_column)
                    still = self._listener == mine and self.status == "ready"
                    drawn = bool(changed) and changed <= self._redrawn
                    if changed:
                        self._redrawn = self._redrawn - changed
                if not still or me is None or not tab_is_open(token):
                    return
                if not await asyncio.to_thread(sign_in_is_open, me.session_id):
                    return
                if not changed or drawn:
                    continue
                board = await asyncio.to_thread(_read_quietly, me, filters, per_column)
                async with self:
                    if self._listener == mine:
                        self._show(board)
        finally:
            async with self:
                if self._listener == mine:
                    self._listener = 0

    @requires(Permission.REFERRAL_VIEW)
    @rx.event
    def stop_following(self) -> None:
        """The board left the screen (another page): its listener ends."""
        self._listener = 0

    # -- moves

    def _take_off(self, referral_id: int, status: str) -> None:
        """The card moved away from ``status``: off that column at once (what it now shows
        where comes with the re-read that follows)."""
        self.columns = [
            replace(
                column,
                cards=[card for card in column.cards if card.id != referral_id],
                count=max(0, column.count - 1),
            )
            if column.status == status
            else column
            for column in self.columns
        ]

    async def _move_now(
        self, referral_id: int, target: str, data: dict[str, Any]
    ) -> AsyncIterator[Any]:
        status, version, tracking = self._shown[referral_id]
        done = self._call(
            lambda db, me: move_referral(
                db, me, referral_id, target, expected_version=version, **data
            ),
            on_invalid=self._show_errors if self.move_target else None,
        )
        if isinstance(done, Refused):
            if self.move_target and isinstance(done.error, ValidationFailed):
                yield done.events
                return
            self.move_target = ""
            self.announcement = f"{tracking} stays in {status_label(status)}: {_words(done.error)}"
            yield [*(self._reread() or []), *done.events]
            return
        self.move_target = ""
        self.announcement = f"{tracking} moved to {status_label(target)}"
        self._redrawn = {*self._redrawn, referral_id}
        # The mover sees the card leave at once; then the two columns it changed, read again.
        self._take_off(referral_id, status)
        yield rx.toast.success(f"Referral {tracking} is now {status_label(target).lower()}")
        yield await self._redraw({status, target})

    async def _start_move(self, referral_id: Any, target: Any) -> AsyncIterator[Any]:
        self.errors = {}
        card = clean_id(referral_id)
        if card is None or card not in self._shown or not isinstance(target, str):
            yield rx.toast.error("That card is no longer on the board: reload it.")
            return
        status, _version, tracking = self._shown[card]
        if target == status:
            return
        try:
            move = find_move(status, target)
        except Exception as exc:
            self.announcement = f"{tracking} stays in {status_label(status)}: {exc}"
            yield [*(self._reread() or []), rx.toast.error(str(exc))]
            return
        if not move.needs_input:
            async for step in self._move_now(card, target, {}):
                yield step
            return
        done = self._call(lambda db, me: view.move_form_choices(db, me, card, move.asks))
        if isinstance(done, Refused):
            yield done.events
            return
        self._moving = card
        title = f"{move.label}: {tracking}, {status_label(status)} → {status_label(target)}"
        self._open_move_form(move, title, done)

    @requires(Permission.REFERRAL_VIEW)
    @rx.event
    async def choose_move(self, referral_id: int, target: str) -> AsyncIterator[Any]:
        """A card's "Move to…" menu: the move, or its form when it needs input."""
        async for step in self._start_move(referral_id, target):
            yield step

    @requires(Permission.REFERRAL_VIEW)
    @rx.event
    def start_drag(self, referral_id: int) -> None:
        """A card picked up: remembered until it is dropped on a column."""
        card = clean_id(referral_id)
        self._dragging = card if card is not None and card in self._shown else 0

    @requires(Permission.REFERRAL_VIEW)
    @rx.event
    async def drop_on(self, target: str) -> AsyncIterator[Any]:
        """The card picked up, dropped on a column: the same as choosing that move from its
        menu (a refused move leaves the card where it was, and says why)."""
        card, self._dragging = self._dragging, 0
        if card:
            async for step in self._start_move(card, target):
                yield step

    @requires(Permission.REFERRAL_VIEW)
    @rx.event
    async def make_move(self, form_data: dict[str, Any]) -> AsyncIterator[Any]:
        self.errors = {}
        card, target = self._moving, self.move_target
        if card not in self._shown or not target:
            self.move_target = ""
            yield rx.toast.error("That card is no longer on the board: reload it.")
            return
        data = submitted(MoveInput, form_data, [n for n in self.move_asks if n in MOVE_FIELDS])
        async for step in self._move_now(card, target, data):
            yield step
