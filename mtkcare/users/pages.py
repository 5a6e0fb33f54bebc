"""Pages of the admin area: staff accounts, one staff member, roles and permissions, and
Azure AD group-to-role mappings (each drawn from its pair of modules in
``mtkcare.users.admin``). All of them need ``admin.users`` (routes.PAGE_PERMISSIONS).
The account page (``/account``, any signed-in person) registers itself in
``mtkcare.users.account``."""

from __future__ import annotations

import reflex as rx

from mtkcare.ui import routes
from mtkcare.ui.layout import app_page, page_layout
from mtkcare.ui.styles import page_title
from mtkcare.users.admin.mappings_components import mappings_body
from mtkcare.users.admin.mappings_state import AdminMappingsState
from mtkcare.users.admin.parts import admin_tabs
from mtkcare.users.admin.roles_components import roles_body
from mtkcare.users.admin.roles_state import AdminRolesState
from mtkcare.users.admin.user_page_components import user_page_body
from mtkcare.users.admin.user_page_state import AdminUserState
from mtkcare.users.admin.users_list_components import users_list, users_search_form
from mtkcare.users.admin.users_list_state import AdminUsersState


def _loads(handler: rx.EventHandler, *children: rx.Component) -> rx.Component:
    # Loaded when the content mounts, which the layout only does once the server has allowed
    # the page: someone without admin.users never calls these handlers.
    return rx.flex(*children, direction="column", spacing="4", on_mount=handler)


@app_page(routes.ADMIN, page_title("Users"))
def admin() -> rx.Component:
    return page_layout(
        admin_tabs(routes.ADMIN),
        _loads(AdminUsersState.load, users_search_form(), users_list()),
        title="Users",
        active=routes.ADMIN,
        crumbs=[("Admin", routes.ADMIN), ("Users", None)],
    )


@app_page(routes.ADMIN_USER, page_title("Staff member"))
def admin_user() -> rx.Component:
    return page_layout(
        _loads(AdminUserState.load, user_page_body()),
        title="Staff member",
        active=routes.ADMIN,
        crumbs=[("Admin", routes.ADMIN), ("Users", routes.ADMIN), ("Staff member", None)],
    )


@app_page(routes.ADMIN_ROLES, page_title("Roles and permissions"))
def admin_roles() -> rx.Component:
    return page_layout(
        admin_tabs(routes.ADMIN_ROLES),
        _loads(AdminRolesState.load, roles_body()),
        title="Roles and permissions",
        active=routes.ADMIN,
        crumbs=[("Admin", routes.ADMIN), ("Roles and permissions", None)],
    )


@app_page(routes.ADMIN_MAPPINGS, page_title("Azure AD group mappings"))
def admin_mappings() -> rx.Component:
    return page_layout(
        admin_tabs(routes.ADMIN_MAPPINGS),
        _loads(AdminMappingsState.load, mappings_body()),
        title="Azure AD group mappings",
        active=routes.ADMIN,
        crumbs=[("Admin", routes.ADMIN), ("Azure AD group mappings", None)],
    )
