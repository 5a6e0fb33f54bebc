"""Staff-facing words for the users area, shared by the admin pages and the account page:
how someone signs in, which browser a session is, and the permission catalogue by area (no
Reflex state here)."""

from __future__ import annotations

from mtkcare.auth.permissions import Permission
from mtkcare.users.models import AuthSource

# The permission catalogue in words staff use, grouped by area (the roles matrix and the
# role form show them in this order).
PERMISSION_GROUPS: tuple[tuple[str, tuple[tuple[Permission, str], ...]], ...] = (
    (
        "Clients",
        (
            (Permission.CLIENT_VIEW, "View clients"),
            (Permission.CLIENT_EDIT, "Add and edit clients"),
            (Permission.CLIENT_DELETE, "Delete clients"),
            (Permission.CLIENT_VIEW_RISK, "See risk levels"),
        ),
    ),
    (
        "Referrals",
        (
            (Permission.REFERRAL_VIEW, "View their programs' referrals"),
            (Permission.REFERRAL_VIEW_ALL, "View every program's referrals"),
            (Permission.REFERRAL_CREATE, "Create referrals"),
            (Permission.REFERRAL_ACCEPT, "Accept referrals into a program"),
            (Permission.REFERRAL_ASSIGN, "Assign staff to referrals"),
            (Permission.REFERRAL_DECIDE, "Decline, approve or close referrals"),
            (Permission.REFERRAL_WITHDRAW, "Record a withdrawal"),
            (Permission.REFERRAL_REOPEN, "Reopen finished referrals"),
            (Permission.REFERRAL_OVERRIDE_CONSENT, "Approve without consent, with a reason"),
            (Permission.REFERRAL_OVERRIDE_CASELOAD, "Assign over a caseload limit, with a reason"),
            (Permission.CONSENT_RECORD, "Record consent"),
        ),
    ),
    (
        "Programs",
        (
            (Permission.PROGRAM_VIEW, "View programs"),
            (Permission.PROGRAM_MANAGE, "Manage programs"),
            (Permission.ENROLMENT_MANAGE, "Manage enrolments"),
        ),
    ),
    (
        "Documents",
        (
            (Permission.DOCUMENT_VIEW, "View documents"),
            (Permission.DOCUMENT_UPLOAD, "Upload documents"),
            (Permission.DOCUMENT_VIEW_RESTRICTED, "See restricted documents"),
            (Permission.DOCUMENT_MANAGE, "Change document access, delete and restore documents"),
        ),
    ),
    (
        "Reports and audit",
        (
            (Permission.REPORT_VIEW, "View reports"),
            (Permission.REPORT_EXPORT, "Export reports"),
            (Permission.AUDIT_VIEW, "Read the audit trail"),
        ),
    ),
    (
        "Administration",
        (
            (Permission.ORGANISATION_MANAGE, "Manage partner organisations"),
            (Permission.REFERENCE_MANAGE, "Manage option lists"),
            (Permission.ADMIN_USERS, "Manage users, roles and sign-in"),
            (Permission.JOBS_MANAGE, "See background jobs and retry failed ones"),
        ),
    ),
)
PERMISSION_LABELS: dict[str, str] = {
    permission.value: label for _area, items in PERMISSION_GROUPS for permission, label in items
}


def sign_in_method(auth_source: str) -> str:
    return "Microsoft (Azure AD)" if auth_source == AuthSource.AZURE.value else "MTK Care password"


def browser_name(user_agent: str) -> str:
    """A short, readable name for a browser's user agent string."""
    if not user_agent:
        return "Unknown browser"
    checks = (
        ("Edg/", "Edge"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
    )
    browser = next((name for marker, name in checks if marker in user_agent), "Other browser")
    systems = (
        ("Windows", "Windows"),
        ("Mac OS", "macOS"),
        ("iPhone", "iPhone"),
        ("Android", "Android"),
        ("Linux", "Linux"),
    )
    system = next((name for marker, name in systems if marker in user_agent), "")
    return f"{browser} on {system}" if system else browser
