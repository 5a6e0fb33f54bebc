"""The organisations admin's handlers over the real event socket, called by name as any
script could: someone who does not manage organisations gets nothing done and no data; for
an administrator, a new key reaches the browser only in its dialog's var, and is emptied
there when the dialog closes; no key hash ever reaches the browser."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import select

from mtkcare.db import session_scope
from mtkcare.organisations.models import ApiKey, ExternalOrganisation
from tests.auth.test_every_handler_is_guarded import app_handlers
from tests.factories import SYSTEM
from tests.support.web import Person, Tab, session_cookie, sign_in

REFUSED = "You are not allowed to do that."
PAGE = "/admin/organisation"


def organisation_handlers() -> list[str]:
    # Every state of the organisations admin lives in mtkcare/organisations/admin/.
    return [n for n, _ in app_handlers() if ".mtkcare___organisations___admin___" in n]


def handler(state: str, name: str) -> str:
    return next(n for n in organisation_handlers() if n.endswith(f"{state}.{name}"))


def _organisation(pg_url: str, name: str) -> int:
    from mtkcare.organisations.service import create_organisation

    with session_scope(url=pg_url) as db:
        org = create_organisation(db, SYSTEM, name=name)
        assert org.id is not None
        return org.id


def _keys(pg_url: str, organisation_id: int) -> list[ApiKey]:
    with session_scope(url=pg_url) as db:
        return list(db.exec(select(ApiKey).where(ApiKey.organisation_id == organisation_id)))


def _deltas(received: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [item["delta"] for item in received if item.get("delta")]


def _new_key_values(received: list[dict[str, Any]]) -> list[str]:
    """Every value the server sent for the keys section's ``new_key`` var."""
    found = []
    for delta in _deltas(received):
        for state, values in delta.items():
            if "api_keys_state" in state:
                found += [v for k, v in values.items() if k.startswith("new_key")]
    return found


def test_someone_who_does_not_manage_organisations_is_refused_every_handler_and_sees_nothing(
    backend: str, person: Person, pg_url: str
) -> None:
    organisation_id = _organisation(pg_url, "Xh Refused Partner")
    intake = person("Intake worker")
    token = session_cookie(sign_in(backend, intake.username))
    payloads: dict[str, dict[str, Any]] = {
        "go_to_page": {"page": 2},
        "apply_filters": {"form_data": {"q": "Xh", "status_class": "4xx"}},
        "create": {"form_data": {"name": "Sneaky"}},
        "save": {"form_data": {"name": "Taken over"}},
        "save_notices": {"form_data": {"notice_email": "sneaky@example.org"}},
        "set_form_open": {"is_open": False},
        "set_new_key_open": {"is_open": False},
        "rotate": {"key_id": 1},
        "revoke": {"key_id": 1},
    }
    names = organisation_handlers()
    assert {n.rsplit(".", 1)[-1] for n in names} >= {
        "load", "issue", "deactivate", "reactivate", "start_edit", "start_create",
    }  # fmt: skip
    with Tab(backend, cookie=token) as tab:
        for name in names:
            received = tab.send(
                name, payloads.get(name.rsplit(".", 1)[-1], {}), pathname=PAGE,
                query={"id": str(organisation_id)},
            )  # fmt: skip
            assert REFUSED in json.dumps(received), name
            assert _deltas(received) == [], name
    with session_scope(url=pg_url) as db:
        org = db.get(ExternalOrganisation, organisation_id)
        assert org is not None
        assert (org.name, org.is_active, org.notice_email) == ("Xh Refused Partner", True, None)
        assert (
            db.exec(
                select(ExternalOrganisation).where(ExternalOrganisation.name == "Sneaky")
            ).first()
            is None
        )
    assert _keys(pg_url, organisation_id) == []


def test_a_new_key_reaches_the_browser_only_in_its_dialog_and_is_emptied_when_it_closes(
    backend: str, person: Person, pg_url: str
) -> None:
    organisation_id = _organisation(pg_url, "Xh Keyed Partner")
    admin = person("Administrator")
    token = session_cookie(sign_in(backend, admin.username))
    where = {"pathname": PAGE, "query": {"id": str(organisation_id)}}
    with Tab(backend, cookie=token) as tab:
        tab.send(handler("api_keys_state", "load"), **where)
        issued = tab.send(handler("api_keys_state", "issue"), until="mtk_", **where)
        (key,) = _keys(pg_url, organisation_id)
        secrets = [v for v in _new_key_values(issued) if v.startswith(key.prefix + "_")]
        assert len(secrets) == 1, _new_key_values(issued)
        secret = secrets[0]
        sent = json.dumps(issued)
        assert key.key_hash not in sent
        assert sent.count(secret) == 1  # only in the dialog's var
        closed = tab.send(
            handler("api_keys_state", "set_new_key_open"), {"is_open": False}, **where
        )
        assert "" in _new_key_values(closed)
        assert secret not in json.dumps(closed)
        # Loaded again (another visit), the list shows the prefix, never the key or its hash.
        again = json.dumps(tab.send(handler("api_keys_state", "load"), **where))
        assert key.prefix in again
        assert secret not in again and key.key_hash not in again
