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


# The server models compared side by side: the production default first.
WORKERS = ("gevent", "threaded")


@contextmanager
def server(
    backend: str = "sqlite", worker: str = "gevent", settings: dict[str, str] | None = None
) -> Iterator[LiveServer]:
    """The production server (gunicorn; ``worker`` is the server model: ``gevent`` or
    ``threaded``) with the demo data on a new, empty database of ``backend`` (sqlite or
    postgresql), on a free local port.

    The bench's kiosks all draw from 127.0.0.1: the per-address ticket limit (meant for one
    phone or one kiosk, 60 a minute) is lifted so it measures the server, not the limit."""
    os.environ.setdefault("SERVICEPOINT_TICKETS_PER_ADDRESS", "1000000")
    with (
        tempfile.TemporaryDirectory(prefix="servicepoint-bench-") as tmp,
        fresh_database(backend, Path(tmp)) as url,
        run_live_server(Path(tmp), url, settings=settings, worker=worker) as live,
    ):
        yield live


def worker_pid(live: LiveServer) -> int:
    """The process id of the server's gunicorn worker."""
    return live.worker_pid()


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    """The process's resident memory in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")
