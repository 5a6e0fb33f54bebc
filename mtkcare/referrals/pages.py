"""Pages of the referrals area: the board and one referral."""

from __future__ import annotations

import reflex as rx

from mtkcare.referrals.board_components import board_body
from mtkcare.referrals.board_state import BoardState
from mtkcare.referrals.page_components import referral_page
from mtkcare.referrals.page_state import ReferralPageState
from mtkcare.ui import routes
from mtkcare.ui.layout import app_page, page_layout
from mtkcare.ui.styles import page_title


@app_page(routes.REFERRALS, page_title("Referrals board"), on_load=BoardState.load)
def referrals_board() -> rx.Component:
    return page_layout(board_body(), title="Referrals board", active=routes.REFERRALS)


@app_page(routes.REFERRAL, page_title("Referral"), on_load=ReferralPageState.load)
def referral() -> rx.Component:
    return page_layout(
        referral_page(),
        # The h1 is the tracking id once loaded ("Referral" until then).
        title=ReferralPageState.heading,
        active=routes.REFERRALS,
        crumbs=[("Referrals", routes.REFERRALS), (ReferralPageState.heading, None)],
    )
