"""State of a client's record page (``/clients/view?id=N``): the page and one sub-state per tab.

The client being looked at is kept server-side (``_client_id``) from the moment the page
opened it through ``open_client_record`` (authorised and audited once per page load); every
later handler works on that id only, never on an id sent back by the browser. The version
the profile form was opened on is kept the same way (``_version``), so a save on an
out-of-date form is refused instead of overwriting someone else's change.

What the browser receives are small typed views chosen in ``mtkcare.clients.record``: risk
only for those who may see risk, referrals and enrolments only for those who may see them.
Fields are shown and asked for from their declarations (``mtkcare.fields``); a tab names
its fields in a layout and nothing else.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import reflex as rx
from sqlmodel import Session

from mtkcare import dates
from mtkcare.auth.guard import requires
from mtkcare.auth.permissions import Permission
from mtkcare.auth.service import Principal
from mtkcare.auth.state import AppState, Refused
from mtkcare.clients import record as rec
from mtkcare.clients.record_views import (
    Assessment,
    assessment_view,
    deleted_note,
)
from mtkcare.clients.service import (
    delete_client,
    restore_client,
)
from mtkcare.db import session_scope
from mtkcare.errors import EditConflict, NotAllowed, NotFound
from mtkcare.fields import Layout, names
from mtkcare.ui import routes
from mtkcare.ui.forms import form_summary
from mtkcare.ui.paging import clean_id

# --------------------------------------------------------------------------------------------
# The page


class ClientRecordState(AppState):
    status: str = "loading"  # loading | ready | not_found
    full_name: str = ""
    born: str = ""
    age: str = ""
    known_as: str = ""
    is_deleted: bool = False
    deleted_note: str = ""
    # The current assessment, only for those who may see risk (else left as it is here).
    risk: Assessment = Assessment("", "Not assessed", "", "", "", "")

    # What this user may do here (the handlers check again on the server, as do the services).
    can_edit: bool = False
    can_delete: bool = False
    show_risk: bool = False
    show_referrals: bool = False
    show_enrolments: bool = False
    show_documents: bool = False

    # Backend only: the client this page opened, and the version the record was read at.
    _client_id: int = 0
    _loaded_version: int = 0

    @rx.var
    def heading(self) -> str:
        if self.status == "ready":
            return self.full_name or "Client"
        if self.status == "not_found":
            return "No such client"
        return "Client record"

    @rx.var
    def can_assess(self) -> bool:
        return self.show_risk and self.can_edit

    # -- helpers (not callable from the browser)

    async def _tabs(self) -> AsyncIterator[RecordTab]:
        for cls in RecordTab.__subclasses__():
            yield await self.get_state(cls)

    async def _show(self, db: Session, record: rec.ClientRecord) -> None:
        """The whole page from ``record`` (read in the caller's transaction)."""
        actor = self._acting()
        self._client_id = record.id
        self._loaded_version = record.version
        self.full_name = record.full_name
        self.born = dates.day(record.date_of_birth)
        self.age = str(record.age)
        self.known_as = record.preferred_name
        self.is_deleted = record.is_deleted
        self.deleted_note = deleted_note(record)
        self.risk = (
            assessment_view(record.risk)
            if record.risk is not None
            else Assessment("", "Not assessed", "", "", "", "")
        )
        self.can_edit = self._can(Permission.CLIENT_EDIT)
        self.can_delete = self._can(Permission.CLIENT_DELETE)
        self.show_risk = record.risk is not None
        self.show_referrals = self._can(Permission.REFERRAL_VIEW)
        self.show_enrolments = self._can(Permission.PROGRAM_VIEW)
        self.show_documents = self._can(Permission.DOCUMENT_VIEW)
        async for tab in self._tabs():
            tab._fill(db, actor, record)
        self.status = "ready"

    async def _reread(self, db: Session) -> None:
        await self._show(db, rec.reread_client_record(db, self._acting(), self._client_id))

    async def _not_found(self) -> None:
        self.reset()
        async for tab in self._tabs():
            tab.reset()
        self._client_id = self._loaded_version = 0
        self.status = "not_found"

    def _ready(self) -> bool:
        return self.status == "ready" and self._client_id > 0

    # -- page load, refresh after a change, delete, restore

    # -- page load, delete, restore

    @requires(Permission.CLIENT_VIEW)
    @rx.event
    async def load(self) -> AsyncIterator[None]:
        """Page load: the client named by ``?id=`` in the address (one audited view)."""
        await self._not_found()
        self.status = "loading"
        yield
        client_id = clean_id(self.router.url.query_parameters.get("id"))
        if client_id is None:
            await self._not_found()
            return
        try:
            with session_scope() as db:
                await self._show(db, rec.open_client_record(db, self._acting(), client_id))
        except (NotFound, NotAllowed):
            await self._not_found()

    @requires(Permission.CLIENT_VIEW)
    @rx.event
    async def refresh(self) -> None:
        """The record again, after a change made on this page (opened and audited already)."""
        if not self._ready():
            return
        try:
            with session_scope() as db:
                await self._reread(db)
        except (NotFound, NotAllowed):
            await self._not_found()

    @requires(Permission.CLIENT_DELETE)
    @rx.event
    def delete(self) -> Any:
        if not self._ready() or self.is_deleted:
            return rx.toast.error("Reload the page and try again")
        done = self._call(lambda db, me: delete_client(db, me, self._client_id).full_name)
        if isinstance(done, Refused):
            return done.events
        return [
            rx.toast.success(
                f"{done} was deleted. Their referrals are kept; you can restore them from "
                "this page."
            ),
            ClientRecordState.refresh,
        ]

    @requires(Permission.CLIENT_DELETE)
    @rx.event
    def restore(self) -> Any:
        if not self._ready() or not self.is_deleted:
            return rx.toast.error("Reload the page and try again")
        done = self._call(lambda db, me: restore_client(db, me, self._client_id).full_name)
        if isinstance(done, Refused):
            return done.events
        return [
            rx.toast.success(f"{done} was restored, with their referrals"),
            ClientRecordState.refresh,
        ]


class RecordTab(ClientRecordState):
    """One tab of the record: what it shows and, where it has one, its form."""

    editing: bool = False
    conflict: str = ""  # someone else changed the client since the form opened
    errors: dict[str, str] = {}
    error_list: list[dict[str, str]] = []
    form_key: int = 0

    def _fill(self, db: Session, actor: Principal, record: rec.ClientRecord) -> None:
        """Takes what this tab shows from the record (and the database)."""
        self.editing = False
        self._clear()

    def _clear(self) -> None:
        self.errors = {}
        self.error_list = []
        self.conflict = ""

    def _open(self) -> None:
        self._clear()
        self.form_key += 1
        self.editing = True

    def _may_open(self, *needs: Permission) -> bool:
        return self._ready() and not self.is_deleted and all(self._can(p) for p in needs)

    def _invalid(self, form: str, layout: Layout) -> Callable[[dict[str, str]], None]:
        def show(errors: dict[str, str]) -> None:
            self.errors = errors
            page = f"{routes.CLIENT}?id={self._client_id}"  # the links keep the record open
            self.error_list = form_summary(errors, form, names(layout), page)

        return show

    def _save(self, work: Callable[[Session, Principal], str], form: str, layout: Layout) -> Any:
        """A form's save (only of a form this page opened): on bad input its field messages
        and error summary (an edit conflict's message stays on the form too), else the form
        closes, the message ``work`` returned is shown and the record is read again."""
        if not self._ready() or not self.editing:
            return rx.toast.error("Reload the page and try again")
        self._clear()
        done = self._call(work, on_invalid=self._invalid(form, layout))
        if isinstance(done, Refused):
            if isinstance(done.error, EditConflict):
                self.conflict = done.error.message
            return done.events
        self.editing = False
        return [rx.toast.success(done), ClientRecordState.refresh]

    @requires(Permission.CLIENT_VIEW)
    @rx.event
    def close(self) -> None:
        self._clear()
        self.editing = False
