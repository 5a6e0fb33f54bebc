"""The periodic Azure AD group sync job: each active Azure user's roles follow their groups
in Microsoft Graph (a local Graph stand-in behind a local Entra host); when Graph is down
everyone keeps their cached roles and the job's attempt fails visibly, to be retried."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import col, select

from mtkcare.db import session_scope
from mtkcare.jobs.azure_sync import AZURE_SYNC
from mtkcare.jobs.models import Job, JobStatus
from mtkcare.jobs.queue import Queue, enqueue
from mtkcare.settings import get_settings
from mtkcare.users.models import AuthSource, GroupRoleMapping, Role, User, UserRole
from tests.fakes.oidc import FakeEntra
from tests.support.jobs import drain

TENANT = "33333333-4444-5555-6666-777777777777"


@pytest.fixture(scope="module")
def entra(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeEntra]:
    with FakeEntra.start(
        Path(tmp_path_factory.mktemp("entra-sync")), client_id="sync-app", client_secret="s3"
    ) as fake:
        yield fake


@pytest.fixture
def azure(jobs: Queue, entra: FakeEntra, monkeypatch: pytest.MonkeyPatch) -> FakeEntra:
    for name, value in {
        "AZURE_TENANT_ID": TENANT,
        "AZURE_CLIENT_ID": "sync-app",
        "AZURE_CLIENT_SECRET": "s3",
        "AZURE_AUTHORITY_HOST": entra.authority_host,
        "GRAPH_BASE_URL": entra.graph_base_url,
        "SSL_CERT_FILE": str(entra.ca_file),
        "REQUESTS_CA_BUNDLE": str(entra.ca_file),
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("AZURE_CLIENT_CERT_PATH", "AZURE_CLIENT_CERT_THUMBPRINT"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    return entra


def _group_for(role: str) -> str:
    group = str(uuid.uuid4())
    with session_scope() as db:
        role_id = db.exec(select(Role.id).where(Role.name == role)).one()
        db.add(GroupRoleMapping(azure_group_id=group, group_name=f"{role} staff", role_id=role_id))
    return group


def _azure_user(roles: list[str]) -> tuple[int, str]:
    oid, tag = str(uuid.uuid4()), uuid.uuid4().hex[:8]
    with session_scope() as db:
        user = User(
            username=f"azure.{tag}", email=f"azure.{tag}@contoso.test", first_name="Mere",
            last_name="Azure", auth_source=AuthSource.AZURE.value, azure_tenant_id=TENANT,
            azure_object_id=oid,
        )  # fmt: skip
        db.add(user)
        db.flush()
        for name in roles:
            role_id = db.exec(select(Role.id).where(Role.name == name)).one()
            db.add(UserRole(user_id=user.id, role_id=role_id, source=AuthSource.AZURE.value))  # type: ignore[arg-type]
        return user.id or 0, oid


def _roles(user_id: int) -> set[str]:
    with session_scope() as db:
        return set(
            db.exec(
                select(Role.name)
                .join(UserRole, col(UserRole.role_id) == Role.id)
                .where(UserRole.user_id == user_id)
            ).all()
        )


def _sync(jobs: Queue) -> Job:
    with session_scope() as db:
        job_id = enqueue(db, AZURE_SYNC).id
    drain(jobs.huey)
    with session_scope() as db:
        row = db.get(Job, job_id)
        assert row is not None
        return row


def test_a_users_roles_follow_their_groups_in_graph(jobs: Queue, azure: FakeEntra) -> None:
    from mtkcare.auth.service import sync_roles

    with session_scope() as db:
        sync_roles(db)
    _group_for("Case worker")
    lead = _group_for("Team lead")
    user_id, oid = _azure_user(["Case worker"])
    azure.graph.set_groups(oid, [lead])  # moved to the team leads' group in Entra ID

    row = _sync(jobs)

    assert row.status == JobStatus.DONE.value
    assert _roles(user_id) == {"Team lead"}
    assert azure.graph.graph_calls(oid), "Graph was asked for the user's groups"


def test_with_graph_down_everyone_keeps_their_cached_roles_and_the_job_fails_visibly(
    jobs: Queue, azure: FakeEntra
) -> None:
    from mtkcare.auth.service import sync_roles

    with session_scope() as db:
        sync_roles(db)
    _group_for("Case worker")
    lead = _group_for("Team lead")
    user_id, oid = _azure_user(["Case worker"])
    azure.graph.set_groups(oid, [lead])
    azure.graph.down = True
    try:
        row = _sync(jobs)
    finally:
        azure.graph.down = False

    assert _roles(user_id) == {"Case worker"}
    assert row.status == JobStatus.FAILED.value and row.attempts == 3
    assert "kept their cached roles" in (row.last_error or "")


def test_a_user_deleted_from_the_directory_loses_their_azure_roles(
    jobs: Queue, azure: FakeEntra
) -> None:
    from mtkcare.auth.service import sync_roles

    with session_scope() as db:
        sync_roles(db)
    user_id, oid = _azure_user(["Team lead"])  # Graph has never heard of this object id

    row = _sync(jobs)

    assert row.status == JobStatus.DONE.value
    assert _roles(user_id) == set()
    assert any(call.status == 404 for call in azure.graph.graph_calls(oid))
