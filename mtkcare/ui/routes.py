"""Route names, in one place: pages, navigation and redirects all refer to these."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from mtkcare.auth.permissions import Permission

HOME = "/"
CLIENTS = "/clients"
CLIENT = "/clients/view"  # ?id=<client id>: one client's record, with its tabs
INTAKE = "/intake"
REFERRALS = "/referrals"
REFERRAL = "/referrals/view"  # ?id=<referral id> or ?ref=<tracking id>: one referral
PROGRAMS = "/programs"
PROGRAM = "/programs/view"  # ?id=<program id>: one program, its team and its work
WORKLOAD = "/workload"
DOCUMENTS = "/documents"
REPORTS = "/reports"
ADMIN = "/admin"
ADMIN_USER = "/admin/user"  # ?id=<user id>: a static route, so PAGE_PERMISSIONS matches it
ADMIN_ROLES = "/admin/roles"
ADMIN_MAPPINGS = "/admin/mappings"
JOBS = "/admin/jobs"
ADMIN_ORGANISATIONS = "/admin/organisations"
ADMIN_ORGANISATION = "/admin/organisation"  # ?id=<organisation id>: one organisation
ACCOUNT = "/account"  # any signed-in user's own page
LOGIN = "/login"


class NavItem(NamedTuple):
    label: str
    route: str
    icon: str
    permission: Permission


# The left navigation, in order; each user sees only the areas their permissions open.
NAV_ITEMS: tuple[NavItem, ...] = (
    NavItem("Clients", CLIENTS, "users", Permission.CLIENT_VIEW),
    # The intake's finish accepts the referral into a program (and assigns its worker).
    NavItem("Intake", INTAKE, "clipboard_pen", Permission.REFERRAL_ACCEPT),
    NavItem("Referrals board", REFERRALS, "square_kanban", Permission.REFERRAL_VIEW),
    NavItem("Workload", WORKLOAD, "gauge", Permission.REFERRAL_DECIDE),
    NavItem("Programs", PROGRAMS, "layers", Permission.PROGRAM_VIEW),
    NavItem("Documents", DOCUMENTS, "file_text", Permission.DOCUMENT_VIEW),
    NavItem("Reports", REPORTS, "chart_column", Permission.REPORT_VIEW),
    NavItem("Admin", ADMIN, "settings", Permission.ADMIN_USERS),
    NavItem("Jobs", JOBS, "timer", Permission.JOBS_MANAGE),
    # Managers run organisations too, without the rest of the admin area.
    NavItem("Organisations", ADMIN_ORGANISATIONS, "building_2", Permission.ORGANISATION_MANAGE),
)

# Pages anyone may open. Every other page needs a signed-in user (fail closed).
PUBLIC_PAGES = frozenset({LOGIN})
SIGNED_IN = "@signed_in"

# What each page needs, decided on the server. A page not listed needs a signed-in user.
PAGE_PERMISSIONS: dict[str, str] = {
    ACCOUNT: SIGNED_IN,
    HOME: Permission.CLIENT_VIEW.value,
    **{item.route: item.permission.value for item in NAV_ITEMS},
    CLIENT: Permission.CLIENT_VIEW.value,
    REFERRAL: Permission.REFERRAL_VIEW.value,
    PROGRAM: Permission.PROGRAM_VIEW.value,
    ADMIN_USER: Permission.ADMIN_USERS.value,
    ADMIN_ROLES: Permission.ADMIN_USERS.value,
    ADMIN_MAPPINGS: Permission.ADMIN_USERS.value,
    ADMIN_ORGANISATION: Permission.ORGANISATION_MANAGE.value,
}


def nav_for(permissions: Iterable[str]) -> list[str]:
    """The routes of the navigation areas a user with these permissions may open."""
    have = set(permissions)
    return [item.route for item in NAV_ITEMS if item.permission.value in have]


def page_permission(path: str) -> str | None:
    """What the page at ``path`` needs: None for public pages, SIGNED_IN, or a permission.
    Trailing slashes and unknown pages cannot open a gap: unknown pages need a sign-in."""
    normalised = "/" + path.strip("/")
    if normalised in PUBLIC_PAGES:
        return None
    return PAGE_PERMISSIONS.get(normalised, SIGNED_IN)
