"""One declaration per field: what a field is called, how it is asked for and shown, and how
private it is, written once beside its rules in the domain's pydantic input.

    class ClientDetails(Input):
        city: str | None = field("Town or city", max_length=100, privacy=IDENTIFYING)
        interpreter_required: bool = field("Interpreter needed", default=False)

``field`` is pydantic's ``Field`` plus these facts (kept in ``json_schema_extra``), so the
rules (length limits, required or not) stay pydantic's own. ``specs(Model)`` reads them back
as ``FieldSpec``s, and everything else derives from those: the form controls
(``mtkcare.ui.forms.input_for``), the record page's facts, the intake's "Check your answers",
the history's wording and, later, exports (``privacy``).

What a declaration may leave out is inferred from the type: a ``date`` is a date box, a
``bool`` a checkbox, an e-mail type an e-mail box, an enum a choice (its labels from
``choices``), an ``*_id`` with ``reference=`` a list from reference data, text a line (a
``textarea`` when asked). A field is optional when it has a default of None.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum, StrEnum
from functools import lru_cache
from typing import Any

from annotated_types import MaxLen, MinLen
from pydantic import BaseModel, EmailStr, Field
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from mtkcare import dates

_EXTRA = "mtkcare"


class Kind(StrEnum):
    TEXT = "text"
    TEXTAREA = "textarea"
    EMAIL = "email"
    PHONE = "tel"
    DATE = "date"
    NUMBER = "number"
    CHECKBOX = "checkbox"
    CHOICE = "choice"  # one of a few fixed answers (an enum): radios
    REFERENCE = "reference"  # one of a reference list (languages, relationships): a select


class Privacy(StrEnum):
    """How much harm a field does in the wrong hands (exports and their redaction use it)."""

    IDENTIFYING = "identifying"  # names, contact details, date of birth
    SENSITIVE = "sensitive"  # risk, health, cultural identity, consent
    ORDINARY = "ordinary"


IDENTIFYING = Privacy.IDENTIFYING
SENSITIVE = Privacy.SENSITIVE


def field(
    label: str,
    *,
    hint: str | None = None,
    kind: Kind | None = None,
    privacy: Privacy = Privacy.ORDINARY,
    choices: Mapping[str, str] | None = None,
    reference: str | None = None,
    history: str | None = None,
    **rules: Any,
) -> Any:
    """A field of a service input: its label (also the validation messages' name for it),
    hint, kind, privacy class, the labels of its choices (enum value -> words, in the order
    offered), the reference list it picks from, the history's words for it (default: the
    label in lower case) and pydantic's own rules (``default``, ``max_length``, ...)."""
    facts: dict[str, Any] = {"privacy": privacy.value}
    if kind is not None:
        facts["kind"] = kind.value
    if choices is not None:
        facts["choices"] = [[value, words] for value, words in choices.items()]
    if reference is not None:
        facts["reference"] = reference
    if history is not None:
        facts["history"] = history
    return Field(title=label, description=hint, json_schema_extra={_EXTRA: facts}, **rules)


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    hint: str | None
    kind: Kind
    optional: bool
    max_length: int | None
    min_length: int | None
    privacy: Privacy
    choices: tuple[tuple[str, str], ...]
    reference: str | None
    history: str

    def show(self, value: Any, reference_labels: Mapping[int, str] | None = None) -> str:
        """The value as a reader sees it: dates written out, choices by their words,
        booleans Yes/No, reference ids by their label; "" when there is none."""
        if value is None or value == "":
            return ""
        if self.kind == Kind.CHECKBOX:
            return "Yes" if value in (True, "on", "true", "yes") else "No"
        if self.kind == Kind.DATE:
            return dates.day_in_words(value if isinstance(value, date | str) else str(value))
        if self.kind == Kind.CHOICE:
            code = value.value if isinstance(value, Enum) else str(value)
            return dict(self.choices).get(code, code)
        if self.kind == Kind.REFERENCE:
            try:
                key = int(value)
            except (TypeError, ValueError):
                return ""
            return (reference_labels or {}).get(key, "")
        if isinstance(value, datetime):
            return dates.moment(value)
        return str(value)


def _unwrap(annotation: Any) -> Any:
    """``X | None`` -> X; ``Annotated[X, ...]`` -> X."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        kept = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _unwrap(kept[0]) if len(kept) == 1 else annotation
    return annotation


def _kind(info: FieldInfo, facts: Mapping[str, Any]) -> Kind:
    if "kind" in facts:
        return Kind(facts["kind"])
    if "reference" in facts:
        return Kind.REFERENCE
    base = _unwrap(info.annotation)
    if base is bool:
        return Kind.CHECKBOX
    if base is date:
        return Kind.DATE
    if base is EmailStr:
        return Kind.EMAIL
    if isinstance(base, type) and issubclass(base, Enum):
        return Kind.CHOICE
    if base is int:
        return Kind.NUMBER
    return Kind.TEXT


def _max_length(info: FieldInfo) -> int | None:
    return next((int(r.max_length) for r in info.metadata if isinstance(r, MaxLen)), None)


def _min_length(info: FieldInfo) -> int | None:
    return next((int(r.min_length) for r in info.metadata if isinstance(r, MinLen)), None)


def _spec(name: str, info: FieldInfo) -> FieldSpec:
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    facts: Mapping[str, Any] = extra.get(_EXTRA, {})  # type: ignore[assignment]
    kind = _kind(info, facts)
    choices: tuple[tuple[str, str], ...] = tuple(
        (str(value), str(words)) for value, words in facts.get("choices", ())
    )
    base = _unwrap(info.annotation)
    if kind == Kind.CHOICE and not choices and isinstance(base, type) and issubclass(base, Enum):
        choices = tuple((m.value, str(m.value).replace("_", " ").capitalize()) for m in base)
    label = info.title or ""
    return FieldSpec(
        name=name,
        label=label,
        hint=info.description,
        kind=kind,
        optional=not info.is_required() and info.default in (None, PydanticUndefined),
        max_length=_max_length(info),
        min_length=_min_length(info),
        privacy=Privacy(facts.get("privacy", Privacy.ORDINARY.value)),
        choices=choices,
        reference=facts.get("reference"),
        history=facts.get("history") or label.lower(),
    )


@lru_cache(maxsize=64)
def specs(model: type[BaseModel]) -> dict[str, FieldSpec]:
    """Every field of ``model`` in declaration order."""
    return {name: _spec(name, info) for name, info in model.model_fields.items()}


def spec(model: type[BaseModel], name: str) -> FieldSpec:
    return specs(model)[name]


def names(layout: Layout) -> list[str]:
    """The field names a layout places, in order."""
    return [name for row in layout for name in ((row,) if isinstance(row, str) else row)]


# A screen's layout of a form or a record: rows of field names (a lone name is a row of one).
type Layout = tuple[str | tuple[str, ...], ...]


@dataclass(frozen=True)
class Joined:
    """Several fields shown as one fact on a record ("Address": lines, suburb, town)."""

    label: str
    names: tuple[str, ...]


# What a record page shows: field names (and joined facts), in order.
type Facts = tuple[str | Joined, ...]


def facts(
    model: type[BaseModel],
    layout: Facts,
    values: Mapping[str, Any],
    reference_labels: Mapping[str, Mapping[int, str]] | None = None,
) -> list[tuple[str, str]]:
    """(label, value as shown) for each fact of the layout; "" where nothing is recorded."""
    fields = specs(model)
    labels = reference_labels or {}

    def shown(name: str) -> str:
        spec = fields[name]
        return spec.show(values.get(name), labels.get(spec.reference or "", {}))

    return [
        (item.label, ", ".join(t for t in (shown(n) for n in item.names) if t))
        if isinstance(item, Joined)
        else (fields[item].label, shown(item))
        for item in layout
    ]


def placed(layout: Facts | Layout) -> list[str]:
    """The field names a layout places (a form's rows, or a record's facts)."""
    found: list[str] = []
    for item in layout:
        if isinstance(item, Joined):
            found += item.names
        elif isinstance(item, str):
            found.append(item)
        else:
            found += item
    return found


def form_values(model: type[BaseModel], values: Mapping[str, Any]) -> dict[str, str]:
    """A record's values as a form's inputs start from them: text, ISO dates, choice codes,
    "on" for a ticked box, "" for nothing."""
    shown: dict[str, str] = {}
    for name, spec in specs(model).items():
        value = values.get(name)
        if value is None:
            shown[name] = ""
        elif spec.kind == Kind.CHECKBOX:
            shown[name] = "on" if value else ""
        elif isinstance(value, Enum):
            shown[name] = str(value.value)
        elif isinstance(value, date):
            shown[name] = value.isoformat()
        else:
            shown[name] = str(value)
    return shown


def submitted(
    model: type[BaseModel], form_data: Any, names: list[str] | None = None, prefix: str = ""
) -> dict[str, Any]:
    """What a browser form sent for ``model``'s fields, for the service to validate: text as
    typed (blank: none, but a required text stays "" so the message is "Enter first name"),
    a ticked box True and an unticked one False (forms leave those out). Any other key the
    browser sent is dropped: it cannot set fields the form does not have."""
    data = form_data if isinstance(form_data, dict) else {}
    fields = specs(model)
    values: dict[str, Any] = {}
    for name in names or list(fields):
        spec = fields[name]
        raw = data.get(prefix + name)
        if spec.kind == Kind.CHECKBOX:
            values[name] = raw not in (None, "", "off", False)
        elif not isinstance(raw, str):
            values[name] = None
        elif raw.strip() or not spec.optional and spec.kind == Kind.TEXT:
            values[name] = raw[: (spec.max_length or 10_000) + 1]
        else:
            values[name] = None
    return values


# --------------------------------------------------------------------------------------------
# Where fields are placed: every screen's layout registers itself here, so a test can check
# that each names real fields and that no field is left shown nowhere.


@dataclass(frozen=True)
class Placement:
    where: str  # "client record: details"
    model: type[BaseModel]
    names: tuple[str, ...]
    shows: bool  # True: shows the values (a record, a summary); False: asks for them (a form)


PLACEMENTS: list[Placement] = []


def placed_in[L: (Layout, Facts)](
    where: str, model: type[BaseModel], layout: L, *, shows: bool = False
) -> L:
    """Registers a screen's layout of ``model``'s fields and returns it unchanged."""
    PLACEMENTS.append(Placement(where, model, tuple(placed(layout)), shows))
    return layout
