"""Route names, in one place: pages, navigation and redirects all refer to these."""

from __future__ import annotations

from typing import NamedTuple

HOME = "/"
CLIENTS = "/clients"
INTAKE = "/intake"
REFERRALS = "/referrals"
DOCUMENTS = "/documents"
REPORTS = "/reports"
ADMIN = "/admin"


class NavItem(NamedTuple):
    label: str
    route: str
    icon: str


# The left navigation, in order. A later issue filters this by the user's permissions.
NAV_ITEMS: tuple[NavItem, ...] = (
    NavItem("Clients", CLIENTS, "users"),
    NavItem("Intake", INTAKE, "clipboard_pen"),
    NavItem("Referrals board", REFERRALS, "square_kanban"),
    NavItem("Documents", DOCUMENTS, "file_text"),
    NavItem("Reports", REPORTS, "chart_column"),
    NavItem("Admin", ADMIN, "settings"),
)
