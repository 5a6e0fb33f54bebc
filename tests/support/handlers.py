"""Prints, as JSON, every event handler the app registers with its declaration.

Run in its own process (``python -m tests.support.handlers``): importing the app defines and
registers every Reflex state, which must not happen inside the test process, where the
browser tests' AppHarness registers the app itself.
"""

from __future__ import annotations

import json
import sys

from reflex_base.registry import RegistrationContext


def main() -> None:
    import mtkcare.mtkcare  # noqa: F401  (defines and registers every state)
    from mtkcare.auth.guard import declared_permission, is_framework_state

    handlers = [
        {
            "name": name,
            "framework": is_framework_state(registered.states[0]),
            "declared": declared_permission(registered.handler.fn),
        }
        for name, registered in RegistrationContext.get().event_handlers.items()
    ]
    json.dump(handlers, sys.stdout)


if __name__ == "__main__":
    main()
