"""Reference data: the option lists behind every choice field."""

from __future__ import annotations

from pydantic import BaseModel
from sqlmodel import Session, col, select

from mtkcare.errors import NotFound
from mtkcare.reference.defaults import (
    DEFAULTS,
    DOCUMENT_TYPES_THAT_EXPIRE,
    SERVICE_TYPES_WITHOUT_CONSENT,
)
from mtkcare.reference.models import (
    REFERENCE_TABLES,
    DocumentTypeOption,
    ReferenceOption,
    ServiceType,
)


class OptionView(BaseModel):
    id: int
    code: str
    label: str


def ensure_reference_data(session: Session) -> None:
    """Add any default option that is missing (idempotent; never changes existing rows)."""
    for kind, options in DEFAULTS.items():
        table = REFERENCE_TABLES[kind]
        have = set(session.exec(select(table.code)).all())
        for order, (code, label) in enumerate(options):
            if code not in have:
                option = table(code=code, label=label, sort_order=order)
                if isinstance(option, ServiceType):
                    option.consent_required = code not in SERVICE_TYPES_WITHOUT_CONSENT
                if isinstance(option, DocumentTypeOption):
                    option.expires = code in DOCUMENT_TYPES_THAT_EXPIRE
                session.add(option)
    session.flush()


def list_options(
    session: Session, kind: str, *, include_inactive: bool = False
) -> list[OptionView]:
    table = REFERENCE_TABLES[kind]
    stmt = select(table).order_by(col(table.sort_order), col(table.label))
    if not include_inactive:
        stmt = stmt.where(table.is_active)
    return [OptionView(id=o.id, code=o.code, label=o.label) for o in session.exec(stmt)]


def get_active_option(session: Session, kind: str, option_id: int) -> ReferenceOption:
    table = REFERENCE_TABLES[kind]
    option = session.get(table, option_id)
    if option is None or not option.is_active:
        raise NotFound(f"No active {kind.replace('_', ' ')} option with id {option_id}")
    return option


def option_id_by_code(session: Session, kind: str, code: str) -> int:
    table = REFERENCE_TABLES[kind]
    found = session.exec(select(table.id).where(table.code == code)).first()
    if found is None:
        raise NotFound(f"No {kind.replace('_', ' ')} option with code {code!r}")
    return found
