"""The one place the application reads the time from, so tests can set it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_source: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731


def now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return _source()


def service_day(moment: datetime, timezone: str) -> date:
    """The local calendar day of ``moment`` in ``timezone``: the day a ticket belongs to."""
    return moment.astimezone(ZoneInfo(timezone)).date()


def local(moment: datetime, timezone: str) -> datetime:
    """``moment`` converted to ``timezone`` for showing it to people."""
    return moment.astimezone(ZoneInfo(timezone))


def day_end(day: date, timezone: str) -> datetime:
    """The end of ``day`` in ``timezone`` (the next local midnight), aware."""
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=ZoneInfo(timezone))


@contextmanager
def frozen(moment: datetime) -> Iterator[Callable[[datetime], None]]:
    """Within the block, ``now()`` returns ``moment``; the yielded function moves it."""
    global _source
    if moment.tzinfo is None:
        raise ValueError("frozen() needs a timezone-aware datetime")
    current = [moment.astimezone(UTC)]
    previous = _source
    _source = lambda: current[0]  # noqa: E731

    def move_to(new: datetime) -> None:
        current[0] = new.astimezone(UTC)

    try:
        yield move_to
    finally:
        _source = previous
