"""Your account: the signed-in person's own details and password change.

Open to anyone signed in (``@signed_in``): a signed-out visitor's load is refused by the
middleware, which sends them to sign in. The person changed is always the caller, taken from
the server-side session, never from anything the browser sends.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from mtkcare.auth.guard import signed_in
from mtkcare.auth.passwords import run_password_work
from mtkcare.auth.state import AppState
from mtkcare.db import session_scope
from mtkcare.errors import NotFound, ValidationFailed
from mtkcare.ui import routes
from mtkcare.ui.components import loading_block
from mtkcare.ui.forms import error_summary, focus_error_summary, text_field
from mtkcare.ui.layout import app_page, page_layout
from mtkcare.ui.styles import page_title
from mtkcare.users.components import section
from mtkcare.users.service import (
    WrongPassword,
    change_own_password,
    my_account,
    note_wrong_password,
)
from mtkcare.users.state import (
    form_password,
    form_summary,
    problem,
    sign_in_method,
)

# The password form: its fields' element ids are f"{FORM}-{name}" (see mtkcare.ui.forms).
FORM = "account"
FIELDS = ("current_password", "new_password", "confirm_password")


class AccountState(AppState):
    full_name: str = ""
    username: str = ""
    sign_in: str = ""
    has_password: bool = False
    # Signed in with a one-time password: everything else stays closed until it is changed.
    must_change_password: bool = False
    loaded: bool = False
    errors: dict[str, str] = {}
    # Bumped after a change, so the form starts empty again.
    form_key: int = 0

    @rx.var
    def error_list(self) -> list[dict[str, str]]:
        return form_summary(self.errors, FORM, FIELDS)

    @signed_in
    @rx.event
    def load(self) -> None:
        self.errors = {}
        principal = self._acting()
        with session_scope() as db:
            me = my_account(db, principal)
        self.full_name = me.full_name
        self.username = me.username
        self.sign_in = sign_in_method(me.auth_source)
        self.has_password = me.has_password
        self.must_change_password = principal.must_change_password
        self.loaded = True

    @signed_in
    @rx.event
    async def change_password(self, form_data: dict[str, Any]) -> Any:
        self.errors = {}
        principal = self._principal
        if principal is None:
            return None

        def change() -> int:  # argon2 twice: in the password pool, off the event loop
            with session_scope() as db:
                return change_own_password(
                    db,
                    self._acting(),
                    form_password(form_data, "current_password"),
                    form_password(form_data, "new_password"),
                    confirmation=form_password(form_data, "confirm_password"),
                    keep_session_id=principal.session_id,
                )

        try:
            ended = await run_password_work(change)
        except WrongPassword as exc:
            # Counted in its own transaction: the failed change itself saved nothing.
            with session_scope() as db:
                note_wrong_password(db, self._acting())
            self.errors = exc.errors
            return focus_error_summary()
        except (ValidationFailed, NotFound) as exc:
            if isinstance(exc, ValidationFailed):
                self.errors = exc.errors
                return focus_error_summary()
            return problem(exc)
        self.form_key += 1
        elsewhere = f" You were signed out of {ended} other session(s)." if ended else ""
        done = rx.toast.success(f"Your password is changed.{elsewhere}")
        if self.must_change_password:  # the rest of the app opens now: show its navigation
            self.must_change_password = False
            return [done, AppState.check_page_access]
        return done


def password_form() -> rx.Component:
    errors = AccountState.errors
    return rx.form(
        rx.flex(
            error_summary(AccountState.error_list),
            # Lets password managers tie the new password to this account.
            rx.el.input(
                type="text",
                name="username",
                value=AccountState.username,
                auto_complete="username",
                read_only=True,
                hidden=True,
            ),
            text_field(
                "Current password",
                "current_password",
                form=FORM,
                errors=errors,
                type="password",
                auto_complete="current-password",
                width="22rem",
            ),
            text_field(
                "New password",
                "new_password",
                form=FORM,
                errors=errors,
                type="password",
                auto_complete="new-password",
                width="22rem",
                hint="At least 12 characters, not containing your username. "
                "A few unrelated words make a strong password.",
            ),
            text_field(
                "Type the new password again",
                "confirm_password",
                form=FORM,
                errors=errors,
                type="password",
                auto_complete="new-password",
                width="22rem",
            ),
            rx.text(
                "Your other sessions (other browsers and devices) are signed out; this one "
                "stays signed in.",
                size="2",
                color_scheme="gray",
            ),
            rx.box(rx.button("Change password", type="submit")),
            direction="column",
            spacing="3",
        ),
        on_submit=AccountState.change_password,
        reset_on_submit=False,
        key=AccountState.form_key,
    )


def account_body() -> rx.Component:
    return rx.cond(
        AccountState.loaded,
        rx.flex(
            section(
                "Your details",
                rx.data_list.root(
                    rx.data_list.item(
                        rx.data_list.label("Name"), rx.data_list.value(AccountState.full_name)
                    ),
                    rx.data_list.item(
                        rx.data_list.label("Username"), rx.data_list.value(AccountState.username)
                    ),
                    rx.data_list.item(
                        rx.data_list.label("Signs in with"),
                        rx.data_list.value(AccountState.sign_in),
                    ),
                    size="2",
                ),
            ),
            rx.cond(
                AccountState.must_change_password,
                rx.callout(
                    "You signed in with a one-time password. Choose your own password below "
                    "to open the rest of MTK Care.",
                    icon="key_round",
                    color_scheme="amber",
                    role="status",
                    size="2",
                ),
            ),
            section(
                "Change your password",
                rx.cond(
                    AccountState.has_password,
                    password_form(),
                    rx.text(
                        "You sign in with Microsoft, so your password is changed in your "
                        "Microsoft account, not here.",
                        size="2",
                    ),
                ),
            ),
            direction="column",
            spacing="4",
        ),
        loading_block("Loading your account…"),
    )


@app_page(routes.ACCOUNT, page_title("Your account"), on_load=AccountState.load)
def account() -> rx.Component:
    return page_layout(
        account_body(),
        title="Your account",
        active=routes.ACCOUNT,
        crumbs=[("Your account", None)],
    )
