"""How long it takes to build and render a ticket, and how many bytes it is.

Run as ``python -m bench.print_render [RUNS]`` (default 200). Every run renders a different
ticket (code, people ahead, wait and time change) so that caches keyed by text do not flatter
the figures. Prints the median and 95th percentile of wall-clock time and the median CPU time of the
rendering thread (steadier on a busy machine), in milliseconds; not a test.
Targets: ≤ 10 ms for a Latin ticket, ≤ 30 ms for one with image text.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from printers import TicketPrint, build_layout, preview_png, test_ticket, ticket_bytes

START = datetime(2025, 11, 21, 8, 0, tzinfo=ZoneInfo("Europe/Berlin"))


def ticket(language: str, run: int) -> TicketPrint:
    sample = test_ticket(
        language,
        issued_at=START + timedelta(minutes=run),
        code=f"A{run % 1000:03d}",
        status_url=f"https://servicepoint.example/t/{run:08x}-4f9a-2c7e",
    )
    return TicketPrint(
        **{**sample.__dict__, "people_ahead": run % 23, "estimated_wait_minutes": 5 + run % 40}
    )


CASES: list[tuple[str, str, Callable[[TicketPrint], bytes], float | None]] = [
    ("layout only (de)", "de", lambda t: bytes(len(build_layout(t))), None),
    ("Latin de, TM-T20II, native QR", "de", lambda t: ticket_bytes(t), 10.0),
    ("Latin en, TM-T20II, native QR", "en", lambda t: ticket_bytes(t), 10.0),
    ("Cyrillic uk, TM-T20II (CP1251 text)", "uk", lambda t: ticket_bytes(t), 10.0),
    ("Arabic ar, TM-T20II, image text", "ar", lambda t: ticket_bytes(t), 30.0),
    ("Farsi fa, TM-T20II, image text", "fa", lambda t: ticket_bytes(t), 30.0),
    ("Tigrinya ti, TM-T20II, image text", "ti", lambda t: ticket_bytes(t), 30.0),
    ("Cyrillic uk, TM-T88IV-SA, image text", "uk", lambda t: ticket_bytes(t, "TM-T88IV-SA"), 30.0),
    ("Latin de, TH230, image QR", "de", lambda t: ticket_bytes(t, "TH230"), None),
    ("PNG preview de, 576 px", "de", lambda t: preview_png(t), None),
    ("PNG preview ar, 576 px", "ar", lambda t: preview_png(t), None),
]


def measure(
    render: Callable[[TicketPrint], bytes], language: str, runs: int
) -> tuple[float, float, float, float]:
    render(ticket(language, 0))  # warm up: fonts, capability data, glyph coverage
    timings = []
    cpu_timings = []
    sizes = []
    for run in range(1, runs + 1):
        sample = ticket(language, run)
        started, cpu_started = time.perf_counter_ns(), time.thread_time_ns()
        output = render(sample)
        cpu_timings.append((time.thread_time_ns() - cpu_started) / 1e6)
        timings.append((time.perf_counter_ns() - started) / 1e6)
        sizes.append(len(output))
    p95 = statistics.quantiles(timings, n=20)[-1]
    return (
        statistics.median(timings),
        p95,
        statistics.median(cpu_timings),
        statistics.median(sizes),
    )


def main(argv: list[str]) -> None:
    """Print the table of render times (median, p95, CPU median) and bytes per ticket."""
    runs = int(argv[0]) if argv else 200
    print(f"printers: build + render one ticket, {runs} runs each (median, p95)\n")
    header = f"{'case':<40} {'median ms':>10} {'p95 ms':>8} {'cpu ms':>7} {'bytes':>8}  target"
    print(header)
    print("-" * len(header))
    for name, language, render, target in CASES:
        median, p95, cpu, size = measure(render, language, runs)
        verdict = (
            "" if target is None else f"≤ {target:g} ms {'ok' if median <= target else 'MISSED'}"
        )
        shown_size = "-" if name.startswith("layout") else f"{size:,.0f}"
        print(f"{name:<40} {median:>10.2f} {p95:>8.2f} {cpu:>7.2f} {shown_size:>8}  {verdict}")


if __name__ == "__main__":
    main(sys.argv[1:])
