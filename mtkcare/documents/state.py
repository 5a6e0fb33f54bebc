"""The documents panel's state, on a client's record (its Documents tab) and a referral's page:
the list, the upload form's choices, and the dialogs for versions, access, history and
deleting. Which client or referral it shows comes from the page's address; the services decide
what this user may see and do (a handler only asks)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import reflex as rx
from sqlmodel import Session, col, select

from mtkcare.auth.guard import requires
from mtkcare.auth.permissions import Permission
from mtkcare.auth.service import Principal
from mtkcare.auth.state import AppState, Refused
from mtkcare.db import session_scope
from mtkcare.documents.service import (
    LEVEL_WORDS,
    DocumentLine,
    access_choices,
    access_history,
    change_access,
    delete_document,
    levels_for,
    list_documents,
    restore_document,
)
from mtkcare.reference.models import DocumentTypeOption
from mtkcare.ui.paging import clean_id

# The access form's checkboxes: "named-<user id>".
NAMED = "named-"

# While a document is being stored, the panel looks again this often, for at most this long.
WATCH_SECONDS = 1.5
WATCH_FOR_SECONDS = 180.0


@dataclass(frozen=True)
class HistoryLine:
    when: str
    who: str
    action: str
    version: str
    address: str


def _type_options(db: Session) -> list[dict[str, str]]:
    rows = db.exec(
        select(DocumentTypeOption)
        .where(col(DocumentTypeOption.is_active))
        .order_by(col(DocumentTypeOption.sort_order), col(DocumentTypeOption.label))
    ).all()
    return [
        {"value": t.code, "label": t.label, "expires": "yes" if t.expires else ""} for t in rows
    ]


class DocumentsPanelState(AppState):
    # What the panel is on: "client" or "referral", and its id (from the page's address).
    kind: str = ""
    target_id: int = 0
    loaded: bool = False
    lines: list[DocumentLine] = []
    showing_deleted: bool = False
    can_upload: bool = False
    can_manage: bool = False
    type_options: list[dict[str, str]] = []
    level_options: list[dict[str, str]] = []
    # The upload form: the chosen type (its expiry field shows for types that expire) and,
    # for a new version, the document it replaces.
    upload_type: str = ""
    replacing_id: int = 0
    replacing_title: str = ""
    # Dialogs: versions and history of one document; its access level.
    dialog: str = ""  # "" | versions | history | access
    dialog_title: str = ""
    dialog_id: int = 0
    versions: list[DocumentLine] = []
    history: list[HistoryLine] = []
    access_choice: str = ""
    # The access form's staff to name on a confidential document (id, name, named now).
    staff_choices: list[dict[str, str]] = []

    _watching: bool = False

    @rx.var
    def upload_expires(self) -> bool:
        return any(t["value"] == self.upload_type and t["expires"] for t in self.type_options)

    @rx.var
    def pending(self) -> bool:
        return any(line.status == "PENDING" for line in self.lines)

    # -- helpers

    def _where(self) -> dict[str, int]:
        return {f"{self.kind}_id": self.target_id} if self.kind else {}

    def _read(self, db: Session, me: Principal) -> list[DocumentLine]:
        return list_documents(db, me, include_deleted=self.showing_deleted, **self._where())

    def _reread(self) -> Any:
        done = self._call(self._read)
        if isinstance(done, Refused):
            return done.events
        self.lines = done
        return None

    # -- load

    @requires(Permission.DOCUMENT_VIEW)
    @rx.event
    def load(self, kind: str) -> Any:
        """The panel came on screen: the documents of the client or referral in the address."""
        target = clean_id(self.router.url.query_parameters.get("id"))
        if kind not in ("client", "referral") or target is None:
            self.loaded, self.lines = True, []
            return None
        self.kind, self.target_id = kind, target
        self.showing_deleted = False
        self.dialog = ""
        self._cancel_replacing()
        me = self._principal
        self.can_upload = me is not None and me.can(Permission.DOCUMENT_UPLOAD)
        self.can_manage = me is not None and me.can(Permission.DOCUMENT_MANAGE)
        self.level_options = [
            {"value": level.value, "label": LEVEL_WORDS[level.value]}
            for level in (levels_for(me) if me is not None else [])
        ]

        def read(db: Session, me: Principal) -> tuple[list[DocumentLine], list[dict[str, str]]]:
            return self._read(db, me), _type_options(db)

        done = self._call(read)
        self.loaded = True
        if isinstance(done, Refused):
            self.lines = []
            return done.events
        self.lines, self.type_options = done
        return DocumentsPanelState.watch_pending if self.pending else None

    @requires(Permission.DOCUMENT_VIEW)
    @rx.event
    def refresh(self) -> Any:
        """An upload finished (the page's uploader says so): the list again, and watch any
        document still being stored."""
        if not self.kind:
            return None
        self._cancel_replacing()
        events = self._reread()
        if events:
            return events
        return DocumentsPanelState.watch_pending if self.pending else None

    @requires(Permission.DOCUMENT_VIEW)
    @rx.event(background=True)
    async def watch_pending(self) -> None:
        """Looks again every 1.5 s while a document is being stored (3 minutes at most)."""
        async with self:
            if self._watching:
                return
            self._watching = True
        try:
            waited = 0.0
            while waited < WATCH_FOR_SECONDS:
                await asyncio.sleep(WATCH_SECONDS)
                waited += WATCH_SECONDS
                async with self:
                    me, where, deleted = self._principal, self._where(), self.showing_deleted
                if me is None or not where:
                    return
                lines = await asyncio.to_thread(_read_quietly, me, where, deleted)
                async with self:
                    self.lines = lines
                    if not self.pending:
                        return
        finally:
            async with self:
                self._watching = False

    @requires(Permission.DOCUMENT_VIEW)
    @rx.event
    def choose_type(self, code: str) -> None:
        self.upload_type = code if isinstance(code, str) else ""

    # -- new version

    @requires(Permission.DOCUMENT_UPLOAD)
    @rx.event
    def start_new_version(self, document_id: int) -> Any:
        """The upload form now adds a new version of this document."""
        line = next((x for x in self.lines if x.id == clean_id(document_id)), None)
        if line is None or not line.can_open:
            return rx.toast.error("That document cannot take a new version now.")
        self.replacing_id, self.replacing_title = line.id, line.title
        return None

    @requires(Permission.DOCUMENT_UPLOAD)
    @rx.event
    def cancel_new_version(self) -> None:
        self._cancel_replacing()

    def _cancel_replacing(self) -> None:
        self.replacing_id, self.replacing_title = 0, ""

    # -- dialogs

    def _shown(self, document_id: Any) -> DocumentLine | None:
        wanted = clean_id(document_id)
        return next((x for x in self.lines if x.id == wanted), None)

    @requires(Permission.DOCUMENT_VIEW)
    @rx.event
    def show_versions(self, document_id: int) -> Any:
        line = self._shown(document_id)
        if line is None:
            return None
        done = self._call(lambda db, me: list_documents(db, me, versions_of=line.id))
        if isinstance(done, Refused):
            return done.events
        self.versions = sorted(done, key=lambda d: -d.version)
        self.dialog, self.dialog_id, self.dialog_title = "versions", line.id, line.title
        return None

    @requires(Permission.DOCUMENT_VIEW)
    @rx.event
    def show_history(self, document_id: int) -> Any:
        line = self._shown(document_id)
        if line is None:
            return None
        done = self._call(lambda db, me: access_history(db, me, line.id))
        if isinstance(done, Refused):
            return done.events
        self.history = [HistoryLine(*row) for row in done]
        self.dialog, self.dialog_id, self.dialog_title = "history", line.id, line.title
        return None

    @requires(Permission.DOCUMENT_MANAGE)
    @rx.event
    def show_access(self, document_id: int) -> Any:
        line = self._shown(document_id)
        if line is None:
            return None
        done = self._call(lambda db, me: access_choices(db, me, line.id))
        if isinstance(done, Refused):
            return done.events
        named, people = done
        self.staff_choices = [
            {"id": str(i), "name": name, "named": "yes" if i in named else ""} for i, name in people
        ]
        self.access_choice = line.access
        self.dialog, self.dialog_id, self.dialog_title = "access", line.id, line.title
        return None

    @requires(Permission.DOCUMENT_VIEW)
    @rx.event
    def close_dialog(self, is_open: bool = False) -> None:
        if not is_open:
            self.dialog = ""

    @requires(Permission.DOCUMENT_MANAGE)
    @rx.event
    def save_access(self, form_data: dict[str, Any]) -> Any:
        level = form_data.get("access_level") if isinstance(form_data, dict) else None
        document_id = self.dialog_id
        if self.dialog != "access" or not isinstance(level, str):
            return rx.toast.error("Reload the page and try again")
        done = self._call(lambda db, me: change_access(db, me, document_id, access_level=level))
        if isinstance(done, Refused):
            return done.events
        self.dialog = ""
        return [
            *(self._reread() or []),
            rx.toast.success(f"Access is now {LEVEL_WORDS[level].lower()}"),
        ]

    # -- delete, restore

    @requires(Permission.DOCUMENT_MANAGE)
    @rx.event
    def delete(self, document_id: int) -> Any:
        line = self._shown(document_id)
        if line is None:
            return None
        done = self._call(lambda db, me: delete_document(db, me, line.id))
        if isinstance(done, Refused):
            return done.events
        return [*(self._reread() or []), rx.toast.success(f"“{line.title}” was deleted")]

    @requires(Permission.DOCUMENT_MANAGE)
    @rx.event
    def restore(self, document_id: int) -> Any:
        line = self._shown(document_id)
        if line is None:
            return None
        done = self._call(lambda db, me: restore_document(db, me, line.id))
        if isinstance(done, Refused):
            return done.events
        return [*(self._reread() or []), rx.toast.success(f"“{line.title}” was restored")]

    @requires(Permission.DOCUMENT_MANAGE)
    @rx.event
    def toggle_deleted(self) -> Any:
        self.showing_deleted = not self.showing_deleted
        return self._reread()


def _read_quietly(me: Principal, where: dict[str, int], deleted: bool) -> list[DocumentLine]:
    with session_scope() as db:
        return list_documents(db, me, include_deleted=deleted, **where)
