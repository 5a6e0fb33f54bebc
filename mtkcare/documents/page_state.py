"""The ``/documents`` page: recent documents this user may see (narrowed by the filter form)
and the required documents that are missing or out of date."""

from __future__ import annotations

from typing import Any

import reflex as rx
from sqlmodel import Session

from mtkcare.auth.guard import requires
from mtkcare.auth.permissions import Permission
from mtkcare.auth.service import Principal
from mtkcare.auth.state import AppState, Refused, first_message
from mtkcare.documents.overview import (
    Attention,
    DocumentFilters,
    RecentDocument,
    needing_attention,
    recent_documents,
)
from mtkcare.documents.state import _type_options
from mtkcare.errors import ValidationFailed
from mtkcare.fields import submitted
from mtkcare.referrals.board import board_choices
from mtkcare.validation import validate


def _options(pairs: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"value": v, "label": label} for v, label in pairs]


class DocumentsPageState(AppState):
    loaded: bool = False
    rows: list[RecentDocument] = []
    attention: list[Attention] = []
    type_options: list[dict[str, str]] = []
    program_options: list[dict[str, str]] = []
    uploader_options: list[dict[str, str]] = []
    filter_errors: dict[str, str] = {}
    filtered: bool = False

    _filters: dict[str, Any] = {}

    def _read(self, db: Session, me: Principal) -> tuple[list[RecentDocument], list[Attention]]:
        filters = DocumentFilters(**self._filters)
        return recent_documents(db, me, filters), needing_attention(db, me)

    @requires(Permission.DOCUMENT_VIEW)
    @rx.event
    def load(self) -> Any:
        self._filters, self.filtered, self.filter_errors = {}, False, {}

        def read(db: Session, me: Principal) -> Any:
            choices = board_choices(db, me) if me.can(Permission.REFERRAL_VIEW) else ([], [])
            return self._read(db, me), _type_options(db), choices

        done = self._call(read)
        self.loaded = True
        if isinstance(done, Refused):
            return done.events
        (self.rows, self.attention), types, (programs, workers) = done
        self.type_options = [{"value": t["value"], "label": t["label"]} for t in types]
        self.program_options = _options(programs)
        self.uploader_options = _options(workers)
        return None

    @requires(Permission.DOCUMENT_VIEW)
    @rx.event
    def apply_filters(self, form_data: dict[str, Any]) -> Any:
        self.filter_errors = {}
        try:
            filters = validate(DocumentFilters, submitted(DocumentFilters, form_data))
        except ValidationFailed as exc:
            self.filter_errors = exc.errors
            return rx.toast.error(first_message(exc))
        self._filters = filters.model_dump(exclude_defaults=True)
        self.filtered = bool(self._filters)
        done = self._call(self._read)
        if isinstance(done, Refused):
            return done.events
        self.rows, self.attention = done
        return None

    @requires(Permission.DOCUMENT_VIEW)
    @rx.event
    def clear_filters(self) -> Any:
        return DocumentsPageState.load
