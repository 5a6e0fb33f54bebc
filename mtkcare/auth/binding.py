"""A tab's state on the server belongs to the sign-in it was built under.

Reflex keeps each browser tab's state tree on the server (in memory, or in Redis with several
workers) for ``state_expiry_seconds`` after its last event. The tree is keyed by a tab token
the page keeps in ``sessionStorage`` and sends in the event socket's URL — so proxy logs hold
it — and nothing in Reflex ties it to our sign-in. Reflex's ``hydrate`` (sent on every page
load and reconnect) answers with every public var of the tree. Without more, signing out and
in as someone else in the same tab, or replaying a logged token with no cookie at all, would
be answered with the previous user's screens.

So the tree remembers whose it is: ``SessionBindingState._owner`` holds the session's
database id (never the cookie token). ``AuthMiddleware`` calls ``bind_tree`` before *every*
event, Reflex's own (hydrate, on-load dispatch) included; when the caller's session differs
(another session, none, or a tree never bound) every state of the tree is reset to its
defaults and the tree is bound to the caller. Only then does the event run. With Redis,
each state of the tree is a key of its own and an event loads only the states it needs:
``reset_tree`` loads the others first, so none keeps an old value for a later event.

The binding state also tells the page when the session will end if left alone
(``session_timer``, read by ``assets/mtkcare.js``, which sends the browser to the sign-in
page then).
"""

from __future__ import annotations

from datetime import datetime

import reflex as rx
from reflex.istate.manager.token import BaseStateToken
from reflex.istate.shared import SharedStateBaseInternal
from reflex.state import BaseState

from mtkcare.auth.service import Principal
from mtkcare.db import utcnow

NEVER_BOUND = ""
NOBODY = "nobody"

# The element and attribute that carry the session timer to the page's script.
SESSION_TIMER_ID = "mtkcare-session-timer"
SESSION_TIMER_ATTR = "data-session-timer"


class SessionBindingState(rx.State):
    """A small state of its own (no substates), so that checking the binding loads one key."""

    # Backend only: NEVER_BOUND, NOBODY, or "session:<database id>".
    _owner: str = NEVER_BOUND
    # "<ms since epoch when the session ends>:<ms left then>", or "" without a session. The
    # page counts down the ms left from when it received them (its clock may differ).
    session_timer: str = ""


def owner_of(principal: Principal | None) -> str:
    return NOBODY if principal is None else f"session:{principal.session_id}"


def session_timer(principal: Principal | None, now: datetime | None = None) -> str:
    if principal is None or principal.ends_at is None:
        return ""
    left = principal.ends_at - (now or utcnow())
    ends_ms = int(principal.ends_at.timestamp() * 1000)
    return f"{ends_ms}:{max(0, int(left.total_seconds() * 1000))}"


def _shared(cls: type[BaseState]) -> bool:
    # Shared states (rx.SharedState) hold data several tabs see, under tokens of their own:
    # resetting them here would reset them for everyone. Their handlers guard themselves.
    return issubclass(cls, SharedStateBaseInternal)


async def reset_tree(state: BaseState) -> None:
    """Every state of ``state``'s tree back to its defaults (the root keeps Reflex's
    routing and hydration flags), loading first those not loaded for this event."""
    root = state._get_root_state()
    pending = [c for c in type(root).get_substates() if not _shared(c)]
    children = [await root.get_state(c) for c in pending]
    while pending:  # every descendant loaded: reset() below walks the loaded substates
        cls = pending.pop()
        await root.get_state(cls)
        pending.extend(c for c in cls.get_substates() if not _shared(c))
    for child in children:
        child.reset()


async def bind_tree(state: BaseState, principal: Principal | None) -> str:
    """Makes the tree the caller's (resetting it when it was someone else's, or no one's
    yet) and refreshes the session timer. Returns the owner the tree had before."""
    root = state._get_root_state()
    binding = await root.get_state(SessionBindingState)
    before = binding._owner
    owner = owner_of(principal)
    if before != owner:
        await reset_tree(root)
        binding._owner = owner
    binding.session_timer = session_timer(principal)
    return before


async def empty_tab(tab: str, session_id: int) -> None:
    """At sign-out: the tab's state on the server back to its defaults and bound to no one,
    when it is the ended session's (the tab token comes from the sign-out form; another
    tab's state is left alone)."""
    from mtkcare.mtkcare import app

    async with app.modify_state(BaseStateToken(ident=tab, cls=SessionBindingState)) as root:
        binding = await root.get_state(SessionBindingState)
        if binding._owner != f"session:{session_id}":
            return
        await reset_tree(root)
        binding._owner = NOBODY
