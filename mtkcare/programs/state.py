"""State of the programs pages and the workload page.

``/programs``: every program with its team size and load; managers create and edit them (a
form drawn from ``ProgramInput``). ``/programs/view?id=N``: one program's details, its team
(managers add people, change their role or caseload limit, take them off) and its open
referrals and active enrolments. ``/workload``: each worker's open referrals and active
enrolments against their caseload limits, one click from the board filtered to them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import reflex as rx
from sqlmodel import Session

from mtkcare.auth.guard import requires
from mtkcare.auth.permissions import Permission
from mtkcare.auth.service import Principal
from mtkcare.auth.state import AppState, Refused
from mtkcare.fields import form_values, submitted
from mtkcare.programs import views
from mtkcare.programs.service import (
    ProgramInput,
    TeamMemberInput,
    create_program,
    remove_team_member,
    set_team_member,
    update_program,
)
from mtkcare.reference.service import list_options
from mtkcare.ui.forms import form_summary
from mtkcare.ui.paging import clean_id

PROGRAM_FORM = "program"
PROGRAM_FIELDS = tuple(ProgramInput.model_fields)
TEAM_FORM = "team"
TEAM_FIELDS = tuple(TeamMemberInput.model_fields)


class ProgramsState(AppState):
    programs: list[views.ProgramLine] = []
    loaded: bool = False
    can_manage: bool = False
    # The create / edit form: "" closed, "new", or the program's id.
    editing: str = ""
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    service_types: list[dict[str, str]] = []

    @rx.var
    def error_list(self) -> list[dict[str, str]]:
        return form_summary(self.errors, PROGRAM_FORM, PROGRAM_FIELDS)

    def _reread(self) -> Any:
        done = self._call(views.list_programs)
        if isinstance(done, Refused):
            return done.events
        self.programs = done
        self.loaded = True
        return None

    @requires(Permission.PROGRAM_VIEW)
    @rx.event
    def load(self) -> Any:
        self.can_manage = self._can(Permission.PROGRAM_MANAGE)
        self.editing = ""
        return self._reread()

    @requires(Permission.PROGRAM_MANAGE)
    @rx.event
    def start_edit(self, program_id: str) -> Any:
        """Open the form: empty for a new program, or with a program's details."""
        self.errors = {}
        target = None if program_id == "new" else clean_id(program_id)
        if program_id != "new" and target is None:
            return rx.toast.error("That program is not on the list: reload the page.")

        def read(db: Session, me: Principal) -> tuple[dict[str, str], list[dict[str, str]]]:
            types = [
                {"value": str(o.id), "label": o.label} for o in list_options(db, "service_type")
            ]
            if target is None:
                return form_values(ProgramInput, {"is_active": True}), types
            return form_values(ProgramInput, views.program_details(db, me, target)), types

        done = self._call(read)
        if isinstance(done, Refused):
            return done.events
        self.values, self.service_types = done
        self.editing = "new" if target is None else str(target)
        return None

    @requires(Permission.PROGRAM_MANAGE)
    @rx.event
    def set_editing_open(self, is_open: bool) -> None:
        if not is_open:
            self.editing = ""
            self.errors = {}

    def _show_errors(self, errors: dict[str, str]) -> None:
        self.errors = errors

    @requires(Permission.PROGRAM_MANAGE)
    @rx.event
    def save(self, form_data: dict[str, Any]) -> Any:
        self.errors = {}
        data = submitted(ProgramInput, form_data)
        self.values = {k: str(v) if v not in (None, False) else "" for k, v in form_data.items()}
        target = None if self.editing == "new" else clean_id(self.editing)
        if self.editing != "new" and target is None:
            return rx.toast.error("Nothing to save: reload the page.")
        done = self._call(
            lambda db, me: (
                (
                    create_program(db, me, **data)
                    if target is None
                    else update_program(db, me, target, **data)
                ).name
            ),
            on_invalid=self._show_errors,
        )
        if isinstance(done, Refused):
            return done.events
        self.editing = ""
        return [*(self._reread() or []), rx.toast.success(f"Program “{done}” saved")]


class ProgramPageState(AppState):
    status: str = "loading"  # loading | ready | not_found
    program: views.ProgramPage = views.ProgramPage(0, "", "", "", "", 0, False, "", [], [], [])
    can_manage: bool = False
    staff: list[dict[str, str]] = []
    errors: dict[str, str] = {}
    form_key: int = 0

    _program_id: int = 0

    @rx.var
    def heading(self) -> str:
        if self.status == "ready":
            return self.program.name
        return "No such program" if self.status == "not_found" else "Program"

    @rx.var
    def error_list(self) -> list[dict[str, str]]:
        return form_summary(self.errors, TEAM_FORM, TEAM_FIELDS)

    def _reread(self) -> Any:
        done = self._call(lambda db, me: views.program_page(db, me, self._program_id))
        if isinstance(done, Refused):
            self.status = "not_found"
            return done.events
        self.program = done
        self.status = "ready"
        return None

    @requires(Permission.PROGRAM_VIEW)
    @rx.event
    def load(self) -> Iterator[Any]:
        self.reset()
        yield
        program_id = clean_id(self.router.url.query_parameters.get("id"))
        if program_id is None:
            self.status = "not_found"
            return
        self._program_id = program_id
        self.can_manage = self._can(Permission.PROGRAM_MANAGE)
        if self.can_manage:
            done = self._call(views.staff_choices)
            if not isinstance(done, Refused):
                self.staff = [{"value": v, "label": label} for v, label in done]
        yield self._reread()

    def _show_errors(self, errors: dict[str, str]) -> None:
        self.errors = errors

    @requires(Permission.PROGRAM_MANAGE)
    @rx.event
    def set_member(self, form_data: dict[str, Any]) -> Any:
        """Add someone to the team, or change their role or caseload limit."""
        self.errors = {}
        if self._program_id <= 0:
            return rx.toast.error("Nothing to change: reload the page.")
        data = submitted(TeamMemberInput, form_data)
        done = self._call(
            lambda db, me: set_team_member(db, me, self._program_id, **data),
            on_invalid=self._show_errors,
        )
        if isinstance(done, Refused):
            return done.events
        self.form_key += 1
        return [*(self._reread() or []), rx.toast.success("Team updated")]

    @requires(Permission.PROGRAM_MANAGE)
    @rx.event
    def remove_member(self, user_id: int) -> Any:
        member = clean_id(user_id)
        if self._program_id <= 0 or member is None:
            return rx.toast.error("Nothing to change: reload the page.")
        done = self._call(lambda db, me: remove_team_member(db, me, self._program_id, member))
        if isinstance(done, Refused):
            return done.events
        return [*(self._reread() or []), rx.toast.success("Taken off the team")]


class WorkloadState(AppState):
    lines: list[views.WorkloadLine] = []
    loaded: bool = False

    @requires(Permission.REFERRAL_DECIDE)
    @rx.event
    def load(self) -> Any:
        done = self._call(views.workload)
        if isinstance(done, Refused):
            return done.events
        self.lines = done
        self.loaded = True
        return None
