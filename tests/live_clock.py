"""The time of the live servers the tests start, and of the tests and browsers that use them.

Browser tests make consultation sessions and appointments relative to the time of the run
("from an hour ago for three hours", "30 minutes from now"), and a live server has no frozen
clock. Late in the evening and at night those would not fit in the day. So a test process
that starts then runs everything it compares with a live server on a clock shifted back by
:data:`NIGHT_SHIFT` into the middle of the day in Berlin (the demo locations' time zone):
the servers and the other ``servicepoint`` commands it starts (this module is their entry
point: ``python -m tests.live_clock serve …``, which sets ``servicepoint.clock``), the
tests' idea of now (:func:`now`) and the pages' clock (:func:`install_in`, Playwright's
clock). Time still runs, and a shift of whole hours keeps the minutes (slots start on them).

The offset is decided once per test process, at its import, and handed to the commands in
``SERVICEPOINT_TEST_CLOCK_OFFSET`` (seconds; set it to run at any offset). To see a run as
it would go at night, ``SERVICEPOINT_TEST_PRETEND_TIME=23:40`` makes the process take the
real time for 23:40 in Berlin today before deciding.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")
OFFSET_VARIABLE = "SERVICEPOINT_TEST_CLOCK_OFFSET"
PRETEND_VARIABLE = "SERVICEPOINT_TEST_PRETEND_TIME"
# Berlin hours from which a run is shifted, and until which: a run that starts at 18:59 has
# four hours before the day runs out of room (about 23:10), one that starts at 03:59 and is
# shifted has seven.
NIGHT_FROM, NIGHT_UNTIL = 19, 4
NIGHT_SHIFT = timedelta(hours=-12)


def offset_for(real: datetime) -> timedelta:
    """How far the live servers' clock runs from ``real``: nothing by day, and
    :data:`NIGHT_SHIFT` (into about 07:00 to 16:00) from 19:00 until 04:00 in Berlin."""
    hour = real.astimezone(BERLIN).hour
    return NIGHT_SHIFT if hour >= NIGHT_FROM or hour < NIGHT_UNTIL else timedelta()


def _decide() -> timedelta:
    given = os.environ.get(OFFSET_VARIABLE)
    if given:
        return timedelta(seconds=float(given))
    real = datetime.now(UTC)
    pretended = timedelta()
    if os.environ.get(PRETEND_VARIABLE):
        hour, minute = (int(part) for part in os.environ[PRETEND_VARIABLE].split(":"))
        seen = real.astimezone(BERLIN).replace(hour=hour, minute=minute)
        pretended = seen.astimezone(UTC) - real
    offset = pretended + offset_for(real + pretended)
    os.environ[OFFSET_VARIABLE] = str(offset.total_seconds())  # for the commands it starts
    return offset


OFFSET = _decide()


def now(zone: ZoneInfo = BERLIN) -> datetime:
    """The live servers' time now, in ``zone`` (Berlin unless said otherwise)."""
    return (datetime.now(UTC) + OFFSET).astimezone(zone)


def command(*arguments: str) -> list[str]:
    """The ``servicepoint`` command with ``arguments``, on the live servers' clock."""
    return [sys.executable, "-m", "tests.live_clock", *arguments]


def install_in(context: Any) -> Any:
    """``context`` (a browser context) with its pages' clock at the live servers' time,
    running; returned. Nothing changes while the offset is none."""
    if OFFSET:
        context.clock.install(time=now())
    return context


def shift_servicepoint_clock() -> None:
    """Set ``servicepoint.clock`` in this process to the live servers' time (a command's
    process, before it forks its children: gunicorn's worker, the schema's preparation)."""
    from servicepoint import clock

    if OFFSET:
        real = clock._source
        clock._source = lambda: real() + OFFSET


if __name__ == "__main__":
    from servicepoint.cli import main

    shift_servicepoint_clock()
    main(prog_name="servicepoint")
