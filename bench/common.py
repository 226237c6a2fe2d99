"""Shared pieces of the benchmarks: a live server on 127.0.0.1 and percentile helpers."""

from __future__ import annotations

import os
import statistics
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import LiveServer, fresh_database, run_live_server


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (0 to 100) by nearest rank."""
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def median(values: list[float]) -> float:
    return statistics.median(values)


@contextmanager
def server(backend: str = "sqlite") -> Iterator[LiveServer]:
    """The production server (gunicorn, threaded) with the demo data on a new, empty
    database of ``backend`` (sqlite or postgresql), on a free local port.

    The bench's kiosks all draw from 127.0.0.1: the per-address ticket limit (meant for one
    phone or one kiosk, 60 a minute) is lifted so it measures the server, not the limit."""
    os.environ.setdefault("SERVICEPOINT_TICKETS_PER_ADDRESS", "1000000")
    with (
        tempfile.TemporaryDirectory(prefix="servicepoint-bench-") as tmp,
        fresh_database(backend, Path(tmp)) as url,
        run_live_server(Path(tmp), url) as live,
    ):
        yield live
