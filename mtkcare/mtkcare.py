"""The Reflex app: every table and page module imported, so each @rx.page registers itself;
the backend HTTP routes and the authorization middleware installed.

The theme is set once in mtkcare/ui/styles.py and installed by rxconfig.py (RadixThemesPlugin).
"""

import reflex as rx
from starlette.types import ASGIApp

import mtkcare.models  # noqa: F401  (the full table list: Reflex's schema check and foreign keys)
from mtkcare.api.app import (
    build_api,
    guard_event_socket,
    partner_api_first,
    rate_limit_auth,
    require_origin,
    security_headers,
)
from mtkcare.auth import pages as auth_pages
from mtkcare.auth.guard import AuthMiddleware
from mtkcare.auth.passwords import note_event_loop_thread
from mtkcare.clients import pages as clients_pages
from mtkcare.documents import pages as documents_pages
from mtkcare.intake import pages as intake_pages
from mtkcare.jobs import pages as jobs_pages
from mtkcare.manage import check_production
from mtkcare.organisations import pages as organisations_pages
from mtkcare.programs import pages as programs_pages
from mtkcare.referrals import pages as referrals_pages
from mtkcare.reports import pages as reports_pages
from mtkcare.users import account as account_pages
from mtkcare.users import pages as users_pages

__all__ = ["app"]

_PAGE_MODULES = (
    account_pages,
    auth_pages,
    clients_pages,
    documents_pages,
    intake_pages,
    programs_pages,
    jobs_pages,
    organisations_pages,
    referrals_pages,
    reports_pages,
    users_pages,
)

check_production()


class MtkCareApp(rx.App):
    """Reflex's app, with the partner API's requests (``/api/v1/…``) sent straight to its
    routes before any of Reflex's own layers (``partner_api_first``): its hot path is short."""

    def __call__(self) -> ASGIApp:
        return partner_api_first(super().__call__())


# Each transformer wraps the ones before it: the Origin check runs first, then the socket's
# tab count, then the security headers, then the /auth rate limit (its 429 still gets the
# headers), then our routes, then Reflex.
app = MtkCareApp(
    api_transformer=[
        build_api(),
        rate_limit_auth,
        security_headers,
        guard_event_socket,
        require_origin,
    ],
    head_components=[rx.el.script(src="/mtkcare.js")],
)
_auth = AuthMiddleware()
app.add_middleware(_auth)
app.register_lifespan_task(_auth.audit_anonymous_refusals)
# argon2 refuses to run on the server's event loop thread (mtkcare/auth/passwords.py).
app.register_lifespan_task(note_event_loop_thread)
