"""State of the users list (``/admin``): one server-paged page of staff accounts, searched by
the start of a name, username or email address and filtered by status."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import reflex as rx

from mtkcare import dates
from mtkcare.auth.guard import requires
from mtkcare.auth.permissions import Permission
from mtkcare.auth.state import AppState, Refused
from mtkcare.db import utcnow
from mtkcare.settings import get_settings
from mtkcare.ui import routes
from mtkcare.ui.forms import form_text
from mtkcare.ui.paging import PagedList, clean_page, clean_search
from mtkcare.users import service
from mtkcare.users.models import AuthSource
from mtkcare.users.service import UserRow

SEARCH_FIELD = "q"
STATUS_FIELD = "status"
STATUS_CHOICES = {"all": None, "active": True, "inactive": False}


@dataclass
class UserLine:
    """One staff account in the list."""

    id: int
    href: str
    full_name: str
    username: str
    email: str
    active: bool
    roles: str
    sign_in: str
    last_login: str
    last_login_exact: str


def user_line(row: UserRow, now: datetime | None = None) -> UserLine:
    return UserLine(
        id=row.id,
        href=f"{routes.ADMIN_USER}?id={row.id}",
        full_name=row.full_name,
        username=row.username,
        email=row.email,
        active=row.is_active,
        roles=", ".join(row.roles) if row.roles else "No roles",
        sign_in="Microsoft" if row.auth_source == AuthSource.AZURE.value else "Password",
        last_login=dates.ago(row.last_login_at, now) if row.last_login_at else "Never signed in",
        last_login_exact=dates.moment(row.last_login_at),
    )


class AdminUsersState(PagedList, AppState):
    rows: list[UserLine] = []  # type: ignore[assignment]
    status_filter: str = "all"

    @rx.var
    def filtered(self) -> bool:
        return bool(self.search_term) or self.status_filter != "all"

    @rx.var
    def list_status(self) -> str:
        """loading, no_match or table (there is always at least the administrator)."""
        if not self.loaded:
            return "loading"
        return "no_match" if self.total == 0 else "table"

    def _fetch(self, page: int) -> Any:
        done = self._call(
            lambda db, me: service.list_users(
                db,
                me,
                page=page,
                page_size=get_settings().page_size,
                search=self.search_term,
                active=STATUS_CHOICES.get(self.status_filter),
            )
        )
        if isinstance(done, Refused):
            return done.events
        now = utcnow()
        self._show(done, [user_line(row, now) for row in done.rows])
        return None

    @requires(Permission.ADMIN_USERS)
    @rx.event
    def load(self) -> Iterator[Any]:
        """The first page, keeping the search and filter last used here."""
        yield from self._load(1)

    @requires(Permission.ADMIN_USERS)
    @rx.event
    def go_to_page(self, page: int) -> Iterator[Any]:
        yield from self._load(clean_page(page))

    @requires(Permission.ADMIN_USERS)
    @rx.event
    def search(self, form_data: dict[str, Any]) -> Iterator[Any]:
        self.search_term = clean_search(form_text(form_data, SEARCH_FIELD))
        status = form_text(form_data, STATUS_FIELD)
        self.status_filter = status if status in STATUS_CHOICES else "all"
        yield from self._load(1)

    @requires(Permission.ADMIN_USERS)
    @rx.event
    def clear_search(self) -> Iterator[Any]:
        self.search_term = ""
        self.status_filter = "all"
        yield from self._load(1)
