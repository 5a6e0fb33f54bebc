"""What keeps one tab, or one address, from flooding the server (the limits themselves live in
mtkcare.settings).

- ``EventRateLimit``: every event of a tab takes a token from that tab's bucket (``event_burst``
  tokens, refilled at ``event_rate_per_second``); an event finding it empty is dropped.
- ``AnonymousRefusals``: refused events without a session are counted per tab and window
  (``anonymous_refusal_window_seconds``) and audited as one row per tab and window, so a
  script cannot grow the append-only audit table by one row per event. A signed-in user's
  refusals stay one row each: those are security events with a known actor.
- ``TabsPerAddress``: how many tabs (each a state tree kept on the server for
  ``state_expiry_seconds``) one address holds; the event socket refuses a new one beyond
  ``tabs_per_address`` (see mtkcare.api.app.guard_event_socket).

All three count in the worker's memory: with several workers each keeps its own count.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum

from mtkcare.audit.models import AuditAction
from mtkcare.audit.service import record_event
from mtkcare.db import session_scope

log = logging.getLogger(__name__)

Clock = Callable[[], float]


def tab_digest(tab: str) -> str:
    """A tab token as logs and the audit trail may show it: the token itself is a bearer
    credential for the tab's state and must not be written down."""
    return hashlib.sha256(tab.encode()).hexdigest()[:16]


# --------------------------------------------------------------------------------------------
# Events per tab


class Verdict(Enum):
    ALLOW = "allow"
    DROP_AND_SAY = "drop and say so"  # the first event dropped in a row: one toast
    DROP = "drop"


@dataclass
class _Bucket:
    tokens: float
    updated: float
    dropped: int = 0


class EventRateLimit:
    def __init__(self, rate: float, burst: int, clock: Clock = time.monotonic) -> None:
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._checks = 0

    def check(self, tab: str, ip: str = "") -> Verdict:
        now = self.clock()
        bucket = self._buckets.get(tab)
        if bucket is None:
            bucket = self._buckets[tab] = _Bucket(tokens=float(self.burst), updated=now)
        else:
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
        self._checks += 1
        if self._checks % 1000 == 0:
            self._forget_full(now)
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            if bucket.dropped:
                log.warning(
                    "Tab %s from %s: %d events dropped", tab_digest(tab), ip, bucket.dropped
                )
                bucket.dropped = 0
            return Verdict.ALLOW
        bucket.dropped += 1
        if bucket.dropped == 1:
            log.warning("Tab %s from %s sends events too fast: dropping", tab_digest(tab), ip)
            return Verdict.DROP_AND_SAY
        return Verdict.DROP

    def _forget_full(self, now: float) -> None:
        """A bucket left alone long enough to be full again is the same as no bucket."""
        refill = self.burst / self.rate
        for tab, bucket in list(self._buckets.items()):
            if now - bucket.updated > refill and not bucket.dropped:
                del self._buckets[tab]


# --------------------------------------------------------------------------------------------
# Refusals without a session


@dataclass
class RefusalTally:
    tab: str  # tab_digest of the tab token
    ip: str
    window_start: float  # epoch seconds
    window_seconds: int
    count: int = 0
    events: Counter[str] = field(default_factory=Counter)

    def detail(self) -> str:
        start = datetime.fromtimestamp(self.window_start, UTC)
        names = ", ".join(
            f"{name.rsplit('.', 2)[-2]}.{name.rsplit('.', 1)[-1]} x{n}" if "." in name else name
            for name, n in self.events.most_common(5)
        )
        more = "" if len(self.events) <= 5 else f" and {len(self.events) - 5} more"
        return (
            f"{self.count} events refused without a session on one tab in the "
            f"{self.window_seconds} s from {start:%Y-%m-%d %H:%M:%S} UTC: {names}{more}"
        )


class AnonymousRefusals:
    # Tallies kept at most before all are written early (a flood of tabs).
    MAX_PENDING = 10_000

    def __init__(self, window_seconds: int, clock: Clock = time.time) -> None:
        self.window = window_seconds
        self.clock = clock
        self._pending: dict[tuple[str, int], RefusalTally] = {}

    def add(self, tab: str, ip: str, what: str) -> list[RefusalTally]:
        """Counts one refusal; returns the tallies now due for writing (their window is over,
        or too many are pending)."""
        now = self.clock()
        index = int(now // self.window)
        key = (tab_digest(tab), index)
        tally = self._pending.get(key)
        if tally is None:
            tally = self._pending[key] = RefusalTally(
                tab=key[0], ip=ip, window_start=index * self.window, window_seconds=self.window
            )
        tally.count += 1
        tally.events[what] += 1
        if len(self._pending) > self.MAX_PENDING:
            return self.drain()
        return self.due()

    def due(self) -> list[RefusalTally]:
        current = int(self.clock() // self.window)
        done = [key for key in self._pending if key[1] < current]
        return [self._pending.pop(key) for key in done]

    def drain(self) -> list[RefusalTally]:
        tallies = list(self._pending.values())
        self._pending.clear()
        return tallies


def write_refusals(tallies: list[RefusalTally]) -> None:
    """One audit row per tally, in one transaction."""
    if not tallies:
        return
    with session_scope() as db:
        for tally in tallies:
            record_event(
                db,
                AuditAction.ACCESS_DENIED,
                "Event",
                user_id=None,
                resource_id=tally.tab,
                ip_address=tally.ip,
                detail=tally.detail(),
            )


# --------------------------------------------------------------------------------------------
# Tabs per address


@dataclass
class _Tabs:
    # tab token -> (open connections, last seen)
    seen: dict[str, list[float]] = field(default_factory=dict)


class TabsPerAddress:
    """Counts the tabs of each address: a tab is new when its token was not seen from the
    address within ``window`` seconds, or when a connection on the token is still open (the
    server then gives the second connection a token, and a state tree, of its own)."""

    def __init__(self, limit: int, window: float, clock: Clock = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._addresses: dict[str, _Tabs] = {}
        self._copies = 0

    def open(self, address: str, tab: str) -> str | None:
        """Records a connection; returns the key to ``close`` it with, or None when the
        address holds too many tabs."""
        now = self.clock()
        tabs = self._addresses.setdefault(address, _Tabs())
        known = tabs.seen.get(tab)
        if known is not None and known[0] == 0:
            known[0], known[1] = 1, now
            return tab
        self._forget_old(tabs, now)
        if len(tabs.seen) >= self.limit:
            return None
        key = tab
        if known is not None:  # a duplicate of an open tab: counted as one more
            self._copies += 1
            key = f"{tab}#{self._copies}"
        tabs.seen[key] = [1, now]
        return key

    def close(self, address: str, key: str) -> None:
        tabs = self._addresses.get(address)
        if tabs is None or key not in tabs.seen:
            return
        entry = tabs.seen[key]
        entry[0] = max(0, int(entry[0]) - 1)
        entry[1] = self.clock()

    def _forget_old(self, tabs: _Tabs, now: float) -> None:
        for key, (connections, last) in list(tabs.seen.items()):
            if connections == 0 and now - last > self.window:
                del tabs.seen[key]
        if len(self._addresses) > 10_000:
            for address, other in list(self._addresses.items()):
                if not other.seen:
                    del self._addresses[address]
