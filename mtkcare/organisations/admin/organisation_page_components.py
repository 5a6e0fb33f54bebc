"""One organisation's page (``/admin/organisation?id=N``): its details with edit and
(de)activation, where decision notices go, then its keys, referrals and access log, each a
section that loads on its own."""

from __future__ import annotations

import reflex as rx

from mtkcare.clients.record_parts import fact
from mtkcare.fields import spec
from mtkcare.organisations.admin.access_log_components import access_log_section
from mtkcare.organisations.admin.access_log_state import AccessLogState
from mtkcare.organisations.admin.keys_components import keys_section
from mtkcare.organisations.admin.keys_state import ApiKeysState
from mtkcare.organisations.admin.organisation_form import organisation_dialog
from mtkcare.organisations.admin.organisation_page_state import (
    NOTICES_FORM,
    OrganisationPageState,
)
from mtkcare.organisations.admin.referrals_components import referrals_section
from mtkcare.organisations.admin.referrals_state import OrganisationReferralsState
from mtkcare.organisations.layouts import NOTICES_LAYOUT
from mtkcare.organisations.service import NoticeInput, OrganisationInput
from mtkcare.ui import routes
from mtkcare.ui.components import confirm_dialog, empty_state, loading_block
from mtkcare.ui.forms import error_summary, form_fields
from mtkcare.ui.sections import section
from mtkcare.users.admin.parts import status_badge

P = OrganisationPageState


def _label(name: str) -> str:
    """A detail's label: the one its input field declares."""
    return spec(OrganisationInput, name).label


def _status_actions() -> rx.Component:
    org = P.organisation
    deactivate = confirm_dialog(
        rx.button(
            rx.icon("circle_slash", size=16, aria_hidden="true"),
            "Deactivate organisation",
            color_scheme="red",
            variant="soft",
        ),
        title="Deactivate " + org.name + "?",
        body="Every request with its API keys is refused from now on (403), and it can no "
        "longer be chosen for new referrals. Its referrals, keys and access log are kept. "
        "Reactivating it later lets its keys that are not revoked or expired work again.",
        confirm_label="Deactivate",
        on_confirm=P.deactivate,
    )
    reactivate = confirm_dialog(
        rx.button(rx.icon("circle_check", size=16, aria_hidden="true"), "Reactivate organisation"),
        title="Reactivate " + org.name + "?",
        body="It can be chosen for referrals again, and its keys that are not revoked or "
        "expired work again at once.",
        confirm_label="Reactivate",
        on_confirm=P.reactivate,
        destructive=False,
    )
    return rx.flex(
        rx.button(
            rx.icon("pencil", size=16, aria_hidden="true"),
            "Edit details",
            variant="soft",
            on_click=P.start_edit,
        ),
        rx.cond(org.is_active, deactivate, reactivate),
        spacing="3",
        wrap="wrap",
    )


def organisation_summary() -> rx.Component:
    org = P.organisation
    return rx.card(
        rx.flex(
            rx.flex(
                rx.flex(
                    rx.heading("Details", as_="h2", size="5"),
                    status_badge(org.is_active),
                    align="center",
                    spacing="3",
                ),
                _status_actions(),
                justify="between",
                align="center",
                wrap="wrap",
                spacing="3",
            ),
            rx.data_list.root(
                fact(_label("org_type"), org.type_label),
                fact(_label("contact_name"), org.contact_name),
                fact(_label("email"), org.email),
                fact(_label("phone"), org.phone),
                fact(_label("address"), org.address),
                fact(_label("api_rate_limit"), org.rate_limit),
                fact("Referrals", org.referrals.to_string()),  # type: ignore[attr-defined]
                fact("Added", org.created),
                orientation="horizontal",
                size="2",
            ),
            direction="column",
            spacing="4",
        ),
        size="3",
        width="100%",
    )


def notices_section() -> rx.Component:
    return section(
        "Decision notices",
        rx.form(
            rx.flex(
                error_summary(P.notice_error_list),
                form_fields(
                    NoticeInput,
                    NOTICES_LAYOUT,
                    form=NOTICES_FORM,
                    values=P.notice_values,
                    errors=P.notice_errors,
                ),
                rx.box(rx.button("Save decision notices", type="submit")),
                direction="column",
                spacing="3",
            ),
            on_submit=P.save_notices,
            reset_on_submit=False,
            key=P.notices_key.to_string(),  # type: ignore[attr-defined]
        ),
        description="When one of its referrals is declined, withdrawn or starts service, the "
        "organisation is told here. Leave both blank to send nothing.",
    )


def _loads(handler: rx.EventHandler, child: rx.Component) -> rx.Component:
    # Each section reads when it mounts, which is once the page has found the organisation.
    return rx.box(child, on_mount=handler, width="100%")


def organisation_page_body() -> rx.Component:
    return rx.match(
        P.status,
        ("loading", loading_block("Loading the organisation…")),
        (
            "not_found",
            empty_state(
                "building_2",
                "No such organisation",
                "This organisation does not exist or has been deleted.",
                rx.link("Go back to the organisations", href=routes.ADMIN_ORGANISATIONS, size="2"),
            ),
        ),
        rx.flex(
            organisation_summary(),
            notices_section(),
            _loads(ApiKeysState.load, keys_section()),
            _loads(OrganisationReferralsState.load, referrals_section()),
            _loads(AccessLogState.load, access_log_section()),
            organisation_dialog(
                P,
                title="Edit the organisation",
                description="Its details, and how many partner API requests a minute its "
                "systems may send.",
                submit="Save details",
                on_submit=P.save,
                on_open_change=P.set_form_open,
            ),
            direction="column",
            spacing="4",
        ),
    )
