"""Pages of the programs area: the list, one program, and the team leads' workload."""

from __future__ import annotations

import reflex as rx

from mtkcare.programs.components import (
    program_body,
    programs_actions,
    programs_body,
    workload_body,
)
from mtkcare.programs.state import ProgramPageState, ProgramsState, WorkloadState
from mtkcare.ui import routes
from mtkcare.ui.layout import app_page, page_layout
from mtkcare.ui.styles import page_title


@app_page(routes.PROGRAMS, page_title("Programs"), on_load=ProgramsState.load)
def programs() -> rx.Component:
    return page_layout(
        programs_body(), title="Programs", active=routes.PROGRAMS, actions=programs_actions()
    )


@app_page(routes.PROGRAM, page_title("Program"), on_load=ProgramPageState.load)
def program() -> rx.Component:
    return page_layout(
        program_body(),
        title=ProgramPageState.heading,
        active=routes.PROGRAMS,
        crumbs=[("Programs", routes.PROGRAMS), (ProgramPageState.heading, None)],
    )


@app_page(routes.WORKLOAD, page_title("Workload"), on_load=WorkloadState.load)
def workload() -> rx.Component:
    return page_layout(workload_body(), title="Workload", active=routes.WORKLOAD)
