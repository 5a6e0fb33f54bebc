"""Document metadata reads. Upload, versions and storage arrive with the documents issue."""

from __future__ import annotations

from sqlmodel import Session, select

from mtkcare.auth.access import require
from mtkcare.auth.permissions import Permission
from mtkcare.auth.service import Principal
from mtkcare.documents.models import AccessLevel, Document
from mtkcare.errors import NotFound

# What each access level needs on top of document.view.
LEVEL_PERMISSION = {
    AccessLevel.STANDARD.value: Permission.DOCUMENT_VIEW,
    AccessLevel.RESTRICTED.value: Permission.DOCUMENT_VIEW_RESTRICTED,
    AccessLevel.CONFIDENTIAL.value: Permission.DOCUMENT_VIEW_RESTRICTED,
}


def load_document_for(session: Session, principal: Principal | None, document_id: int) -> Document:
    """The document's metadata, if ``principal`` may see documents of its access level."""
    require(
        principal,
        Permission.DOCUMENT_VIEW,
        resource="Document",
        resource_id=document_id,
        session=session,
    )
    document = session.exec(select(Document).where(Document.id == document_id)).first()
    if document is None:
        raise NotFound(f"There is no document with id {document_id}")
    needed = LEVEL_PERMISSION.get(document.access_level, Permission.DOCUMENT_VIEW_RESTRICTED)
    require(principal, needed, resource="Document", resource_id=document_id, session=session)
    return document
