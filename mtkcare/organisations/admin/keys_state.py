"""State of an organisation's API keys section: its keys by prefix (never the keys, never
their hashes), issue, rotate and revoke.

A key just issued or rotated is shown once, in its own dialog: it sits in ``new_key`` from the
moment the service returns it until that dialog closes (its close button, Escape, or the page
loaded again), and is then forgotten. The database never had it (only a prefix and a keyed
hash), so after that nobody can see it again."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import reflex as rx
from sqlmodel import Session

from mtkcare.auth.guard import requires
from mtkcare.auth.permissions import Permission
from mtkcare.auth.service import Principal
from mtkcare.auth.state import AppState, Refused
from mtkcare.organisations.admin.parts import RELOAD, organisation_id_of
from mtkcare.organisations.api_keys import (
    IssuedKey,
    KeyLine,
    issue_api_key,
    list_api_keys,
    revoke_api_key,
    rotate_api_key,
)
from mtkcare.organisations.views import organisation_detail
from mtkcare.settings import get_settings
from mtkcare.ui.paging import clean_id


class ApiKeysState(AppState):
    keys: list[KeyLine] = []
    loaded: bool = False
    organisation_active: bool = False
    organisation_name: str = ""
    grace_hours: int = 24

    # The key just issued, for its dialog only ("" when the dialog is closed).
    new_key: str = ""
    new_key_prefix: str = ""
    new_key_expires: str = ""
    replaced_prefix: str = ""  # the key a rotation replaced

    _organisation_id: int = 0
    _key_ids: list[int] = []

    def _forget_new_key(self) -> None:
        self.new_key = ""
        self.new_key_prefix = ""
        self.new_key_expires = ""
        self.replaced_prefix = ""

    def _reread(self) -> Any:
        organisation_id = self._organisation_id

        def read(db: Session, me: Principal) -> tuple[bool, str, list[KeyLine]]:
            detail = organisation_detail(db, me, organisation_id)
            return detail.is_active, detail.name, list_api_keys(db, me, organisation_id)

        done = self._call(read)
        if isinstance(done, Refused):
            return done.events
        self.organisation_active, self.organisation_name, self.keys = done
        self._key_ids = [k.id for k in self.keys]
        self.grace_hours = get_settings().api_key_grace_hours
        self.loaded = True
        return None

    def _show_new(self, work: Callable[[Session, Principal], IssuedKey], replaced: str) -> Any:
        done = self._call(work)
        if isinstance(done, Refused):
            return done.events
        self.new_key = done.secret
        self.new_key_prefix = done.prefix
        self.new_key_expires = done.expires
        self.replaced_prefix = replaced
        return self._reread()

    def _listed(self, key_id: Any) -> int | None:
        """A key id the browser sent, if it is one of this organisation's listed keys."""
        target = clean_id(key_id)
        return target if target is not None and target in self._key_ids else None

    @requires(Permission.ORGANISATION_MANAGE)
    @rx.event
    def load(self) -> Any:
        """The keys of the organisation named by the page's address."""
        self._forget_new_key()
        organisation_id = organisation_id_of(self)
        if organisation_id is None:
            return None
        self._organisation_id = organisation_id
        return self._reread()

    @requires(Permission.ORGANISATION_MANAGE)
    @rx.event
    def issue(self) -> Any:
        if self._organisation_id <= 0:
            return rx.toast.error(RELOAD)
        organisation_id = self._organisation_id
        return self._show_new(lambda db, me: issue_api_key(db, me, organisation_id), "")

    @requires(Permission.ORGANISATION_MANAGE)
    @rx.event
    def rotate(self, key_id: int) -> Any:
        target = self._listed(key_id)
        if target is None:
            return rx.toast.error("That key is not on the list: reload the page.")
        replaced = next((k.prefix for k in self.keys if k.id == target), "")
        return self._show_new(lambda db, me: rotate_api_key(db, me, target), replaced)

    @requires(Permission.ORGANISATION_MANAGE)
    @rx.event
    def revoke(self, key_id: int) -> Any:
        target = self._listed(key_id)
        if target is None:
            return rx.toast.error("That key is not on the list: reload the page.")
        done = self._call(lambda db, me: revoke_api_key(db, me, target))
        if isinstance(done, Refused):
            return done.events
        prefix = next((k.prefix for k in self.keys if k.id == target), "The key")
        return [*(self._reread() or []), rx.toast.success(f"{prefix} revoked: it is refused now")]

    @requires(Permission.ORGANISATION_MANAGE)
    @rx.event
    def set_new_key_open(self, is_open: bool) -> None:
        """The issued-key dialog closed (its button, Escape): the key is forgotten."""
        if not is_open:
            self._forget_new_key()
