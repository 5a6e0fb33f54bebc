"""Dates and times as staff read them: one module, one style, in the organisation's time zone
(``MTKCARE_TIME_ZONE``, New Zealand by default).

- a day: "3 Mar 2026" (``day``), or written out where a typed date is echoed back to the
  person who typed it, "3 March 2026" (``day_in_words``): never 03/04, which readers take
  either way round;
- a moment: "3 Mar 2026 at 14:05", local time (``moment``);
- how long ago: "just now", "5 minutes ago", "yesterday", "3 days ago", then the day
  (``ago``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo

from mtkcare.settings import get_settings


@lru_cache(maxsize=4)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local(value: datetime) -> datetime:
    """``value`` in the organisation's time zone (naive values are taken as UTC)."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return aware.astimezone(_zone(get_settings().time_zone))


def start_of(value: date) -> datetime:
    """Midnight starting the day ``value`` in the organisation's time zone."""
    return datetime.combine(value, time.min, tzinfo=_zone(get_settings().time_zone))


def day(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local(value).date()
    return f"{value.day} {value:%b %Y}"


def day_in_words(value: date | str | None) -> str:
    """ "14 February 1979"; an ISO date string is read first (anything else comes back as it
    was, so half-typed input is shown as typed)."""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            return str(value)
    if value is None:
        return ""
    return f"{value.day} {value:%B %Y}"


def moment(value: datetime | None) -> str:
    if value is None:
        return ""
    at = local(value)
    return f"{at.day} {at:%b %Y} at {at:%H:%M}"


def ago(value: datetime | None, now: datetime | None = None) -> str:
    if value is None:
        return ""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    seconds = max(0, int(((now or datetime.now(UTC)) - aware).total_seconds()))
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return _count(seconds // 60, "minute")
    if seconds < 86400:
        return _count(seconds // 3600, "hour")
    days = seconds // 86400
    if days == 1:
        return "yesterday"
    if days < 7:
        return f"{days} days ago"
    return day(value)


def _count(n: int, unit: str) -> str:
    return f"{n} {unit}{'' if n == 1 else 's'} ago"


def today() -> date:
    """Today in the organisation's time zone (what "today" means to staff)."""
    return local(datetime.now(UTC)).date()
