"""Small helpers of the generator: rows as dicts, weighted choice, ASCII slugs, and the clock of
the past two years (in Auckland working hours)."""

from __future__ import annotations

import bisect
import itertools
import random
import re
import unicodedata
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from typing import Any
from zoneinfo import ZoneInfo

Row = dict[str, Any]

NZ = ZoneInfo("Pacific/Auckland")
HISTORY_DAYS = 730


class Weighted:
    """Weighted choice by bisecting cumulative weights: much cheaper than rng.choices per call."""

    __slots__ = ("_cum", "_items", "_total")

    def __init__(self, weights: dict[Any, float] | Sequence[tuple[Any, float]]) -> None:
        pairs = list(weights.items()) if isinstance(weights, dict) else list(weights)
        pairs = [(item, w) for item, w in pairs if w > 0]
        self._items = [item for item, _ in pairs]
        self._cum = list(itertools.accumulate(w for _, w in pairs))
        self._total = self._cum[-1]

    def pick(self, rng: random.Random) -> Any:
        return self._items[bisect.bisect_right(self._cum, rng.random() * self._total)]

    @property
    def items(self) -> list[Any]:
        return self._items


_ASCII_CACHE: dict[str, str] = {}


def ascii_slug(text: str, sep: str = "") -> str:
    cached = _ASCII_CACHE.get(text + sep)
    if cached is None:
        plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
        cached = re.sub(r"[^a-z0-9]+", sep, plain).strip(sep)
        _ASCII_CACHE[text + sep] = cached
    return cached


class Clock:
    """Times in the past two years, in Auckland working hours where people did the work."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        # The UTC date: Auckland is ahead of UTC, so a date no later than this is never in the
        # future for any reader of the data.
        self.today = now.date()
        self._midnights: dict[int, datetime] = {}

    def midnight(self, days_ago: int) -> datetime:
        found = self._midnights.get(days_ago)
        if found is None:
            day = self.today - timedelta(days=days_ago)
            found = datetime.combine(day, dtime(), NZ).astimezone(UTC)
            self._midnights[days_ago] = found
        return found

    def work_time(self, days_ago: int, rng: random.Random) -> datetime:
        at = self.midnight(days_ago) + timedelta(seconds=rng.uniform(8 * 3600, 17.5 * 3600))
        return self.clamp(at, rng)

    def clamp(self, at: datetime, rng: random.Random) -> datetime:
        if at >= self.now:
            return self.now - timedelta(seconds=rng.uniform(60, 3600))
        return at

    def after(
        self, start: datetime, rng: random.Random, low_days: float, high_days: float
    ) -> datetime:
        """A moment `low..high` days after `start`; squeezed between `start` and now if that
        would be in the future, so sequences of events stay ordered and in the past."""
        at = start + timedelta(days=rng.uniform(low_days, high_days))
        if at >= self.now:
            room = (self.now - start).total_seconds()
            at = start + timedelta(seconds=max(room, 0.0) * rng.uniform(0.05, 0.95))
        return at

    def nz_date(self, at: datetime) -> date:
        return min(at.astimezone(NZ).date(), self.today)
