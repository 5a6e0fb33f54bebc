"""Every handler of the documents panel, over the socket as any script could send it, by a
signed-in user without ``document.view`` (and one without ``document.manage`` for the managing
ones): refused, audited, nothing shown or changed."""

from __future__ import annotations

import json
import uuid

from sqlmodel import select

from mtkcare.db import session_scope
from mtkcare.documents.models import Document, DocumentAuditLog
from mtkcare.reference.service import ensure_reference_data
from tests.auth.test_every_handler_is_guarded import app_handlers
from tests.factories import make_client
from tests.support.web import Person, Tab, session_cookie, sign_in

STATE = "documents___state____documents_panel_state."


def _handlers() -> dict[str, str]:
    return {n.rsplit(".", 1)[-1]: n for n, _ in app_handlers() if STATE in n}


def _document(pg_url: str) -> tuple[int, int]:
    with session_scope(url=pg_url) as db:
        ensure_reference_data(db)
        client = make_client(db, None, last_name=f"Xwpanel{uuid.uuid4().hex[:6]}", phone=None)
        document = Document(
            title="Xwsecretletter", file_name="letter.pdf", content_type="application/pdf",
            size_bytes=10, client_id=client.id, storage_path="Clients/x/letter.pdf",
        )  # fmt: skip
        db.add(document)
        db.flush()
        assert client.id is not None and document.id is not None
        return client.id, document.id


PAYLOADS: dict[str, dict[str, object]] = {
    "load": {"kind": "client"},
    "choose_type": {"code": "OTHER"},
    "start_new_version": {"document_id": 0},
    "show_versions": {"document_id": 0},
    "show_history": {"document_id": 0},
    "show_access": {"document_id": 0},
    "close_dialog": {"is_open": False},
    "save_access": {"form_data": {"access_level": "STANDARD"}},
    "delete": {"document_id": 0},
    "restore": {"document_id": 0},
}


def test_without_the_document_permissions_every_panel_handler_is_refused(
    backend: str, person: Person, pg_url: str
) -> None:
    client_id, document_id = _document(pg_url)
    handlers = _handlers()
    assert {"load", "refresh", "watch_pending", "delete", "restore", "save_access"} <= set(handlers)
    at = {"pathname": "/clients/view", "query": {"id": str(client_id)}}
    admin = person("Administrator")  # no document.view
    with Tab(backend, cookie=session_cookie(sign_in(backend, admin.username))) as tab:
        for name, full in sorted(handlers.items()):
            payload = {k: (document_id if v == 0 else v) for k, v in PAYLOADS.get(name, {}).items()}
            text = json.dumps(tab.send(full, payload, **at))
            assert "You are not allowed to do that." in text, (name, text)
            assert "Xwsecretletter" not in text, (name, text)
    worker = person("Case worker")  # sees documents, may not manage them
    managing = ("show_access", "save_access", "delete", "restore", "toggle_deleted")
    with Tab(backend, cookie=session_cookie(sign_in(backend, worker.username))) as tab:
        tab.send(handlers["load"], {"kind": "client"}, **at, until="Xwsecretletter", wait=10)
        for name in managing:
            payload = {k: (document_id if v == 0 else v) for k, v in PAYLOADS.get(name, {}).items()}
            text = json.dumps(tab.send(handlers[name], payload, **at))
            assert "You are not allowed to do that." in text, (name, text)
    with session_scope(url=pg_url) as db:
        document = db.get(Document, document_id)
        assert document is not None and not document.is_deleted
        assert document.access_level == "STANDARD"
        assert (
            db.exec(
                select(DocumentAuditLog).where(DocumentAuditLog.document_id == document_id)
            ).all()
            == []
        )
