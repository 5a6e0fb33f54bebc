"""No service can read or write protected data without checking who is calling.

Every public function in ``mtkcare`` that takes a database session first must take the acting
principal and check it: declared with ``@service(...)`` / ``@reads(...)`` (mtkcare.auth.access),
or an object loader (``load_<thing>_for``) that authorises what it fetches. The exceptions
stand on the short reviewed list below, each with its reason. Screens, the partner API and
jobs all call these functions, so a check here holds for every way in.

The walk reads the source (it imports nothing of the app's screens, whose Reflex states must
not be defined in the test process); the second test calls every declared function for real.
"""

from __future__ import annotations

import ast
import importlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import pytest
from sqlmodel import Session

from mtkcare.auth.access import declared_needs
from mtkcare.auth.service import Principal
from mtkcare.db import session_scope
from mtkcare.errors import NotAllowed
from tests.conftest import ROOT

PACKAGE = ROOT / "mtkcare"

# Whole modules that are not services of protected data, and why (a package's name covers
# every module in it).
REVIEWED_MODULES = {
    "mtkcare.db": "the unit of work and its hooks: below every check",
    "mtkcare.audit.service": "writes audit rows for whoever checked",
    "mtkcare.auth.service": "establishes who the principal is (sessions, sign-in, roles)",
    "mtkcare.auth.azure": "Azure AD sign-in: establishes who the principal is",
    "mtkcare.reference.service": "option lists (languages, service types): not protected",
    "mtkcare.reference.cache": (
        "the option lists and programs held in memory for the services' checks: not protected"
    ),
    "mtkcare.devdata": "demo data generator (the package); refuses to run in production",
    "mtkcare.manage": "the operator's command line (migrate, bootstrap, checks)",
    "mtkcare.api.keys": "establishes which organisation is calling the partner API (its key)",
    "mtkcare.api.idempotency": (
        "the partner API's record of answers, per organisation, used only after mtkcare.api.keys "
        "has established the caller"
    ),
}
# Single functions, and why.
REVIEWED_FUNCTIONS: dict[str, str] = {
    "mtkcare.programs.service.program_problem": (
        "the program-matches-service-type rule on the cached program list, for the service "
        "that checks its caller and the workflow's guard; returns only a message"
    ),
    "mtkcare.jobs.queue.enqueue": (
        "adds a job row for the service that checked its caller, in its transaction; the job "
        "itself calls services as Principal.system"
    ),
    "mtkcare.jobs.queue.retry_now": (
        "the queue's half of retry_job (mtkcare.jobs.service, @service(jobs.manage))"
    ),
    "mtkcare.notifications.outbound.tell_organisation": (
        "adds the decision notices of a move for make_move (@service), in its transaction; "
        "reads only the referral's own organisation"
    ),
    "mtkcare.notifications.service.notify": (
        "adds notifications for the service that checked its caller, in its transaction "
        "(like the audit writer); reads nothing"
    ),
    "mtkcare.referrals.live.announce": (
        "queues a notice (a referral's id) for open boards, sent after the caller's commit; "
        "reads and writes nothing"
    ),
}
# Screens: Reflex states, pages and components call services and never take a session.
UI_MODULE_NAMES = (
    "state",
    "record_state",
    "record_tabs",
    "record_views",
    "pages",
    "components",
    "record_components",
    "record_panels",
    "record_parts",
    "step_components",
)
UI_PACKAGES = ("mtkcare.ui", "mtkcare.users.admin")
UI_FILES = ("mtkcare.mtkcare", "mtkcare.users.account", "mtkcare.clients.bulk_consent")


@dataclass(frozen=True)
class Found:
    module: str
    name: str
    line: int
    decorators: tuple[str, ...]
    second_parameter: str  # its annotation

    @property
    def where(self) -> str:
        return f"{self.module}.{self.name} (line {self.line})"


def _module_name(path) -> str:  # type: ignore[no-untyped-def]
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def _reviewed(module: str) -> str | None:
    """The entry of REVIEWED_MODULES covering ``module``: itself, or a package holding it."""
    return next((m for m in REVIEWED_MODULES if module == m or module.startswith(f"{m}.")), None)


def _is_ui(module: str) -> bool:
    return (
        module in UI_FILES
        or module.startswith(UI_PACKAGES)
        or module.rsplit(".", 1)[-1] in UI_MODULE_NAMES
    )


@lru_cache(maxsize=1)
def session_functions() -> tuple[Found, ...]:
    """Every public top-level function of mtkcare whose first parameter is a Session."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_name(path)
        if _is_ui(module):
            continue
        for node in ast.parse(path.read_text()).body:
            if not isinstance(node, ast.FunctionDef) or node.name.startswith("_"):
                continue
            params = node.args.posonlyargs + node.args.args
            first = ast.unparse(params[0].annotation) if params and params[0].annotation else ""
            if "Session" not in first:
                continue
            second = params[1].annotation if len(params) > 1 else None
            found.append(
                Found(
                    module=module,
                    name=node.name,
                    line=node.lineno,
                    decorators=tuple(ast.unparse(d) for d in node.decorator_list),
                    second_parameter=ast.unparse(second) if second is not None else "",
                )
            )
    return tuple(found)


def _declared(f: Found) -> bool:
    return any(d.startswith(("service(", "reads(")) for d in f.decorators)


def _loader(f: Found) -> bool:
    return (
        f.name.startswith("load_")
        and f.name.endswith("_for")
        and "Principal" in (f.second_parameter)
    )


def test_the_walk_sees_the_services() -> None:
    names = {f.name for f in session_functions()}
    assert {"create_client", "list_clients", "finish_intake", "set_user_roles"} <= names


def test_every_service_takes_and_checks_the_acting_principal() -> None:
    unchecked = [
        f.where
        for f in session_functions()
        if _reviewed(f.module) is None
        and f"{f.module}.{f.name}" not in REVIEWED_FUNCTIONS
        and not _loader(f)
        and not (_declared(f) and f.second_parameter == "Principal")
    ]
    assert unchecked == [], (
        "functions that take a session but neither take and check a principal "
        "(@service/@reads from mtkcare.auth.access) nor stand on the reviewed list: "
        f"{unchecked}"
    )


def test_the_reviewed_lists_name_only_what_exists() -> None:
    modules = {_reviewed(f.module) or f.module for f in session_functions()}
    assert set(REVIEWED_MODULES) <= modules | {"mtkcare.db"}
    functions = {f"{f.module}.{f.name}" for f in session_functions()}
    assert set(REVIEWED_FUNCTIONS) <= functions


def declared_functions() -> list[tuple[str, Callable[..., object]]]:
    found = []
    for f in session_functions():
        if _declared(f):
            fn = getattr(importlib.import_module(f.module), f.name)
            found.append((f"{f.module}.{f.name}", fn))
    return found


DECLARED = declared_functions()


@pytest.fixture(scope="module")
def nobody(pg_url: str) -> Principal:
    """A committed, signed-in person holding no role (refusals name them)."""
    from mtkcare.auth.service import principal_of
    from tests.factories import make_user

    with session_scope(url=pg_url) as db:
        return principal_of(db, make_user(db, username=f"nobody-{uuid.uuid4().hex[:8]}"))


@pytest.mark.parametrize(("name", "fn"), DECLARED, ids=[name for name, _ in DECLARED])
def test_each_declared_service_refuses_a_caller_without_its_permissions(
    name: str, fn: Callable[..., object], reference: Session, nobody: Principal
) -> None:
    needs = declared_needs(fn)
    assert needs is not None, name
    with pytest.raises(NotAllowed):
        fn(reference, None)  # no principal at all
    if needs:
        with pytest.raises(NotAllowed):
            fn(reference, nobody)  # refused before any argument is looked at
