from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

import mtkcare.models as models
from tests.conftest import ROOT, _test_url, alembic_config, recreate_database

EXPECTED_TABLES = {
    "users_user",
    "users_userprofile",
    "users_role",
    "users_grouprolemapping",
    "audit_auditlog",
    "client_management_client",
    "client_management_clientemergencycontact",
    "referral_management_referral",
    "referral_management_consentrecord",
    "programs_program",
    "programs_enrolment",
    "external_organisation_management_externalorganisation",
    "common_document",
    "common_documentauditlog",
}


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'migrations.db'}"
    base = sa.engine.make_url(_test_url())
    url = base.set(database=f"{base.database}_migrations")
    rendered = url.render_as_string(hide_password=False)
    recreate_database(rendered)
    return rendered


def tables(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_from_empty_to_head_creates_every_design_table(empty_db_url: str) -> None:
    command.upgrade(alembic_config(empty_db_url), "head")
    created = tables(empty_db_url)
    assert created >= EXPECTED_TABLES
    assert created == set(models.metadata.tables)


def test_downgrade_to_base_removes_everything_and_upgrade_again_works(empty_db_url: str) -> None:
    cfg = alembic_config(empty_db_url)
    command.upgrade(cfg, "head")
    command.downgrade(cfg, "base")
    assert tables(empty_db_url) == set()
    command.upgrade(cfg, "head")
    assert tables(empty_db_url) >= EXPECTED_TABLES


def test_models_and_migrations_agree(empty_db_url: str) -> None:
    command.upgrade(alembic_config(empty_db_url), "head")
    engine = sa.create_engine(empty_db_url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(ctx, models.metadata)
    finally:
        engine.dispose()
    assert diff == []


def test_revisions_have_meaningful_names_and_one_head() -> None:
    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(scripts.get_heads()) == 1
    for rev in scripts.walk_revisions():
        assert rev.doc and rev.doc.strip().lower() not in {"empty message", ""}
        filename = Path(rev.path).name
        assert filename.startswith(f"{rev.revision}_") and len(filename) > len(rev.revision) + 8
    assert (ROOT / "alembic" / "env.py").read_text().count("get_settings") >= 1
