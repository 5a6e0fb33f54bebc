"""Browser tests: the real app (Reflex AppHarness: uvicorn backend + Vite dev frontend) on its
own freshly migrated PostgreSQL database full of demo data, driven by Debian's chromium.

The database is the unit tests' database name plus ``_e2e``, on the same server (``E2E_DATABASE_URL``
overrides it), migrated and filled by its owner; the app connects as the runtime role. Run with
``REFLEX_BUN_PATH`` set (``source scripts/env.sh`` does it).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page, sync_playwright
from sqlalchemy.engine import make_url

from tests.conftest import migrate, runtime_url
from tests.support.web import SUITE_LIMITS

ROOT = Path(__file__).resolve().parents[2]
DEMO_CLIENTS = 60
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _e2e_url() -> str:
    if url := os.environ.get("E2E_DATABASE_URL"):
        return url
    base = make_url(
        os.environ.get("TEST_DATABASE_URL")
        or "postgresql+psycopg://postgres@127.0.0.1:5432/mtkcare_test"
    )
    return base.set(database=f"{base.database}_e2e").render_as_string(hide_password=False)


def _recreate_database(url: str) -> None:
    target = make_url(url)
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
    finally:
        admin.dispose()


@pytest.fixture(scope="session")
def e2e_db_url() -> str:
    """A fresh database, migrated, with the demo data set of DEMO_CLIENTS clients (the
    owner's URL; the app runs as the runtime role)."""
    from mtkcare.db import session_scope
    from mtkcare.devdata import generate

    url = _e2e_url()
    _recreate_database(url)
    migrate(url)
    with session_scope(url=url) as session:
        generate(session, clients=DEMO_CLIENTS)
    return url


@pytest.fixture(scope="session")
def app_url(e2e_db_url: str) -> Iterator[str]:
    """The app's frontend URL, served against the e2e database."""
    from reflex.testing import AppHarness

    from mtkcare.settings import get_settings

    bun = ROOT / ".tools" / "node_modules" / "bun" / "bin" / "bun.exe"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DATABASE_URL", runtime_url(e2e_db_url))
        mp.setenv("MTKCARE_ENV", "test")
        # The harness serves the frontend on a random port, so the websocket's origin is unknown.
        mp.setenv("MTKCARE_ALLOWED_ORIGINS", "*")
        # Every browser of the run opens its tabs from 127.0.0.1.
        mp.setenv("MTKCARE_TABS_PER_ADDRESS", "100000")
        mp.delenv("REDIS_URL", raising=False)
        for name, value in SUITE_LIMITS.items():  # every browser signs in from 127.0.0.1
            mp.setenv(name, value)
        mp.setenv("REFLEX_TELEMETRY_ENABLED", "false")
        if "REFLEX_BUN_PATH" not in os.environ and bun.exists():
            mp.setenv("REFLEX_BUN_PATH", str(bun))
        get_settings.cache_clear()  # rxconfig and the app read Settings from the env above
        try:
            with AppHarness.create(root=ROOT, app_name="mtkcare") as harness:
                assert harness.frontend_url is not None
                # The backend listens on 127.0.0.1: open the pages on the same host, so the
                # HttpOnly session cookie it sets is same-site for the page's websocket.
                yield harness.frontend_url.rstrip("/").replace("//localhost:", "//127.0.0.1:")
        finally:
            get_settings.cache_clear()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser: Browser, app_url: str) -> Iterator[Page]:
    # New Zealand English, as the staff use it (date boxes show day/month/year).
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, base_url=app_url, locale="en-NZ"
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield page
    finally:
        context.close()
    assert not errors, f"JavaScript errors in the page: {errors}"


def sign_in(page: Page, username: str, password: str = "mtkcare-demo") -> None:
    """Signs in through the real sign-in page (a form POST to the backend route)."""
    page.goto("/login", timeout=120_000)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url("**/clients", timeout=60_000)
