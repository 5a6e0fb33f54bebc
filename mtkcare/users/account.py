"""Your account: the signed-in person's own details and password change.

Open to anyone signed in (``@signed_in``): a signed-out visitor's load is refused by the
middleware, which sends them to sign in. The person changed is always the caller, taken from
the server-side session, never from anything the browser sends.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from sqlmodel import Session

from mtkcare.auth.guard import signed_in
from mtkcare.auth.passwords import run_password_work
from mtkcare.auth.service import Principal
from mtkcare.auth.state import AppState, Refused
from mtkcare.ui import routes
from mtkcare.ui.components import loading_block
from mtkcare.ui.forms import error_summary, form_password, form_summary, text_field
from mtkcare.ui.layout import app_page, page_layout
from mtkcare.ui.sections import section
from mtkcare.ui.styles import page_title
from mtkcare.users.service import (
    WrongPassword,
    change_own_password,
    my_account,
    note_wrong_password,
)
from mtkcare.users.words import sign_in_method

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

    def _show_errors(self, errors: dict[str, str]) -> None:
        self.errors = errors

    @signed_in
    @rx.event
    def load(self) -> Any:
        self.errors = {}
        done = self._call(my_account)
        if isinstance(done, Refused):
            return done.events
        self.full_name = done.full_name
        self.username = done.username
        self.sign_in = sign_in_method(done.auth_source)
        self.has_password = done.has_password
        self.must_change_password = self._acting().must_change_password
        self.loaded = True
        return None

    @signed_in
    @rx.event
    async def change_password(self, form_data: dict[str, Any]) -> Any:
        self.errors = {}
        wrong_password = False

        def change(db: Session, me: Principal) -> int:
            nonlocal wrong_password
            try:
                return change_own_password(
                    db,
                    me,
                    form_password(form_data, "current_password"),
                    form_password(form_data, "new_password"),
                    confirmation=form_password(form_data, "confirm_password"),
                    keep_session_id=me.session_id,
                )
            except WrongPassword:
                wrong_password = True
                raise

        # argon2 twice: in the password pool, off the event loop.
        done = await run_password_work(self._call, change, on_invalid=self._show_errors)
        if wrong_password:
            # Counted in its own transaction: the failed change itself saved nothing.
            self._call(note_wrong_password)
        if isinstance(done, Refused):
            return done.events
        self.form_key += 1
        elsewhere = f" You were signed out of {done} other session(s)." if done else ""
        toast = rx.toast.success(f"Your password is changed.{elsewhere}")
        if self.must_change_password:  # the rest of the app opens now: show its navigation
            self.must_change_password = False
            return [toast, AppState.check_page_access]
        return toast


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
