"""The Reflex app: every table and page module imported, so each @rx.page registers itself.

The theme is set once in mtkcare/ui/styles.py and installed by rxconfig.py (RadixThemesPlugin).
"""

import reflex as rx

import mtkcare.models  # noqa: F401  (the full table list: Reflex's schema check and foreign keys)
from mtkcare.clients import pages as clients_pages
from mtkcare.documents import pages as documents_pages
from mtkcare.referrals import pages as referrals_pages
from mtkcare.reports import pages as reports_pages
from mtkcare.users import pages as users_pages

__all__ = ["app"]

_PAGE_MODULES = (clients_pages, documents_pages, referrals_pages, reports_pages, users_pages)

app = rx.App()
