"""Option lists staff pick from. Retired options are deactivated, never deleted, so old records
keep their meaning."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from mtkcare.db import Audited


class ReferenceOption(Audited):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True, nullable=False)
    label: str = Field(max_length=120, nullable=False)
    sort_order: int = Field(default=0, nullable=False)
    is_active: bool = Field(default=True, nullable=False)


class Language(ReferenceOption, table=True):
    __tablename__ = "reference_language"


class CulturalIdentity(ReferenceOption, table=True):
    __tablename__ = "reference_culturalidentity"


class RelationshipType(ReferenceOption, table=True):
    __tablename__ = "reference_relationshiptype"


class DeclineReason(ReferenceOption, table=True):
    __tablename__ = "reference_declinereason"


class ServiceType(ReferenceOption, table=True):
    __tablename__ = "reference_servicetype"

    # "Client consent required for most services": a referral for this service copies it,
    # and the workflow's consent guard reads the referral's copy.
    consent_required: bool = Field(
        default=True, nullable=False, sa_column_kwargs={"server_default": sa.true()}
    )


class DocumentTypeOption(ReferenceOption, table=True):
    __tablename__ = "reference_documenttype"

    # Documents of this type go out of date (identification): their expiry date is asked for.
    expires: bool = Field(
        default=False, nullable=False, sa_column_kwargs={"server_default": sa.false()}
    )


REFERENCE_TABLES: dict[str, type[ReferenceOption]] = {
    "language": Language,
    "cultural_identity": CulturalIdentity,
    "relationship_type": RelationshipType,
    "decline_reason": DeclineReason,
    "service_type": ServiceType,
    "document_type": DocumentTypeOption,
}


# The lists a process keeps in memory (``mtkcare.reference.cache``) and the tables whose every
# change gives ``ReferenceGeneration`` a new value (database triggers, migration 0022).
CACHED_TABLES: tuple[str, ...] = (
    *(str(model.__tablename__) for model in REFERENCE_TABLES.values()),
    "programs_program",
)


class ReferenceGeneration(SQLModel, table=True):
    """One row whose ``value`` is set to a new random number by database triggers whenever a
    row of ``CACHED_TABLES`` is inserted, changed or deleted (by the app, a migration or by
    hand). A process's copy of those lists is good while the value it was read under is
    current. Random, not counted up: a change rolled back leaves a value nobody sees again."""

    __tablename__ = "reference_generation"

    id: int = Field(default=1, primary_key=True)
    value: int = Field(default=0, nullable=False, sa_type=sa.BigInteger)
