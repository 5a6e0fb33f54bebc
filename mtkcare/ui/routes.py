"""Route names, in one place: pages, navigation and redirects all refer to these."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from mtkcare.auth.permissions import Permission

HOME = "/"
CLIENTS = "/clients"
INTAKE = "/intake"
REFERRALS = "/referrals"
DOCUMENTS = "/documents"
REPORTS = "/reports"
ADMIN = "/admin"
LOGIN = "/login"


class NavItem(NamedTuple):
    label: str
    route: str
    icon: str
    permission: Permission


# The left navigation, in order; each user sees only the areas their permissions open.
NAV_ITEMS: tuple[NavItem, ...] = (
    NavItem("Clients", CLIENTS, "users", Permission.CLIENT_VIEW),
    NavItem("Intake", INTAKE, "clipboard_pen", Permission.REFERRAL_CREATE),
    NavItem("Referrals board", REFERRALS, "square_kanban", Permission.REFERRAL_VIEW),
    NavItem("Documents", DOCUMENTS, "file_text", Permission.DOCUMENT_VIEW),
    NavItem("Reports", REPORTS, "chart_column", Permission.REPORT_VIEW),
    NavItem("Admin", ADMIN, "settings", Permission.ADMIN_USERS),
)

# What each page needs, decided on the server. Pages not listed here (sign-in) are public.
PAGE_PERMISSIONS: dict[str, str] = {
    HOME: Permission.CLIENT_VIEW.value,
    **{item.route: item.permission.value for item in NAV_ITEMS},
}


def nav_for(permissions: Iterable[str]) -> list[str]:
    """The routes of the navigation areas a user with these permissions may open."""
    have = set(permissions)
    return [item.route for item in NAV_ITEMS if item.permission.value in have]
