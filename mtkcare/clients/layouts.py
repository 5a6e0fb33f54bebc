"""Where the client record page places its fields: rows of names, nothing else (labels,
hints, kinds and limits come from the declarations in ``mtkcare.clients.service``)."""

from __future__ import annotations

from mtkcare.clients.service import ClientDetails, EmergencyContactInput, RiskAssessmentInput
from mtkcare.fields import Facts, Joined, Layout, placed_in

PROFILE_FACTS: Facts = placed_in(
    "client record: details",
    ClientDetails,
    (
        "first_name",
        "last_name",
        "preferred_name",
        "date_of_birth",
        "gender",
        "phone",
        "email",
        "preferred_contact_method",
        Joined("Address", ("address_line1", "address_line2", "suburb", "city", "postcode")),
        "primary_language_id",
        "interpreter_required",
        "notes",
    ),
    shows=True,
)

# The edit form: a legend (or none) and the rows under it.
PROFILE_FORM_GROUPS: tuple[tuple[str | None, Layout], ...] = tuple(
    (legend, placed_in(f"client record: edit {legend or 'notes'}", ClientDetails, rows))
    for legend, rows in (
        ("Name", ("first_name", "last_name", "preferred_name")),
        ("About them", ("date_of_birth", "gender")),
        (
            "Contact details",
            (
                "phone",
                "email",
                "preferred_contact_method",
                "address_line1",
                "address_line2",
                "suburb",
                "city",
                "postcode",
            ),
        ),
        ("Language", ("primary_language_id", "interpreter_required")),
        (None, ("notes",)),
    )
)

CONTACT_LAYOUT: Layout = placed_in(
    "client record: new emergency contact",
    EmergencyContactInput,
    ("name", "relationship_type_id", "phone", "email", "is_primary", "notes"),
)

RISK_LAYOUT: Layout = placed_in(
    "client record: new risk assessment",
    RiskAssessmentInput,
    ("risk_level", "risk_factors", "risk_notes"),
)
