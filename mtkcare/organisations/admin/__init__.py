"""The organisations admin screens, one page or section per pair of modules
(``<part>_state`` and ``<part>_components``): the list of organisations, one organisation's
page (its details and decision notices), its API keys, its referrals and its partner-API
access log; ``parts`` holds what they share. ``mtkcare.organisations.pages`` registers the
pages.

Every public method of these states is an RPC any browser can call by name, so each one is
declared ``@requires(Permission.ORGANISATION_MANAGE)`` (checked by ``AuthMiddleware`` before
it runs), checks the types of its arguments and calls the services of
``mtkcare.organisations`` through ``AppState._call``, which check again. Public vars hold only
what the pages show, as small typed views: never table rows, and never a key's hash. A key
just issued is the one secret a public var ever holds: the issued-key dialog's own var, from
the moment it is issued until that dialog closes.
"""
