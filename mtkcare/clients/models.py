"""The client (the central record), their emergency contacts and cultural identities."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field

from mtkcare.db import USER_FK, Audited, SoftDelete


class RiskLevel(StrEnum):
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    CRITICAL = "CRITICAL"


class ContactMethod(StrEnum):
    PHONE = "PHONE"
    TEXT_MESSAGE = "TEXT_MESSAGE"
    EMAIL = "EMAIL"
    POST = "POST"


class Gender(StrEnum):
    FEMALE = "FEMALE"
    MALE = "MALE"
    NON_BINARY = "NON_BINARY"
    ANOTHER = "ANOTHER"
    NOT_STATED = "NOT_STATED"


# The words staff see for each code, in the order choice lists offer them.
RISK_LABELS: dict[str, str] = {
    RiskLevel.LOW.value: "Low",
    RiskLevel.MEDIUM.value: "Medium",
    RiskLevel.HIGH.value: "High",
    RiskLevel.CRITICAL.value: "Critical",
}
GENDER_LABELS: dict[str, str] = {
    Gender.NOT_STATED.value: "Not stated",
    Gender.FEMALE.value: "Female",
    Gender.MALE.value: "Male",
    Gender.NON_BINARY.value: "Non-binary",
    Gender.ANOTHER.value: "Another gender",
}


def _search_indexes() -> tuple[sa.Index, ...]:
    table = "client_management_client"
    first: sa.ColumnElement[str] = sa.literal_column("first_name")
    last: sa.ColumnElement[str] = sa.literal_column("last_name")
    empty: sa.ColumnElement[str] = sa.literal_column("''")
    first_key = sa.func.mtkcare_name_key(first, empty).label("first_key")
    last_key = sa.func.mtkcare_name_key(empty, last).label("last_key")
    name_key = sa.func.mtkcare_name_key(first, last).label("name_key")
    surname_key = sa.func.mtkcare_name_key(last, first).label("surname_key")
    phone_key = sa.func.mtkcare_phone_key(sa.literal_column("phone")).label("phone_key")
    email_lower = sa.func.lower(sa.literal_column("email")).label("email_lower")
    return (
        sa.Index(
            f"ix_{table}_name_parts_trgm",
            first_key,
            last_key,
            postgresql_using="gin",
            postgresql_ops={"first_key": "gin_trgm_ops", "last_key": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
        sa.Index(
            f"ix_{table}_name_key_prefix",
            name_key,
            postgresql_ops={"name_key": "text_pattern_ops"},
        ).ddl_if(dialect="postgresql"),
        sa.Index(
            f"ix_{table}_surname_key_prefix",
            surname_key,
            postgresql_ops={"surname_key": "text_pattern_ops"},
        ).ddl_if(dialect="postgresql"),
        sa.Index(
            f"ix_{table}_phone_key", phone_key, postgresql_ops={"phone_key": "text_pattern_ops"}
        ).ddl_if(dialect="postgresql"),
        sa.Index(
            f"ix_{table}_email_lower",
            email_lower,
            postgresql_ops={"email_lower": "text_pattern_ops"},
        ).ddl_if(dialect="postgresql"),
    )


class Client(Audited, SoftDelete, table=True):
    __tablename__ = "client_management_client"
    __table_args__ = (
        sa.Index(
            "ix_client_management_client_last_name_first_name",
            "last_name",
            "first_name",
        ),
        # Duplicate detection and look-up (clients/duplicates.py, migration 0003): indexes on
        # the normalised name, phone and email, through SQL functions that exist on PostgreSQL
        # only. Declared here so that autogenerate agrees with the migration.
        *_search_indexes(),
    )

    id: int | None = Field(default=None, primary_key=True)
    first_name: str = Field(max_length=100, nullable=False)
    last_name: str = Field(max_length=100, nullable=False)
    preferred_name: str | None = Field(default=None, max_length=100)
    date_of_birth: date = Field(nullable=False, index=True)
    gender: str = Field(default=Gender.NOT_STATED.value, max_length=20, nullable=False)
    email: str | None = Field(default=None, max_length=254, index=True)
    phone: str | None = Field(default=None, max_length=40, index=True)
    address_line1: str | None = Field(default=None, max_length=200)
    address_line2: str | None = Field(default=None, max_length=200)
    suburb: str | None = Field(default=None, max_length=100)
    city: str | None = Field(default=None, max_length=100)
    postcode: str | None = Field(default=None, max_length=10)
    primary_language_id: int | None = Field(default=None, foreign_key="reference_language.id")
    interpreter_required: bool = Field(default=False, nullable=False)
    preferred_contact_method: str | None = Field(default=None, max_length=12)
    cultural_identity_notes: str | None = Field(default=None, sa_type=sa.Text)
    risk_level: str | None = Field(default=None, max_length=10)
    risk_factors: str | None = Field(default=None, sa_type=sa.Text)
    risk_notes: str | None = Field(default=None, sa_type=sa.Text)
    risk_assessed_at: datetime | None = Field(default=None)
    risk_assessed_by: int | None = Field(default=None, foreign_key=USER_FK)
    notes: str | None = Field(default=None, sa_type=sa.Text)
    # Bumped by every saved change: an edit made on an older version is refused, never
    # silently overwriting someone else's change.
    version: int = Field(default=1, nullable=False, sa_column_kwargs={"server_default": "1"})

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class ClientEmergencyContact(Audited, SoftDelete, table=True):
    __tablename__ = "client_management_clientemergencycontact"

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client_management_client.id", nullable=False, index=True)
    name: str = Field(max_length=200, nullable=False)
    relationship_type_id: int | None = Field(
        default=None, foreign_key="reference_relationshiptype.id"
    )
    phone: str = Field(max_length=40, nullable=False)
    email: str | None = Field(default=None, max_length=254)
    is_primary: bool = Field(default=False, nullable=False)
    notes: str | None = Field(default=None, sa_type=sa.Text)


class ClientCulturalIdentity(Audited, SoftDelete, table=True):
    __tablename__ = "client_management_clientculturalidentity"
    __table_args__ = (sa.UniqueConstraint("client_id", "cultural_identity_id"),)

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client_management_client.id", nullable=False, index=True)
    cultural_identity_id: int = Field(foreign_key="reference_culturalidentity.id", nullable=False)
