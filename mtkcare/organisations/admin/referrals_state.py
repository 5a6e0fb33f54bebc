"""State of an organisation's referrals section: its referrals this person may see, paged,
newest first. It needs ``referral.view`` as well (administrators manage organisations without
seeing referrals): without it the section says so and reads nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import reflex as rx

from mtkcare.auth.guard import requires
from mtkcare.auth.permissions import Permission
from mtkcare.auth.state import AppState
from mtkcare.organisations.admin.parts import organisation_id_of
from mtkcare.organisations.views import ReferralLine, organisation_referrals
from mtkcare.settings import get_settings
from mtkcare.ui.paging import PagedList, clean_page


class OrganisationReferralsState(PagedList, AppState):
    rows: list[ReferralLine] = []  # type: ignore[assignment]
    can_see: bool = False

    _organisation_id: int = 0

    def _fetch(self, page: int) -> Any:
        organisation_id = self._organisation_id
        done = self._call(
            lambda db, me: organisation_referrals(
                db, me, organisation_id, page=page, page_size=get_settings().page_size
            )
        )
        return self._show_or_refuse(done)

    @requires(Permission.ORGANISATION_MANAGE)
    @rx.event
    def load(self) -> Iterator[Any]:
        self.rows, self.total, self.loaded = [], 0, False
        self.can_see = self._can(Permission.REFERRAL_VIEW)
        organisation_id = organisation_id_of(self)
        if not self.can_see or organisation_id is None:
            return
        self._organisation_id = organisation_id
        yield from self._load(1)

    @requires(Permission.ORGANISATION_MANAGE)
    @rx.event
    def go_to_page(self, page: int) -> Iterator[Any]:
        if not self.can_see or self._organisation_id <= 0:
            return
        yield from self._load(clean_page(page))
