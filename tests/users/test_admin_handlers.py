"""The admin handlers over the real event socket, called by name as any script could: only an
administrator gets anything done, and what they do lands in the database."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from sqlmodel import select

from mtkcare.auth.passwords import verify_password
from mtkcare.auth.service import resolve_session
from mtkcare.db import session_scope
from mtkcare.users.models import GroupRoleMapping, Role, User, UserRole
from mtkcare.users.roles import add_group_mapping
from tests.auth.test_every_handler_is_guarded import app_handlers
from tests.factories import SYSTEM
from tests.support.web import PASSWORD, Person, call_event, session_cookie, sign_in

REFUSED = "You are not allowed to do that."


def handler(state: str, name: str) -> str:
    return next(n for n, _ in app_handlers() if n.endswith(f"{state}.{name}"))


def admin_handlers() -> list[str]:
    # Every state of the admin pages lives in mtkcare/users/admin/ (one module per page).
    return [n for n, _ in app_handlers() if ".mtkcare___users___admin___" in n]


def signed_in_token(backend: str, user: User) -> str:
    token = session_cookie(sign_in(backend, user.username))
    assert token, f"{user.username} could not sign in"
    return token


def carries_data(received: list[dict[str, Any]]) -> bool:
    return any(item.get("delta") for item in received)


def user_state(pg_url: str, user_id: int) -> dict[str, Any]:
    with session_scope(url=pg_url) as db:
        user = db.get(User, user_id)
        assert user is not None
        roles = db.exec(select(UserRole.role_id).where(UserRole.user_id == user_id)).all()
        return {
            "active": user.is_active,
            "password_hash": user.password_hash,
            "roles": sorted(roles),
        }


def live(pg_url: str, token: str) -> bool:
    with session_scope(url=pg_url) as db:
        return resolve_session(db, token) is not None


@pytest.fixture
def mapping_id(pg_url: str, role_ids: dict[str, int]) -> int:
    with session_scope(url=pg_url) as db:
        return add_group_mapping(
            db, SYSTEM, str(uuid.uuid4()), "SG-Test", role_ids["Case worker"]
        ).id


def test_an_intake_worker_is_refused_every_admin_handler_and_nothing_changes(
    backend: str,
    person: Person,
    pg_url: str,
    role_ids: dict[str, int],
    mapping_id: int,
) -> None:
    intake = person("Intake worker")
    target = person("Case worker")
    target_token = signed_in_token(backend, target)
    with session_scope(url=pg_url) as db:
        target_session = resolve_session(db, target_token).session_id  # type: ignore[union-attr]
        roles_before = db.exec(select(Role.id)).all()
    before = user_state(pg_url, target.id)  # type: ignore[arg-type]
    admin_role = role_ids["Administrator"]
    payloads: dict[str, dict[str, Any]] = {
        "deactivate": {"user_id": target.id},
        "activate": {"user_id": target.id},
        "save_roles": {"form_data": {"user_id": str(target.id), f"role:{admin_role}": "on"}},
        "reset_password": {
            "form_data": {
                "user_id": str(target.id),
                "new_password": "a-brand-new-password-9",
                "confirm_password": "a-brand-new-password-9",
            }
        },
        "end_session": {"session_id": target_session},
        "save_role": {"form_data": {"name": "Sneaky", "permission:admin.users": "on"}},
        "open_edit": {"role_id": admin_role},
        "set_dialog_open": {"is_open": False},
        "add_mapping": {
            "form_data": {
                "azure_group_id": str(uuid.uuid4()),
                "group_name": "Sneaky",
                "role_id": str(admin_role),
            }
        },
        "remove_mapping": {"mapping_id": mapping_id},
        "go_to_page": {"page": 2},
        "search": {"form_data": {"q": "a"}},
    }
    token = signed_in_token(backend, intake)
    names = admin_handlers()
    assert {n.rsplit(".", 1)[-1] for n in names} >= set(payloads) | {"load"}
    for name in names:
        received = call_event(backend, name, payloads.get(name.rsplit(".", 1)[-1], {}), token=token)
        assert REFUSED in json.dumps(received), name
        assert not carries_data(received), name

    assert user_state(pg_url, target.id) == before  # type: ignore[arg-type]
    assert live(pg_url, target_token)
    with session_scope(url=pg_url) as db:
        assert db.exec(select(Role.id)).all() == roles_before
        mapping = db.exec(
            select(GroupRoleMapping)
            .where(GroupRoleMapping.id == mapping_id)
            .execution_options(include_deleted=True)
        ).one()
        assert not mapping.is_deleted
        assert (
            db.exec(select(GroupRoleMapping).where(GroupRoleMapping.group_name == "Sneaky")).first()
            is None
        )


def test_an_administrator_deactivates_someone_and_they_are_signed_out(
    backend: str,
    person: Person,
    pg_url: str,
) -> None:
    admin = person("Administrator")
    target = person("Case worker")
    target_token = signed_in_token(backend, target)
    token = signed_in_token(backend, admin)

    received = call_event(
        backend, handler("admin_user_state", "deactivate"), {"user_id": target.id}, token=token
    )
    text = json.dumps(received)
    assert "is deactivated and signed out" in text
    assert REFUSED not in text
    assert "$argon2" not in text and "token_hash" not in text
    assert user_state(pg_url, target.id)["active"] is False  # type: ignore[arg-type]
    assert not live(pg_url, target_token)
    # ... and the deactivated person cannot sign in again.
    assert session_cookie(sign_in(backend, target.username)) is None

    call_event(
        backend, handler("admin_user_state", "activate"), {"user_id": target.id}, token=token
    )
    assert user_state(pg_url, target.id)["active"] is True  # type: ignore[arg-type]


def test_an_administrator_cannot_deactivate_themselves_through_the_handler(
    backend: str,
    person: Person,
    pg_url: str,
) -> None:
    admin = person("Administrator")
    token = signed_in_token(backend, admin)
    received = call_event(
        backend, handler("admin_user_state", "deactivate"), {"user_id": admin.id}, token=token
    )
    assert "cannot deactivate your own account" in json.dumps(received)
    assert user_state(pg_url, admin.id)["active"] is True  # type: ignore[arg-type]
    assert live(pg_url, token)


@pytest.mark.parametrize("bad", ["abc", True, {"id": 1}, [1], -3, 2**40])
def test_ids_that_are_not_whole_numbers_change_nothing(
    backend: str,
    person: Person,
    pg_url: str,
    bad: object,
) -> None:
    admin = person("Administrator")
    token = signed_in_token(backend, admin)
    call_event(backend, handler("admin_user_state", "deactivate"), {"user_id": bad}, token=token)
    assert live(pg_url, token)
    assert user_state(pg_url, admin.id)["active"] is True  # type: ignore[arg-type]


def test_an_administrator_sets_roles_and_resets_a_password_through_the_handlers(
    backend: str,
    person: Person,
    pg_url: str,
    role_ids: dict[str, int],
) -> None:
    admin = person("Administrator")
    target = person("Intake worker")
    target_token = signed_in_token(backend, target)
    token = signed_in_token(backend, admin)

    lead, case = role_ids["Team lead"], role_ids["Case worker"]
    received = call_event(
        backend,
        handler("admin_user_state", "save_roles"),
        {"form_data": {"user_id": str(target.id), f"role:{lead}": "on", f"role:{case}": "on"}},
        token=token,
    )
    assert "Roles of" in json.dumps(received)
    assert user_state(pg_url, target.id)["roles"] == sorted([lead, case])  # type: ignore[arg-type]
    with session_scope(url=pg_url) as db:
        principal = resolve_session(db, target_token)
        assert principal is not None and principal.can("referral.decide")

    short = call_event(
        backend,
        handler("admin_user_state", "reset_password"),
        {"form_data": {"user_id": str(target.id), "new_password": "short"}},
        token=token,
    )
    assert "Use at least 12 characters" in json.dumps(short)
    assert verify_password(user_state(pg_url, target.id)["password_hash"], PASSWORD)  # type: ignore[arg-type]

    new = "kereru-flies-over-the-hill-7"
    call_event(
        backend,
        handler("admin_user_state", "reset_password"),
        {"form_data": {"user_id": str(target.id), "new_password": new, "confirm_password": new}},
        token=token,
    )
    assert verify_password(user_state(pg_url, target.id)["password_hash"], new)  # type: ignore[arg-type]
    assert not live(pg_url, target_token)
    assert session_cookie(sign_in(backend, target.username, new))


def test_wrong_current_passwords_on_the_account_page_count_towards_a_lock_out(
    backend: str, person: Person, pg_url: str
) -> None:
    from mtkcare.users.models import SignInAttempt

    worker = person("Case worker")
    token = signed_in_token(backend, worker)
    name = handler("account_state", "change_password")
    for _ in range(2):
        received = call_event(
            backend,
            name,
            {
                "form_data": {
                    "current_password": "a-wrong-guess",
                    "new_password": "Kereru-flies-high-77",
                    "confirm_password": "Kereru-flies-high-77",
                }
            },
            token=token,
            pathname="/account",
        )
        assert "Enter your current password correctly" in json.dumps(received)
    with session_scope(url=pg_url) as db:
        failures = db.exec(
            select(SignInAttempt).where(
                SignInAttempt.username == worker.username,
                SignInAttempt.succeeded == False,  # noqa: E712
            )
        ).all()
    assert len(failures) == 2
    assert user_state(pg_url, worker.id)["password_hash"] == worker.password_hash  # type: ignore[arg-type]
