"""``sqlite_db``: a fresh SQLite file migrated to head with the reference data, for the code
paths the embedded default (``make run``) takes instead of PostgreSQL's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Session]:
    from alembic import command

    from mtkcare.db import get_engine
    from mtkcare.reference.service import ensure_reference_data
    from tests.conftest import alembic_config

    url = f"sqlite:///{tmp_path / 'embedded.db'}"
    command.upgrade(alembic_config(url), "head")
    engine = get_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        session.info["actor_id"] = None
        ensure_reference_data(session)
        yield session
    engine.dispose()
