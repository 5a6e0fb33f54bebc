"""State of the clients list page: search, filters, sort, page size, and the selection that
bulk consent works on.

Only the current page of rows is held, as plain dicts chosen for display (never table rows).
Every public method here is an RPC any browser can call, so each one is guarded, checks its
arguments against the values the page offers, and hands the work to one service.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import reflex as rx

from mtkcare import dates
from mtkcare.auth.guard import requires
from mtkcare.auth.permissions import Permission
from mtkcare.auth.state import AppState, Refused
from mtkcare.clients.models import RISK_LABELS
from mtkcare.clients.record import age_on
from mtkcare.clients.service import (
    NOT_ASSESSED,
    PAGE_SIZES,
    ClientRow,
    ClientSort,
    ClientStatus,
    list_clients,
)
from mtkcare.db import session_scope
from mtkcare.errors import ValidationFailed
from mtkcare.fields import spec, specs
from mtkcare.programs.service import program_choices
from mtkcare.reference.service import list_options
from mtkcare.referrals.service import ConsentInput, record_bulk_consent
from mtkcare.settings import get_settings
from mtkcare.ui.forms import error_items, focus_error_summary
from mtkcare.ui.paging import PagedList, clean_page, clean_search

# Names of the filter form's fields.
SEARCH_FIELD = "q"
PROGRAM_FIELD = "program"
STATUS_FIELD = "status"
RISK_FIELD = "risk"
SORT_FIELD = "sort"
PAGE_SIZE_FIELD = "page_size"
FILTER_FORM = "client-filters"
CONSENT_FORM = "consent"

# More than a page of the largest size would be selected blind; the service checks each one.
MAX_SELECTION = 100


STATUS_OPTIONS: tuple[tuple[str, str], ...] = (
    (ClientStatus.IN_SERVICE.value, "In service"),
    (ClientStatus.REFERRED.value, "Referred, not yet in service"),
    (ClientStatus.AWAITING_CONSENT.value, "Awaiting consent"),
    (ClientStatus.NO_OPEN_REFERRAL.value, "No open referral"),
)
STATUS_LABELS = dict(STATUS_OPTIONS) | {ClientStatus.REFERRED.value: "Referred"}
RISK_OPTIONS: tuple[tuple[str, str], ...] = (
    *RISK_LABELS.items(),
    (NOT_ASSESSED, "Not assessed"),
)
SORT_OPTIONS: tuple[tuple[str, str], ...] = (
    (ClientSort.NAME.value, "Name A–Z"),
    (ClientSort.NAME_DESC.value, "Name Z–A"),
    (ClientSort.DATE_OF_BIRTH.value, "Date of birth, oldest first"),
    (ClientSort.NEWEST.value, "Newest first"),
)
PAGE_SIZE_OPTIONS: tuple[tuple[str, str], ...] = tuple((str(n), str(n)) for n in PAGE_SIZES)

# The consent form is the referral service's input (its labels, words and limits), in the
# order declared (the error summary follows it); the decisions it offers are the status's.
CONSENT_FIELDS = tuple(specs(ConsentInput))
CONSENT_CHOICES = frozenset(value for value, _words in spec(ConsentInput, "status").choices)


@dataclass
class ClientLine:
    """One client in the list, as the browser receives it. Risk only for those allowed to
    see it (field-level access)."""

    id: str  # for the record's address and the selection's keys
    full_name: str
    name: str
    preferred_name: str
    date_of_birth: str  # "3 Mar 1985": never ambiguous between day-first and month-first
    age: int
    risk_level: str
    risk_label: str
    programs: str
    status_label: str
    awaiting_consent: bool


def client_line(row: ClientRow, *, today: date | None = None, show_risk: bool = True) -> ClientLine:
    born = date.fromisoformat(row.date_of_birth)
    return ClientLine(
        id=str(row.id),
        full_name=row.full_name,
        name=row.name,
        preferred_name=row.preferred_name,
        date_of_birth=dates.day(born),
        age=age_on(born, today or dates.today()),
        risk_level=row.risk_level if show_risk else "",
        risk_label=RISK_LABELS.get(row.risk_level, "Not assessed") if show_risk else "",
        programs=", ".join(row.programs),
        status_label=STATUS_LABELS.get(row.status, ""),
        awaiting_consent=row.awaiting_consent,
    )


def _choice(value: Any, allowed: set[str]) -> str | None:
    """A select's value from the browser: one of ``allowed`` or "" (any); None if neither."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value if value == "" or value in allowed else None


def _consent_data(form_data: dict[str, Any]) -> dict[str, Any]:
    """The consent form's fields, blanks left out (the service decides what each answer
    needs). Anything else the browser sent is dropped."""
    data: dict[str, Any] = {}
    for name in CONSENT_FIELDS:
        value = form_data.get(name)
        if isinstance(value, str) and value.strip():
            data[name] = value.strip()
    return data


class ClientsState(PagedList, AppState):
    rows: list[ClientLine] = []  # type: ignore[assignment]
    show_risk: bool = False
    can_record_consent: bool = False

    # The filters (remembered for the session: coming back to the page keeps them).
    program_id: str = ""
    status_filter: str = ""
    risk_filter: str = ""
    sort: str = ClientSort.NAME.value
    program_options: list[dict[str, str]] = []
    # Changes when the filters are reset from the server, so the form's inputs start again.
    filters_key: int = 0

    # Bulk consent: the selected clients (id -> name), the dialog and its problems.
    selection: dict[str, str] = {}
    consent_open: bool = False
    consent_choice: str = ""  # the decision ticked in the dialog: which fields it shows
    consent_errors: dict[str, str] = {}
    consent_client_errors: dict[str, str] = {}
    consent_summary: list[dict[str, str]] = []
    decline_reasons: list[dict[str, str]] = []
    saving: bool = False

    _page_size_chosen: bool = False

    @rx.var
    def filtering(self) -> bool:
        return bool(self.search_term or self.program_id or self.status_filter or self.risk_filter)

    @rx.var
    def list_status(self) -> str:
        """Which of the list's faces to show: loading, empty, no_match or table."""
        if not self.loaded:
            return "loading"
        if self.total == 0:
            return "no_match" if self.filtering else "empty"
        return "table"

    @rx.var
    def page_size_choice(self) -> str:
        return str(self.page_size)

    @rx.var
    def selected_count(self) -> int:
        return len(self.selection)

    @rx.var
    def selected_clients(self) -> list[dict[str, str]]:
        return [
            {"id": cid, "name": name, "error": self.consent_client_errors.get(cid, "")}
            for cid, name in self.selection.items()
        ]

    @rx.var
    def all_on_page_selected(self) -> bool:
        return bool(self.rows) and all(r.id in self.selection for r in self.rows)

    # ----------------------------------------------------------------------------------------
    # Loading

    def _fetch(self, page: int) -> None:
        principal = self._principal
        self.show_risk = principal is not None and principal.can(Permission.CLIENT_VIEW_RISK)
        self.can_record_consent = principal is not None and principal.can(Permission.CONSENT_RECORD)
        if not self.show_risk:
            self.risk_filter = ""  # never filter by what the user may not see
        if not self._page_size_chosen:
            configured = get_settings().page_size
            self.page_size = configured if configured in PAGE_SIZES else 25
            self._page_size_chosen = True
        with session_scope() as session:
            result = list_clients(
                session,
                self._acting(),
                page=page,
                page_size=self.page_size,
                search=self.search_term,
                program_id=int(self.program_id) if self.program_id else None,
                status=self.status_filter or None,
                risk_level=self.risk_filter or None,
                sort=self.sort,
            )
        self._show(result, [client_line(row, show_risk=self.show_risk) for row in result.rows])

    def _load_programs(self) -> None:
        with session_scope() as session:
            programs = program_choices(session, self._acting())
        self.program_options = [{"value": str(pid), "label": name} for pid, name in programs]
        if self.program_id and self.program_id not in {o["value"] for o in self.program_options}:
            self.program_id = ""  # the program was removed since

    @requires(Permission.CLIENT_VIEW)
    @rx.event
    def load(self) -> Iterator[None]:
        """Page load: the first page, keeping the search and filters the user last used."""
        self._load_programs()
        self.filters_key += 1  # the form's selects now have their options: set them again
        self.consent_open = False
        yield from self._load(1)

    @requires(Permission.CLIENT_VIEW)
    @rx.event
    def go_to_page(self, page: int) -> Iterator[None]:
        yield from self._load(clean_page(page))

    # ----------------------------------------------------------------------------------------
    # Search and filters

    def _take_filters(self, values: dict[str, Any]) -> bool:
        """Apply the filters in ``values`` (only those present). Refuses the whole change if
        any value is not one the page offers."""
        allowed = {
            PROGRAM_FIELD: {o["value"] for o in self.program_options},
            STATUS_FIELD: {value for value, _ in STATUS_OPTIONS},
            RISK_FIELD: {value for value, _ in RISK_OPTIONS} if self.show_risk else set(),
            SORT_FIELD: {value for value, _ in SORT_OPTIONS},
            PAGE_SIZE_FIELD: {value for value, _ in PAGE_SIZE_OPTIONS},
        }
        cleaned: dict[str, str] = {}
        for name, options in allowed.items():
            if name not in values:
                continue
            choice = _choice(values[name], options)
            if choice is None or (name in (SORT_FIELD, PAGE_SIZE_FIELD) and choice == ""):
                return False
            cleaned[name] = choice
        if SEARCH_FIELD in values:
            self.search_term = clean_search(values[SEARCH_FIELD])
        self.program_id = cleaned.get(PROGRAM_FIELD, self.program_id)
        self.status_filter = cleaned.get(STATUS_FIELD, self.status_filter)
        self.risk_filter = cleaned.get(RISK_FIELD, self.risk_filter)
        self.sort = cleaned.get(SORT_FIELD, self.sort)
        if PAGE_SIZE_FIELD in cleaned:
            self.page_size = int(cleaned[PAGE_SIZE_FIELD])
        # The selection is of what the list shows: a new list starts a new selection.
        self.selection = {}
        return True

    @requires(Permission.CLIENT_VIEW)
    @rx.event
    def search(self, form_data: dict[str, Any]) -> Iterator[Any]:
        """Filters form submitted: a new search always starts at page 1."""
        values = form_data if isinstance(form_data, dict) else {}
        if not self._take_filters(values):
            yield rx.toast.error("That choice is not available. The list was not changed.")
            return
        yield from self._load(1)

    @requires(Permission.CLIENT_VIEW)
    @rx.event
    def set_filter(self, name: str, value: str) -> Iterator[Any]:
        """One select changed: the list follows at once (no need to press Search)."""
        if name == SEARCH_FIELD or not self._take_filters({name: value}):
            yield rx.toast.error("That choice is not available. The list was not changed.")
            return
        yield from self._load(1)

    @requires(Permission.CLIENT_VIEW)
    @rx.event
    def clear_search(self) -> Iterator[None]:
        self.search_term = ""
        self.selection = {}
        self.filters_key += 1
        yield from self._load(1)

    @requires(Permission.CLIENT_VIEW)
    @rx.event
    def clear_filters(self) -> Iterator[None]:
        """Back to every client, by name (the page size stays as chosen)."""
        self.search_term = ""
        self.program_id = ""
        self.status_filter = ""
        self.risk_filter = ""
        self.sort = ClientSort.NAME.value
        self.selection = {}
        self.filters_key += 1
        yield from self._load(1)

    # ----------------------------------------------------------------------------------------
    # Selection and bulk consent

    @requires(Permission.CONSENT_RECORD)
    @rx.event
    def toggle_selected(self, client_id: str) -> Any:
        """Tick or untick one client. Only clients on the page the user is looking at can be
        ticked; the service checks each again when consent is recorded."""
        names = {r.id: r.name for r in self.rows}
        if not isinstance(client_id, str) or client_id not in names:
            return None
        if client_id in self.selection:
            self.selection = {k: v for k, v in self.selection.items() if k != client_id}
            return None
        if len(self.selection) >= MAX_SELECTION:
            return rx.toast.error(f"Select at most {MAX_SELECTION} clients at a time.")
        self.selection = {**self.selection, client_id: names[client_id]}
        return None

    @requires(Permission.CONSENT_RECORD)
    @rx.event
    def toggle_all_on_page(self) -> Any:
        on_page = {r.id: r.name for r in self.rows}
        if on_page and all(cid in self.selection for cid in on_page):
            self.selection = {k: v for k, v in self.selection.items() if k not in on_page}
            return None
        selection = dict(self.selection)
        for cid, name in on_page.items():
            if len(selection) >= MAX_SELECTION:
                self.selection = selection
                return rx.toast.error(f"Select at most {MAX_SELECTION} clients at a time.")
            selection[cid] = name
        self.selection = selection
        return None

    @requires(Permission.CONSENT_RECORD)
    @rx.event
    def clear_selection(self) -> None:
        self.selection = {}

    def _reset_consent_problems(self) -> None:
        self.consent_errors = {}
        self.consent_client_errors = {}
        self.consent_summary = []

    @requires(Permission.CONSENT_RECORD)
    @rx.event
    def open_consent(self) -> Any:
        if not self.selection:
            return rx.toast.error("Select the clients whose consent you are recording.")
        reasons = self._call(lambda session, _actor: list_options(session, "decline_reason"))
        if isinstance(reasons, Refused):
            return reasons.events
        self.decline_reasons = [{"value": str(o.id), "label": o.label} for o in reasons]
        self._reset_consent_problems()
        self.consent_choice = ""
        self.consent_open = True
        return None

    @requires(Permission.CONSENT_RECORD)
    @rx.event
    def choose_consent(self, choice: str) -> None:
        if isinstance(choice, str) and choice in CONSENT_CHOICES:
            self.consent_choice = choice

    @requires(Permission.CONSENT_RECORD)
    @rx.event
    def set_consent_open(self, is_open: bool) -> None:
        """The dialog's own open/close (Escape, Cancel). Opening goes through open_consent."""
        if is_open is False and not self.saving:
            self.consent_open = False

    def _show_consent_problems(self, errors: dict[str, str]) -> None:
        fields = {k: v for k, v in errors.items() if k in CONSENT_FIELDS}
        clients = {
            k.removeprefix("client_"): v for k, v in errors.items() if k.startswith("client_")
        }
        others = [v for k, v in errors.items() if k not in fields and not k.startswith("client_")]
        if "status" in fields:  # pydantic's "Enter consent" says too little
            fields["status"] = "Choose whether consent was obtained, declined or requested"
        self.consent_errors = fields
        self.consent_client_errors = {k: v for k, v in clients.items() if k in self.selection}
        self.consent_summary = (
            error_items(fields, CONSENT_FORM, CONSENT_FIELDS)
            + [
                {"href": f"#consent-client-{cid}", "id": f"consent-client-{cid}", "message": msg}
                for cid, msg in clients.items()
            ]
            + [
                {"href": "#consent-clients", "id": "consent-clients", "message": msg}
                for msg in others
            ]
        )

    @requires(Permission.CONSENT_RECORD)
    @rx.event
    def record_consent(self, form_data: dict[str, Any]) -> Iterator[Any]:
        """The same consent for every selected client, all or nothing (the service re-checks
        every client and saves nothing if any one of them has a problem)."""
        if self.saving:
            return
        values = form_data if isinstance(form_data, dict) else {}
        data = _consent_data(values)
        client_ids = [int(cid) for cid in self.selection if cid.isdigit()][:MAX_SELECTION]
        self._reset_consent_problems()
        if data.get("status") not in CONSENT_CHOICES:
            data.pop("status", None)
        self.saving = True
        yield
        try:
            count = self._call(
                lambda session, actor: len(record_bulk_consent(session, actor, client_ids, **data)),
                on_invalid=self._show_consent_problems,
            )
        finally:
            self.saving = False
        if isinstance(count, Refused):
            if not isinstance(count.error, ValidationFailed | None):
                # Refused as a whole (the workflow): said in the dialog, like a bad answer.
                self._show_consent_problems({"__all__": count.error.message})
                count.events = [focus_error_summary()]
            yield from count.events
            return
        self.consent_open = False
        self.selection = {}
        yield rx.toast.success(f"Consent recorded for {count} client{'s' if count != 1 else ''}")
        yield from self._load(self.page)
