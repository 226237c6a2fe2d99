"""What Redis's faults cost: two server processes on one PostgreSQL database and a Redis of
the bench's own, killed and restarted, then frozen (SIGSTOP) and thawed.

Run: ``python -m bench.redis_faults [--rounds 3]``. Per round it reports how long the kiosk
and the counselor waited while Redis was away, how long ``/healthz`` took and how soon it
said ``degraded``, and how soon after Redis was back the lobby screen on the other process
showed the call made meanwhile (its resync) and both processes said ``ok`` again. Not a
test: it prints figures (``docs/operations.md`` quotes them).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.conftest import LiveServer, fresh_database, run_live_server
from tests.e2e.test_redis_faults import Counselor, Screen, draw, health
from tests.redis_server import RedisServer, redis_server


def until(check: Callable[[], Any], timeout: float = 30) -> float:
    """Seconds until ``check()`` is true (polling every 10 ms)."""
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > timeout:
            raise RuntimeError("gave up waiting")
        time.sleep(0.01)
    return time.monotonic() - started


def status(server: LiveServer) -> str:
    return str(health(server)[0]["status"])


def round_trip(
    redis: RedisServer,
    first: LiveServer,
    second: LiveServer,
    staff: Counselor,
    fault: str,
) -> dict[str, float]:
    """One fault: the figures of the module's docstring, in seconds."""
    until(lambda: status(first) == status(second) == "ok")
    there = Screen(second.url)
    try:
        if fault == "kill":
            redis.kill()
        else:
            redis.freeze()
        began = time.monotonic()
        waits, health_times = [], []
        degraded: float | None = None
        # Tickets and health checks while the processes find out, and a while after.
        while degraded is None or time.monotonic() - began < 3:
            waits.append(draw(first)[1])
            (said, took), (said_too, _) = health(first), health(second)
            health_times.append(took)
            if degraded is None and said["status"] == said_too["status"] == "degraded":
                degraded = time.monotonic() - began
            if time.monotonic() - began > 30:
                raise RuntimeError("never degraded")
            time.sleep(0.05)
        code, call_wait = staff.call_next()
        waits.append(call_wait)
        if fault == "kill":
            redis.start()
        else:
            redis.thaw()
        resynced = until(lambda: there.has_shown(code))
        ok = until(lambda: status(first) == status(second) == "ok") + resynced
    finally:
        there.close()
    return {
        "request_max": max(waits),
        "request_p50": statistics.median(waits),
        "healthz_max": max(health_times),
        "degraded_within": degraded,
        "resynced_after": resynced,
        "ok_after": ok,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("SERVICEPOINT_TICKETS_PER_ADDRESS", "1000000")
    with (
        tempfile.TemporaryDirectory(prefix="servicepoint-bench-") as tmp,
        redis_server() as redis,
        fresh_database("postgresql", Path(tmp)) as url,
    ):
        os.environ["SERVICEPOINT_REDIS_URL"] = redis.url
        os.environ["SERVICEPOINT_REDIS_CHANNEL"] = f"servicepoint-bench-{uuid.uuid4().hex}"
        with (
            run_live_server(Path(tmp) / "first", url) as first,
            run_live_server(Path(tmp) / "second", url) as second,
        ):
            staff = Counselor(first)
            for fault in ("kill", "freeze"):
                rounds = [
                    round_trip(redis, first, second, staff, fault) for _ in range(args.rounds)
                ]
                print(f"Redis {fault}, {args.rounds} rounds (median / worst):")
                for key in rounds[0]:
                    values = [r[key] for r in rounds]
                    print(f"  {key:16} {statistics.median(values):7.3f} s  {max(values):7.3f} s")


if __name__ == "__main__":
    main()
