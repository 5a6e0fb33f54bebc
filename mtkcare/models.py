"""Every table, imported in one place: the list alembic and the app see."""

from sqlmodel import SQLModel

from mtkcare.audit.models import AuditLog
from mtkcare.clients.models import (
    Client,
    ClientCulturalIdentity,
    ClientEmergencyContact,
)
from mtkcare.documents.models import Document, DocumentAccessGrant, DocumentAuditLog
from mtkcare.intake.models import IntakeDraft
from mtkcare.jobs.models import Job
from mtkcare.notifications.models import Notification, OutboundMessage
from mtkcare.organisations.models import (
    ApiAccessLog,
    ApiKey,
    ExternalOrganisation,
    IdempotencyKey,
)
from mtkcare.programs.models import Enrolment, Program, ProgramTeamMember
from mtkcare.reference.models import (
    CulturalIdentity,
    DeclineReason,
    DocumentTypeOption,
    Language,
    ReferenceGeneration,
    RelationshipType,
    ServiceType,
)
from mtkcare.referrals.models import (
    ConsentRecord,
    Referral,
    ReferralNote,
    ReferralStatusHistory,
)
from mtkcare.users.models import (
    GroupRoleMapping,
    Role,
    RolePermission,
    SignInAttempt,
    User,
    UserProfile,
    UserRole,
    UserSession,
)

metadata = SQLModel.metadata

__all__ = [
    "ApiAccessLog",
    "ApiKey",
    "AuditLog",
    "Client",
    "ClientCulturalIdentity",
    "ClientEmergencyContact",
    "ConsentRecord",
    "CulturalIdentity",
    "DeclineReason",
    "Document",
    "DocumentAccessGrant",
    "DocumentAuditLog",
    "DocumentTypeOption",
    "IdempotencyKey",
    "Enrolment",
    "IntakeDraft",
    "Job",
    "ExternalOrganisation",
    "GroupRoleMapping",
    "Language",
    "Notification",
    "OutboundMessage",
    "Program",
    "ProgramTeamMember",
    "Referral",
    "ReferralNote",
    "ReferralStatusHistory",
    "RelationshipType",
    "Role",
    "RolePermission",
    "ServiceType",
    "ReferenceGeneration",
    "SignInAttempt",
    "User",
    "UserProfile",
    "UserRole",
    "UserSession",
    "metadata",
]
