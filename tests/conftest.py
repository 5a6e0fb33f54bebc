"""Test fixtures: one freshly migrated PostgreSQL database per run, and one rolled-back
transaction per test, so tests never see each other's rows.

Two database roles, as in production: ``TEST_DATABASE_URL`` is the owner (it creates and
migrates the databases), and the app, the backend and the service tests connect as the
runtime role ``RUNTIME_ROLE`` (``pg_url``), with the grants `python -m mtkcare.manage migrate`
gives it. Tests that need the owner ask for ``owner_url`` or carry ``@pytest.mark.table_owner``.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Jobs the tests' services hand over go to a queue of this run, never the checkout's .data/.
os.environ["MTKCARE_JOBS_PATH"] = os.path.join(tempfile.mkdtemp(prefix="mtkcare-jobs-"), "jobs.db")
# Documents and uploads too (the backend's process inherits these).
_files = tempfile.mkdtemp(prefix="mtkcare-files-")
os.environ["MTKCARE_DOCUMENTS_PATH"] = os.path.join(_files, "documents")
os.environ["MTKCARE_UPLOADS_PATH"] = os.path.join(_files, "uploads")

# The real backend and people with roles, shared by every folder's tests (one backend per run).
pytest_plugins = ["tests.support.web", "tests.support.jobs", "tests.support.sqlite"]

DEFAULT_TEST_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/mtkcare_test"
# Roles belong to the whole server: one login role, created once, serves every test database
# (each database gets its own grants). The password only matters on servers that ask for one.
RUNTIME_ROLE = "mtkcare_app"
RUNTIME_PASSWORD = "mtkcare-app-test"


def _test_url() -> str:
    """The owner's URL (TEST_DATABASE_URL): creates, migrates and drops the test databases."""
    return os.environ.get("TEST_DATABASE_URL") or DEFAULT_TEST_URL


def runtime_url(owner_url: str) -> str:
    """The same database as ``owner_url``, as the app's runtime role."""
    url = make_url(owner_url).set(username=RUNTIME_ROLE, password=RUNTIME_PASSWORD)
    return url.render_as_string(hide_password=False)


def ensure_runtime_role(owner_url: str) -> None:
    """Create the runtime login role unless it exists (other test runs on the same server may
    be creating it at the same moment)."""
    admin = sa.create_engine(
        make_url(owner_url).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    try:
        with admin.connect() as conn:
            conn.execute(
                sa.text(
                    f"""
                    DO $$ BEGIN
                        CREATE ROLE {RUNTIME_ROLE} LOGIN PASSWORD '{RUNTIME_PASSWORD}'
                            NOSUPERUSER NOCREATEDB NOCREATEROLE;
                    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
                    END $$
                    """
                )
            )
    except sa.exc.ProgrammingError as exc:
        raise RuntimeError(
            f"TEST_DATABASE_URL's role cannot create the runtime role {RUNTIME_ROLE}: use a "
            "superuser (the tests create roles and databases)"
        ) from exc
    finally:
        admin.dispose()


def recreate_database(url: str) -> None:
    """Drop and create the database named in ``url`` (PostgreSQL), via the maintenance db."""
    target = make_url(url)
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def migrate(url: str) -> None:
    """Migrate the database as the owner ``url`` the way production is migrated
    (`manage migrate`: schema, the runtime role's grants, roles, reference data)."""
    from mtkcare.manage import migrate as manage_migrate

    ensure_runtime_role(url)
    manage_migrate(url, runtime_url=runtime_url(url))


def alembic_config(url: str):
    from alembic.config import Config

    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.attributes["database_url"] = url
    return cfg


@pytest.fixture(scope="session")
def owner_url() -> str:
    """The test database, freshly created and migrated, as its owner."""
    url = _test_url()
    recreate_database(url)
    migrate(url)
    return url


@pytest.fixture(scope="session")
def pg_url(owner_url: str) -> str:
    """The test database as the app's runtime role: what the app and the services use."""
    return runtime_url(owner_url)


@pytest.fixture(scope="session")
def pg_engine(pg_url: str) -> Iterator[Engine]:
    from mtkcare.db import get_engine

    engine = get_engine(pg_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def owner_engine(owner_url: str) -> Iterator[Engine]:
    from mtkcare.db import get_engine

    engine = get_engine(owner_url)
    yield engine
    engine.dispose()


@pytest.fixture
def db(request: pytest.FixtureRequest, pg_engine: Engine) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test: as the runtime
    role, or as the owner for a test marked ``table_owner``."""
    engine = pg_engine
    if request.node.get_closest_marker("table_owner"):
        engine = request.getfixturevalue("owner_engine")
    conn = engine.connect()
    outer = conn.begin()
    session = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
    session.info["actor_id"] = None
    try:
        yield session
    finally:
        session.close()
        outer.rollback()
        conn.close()


@pytest.fixture
def reference(db: Session) -> Session:
    from mtkcare.reference.service import ensure_reference_data

    ensure_reference_data(db)
    return db


# Named people: staff holding the role their name says, as the principals they act as.


def _named(role: str, username: str, first: str, last: str):  # type: ignore[no-untyped-def]
    @pytest.fixture
    def someone(reference: Session):  # type: ignore[no-untyped-def]
        from tests.factories import make_person

        return make_person(reference, role, username=username, first_name=first, last_name=last)

    return someone


intake_worker = _named("Intake worker", "irene.intake", "Irene", "Intake")
case_worker = _named("Case worker", "carl.case", "Carl", "Case")
team_lead = _named("Team lead", "tui.lead", "Tui", "Lead")
manager = _named("Manager", "mona.manager", "Mona", "Manager")
administrator = _named("Administrator", "ada.admin", "Ada", "Admin")
