"""Sign-in and access (``mtkcare/auth``) sit below the users area's screens, never beside them:
no module of ``mtkcare/auth`` imports a screen of ``mtkcare/users`` (its states, components,
pages, the admin pages or the account page), and nothing in ``mtkcare/users`` imports the
account page's old home, ``mtkcare.auth.account``. Auth may import the users area's models
and services: they hold the tables and rules that signing in needs.

Read from the source (an AST walk), so an import inside a function counts too.
"""

from __future__ import annotations

import ast
import re

from tests.conftest import ROOT

PACKAGE = ROOT / "mtkcare"
USERS_SCREENS = re.compile(r"^mtkcare\.users\.(state|components|account|pages|admin)(\.|$)")
OLD_ACCOUNT_PAGE = re.compile(r"^mtkcare\.auth\.account(\.|$)")


def imported_modules(source: str, package: str) -> set[str]:
    """Every module ``source`` (a module of ``package``) imports, by absolute name:
    ``from a.b import c`` counts as ``a.b`` and ``a.b.c`` (c may be a module)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from this package, up level - 1
                parts = package.split(".")
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join([*parts, base] if base else parts)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def offending(folder: str, forbidden: re.Pattern[str]) -> list[str]:
    found = []
    for path in sorted((PACKAGE / folder).rglob("*.py")):
        package = ".".join(path.relative_to(ROOT).parts[:-1])
        for name in imported_modules(path.read_text(), package):
            if forbidden.match(name):
                found.append(f"{path.relative_to(ROOT)} imports {name}")
    return found


def test_auth_imports_no_screen_of_the_users_area() -> None:
    assert offending("auth", USERS_SCREENS) == []


def test_the_users_area_does_not_import_the_old_account_page() -> None:
    assert offending("users", OLD_ACCOUNT_PAGE) == []


def test_the_walk_sees_every_form_of_import() -> None:
    source = (
        "import mtkcare.users.pages\n"
        "from mtkcare.users import state\n"
        "from ..users.admin import parts\n"
        "def later():\n"
        "    from mtkcare.users.account import AccountState\n"
    )
    names = imported_modules(source, "mtkcare.auth")
    assert {
        "mtkcare.users.pages",
        "mtkcare.users.state",
        "mtkcare.users.admin.parts",
        "mtkcare.users.account",
    } <= names
    assert all(USERS_SCREENS.match(n) for n in names - {"mtkcare.users"})
    for allowed in ("mtkcare.users.service", "mtkcare.users.models", "mtkcare.users.words"):
        assert not USERS_SCREENS.match(allowed)
    assert OLD_ACCOUNT_PAGE.match("mtkcare.auth.account")
    assert not OLD_ACCOUNT_PAGE.match("mtkcare.auth.access")
