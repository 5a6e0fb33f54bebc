"""State of the referral page (``/referrals/view?id=N`` or ``?ref=REF-…``): the referral,
its timeline, consent records and notes, and the moves this user may make now.

The referral the page opened is kept server-side (``_referral_id``), with the version it was
read at (``_version``): a move made from an out-of-date page is refused by the move service
("This referral changed — reload") rather than overwriting someone else's change. A move's
form shows the fields the workflow table says it asks for (``Move.asks``), drawn from their
declarations in ``moves.MoveInput``; the target comes from the browser but the move service
decides whether it is allowed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import reflex as rx
from sqlmodel import Session

from mtkcare.auth.guard import requires
from mtkcare.auth.permissions import Permission
from mtkcare.auth.service import Principal
from mtkcare.auth.state import AppState, Refused
from mtkcare.errors import EditConflict
from mtkcare.fields import submitted
from mtkcare.referrals import page as view
from mtkcare.referrals.duplicate_check import dismiss_possible_duplicate, link_referral_to_client
from mtkcare.referrals.move_form import MOVE_FIELDS, MoveFormState
from mtkcare.referrals.moves import MoveInput, move_referral
from mtkcare.referrals.workflow import find_move, status_label
from mtkcare.ui.forms import form_summary
from mtkcare.ui.paging import clean_id

NOTE_FORM = "note"

EMPTY = view.ReferralPage(
    id=0, tracking_id="", version=0, status="", status_label="", is_open=False, client_id=0,
    client_name="", program_id=0, program_name="", service_type="", worker="", priority="",
    source="", referrer="", external_reference="", partner_consent="", referral_date="", received="", reason="", follow_up_date="",
    commencement_date="", consent="", decline="", timeline=[], consents=[], notes=[], moves=[],
)  # fmt: skip


def options_of(options: list[view.Option]) -> list[dict[str, str]]:
    return [{"value": o.value, "label": o.label} for o in options]


class ReferralPageState(MoveFormState, AppState):
    status: str = "loading"  # loading | ready | not_found
    referral: view.ReferralPage = EMPTY
    can_note: bool = False
    can_see_documents: bool = False
    can_resolve_duplicate: bool = False

    note_errors: dict[str, str] = {}
    note_key: int = 0

    _referral_id: int = 0
    _version: int = 0
    # The client the referral is flagged as a possible duplicate of, as the server read it.
    _duplicate_id: int = 0

    @rx.var
    def heading(self) -> str:
        if self.status == "ready":
            return f"Referral {self.referral.tracking_id}"
        if self.status == "not_found":
            return "No such referral"
        return "Referral"

    @rx.var
    def note_error_list(self) -> list[dict[str, str]]:
        return form_summary(self.note_errors, NOTE_FORM, ("text",))

    # -- helpers (not callable from the browser)

    def _show(self, page: view.ReferralPage) -> None:
        self._referral_id = page.id
        self._version = page.version
        self.referral = page
        self.can_note = self._can(Permission.REFERRAL_CREATE)
        self.can_see_documents = self._can(Permission.DOCUMENT_VIEW)
        self._duplicate_id = page.duplicate.client_id if page.duplicate.shown else 0
        self.can_resolve_duplicate = self._can(Permission.REFERRAL_ASSIGN) and self._can(
            Permission.CLIENT_VIEW
        )
        self.status = "ready"

    def _not_found(self) -> None:
        self.reset()
        self._referral_id = self._version = self._duplicate_id = 0
        self.status = "not_found"

    def _reread(self) -> Any:
        done = self._call(lambda db, me: view.reread_referral(db, me, self._referral_id))
        if isinstance(done, Refused):
            self._not_found()
            return done.events
        self._show(done)
        return None

    # -- page load

    @requires(Permission.REFERRAL_VIEW)
    @rx.event
    def load(self) -> Iterator[Any]:
        """Page load: the referral named by ``?id=`` or ``?ref=`` (one audited view)."""
        self._not_found()
        self.status = "loading"
        yield
        query = self.router.url.query_parameters
        referral_id = clean_id(query.get("id"))
        tracking = str(query.get("ref") or "")[:40]
        if referral_id is None and not tracking:
            self._not_found()
            return

        def open_(db: Session, me: Principal) -> view.ReferralPage:
            wanted = referral_id or view.find_referral_id(db, me, tracking)
            return view.open_referral(db, me, wanted)

        done = self._call(open_)
        if isinstance(done, Refused):
            self._not_found()
            return
        self._show(done)

    # -- moves

    @requires(Permission.REFERRAL_VIEW)
    @rx.event
    def open_move(self, target: str) -> Any:
        """The form of the move to ``target`` (only a move this user may make now is offered;
        the move service checks again when it is made)."""
        self.errors = {}
        allowed = {m.target: m.label for m in self.referral.moves}
        if self._referral_id <= 0 or target not in allowed:
            return rx.toast.error("That move is not available: reload the page.")
        move = find_move(self.referral.status, target)
        done = self._call(
            lambda db, me: view.move_form_choices(db, me, self._referral_id, move.asks)
        )
        if isinstance(done, Refused):
            return done.events
        title = f"{move.label}: {status_label(self.referral.status)} → {status_label(target)}"
        self._open_move_form(move, title, done)
        return None

    def _show_note_errors(self, errors: dict[str, str]) -> None:
        self.note_errors = errors

    @requires(Permission.REFERRAL_VIEW)
    @rx.event
    def make_move(self, form_data: dict[str, Any]) -> Iterator[Any]:
        self.errors = {}
        target = self.move_target
        if self._referral_id <= 0 or not target:
            yield rx.toast.error("Nothing to move: reload the page.")
            return
        data = submitted(MoveInput, form_data, [n for n in self.move_asks if n in MOVE_FIELDS])
        self.saving = True
        yield
        version = self._version
        done = self._call(
            lambda db, me: move_referral(
                db, me, self._referral_id, target, expected_version=version, **data
            ),
            on_invalid=self._show_errors,
        )
        self.saving = False
        if isinstance(done, Refused):
            if isinstance(done.error, EditConflict):
                self.move_target = ""
                self._reread()
            yield done.events
            return
        self.move_target = ""
        self._reread()
        yield rx.toast.success(
            f"Referral {self.referral.tracking_id} is now {status_label(target).lower()}"
        )

    # -- notes

    @requires(Permission.REFERRAL_CREATE)
    @rx.event
    def add_note(self, form_data: dict[str, Any]) -> Any:
        self.note_errors = {}
        if self._referral_id <= 0:
            return rx.toast.error("Nothing to add a note to: reload the page.")
        data = submitted(view.NoteInput, form_data)
        done = self._call(
            lambda db, me: view.add_referral_note(db, me, self._referral_id, **data),
            on_invalid=self._show_note_errors,
        )
        if isinstance(done, Refused):
            return done.events
        self.note_key += 1
        self._reread()
        return rx.toast.success("Note added")

    # -- possible duplicate (the partner API's duplicate check)

    def _refused(self, done: Refused) -> Any:
        if isinstance(done.error, EditConflict):  # decided or changed meanwhile: show it
            self._reread()
        return done.events

    @requires(Permission.REFERRAL_ASSIGN)
    @rx.event
    def link_duplicate(self) -> Any:
        """Move the referral to the existing client it was flagged with (the one the server
        read, never an id from the browser)."""
        if self._referral_id <= 0 or self._duplicate_id <= 0:
            return rx.toast.error("There is nothing to link: reload the page.")
        referral_id, client_id, version = self._referral_id, self._duplicate_id, self._version
        done = self._call(
            lambda db, me: link_referral_to_client(
                db, me, referral_id, client_id, expected_version=version
            )
        )
        if isinstance(done, Refused):
            return self._refused(done)
        self._reread()
        left = ""
        if done.left_deleted:
            left = f" The new record for {done.left_behind} held nothing else and was deleted."
        elif done.left_behind:
            left = f" The new record for {done.left_behind} was kept: it holds other information."
        return rx.toast.success(
            f"Referral {done.tracking_id} is now linked to {done.client_name}.{left}"
        )

    @requires(Permission.REFERRAL_ASSIGN)
    @rx.event
    def dismiss_duplicate(self) -> Any:
        """The referral's client is someone else: clear the flag (on the record)."""
        if self._referral_id <= 0 or self._duplicate_id <= 0:
            return rx.toast.error("There is nothing to check: reload the page.")
        referral_id, version = self._referral_id, self._version
        done = self._call(
            lambda db, me: dismiss_possible_duplicate(db, me, referral_id, expected_version=version)
        )
        if isinstance(done, Refused):
            return self._refused(done)
        self._reread()
        return rx.toast.success("Noted: not a duplicate. The referral stays with its client.")
