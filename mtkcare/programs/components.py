"""The programs list, one program's page (details, team, referrals, enrolments) and the
workload table. Program and team forms are drawn from their inputs' declarations."""

from __future__ import annotations

import reflex as rx

from mtkcare.clients.record_parts import fact, panel
from mtkcare.fields import spec
from mtkcare.programs.service import ProgramInput, TeamMemberInput
from mtkcare.programs.state import (
    PROGRAM_FORM,
    TEAM_FORM,
    ProgramPageState,
    ProgramsState,
    WorkloadState,
)
from mtkcare.programs.views import ProgramLine, TeamLine, WorkloadLine
from mtkcare.ui import routes
from mtkcare.ui.components import (
    confirm_dialog,
    empty_state,
    form_dialog,
    list_or_empty,
    loading_block,
)
from mtkcare.ui.forms import error_summary, form_fields, input_for

P = ProgramsState
G = ProgramPageState
W = WorkloadState

PROGRAM_LAYOUT = ("name", ("code", "service_type_id"), "description", "capacity", "is_active")


def _table(caption: str, headers: tuple[str, ...], body: rx.Component) -> rx.Component:
    return rx.table.root(
        rx.el.caption(caption, style={"textAlign": "left", "paddingBottom": "var(--space-2)"}),
        rx.table.header(rx.table.row(*(rx.table.column_header_cell(h) for h in headers))),
        rx.table.body(body),
        variant="surface",
        width="100%",
    )


# --------------------------------------------------------------------------------------------
# /programs


def _program_row(p: rx.Var[ProgramLine]) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.link(p.name, href=routes.PROGRAM + "?id=" + p.id.to_string())),
        rx.table.cell(p.code),
        rx.table.cell(p.service_type),
        rx.table.cell(
            rx.cond(
                p.active,
                rx.badge("Taking referrals", color_scheme="green", size="1"),
                rx.badge("Not taking referrals", color_scheme="gray", size="1"),
            )
        ),
        rx.table.cell(p.capacity),
        rx.table.cell(p.team_size),
        rx.table.cell(p.open_referrals),
        rx.table.cell(p.active_enrolments),
        rx.table.cell(
            rx.cond(
                P.can_manage,
                rx.button(
                    "Edit",
                    size="1",
                    variant="soft",
                    on_click=P.start_edit(p.id.to_string()),
                    aria_label="Edit " + p.name,
                ),  # fmt: skip
            )
        ),
        key=p.id,
    )


def program_dialog() -> rx.Component:
    return form_dialog(
        form_fields(
            ProgramInput,
            PROGRAM_LAYOUT,
            form=PROGRAM_FORM,
            values=P.values,
            errors=P.errors,
            options={"service_type_id": P.service_types},
        ),
        title=rx.cond(P.editing == "new", "Create a program", "Edit the program"),
        description="Referrals are accepted into a program of their service type while it is "
        "taking referrals.",
        submit="Save program",
        on_submit=P.save,
        is_open=P.editing != "",
        on_open_change=P.set_editing_open,
        errors=error_summary(P.error_list),
        key=P.editing,
    )


def programs_body() -> rx.Component:
    return rx.cond(
        P.loaded,
        rx.flex(
            rx.cond(
                P.programs.length() > 0,  # type: ignore[attr-defined]
                _table(
                    "Every program, with its team and its open work",
                    (
                        "Program",
                        "Code",
                        "Service type",
                        "Status",
                        "Capacity",
                        "Team",
                        "Open referrals",
                        "Active enrolments",
                        "",
                    ),
                    rx.foreach(P.programs, _program_row),
                ),  # fmt: skip
                empty_state(
                    "layers",
                    "No programs yet",
                    "Create the first program; referrals are accepted into programs.",
                ),  # fmt: skip
            ),
            program_dialog(),
            direction="column",
            spacing="3",
            width="100%",
        ),
        loading_block("Loading programs…"),
    )


def programs_actions() -> rx.Component:
    return rx.cond(
        P.can_manage,
        rx.button(
            rx.icon("plus", size=16, aria_hidden="true"),
            "Create a program",
            on_click=P.start_edit("new"),
        ),
    )


# --------------------------------------------------------------------------------------------
# /programs/view


def _member_row(m: rx.Var[TeamLine]) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(m.name),
        rx.table.cell(m.role_label),
        rx.table.cell(
            rx.link(
                m.open_referrals.to_string() + " open",
                href="/referrals?program="
                + G.program.id.to_string()  # type: ignore[attr-defined]
                + "&worker="
                + m.user_id.to_string(),
            ),
            rx.cond(
                m.over_limit,
                rx.badge("Over limit", color_scheme="red", size="1", margin_left="var(--space-2)"),
            ),
        ),
        rx.table.cell(m.caseload_limit),
        rx.table.cell(
            rx.cond(
                G.can_manage,
                confirm_dialog(
                    rx.button(
                        "Take off team",
                        size="1",
                        variant="soft",
                        color_scheme="red",
                        aria_label="Take " + m.name + " off the team",
                    ),
                    title="Take " + m.name + " off the team?",
                    body="Their referrals stay assigned to them until someone reassigns them.",
                    confirm_label="Take off team",
                    on_confirm=G.remove_member(m.user_id),
                ),  # fmt: skip
            )
        ),
        key=m.user_id,
    )


def _team_form() -> rx.Component:
    fields = {name: spec(TeamMemberInput, name) for name in TeamMemberInput.model_fields}
    return rx.form(
        rx.flex(
            error_summary(G.error_list),
            rx.flex(
                rx.box(
                    input_for(fields["user_id"], form=TEAM_FORM, errors=G.errors, options=G.staff),
                    width="16rem",
                ),
                rx.box(input_for(fields["role"], form=TEAM_FORM, errors=G.errors, value="MEMBER")),
                rx.box(
                    input_for(
                        fields["caseload_limit"], form=TEAM_FORM, errors=G.errors, value="25"
                    ),
                    width="10rem",
                ),
                rx.button("Add or update", type="submit", size="2"),
                spacing="3",
                wrap="wrap",
                align="end",
            ),
            direction="column",
            spacing="2",
        ),
        key=G.form_key,
        on_submit=G.set_member,
        reset_on_submit=False,
        aria_label="Add someone to the team, or change their role or limit",
    )


def program_body() -> rx.Component:
    p = G.program
    return rx.match(
        G.status,
        ("loading", loading_block("Opening the program…")),
        ("not_found", empty_state("layers", "This program is not available", "It does not exist.")),
        rx.flex(
            panel(
                "Details",
                rx.data_list.root(
                    fact("Code", p.code),
                    fact("Service type", p.service_type),
                    fact("Status", rx.cond(p.active, "Taking referrals", "Not taking referrals")),
                    fact("Capacity", p.capacity, "Unlimited"),
                    fact("Description", p.description),
                    orientation="horizontal",
                    size="2",
                ),
                action=rx.link("Open its board", href="/referrals?program=" + p.id.to_string()),  # type: ignore[attr-defined]
            ),
            panel(
                "Team",
                rx.cond(
                    p.team.length() > 0,  # type: ignore[attr-defined]
                    _table(
                        "The program's team, with their open referrals here and their caseload limit",
                        ("Name", "Role", "Open referrals", "Caseload limit", ""),
                        rx.foreach(p.team, _member_row),
                    ),
                    rx.text("Nobody is in this team yet.", color_scheme="gray", size="2"),
                ),
                rx.cond(G.can_manage, _team_form()),
            ),
            panel(
                "Open referrals",
                list_or_empty(
                    p.referrals,
                    lambda r: rx.el.li(
                        rx.link(
                            r.tracking_id,
                            href=routes.REFERRAL + "?id=" + r.id.to_string(),
                            font_family="monospace",
                        ),
                        " ",
                        r.client_name,
                        " · ",
                        r.status_label,
                        " · ",
                        r.worker,
                    ),  # fmt: skip
                    empty="No open referrals you can see.",
                    label="Open referrals",
                    plain=False,
                ),
            ),
            panel(
                "Active enrolments",
                list_or_empty(
                    p.enrolments,
                    lambda e: rx.el.li(
                        rx.link(
                            e.client_name, href=routes.CLIENT + "?id=" + e.client_id.to_string()
                        ),
                        " · since ",
                        e.commencement,
                    ),  # fmt: skip
                    empty="Nobody is enrolled now.",
                    label="Active enrolments",
                    plain=False,
                ),
            ),
            direction="column",
            spacing="4",
            width="100%",
        ),
    )


# --------------------------------------------------------------------------------------------
# /workload


def _workload_row(w: rx.Var[WorkloadLine]) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(w.name),
        rx.table.cell(w.programs),
        rx.table.cell(
            rx.link(
                w.open_referrals.to_string(),
                href="/referrals?worker=" + w.user_id.to_string(),
                aria_label="Open referrals of " + w.name,
            )
        ),
        rx.table.cell(w.active_enrolments),
        rx.table.cell(
            w.caseload_limit,
            rx.cond(
                w.over_limit,
                rx.badge("Over limit", color_scheme="red", size="1", margin_left="var(--space-2)"),
            ),
        ),
        key=w.user_id,
    )


def workload_body() -> rx.Component:
    return rx.cond(
        W.loaded,
        rx.cond(
            W.lines.length() > 0,  # type: ignore[attr-defined]
            _table(
                "Each worker's open referrals and active enrolments in your programs, against "
                "their caseload limits there",
                ("Worker", "Programs", "Open referrals", "Active enrolments", "Caseload limit"),
                rx.foreach(W.lines, _workload_row),
            ),
            empty_state(
                "gauge",
                "No teams to show",
                "You lead no program team yet: ask a manager to add you to one.",
            ),  # fmt: skip
        ),
        loading_block("Loading the workload…"),
    )
