"""Dates and times read one way everywhere, in the organisation's time zone."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest

from mtkcare import dates
from mtkcare.settings import Settings, get_settings

NOON_UTC = datetime(2026, 3, 3, 1, 5, tzinfo=UTC)  # 14:05 in Auckland (daylight time)


@pytest.fixture
def zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def test_days_are_never_ambiguous() -> None:
    assert dates.day(date(2026, 3, 4)) == "4 Mar 2026"
    assert dates.day_in_words(date(1979, 2, 14)) == "14 February 1979"
    assert dates.day_in_words("1979-02-14") == "14 February 1979"
    assert dates.day_in_words("14/02/19") == "14/02/19"  # half-typed: shown as typed
    assert dates.day(None) == dates.moment(None) == dates.ago(None) == ""


def test_moments_are_shown_in_new_zealand_time_by_default(zone: pytest.MonkeyPatch) -> None:
    zone.delenv("MTKCARE_TIME_ZONE", raising=False)
    assert dates.moment(NOON_UTC) == "3 Mar 2026 at 14:05"
    assert dates.day(NOON_UTC - timedelta(hours=12)) == "3 Mar 2026"  # still the 3rd in NZ


def test_the_time_zone_is_a_setting(zone: pytest.MonkeyPatch) -> None:
    zone.setenv("MTKCARE_TIME_ZONE", "Australia/Perth")
    assert dates.moment(NOON_UTC) == "3 Mar 2026 at 09:05"
    zone.setenv("MTKCARE_TIME_ZONE", "Middle/Earth")
    with pytest.raises(ValueError, match="no time zone called 'Middle/Earth'"):
        Settings()


@pytest.mark.parametrize(
    ("before", "words"),
    [
        (timedelta(seconds=20), "just now"),
        (timedelta(minutes=1), "1 minute ago"),
        (timedelta(minutes=59), "59 minutes ago"),
        (timedelta(hours=3), "3 hours ago"),
        (timedelta(days=1, hours=2), "yesterday"),
        (timedelta(days=4), "4 days ago"),
        (timedelta(days=30), "2 Feb 2026"),  # 1 Feb 12:00 UTC is the 2nd in Auckland
    ],
)
def test_how_long_ago_in_words(before: timedelta, words: str) -> None:
    now = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)
    assert dates.ago(now - before, now) == words
