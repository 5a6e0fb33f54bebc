"""Pydantic validation that speaks to staff: turns pydantic's errors into one plain message per
field, using each field's ``title`` as its label."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, field_validator

from mtkcare.errors import ValidationFailed

# Line breaks and tabs are text; other control characters (Unicode's category Cc: U+0000 to
# U+001F and U+007F to U+009F) come from bad pastes or attacks.
ALLOWED_CONTROL = frozenset("\n\r\t")
_CONTROL = re.compile(
    "[" + "".join(re.escape(chr(c)) for c in (*range(0x20), *range(0x7F, 0xA0))
                  if chr(c) not in ALLOWED_CONTROL) + "]"
)  # fmt: skip


class Input(BaseModel):
    """Base of every service input: strips text, rejects unknown fields (no mass assignment)
    and control characters."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_control_characters(cls, value: object, info: ValidationInfo) -> object:
        if isinstance(value, str) and _CONTROL.search(value):
            label = _label(cls, info.field_name or "")
            raise ValueError(f"{label} contains hidden control characters; retype it")
        return value


def _label(model: type[BaseModel], field: str) -> str:
    info = model.model_fields.get(field)
    if info is not None and info.title:
        return info.title
    return field.replace("_", " ").capitalize()


def _message(model: type[BaseModel], err: Any) -> tuple[str, str]:
    loc = err.get("loc") or ("__root__",)
    field = str(loc[0])
    label = _label(model, field)
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    if kind == "missing" or (kind == "string_too_short" and ctx.get("min_length") == 1):
        return field, f"Enter {label[0].lower() + label[1:]}"
    if kind == "extra_forbidden":
        return field, f"{label} is not a field that can be set here"
    if kind == "string_too_long":
        return field, f"{label} must be {ctx.get('max_length')} characters or fewer"
    if kind.startswith(("date", "datetime")):
        return (
            field,
            f"Enter {label[0].lower() + label[1:]} as a real date, like 2024-03-27",
        )
    if kind == "enum" or kind == "literal_error":
        expected = ctx.get("expected", "")
        return (
            field,
            f"Choose {label[0].lower() + label[1:]} from the list ({expected})",
        )
    if kind in {"int_parsing", "int_type"}:
        return field, f"{label} must be a whole number"
    if kind in {"greater_than_equal", "less_than_equal"} and isinstance(
        bound := ctx.get("ge", ctx.get("le")), int
    ):
        side = "or more" if kind == "greater_than_equal" else "or less"
        return field, f"{label} must be {bound:,} {side}"
    if kind == "bool_parsing":
        return field, f"Choose yes or no for {label[0].lower() + label[1:]}"
    if kind == "value_error":
        # Our own validators raise ValueError("message for staff").
        return field, str(ctx.get("error", err.get("msg", "")))
    return field, f"{label}: {err.get('msg', 'is not valid')}"


def validate[M: BaseModel](model: type[M], data: dict[str, Any]) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for err in exc.errors():
            field, msg = _message(model, err)
            errors.setdefault(field, msg)
        raise ValidationFailed(errors) from None
