"""An organisation's referrals: tracking id (a link to the referral), client, status,
received and last updated, paged."""

from __future__ import annotations

import reflex as rx

from mtkcare.organisations.admin.referrals_state import OrganisationReferralsState
from mtkcare.organisations.views import ReferralLine
from mtkcare.ui import routes
from mtkcare.ui.components import loading_block, pager, records_table
from mtkcare.ui.sections import section

R = OrganisationReferralsState


def _row(line: rx.Var[ReferralLine]) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.link(line.tracking_id, href=routes.REFERRAL + "?ref=" + line.tracking_id)
        ),
        rx.table.cell(rx.text(line.client_name, size="2")),
        rx.table.cell(rx.badge(line.status_label, variant="soft")),
        rx.table.cell(rx.text(line.received, size="2")),
        rx.table.cell(rx.text(line.updated, size="2")),
        key=line.tracking_id,
        align="center",
    )


def referrals_section() -> rx.Component:
    return section(
        "Referrals from this organisation",
        rx.cond(
            R.can_see,
            rx.cond(
                R.loaded,
                rx.flex(
                    records_table(
                        R.rows,
                        ["Referral", "Client", "Status", "Received", "Updated"],
                        _row,
                        caption="Referrals from this organisation, newest first",
                        size="1",
                        busy=R.loading,
                        empty=rx.text(
                            "No referrals from this organisation that you can see.",
                            size="2",
                            color_scheme="gray",
                        ),
                    ),
                    rx.cond(R.total > 0, pager(R, "referrals")),
                    direction="column",
                    spacing="3",
                ),
                loading_block("Loading referrals…"),
            ),
            rx.text(
                "Seeing referrals needs a role that may view them (referral.view); this page "
                "shows only how many there are.",
                size="2",
                color_scheme="gray",
            ),
        ),
        description="Referrals it has made, through the partner API or otherwise, with their "
        "status now; only those you may see.",
    )
