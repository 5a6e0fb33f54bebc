"""A submitted form, both ways: what it sent, checked (``form_text``, ``form_password``, the
ticked boxes), and the lines of its error summary when a page holds several forms.

These belong beside ``mtkcare.ui.forms`` (its ``error_items`` and field names); they live
here while that module is being reshaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mtkcare.ui.forms import error_items
from mtkcare.ui.paging import clean_id

PASSWORD_MAX_LENGTH = 1024


def form_text(form_data: Any, name: str, max_length: int = 500) -> str:
    """One text field of a submitted form ("" when missing or not text)."""
    value = form_data.get(name, "") if isinstance(form_data, dict) else ""
    return value[:max_length] if isinstance(value, str) else ""


def form_password(form_data: Any, name: str) -> str:
    # Passwords are never trimmed or cut: what was typed is the password.
    value = form_data.get(name, "") if isinstance(form_data, dict) else ""
    return value if isinstance(value, str) and len(value) <= PASSWORD_MAX_LENGTH else ""


def ticked(form_data: Any, prefix: str) -> list[str]:
    """What follows ``prefix`` in the names of the ticked checkboxes named ``<prefix><what>``
    (an unticked box sends nothing), sorted and unchecked: the caller or its service
    refuses what it does not know."""
    if not isinstance(form_data, dict):
        return []
    return sorted(
        name.removeprefix(prefix)
        for name, value in form_data.items()
        if isinstance(name, str) and name.startswith(prefix) and value not in ("", "off", False)
    )


def checked_ids(form_data: Any, prefix: str) -> list[int]:
    """Ids of the ticked checkboxes named ``<prefix><id>``; names that are not ids are dropped."""
    found = {clean_id(name) for name in ticked(form_data, prefix)}
    return sorted(i for i in found if i is not None)


def form_summary(
    errors: dict[str, str], form: str, fields: Sequence[str], page: str = ""
) -> list[dict[str, str]]:
    """One form's error summary lines (only its own fields: a page may hold several forms
    sharing one errors dict). ``page`` ("/path?query") goes in front of each link, so a page
    opened with a query string keeps it."""
    items = error_items({k: v for k, v in errors.items() if k in fields}, form, fields)
    return [{**item, "href": page + item["href"]} for item in items]
