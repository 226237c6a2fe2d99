"""Tickets per second and issue latency over HTTP with 1 and 8 concurrent kiosks.

Run: ``python -m bench.issue_http [--backend sqlite|postgresql]``. Each kiosk is its own
process with a keep-alive HTTP connection to the production server on 127.0.0.1; every
configuration runs three times, on a new database each time, and the median run is
reported. Not a test: it prints figures.
"""

from __future__ import annotations

import argparse
import multiprocessing
import time

from bench.common import median, percentile, server

TICKETS_PER_KIOSK = {1: 400, 8: 150}
RUNS = 3


def kiosk(url: str, count: int, start_at: float) -> list[float]:
    import requests

    session = requests.Session()
    topics = ["orientation", "language", "residence", "work"]
    latencies = []
    # Warm the connection, then start together.
    session.get(f"{url}/api/v1/locations/leverkusen/topics", timeout=10)
    time.sleep(max(0.0, start_at - time.time()))
    for n in range(count):
        began = time.perf_counter()
        response = session.post(
            f"{url}/api/v1/locations/leverkusen/tickets",
            json={"topic": topics[n % 4], "language": "de"},
            timeout=30,
        )
        latencies.append((time.perf_counter() - began) * 1000)
        if response.status_code != 201:
            raise RuntimeError(f"{response.status_code}: {response.text}")
    return latencies


def run(url: str, kiosks: int) -> dict:
    count = TICKETS_PER_KIOSK[kiosks]
    context = multiprocessing.get_context("spawn")
    with context.Pool(kiosks) as pool:
        start_at = time.time() + 1.5
        results = [pool.apply_async(kiosk, (url, count, start_at)) for _ in range(kiosks)]
        latencies = [value for result in results for value in result.get(timeout=600)]
        elapsed = time.time() - start_at
    return {
        "tickets": len(latencies),
        "per_second": len(latencies) / elapsed,
        "p50": percentile(latencies, 50),
        "p99": percentile(latencies, 99),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--backend",
        choices=["sqlite", "postgresql"],
        default="sqlite",
        help="a new database of this kind for every run",
    )
    args = parser.parse_args()
    print(
        f"issue over HTTP, {args.backend}, gunicorn gthread, medians of {RUNS} runs, "
        "a new database each run"
    )
    print(f"{'kiosks':>6} {'tickets':>8} {'tickets/s':>10} {'p50 ms':>8} {'p99 ms':>8}")
    for kiosks in (1, 8):
        runs = []
        for _ in range(RUNS):
            with server(args.backend) as live:
                runs.append(run(live.url, kiosks))
        middle = sorted(runs, key=lambda r: r["per_second"])[len(runs) // 2]
        print(
            f"{kiosks:>6} {middle['tickets']:>8} {middle['per_second']:>10.0f} "
            f"{median([r['p50'] for r in runs]):>8.1f} {median([r['p99'] for r in runs]):>8.1f}"
        )


if __name__ == "__main__":
    main()
