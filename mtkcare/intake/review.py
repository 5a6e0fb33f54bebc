"""'Check your answers': the draft's answers step by step, read from the same parts the steps
ask for, in words (``FieldSpec.show``: dates written out, choices by their words, reference
ids by their label, checkboxes Yes/No). A group is one line; the client chosen in step 2, the
contacts and the program are told in their own way."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, TypedDict

from sqlmodel import Session

from mtkcare.auth.access import reads
from mtkcare.auth.permissions import Permission
from mtkcare.auth.service import Principal
from mtkcare.fields import Kind
from mtkcare.intake import steps
from mtkcare.intake.models import IntakeDraft
from mtkcare.organisations.models import ExternalOrganisation
from mtkcare.programs.models import Program
from mtkcare.reference.models import REFERENCE_TABLES

NO_LONGER = "(no longer available)"

type Labels = dict[str, dict[int, str]]  # reference list (or field) -> id -> label


class ReviewLine(TypedDict):
    """A section (a step, with its "Change" link) or one answer."""

    kind: Literal["section", "row"]
    step: int
    title: str
    label: str
    value: str


def _section(step: steps.Step) -> ReviewLine:
    return {"kind": "section", "step": step.number, "title": step.title, "label": "", "value": ""}


def _row(label: str, value: str) -> ReviewLine:
    return {"kind": "row", "step": 0, "title": "", "label": label, "value": value or "Not given"}


def _label(session: Session, key: str, option_id: int) -> str:
    """A reference option's label; an organisation's or a program's name (not reference
    lists: ``key`` is then the field that picks them)."""
    if key in REFERENCE_TABLES:
        option = session.get(REFERENCE_TABLES[key], option_id)
        return option.label if option is not None else NO_LONGER
    row = (
        session.get(Program, option_id)
        if key == "target_program_id"
        else session.get(ExternalOrganisation, option_id)
    )
    return row.name if row is not None else NO_LONGER


def _id(values: dict[str, Any], name: str) -> int | None:
    value = values.get(name)
    return int(value) if isinstance(value, str) and value.strip().isdigit() else None


def _labels(session: Session, values: dict[str, Any]) -> Labels:
    """The labels of the reference ids the draft holds (organisations by their field)."""
    labels: Labels = {}
    for part in steps.PARTS:
        for key in part.fields:
            spec = part.spec(key)
            if spec.kind != Kind.REFERENCE:
                continue
            chosen = part.chosen(key, values) if part.many(key) else [_id(values, part.name(key))]
            found = labels.setdefault(spec.reference or spec.name, {})
            for option_id in filter(None, chosen):
                found[option_id] = _label(session, spec.reference or spec.name, option_id)
    return labels


def _answer(part: steps.Part, key: str, values: dict[str, Any], labels: Labels) -> str:
    spec = part.spec(key)
    options = labels.get(spec.reference or spec.name, {})
    if part.many(key):
        return ", ".join(options.get(i, NO_LONGER) for i in part.chosen(key, values))
    value = values.get(part.name(key), "")
    text = value.strip() if isinstance(value, str) else ""
    if spec.kind == Kind.CHECKBOX:
        return spec.show(text in ("on", "true", "yes"))
    return spec.show(text, options)


def _answers(
    step: steps.Step, values: dict[str, Any], labels: Labels, *, draft: IntakeDraft
) -> list[ReviewLine]:
    lines = []
    for part in step.parts:
        if not part.reviewed or not part.applies(values):
            continue
        shown = [(part.spec(key).label, _answer(part, key, values, labels)) for key in part.fields]
        if part.title:
            lines.append(_row(part.title, part.joiner.join(value for _l, value in shown if value)))
        else:
            lines += [_row(label, value) for label, value in shown]
    return lines


def _client(
    step: steps.Step, values: dict[str, Any], labels: Labels, *, draft: IntakeDraft
) -> list[ReviewLine]:
    confirmed = steps.NOT_DUPLICATE.name("not_duplicate")
    return [
        _row(
            "Client",
            "Existing client (their record is updated)"
            if draft.client_id is not None
            else "New client"
            + (" — confirmed not a duplicate" if values.get(confirmed) == "on" else ""),
        )
    ]


def _contacts(
    step: steps.Step, values: dict[str, Any], labels: Labels, *, draft: IntakeDraft
) -> list[ReviewLine]:
    lines: list[ReviewLine] = []
    for part in steps.CONTACTS[: steps.contact_count(values)]:
        answers = [_answer(part, key, values, labels) for key in part.fields]
        if answers[0]:  # a contact is told by their name
            lines.append(_row(f"Contact {len(lines) + 1}", " · ".join(filter(None, answers))))
    return lines or [_row("Contacts", "No new contacts (the client already has some)")]


Reader = Callable[..., list[ReviewLine]]


@reads(Permission.REFERRAL_CREATE)
def review_rows(session: Session, actor: Principal, draft: IntakeDraft) -> list[ReviewLine]:
    values: dict[str, Any] = draft.values
    labels = _labels(session, values)
    readers: dict[str, Reader] = {"lookup": _client, "contacts": _contacts}
    lines: list[ReviewLine] = []
    skipped = steps.skipped_steps(actor, draft)
    for step in steps.STEPS:
        if step.number in skipped:
            continue
        read = readers.get(step.key, _answers)
        lines += [_section(step), *read(step, values, labels, draft=draft)]
    return lines
