"""No event handler can be added without saying who may call it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from functools import lru_cache

from mtkcare.auth.guard import PUBLIC, SIGNED_IN
from mtkcare.auth.permissions import Permission
from tests.conftest import ROOT

# Reflex gives every state a `setvar` that dispatches to `set_<var>` methods. We write none,
# and the middleware refuses it as undeclared (tests/auth/test_socket_attacks.py proves it).
FRAMEWORK_PER_STATE = {"setvar"}

# Adding a public handler is a security decision: it must be added here, in review.
REVIEWED_PUBLIC = {"check_page_access", "prepare"}


@lru_cache(maxsize=1)
def app_handlers() -> tuple[tuple[str, str | None], ...]:
    """(full handler name, declaration) of every handler of our states, as the app registers
    them (read in a separate process, see tests/support/handlers.py)."""
    out = subprocess.run(
        [sys.executable, "-m", "tests.support.handlers"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    return tuple(
        (h["name"], h["declared"])
        for h in json.loads(out)
        if not h["framework"] and h["name"].rsplit(".", 1)[-1] not in FRAMEWORK_PER_STATE
    )


def test_the_walk_sees_the_apps_handlers() -> None:
    names = {name.rsplit(".", 1)[-1] for name, _ in app_handlers()}
    assert {"load", "go_to_page", "search", "clear_search", "check_page_access"} <= names


def test_every_event_handler_declares_its_permission() -> None:
    undeclared = sorted(name for name, declared in app_handlers() if declared is None)
    assert undeclared == [], f"handlers without @requires/@signed_in/@public: {undeclared}"


def test_declarations_name_real_permissions() -> None:
    known = {p.value for p in Permission} | {PUBLIC, SIGNED_IN}
    unknown = {name: declared for name, declared in app_handlers() if declared not in known}
    assert unknown == {}


def test_public_handlers_are_only_the_reviewed_ones() -> None:
    public = {name.rsplit(".", 1)[-1] for name, declared in app_handlers() if declared == PUBLIC}
    assert public <= REVIEWED_PUBLIC, f"unreviewed public handlers: {public - REVIEWED_PUBLIC}"
