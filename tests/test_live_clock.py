"""The live servers' clock in the tests (``tests/live_clock.py``): whenever a run starts, the
time its servers see leaves hours of room before the day ends and after it began."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from tests.live_clock import BERLIN, OFFSET_VARIABLE, PRETEND_VARIABLE, offset_for

ROOT = Path(__file__).resolve().parents[1]
# An ordinary day, the nights the clocks go forward and back, New Year's Eve.
DAYS = [date(2026, 6, 10), date(2026, 3, 28), date(2026, 10, 24), date(2026, 12, 31)]


@pytest.mark.parametrize("day", DAYS, ids=str)
def test_a_run_starting_at_any_minute_sees_a_time_with_room_in_its_day(day):
    start = datetime.combine(day, time(), tzinfo=BERLIN).astimezone(UTC)
    for minute in range(0, 48 * 60, 7):
        real = start + timedelta(minutes=minute)
        seen = (real + offset_for(real)).astimezone(BERLIN)
        assert time(4) <= seen.time() < time(19), (real, seen)
        if offset_for(real):
            assert time(6) <= seen.time() < time(17), (real, seen)  # an hour more on a DST night


def test_by_day_nothing_is_shifted():
    noon = datetime(2026, 6, 10, 12, 0, tzinfo=BERLIN)
    assert offset_for(noon) == timedelta()


def run(env: dict[str, str], script: str) -> str:
    ran = subprocess.run(
        [sys.executable, "-c", script],
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=True,
    )
    return ran.stdout.strip()


def test_a_command_runs_on_the_offset_the_tests_decided():
    script = (
        "from tests import live_clock; live_clock.shift_servicepoint_clock()\n"
        "from datetime import UTC, datetime; from servicepoint import clock\n"
        "print(round((clock.now() - datetime.now(UTC)).total_seconds()))"
    )
    assert run({OFFSET_VARIABLE: "-43200.0"}, script) == "-43200"
    assert run({OFFSET_VARIABLE: "0.0"}, script) == "0"


def test_a_pretended_night_is_shifted_into_the_day():
    script = "from tests import live_clock; print(live_clock.now().strftime('%H:%M'))"
    assert run({PRETEND_VARIABLE: "23:40"}, script) in ("11:40", "11:41")
