"""Named permissions and the roles that bundle them. Roles can be combined on one user.

This is the catalogue the database's ``users_role`` / ``users_rolepermission`` rows are made
from (see ``sync_roles``); code refers to permissions by these names only.
"""

from __future__ import annotations

from enum import StrEnum


class Permission(StrEnum):
    CLIENT_VIEW = "client.view"
    CLIENT_EDIT = "client.edit"
    CLIENT_DELETE = "client.delete"
    CLIENT_VIEW_RISK = "client.view_risk"
    REFERRAL_VIEW = "referral.view"
    REFERRAL_CREATE = "referral.create"
    REFERRAL_ASSIGN = "referral.assign"
    REFERRAL_DECIDE = "referral.decide"
    REFERRAL_ACCEPT = "referral.accept"
    REFERRAL_WITHDRAW = "referral.withdraw"
    REFERRAL_REOPEN = "referral.reopen"
    REFERRAL_OVERRIDE_CONSENT = "referral.override_consent"
    REFERRAL_OVERRIDE_CASELOAD = "referral.override_caseload"
    REFERRAL_VIEW_ALL = "referral.view_all"
    CONSENT_RECORD = "consent.record"
    PROGRAM_VIEW = "program.view"
    PROGRAM_MANAGE = "program.manage"
    ENROLMENT_MANAGE = "enrolment.manage"
    DOCUMENT_VIEW = "document.view"
    DOCUMENT_UPLOAD = "document.upload"
    DOCUMENT_VIEW_RESTRICTED = "document.view_restricted"
    DOCUMENT_MANAGE = "document.manage"
    REPORT_VIEW = "report.view"
    REPORT_EXPORT = "report.export"
    AUDIT_VIEW = "audit.view"
    ORGANISATION_MANAGE = "organisation.manage"
    REFERENCE_MANAGE = "reference.manage"
    ADMIN_USERS = "admin.users"
    JOBS_MANAGE = "jobs.manage"


P = Permission

ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    "Intake worker": frozenset(
        {
            P.CLIENT_VIEW,
            P.CLIENT_EDIT,
            P.REFERRAL_VIEW,
            P.REFERRAL_CREATE,
            # The intake's finish makes the onboarding flow's moves itself: it accepts the
            # referral into a program, assigns the worker, records consent and, when the
            # client consents, enrols them.
            P.REFERRAL_ACCEPT,
            P.REFERRAL_ASSIGN,
            P.REFERRAL_WITHDRAW,
            P.CONSENT_RECORD,
            P.PROGRAM_VIEW,
            P.ENROLMENT_MANAGE,
            P.DOCUMENT_VIEW,
            P.DOCUMENT_UPLOAD,
        }
    ),
    "Case worker": frozenset(
        {
            P.CLIENT_VIEW,
            P.CLIENT_EDIT,
            P.CLIENT_VIEW_RISK,
            P.REFERRAL_VIEW,
            P.REFERRAL_CREATE,
            P.REFERRAL_WITHDRAW,
            P.CONSENT_RECORD,
            P.PROGRAM_VIEW,
            P.ENROLMENT_MANAGE,
            P.DOCUMENT_VIEW,
            P.DOCUMENT_UPLOAD,
        }
    ),
    "Team lead": frozenset(
        {
            P.CLIENT_VIEW,
            P.CLIENT_EDIT,
            P.CLIENT_VIEW_RISK,
            P.CLIENT_DELETE,
            P.REFERRAL_VIEW,
            P.REFERRAL_CREATE,
            P.REFERRAL_ASSIGN,
            P.REFERRAL_DECIDE,
            P.REFERRAL_ACCEPT,
            P.REFERRAL_WITHDRAW,
            P.REFERRAL_REOPEN,
            P.REFERRAL_OVERRIDE_CONSENT,
            P.REFERRAL_OVERRIDE_CASELOAD,
            P.CONSENT_RECORD,
            P.PROGRAM_VIEW,
            P.ENROLMENT_MANAGE,
            P.DOCUMENT_VIEW,
            P.DOCUMENT_UPLOAD,
            P.DOCUMENT_VIEW_RESTRICTED,
            P.DOCUMENT_MANAGE,
            P.REPORT_VIEW,
        }
    ),
    "Manager": frozenset(
        {
            P.CLIENT_VIEW,
            P.CLIENT_VIEW_RISK,
            P.REFERRAL_VIEW,
            P.REFERRAL_VIEW_ALL,
            P.PROGRAM_VIEW,
            P.PROGRAM_MANAGE,
            P.DOCUMENT_VIEW,
            P.REPORT_VIEW,
            P.REPORT_EXPORT,
            P.ORGANISATION_MANAGE,
        }
    ),
    "Compliance auditor": frozenset(
        {
            P.CLIENT_VIEW,
            P.REFERRAL_VIEW,
            P.REFERRAL_VIEW_ALL,
            P.PROGRAM_VIEW,
            P.DOCUMENT_VIEW,
            P.DOCUMENT_VIEW_RESTRICTED,
            P.REPORT_VIEW,
            P.REPORT_EXPORT,
            P.AUDIT_VIEW,
        }
    ),
    "Administrator": frozenset(
        {
            P.CLIENT_VIEW,
            P.PROGRAM_VIEW,
            P.PROGRAM_MANAGE,
            P.ORGANISATION_MANAGE,
            P.REFERENCE_MANAGE,
            P.ADMIN_USERS,
            P.AUDIT_VIEW,
            P.JOBS_MANAGE,
        }
    ),
}

ROLE_DESCRIPTIONS: dict[str, str] = {
    "Intake worker": "Takes referrals in and runs the intake wizard, to enrolment.",
    "Case worker": "Works with enrolled clients, their risk and consent.",
    "Team lead": (
        "Assigns, decides and reopens referrals; may override the consent and caseload rules "
        "with a reason; sees restricted documents."
    ),
    "Manager": "Runs programs, organisations and reports.",
    "Compliance auditor": "Reads records, reports and the audit trail.",
    "Administrator": "Manages users, roles, mappings and reference data.",
}
