"""Guard rails for "one declaration per field": every field of every service input has its
label, every screen's layout names fields that exist, and no client field is left out of the
record (shown) or out of every form (asked for).

The layouts register themselves when their modules are imported (``mtkcare.fields.placed_in``);
the modules listed here hold only data, so the test process defines no Reflex state.
"""

from __future__ import annotations

import importlib

import pytest
from pydantic import BaseModel

from mtkcare.fields import PLACEMENTS, specs
from mtkcare.validation import Input

# Where each domain keeps its services (the inputs) and its screens' layouts.
SERVICE_MODULES = (
    "mtkcare.clients.service",
    "mtkcare.referrals.service",
    "mtkcare.programs.service",
    "mtkcare.organisations.service",
    "mtkcare.users.service",
    "mtkcare.users.roles",
    "mtkcare.intake.service",
)
LAYOUT_MODULES = (
    "mtkcare.clients.layouts",
    "mtkcare.intake.steps",
    "mtkcare.organisations.layouts",
)


def declared_inputs() -> list[type[BaseModel]]:
    for module in SERVICE_MODULES + LAYOUT_MODULES:
        importlib.import_module(module)
    found: list[type[BaseModel]] = []
    todo = list(Input.__subclasses__())
    while todo:
        model = todo.pop()
        found.append(model)
        todo += model.__subclasses__()
    return sorted(found, key=lambda m: m.__qualname__)


def test_the_walk_sees_the_inputs_and_the_layouts() -> None:
    names = {m.__name__ for m in declared_inputs()}
    assert {"ClientDetails", "EmergencyContactInput", "RiskAssessmentInput"} <= names
    assert any(p.where.startswith("client record") for p in PLACEMENTS)
    assert any(p.where.startswith("intake") for p in PLACEMENTS)


@pytest.mark.parametrize("model", declared_inputs(), ids=lambda m: m.__name__)
def test_every_field_of_every_input_has_a_label(model: type[BaseModel]) -> None:
    unlabelled = [name for name, spec in specs(model).items() if not spec.label.strip()]
    assert unlabelled == [], f"{model.__name__}: fields without a label: {unlabelled}"


def test_every_layout_names_fields_that_exist() -> None:
    declared_inputs()
    wrong = [
        f"{p.where}: {name}"
        for p in PLACEMENTS
        for name in p.names
        if name not in p.model.model_fields
    ]
    assert wrong == [], f"layouts naming fields their input does not have: {wrong}"


def test_every_client_field_is_shown_and_asked_for_somewhere() -> None:
    from mtkcare.clients.service import ClientDetails

    declared_inputs()
    shown = {n for p in PLACEMENTS if p.model is ClientDetails and p.shows for n in p.names}
    asked = {n for p in PLACEMENTS if p.model is ClientDetails and not p.shows for n in p.names}
    fields = set(ClientDetails.model_fields)
    assert fields - shown == set(), "client fields no screen shows"
    assert fields - asked == set(), "client fields no form asks for"
