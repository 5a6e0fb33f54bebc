"""The sign-in page. The form posts straight to the backend route, which alone can set the
HttpOnly session cookie."""

from __future__ import annotations

import reflex as rx

from mtkcare.auth.guard import public
from mtkcare.auth.routes import safe_next
from mtkcare.auth.state import AppState
from mtkcare.settings import get_settings
from mtkcare.ui import routes
from mtkcare.ui.components import native_post_form
from mtkcare.ui.layout import backend_url
from mtkcare.ui.styles import APP_NAME, page_title

ERRORS = {
    "failed": "The username or password is not right. Check them and try again.",
    "locked": "Too many attempts. Wait a few minutes, then try again.",
    "azure": "Microsoft sign-in did not complete. Try again, or use your MTK Care account.",
    "azure_disabled": "Your account is switched off. Ask an administrator to switch it on.",
    "azure_unreachable": "Microsoft sign-in cannot be reached right now. "
    "Use your MTK Care account, or try again later.",
}

NOTICES = {
    "signed_out": "You have signed out.",
    "expired": "Your session has ended. Sign in again to carry on.",
}

# Where Reflex's page keeps the tab token (reflex_base/.templates/web/utils/state.js).
TAB_TOKEN_KEY = "token"


class LoginState(AppState):
    error: str = ""
    notice: str = ""
    next_path: str = routes.CLIENTS

    @public
    @rx.event
    def prepare(self):
        """Reads the page's own query string (?error=, ?next=, ?signed_out=, ?expired=);
        reveals nothing."""
        params = self.router.url.query_parameters
        self.error = ERRORS.get(params.get("error", ""), "")
        ended = bool(params.get("signed_out") or params.get("expired"))
        self.notice = (
            NOTICES["signed_out" if params.get("signed_out") else "expired"] if ended else ""
        )
        self.next_path = safe_next(params.get("next"))
        if self._principal is not None and not self.error:
            return rx.redirect(self.next_path)
        # The tab forgets its token: the next page load (after signing in) starts a new tab
        # state on the server, so nothing of the ended session's screens is reused.
        return rx.remove_session_storage(TAB_TOKEN_KEY) if ended else None


def _field(label: str, name: str, kind: str, autocomplete: str) -> rx.Component:
    return rx.flex(
        rx.el.label(label, html_for=name, font_weight="500", font_size="var(--font-size-2)"),
        rx.input(
            id=name,
            name=name,
            type=kind,
            auto_complete=autocomplete,
            required=True,
            size="3",
            width="100%",
        ),
        direction="column",
        spacing="1",
    )


@rx.page(
    route=routes.LOGIN,
    title=page_title("Sign in"),
    on_load=[AppState.check_page_access, LoginState.prepare],
)
def login() -> rx.Component:
    azure = get_settings().azure_enabled
    return rx.center(
        rx.card(
            rx.flex(
                rx.heading(f"Sign in to {APP_NAME}", as_="h1", size="6"),
                rx.cond(
                    LoginState.error != "",
                    rx.callout(
                        LoginState.error, icon="circle_alert", color_scheme="red", role="alert"
                    ),
                ),
                rx.cond(
                    LoginState.notice != "",
                    rx.callout(LoginState.notice, icon="info", role="status"),
                ),
                rx.cond(
                    azure,
                    rx.link(
                        rx.button("Sign in with Microsoft", size="3", width="100%"),
                        href=backend_url("/auth/azure/login") + "?next=" + LoginState.next_path,
                        width="100%",
                    ),
                ),
                native_post_form(
                    rx.flex(
                        _field("Username", "username", "text", "username"),
                        _field("Password", "password", "password", "current-password"),
                        rx.el.input(type="hidden", name="next", value=LoginState.next_path),
                        rx.button("Sign in", type="submit", size="3", width="100%"),
                        direction="column",
                        spacing="4",
                    ),
                    action=backend_url("/auth/login"),
                ),
                direction="column",
                spacing="5",
            ),
            size="4",
            width="26rem",
        ),
        min_height="100vh",
        background_color=rx.color("gray", 2),
    )
