"""Test fixtures: one freshly migrated PostgreSQL database per run, and one rolled-back
transaction per test, so tests never see each other's rows."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The real backend and people with roles, shared by every folder's tests (one backend per run).
pytest_plugins = ["tests.support.web"]

DEFAULT_TEST_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/mtkcare_test"


def _test_url() -> str:
    return os.environ.get("TEST_DATABASE_URL") or DEFAULT_TEST_URL


def recreate_database(url: str) -> None:
    """Drop and create the database named in ``url`` (PostgreSQL), via the maintenance db."""
    target = make_url(url)
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def migrate(url: str, revision: str = "head") -> None:
    from alembic import command
    from alembic.config import Config

    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.attributes["database_url"] = url
    command.upgrade(cfg, revision)


def alembic_config(url: str):
    from alembic.config import Config

    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.attributes["database_url"] = url
    return cfg


@pytest.fixture(scope="session")
def pg_url() -> str:
    url = _test_url()
    recreate_database(url)
    migrate(url)
    return url


@pytest.fixture(scope="session")
def pg_engine(pg_url: str) -> Iterator[Engine]:
    from mtkcare.db import get_engine

    engine = get_engine(pg_url)
    yield engine
    engine.dispose()


@pytest.fixture
def db(pg_engine: Engine) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test."""
    conn = pg_engine.connect()
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


@pytest.fixture
def intake_worker(reference: Session):
    from tests.factories import make_person

    return make_person(
        reference, "Intake worker", username="irene.intake", first_name="Irene", last_name="Intake"
    )


@pytest.fixture
def case_worker(reference: Session):
    from tests.factories import make_person

    return make_person(
        reference, "Case worker", username="carl.case", first_name="Carl", last_name="Case"
    )


@pytest.fixture
def team_lead(reference: Session):
    from tests.factories import make_person

    return make_person(
        reference, "Team lead", username="tui.lead", first_name="Tui", last_name="Lead"
    )


@pytest.fixture
def manager(reference: Session):
    from tests.factories import make_person

    return make_person(
        reference, "Manager", username="mona.manager", first_name="Mona", last_name="Manager"
    )


@pytest.fixture
def administrator(reference: Session):
    from tests.factories import make_person

    return make_person(
        reference, "Administrator", username="ada.admin", first_name="Ada", last_name="Admin"
    )
