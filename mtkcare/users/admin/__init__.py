"""The admin area, one page per pair of modules (``<page>_state`` and ``<page>_components``):
the users list, one staff member, roles and permissions, and Azure AD group mappings;
``parts`` holds what the pages share. ``mtkcare.users.pages`` registers them.

Every public method of these states is an RPC any browser can call by name, so each one is
declared ``@requires(Permission.ADMIN_USERS)`` (checked by ``AuthMiddleware`` before it runs),
checks the types of its arguments and calls services from ``mtkcare.users.service`` through
``AppState._call``. Public vars hold only what the pages show: small typed views made here,
never table rows, password hashes or session tokens.
"""
