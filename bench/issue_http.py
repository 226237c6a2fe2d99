"""Tickets per second and issue latency over HTTP with 1 and 8 concurrent kiosks.

Run: ``python -m bench.issue_http [--backend sqlite|postgresql] [--workers gevent,threaded]``.
Each kiosk is its own process with a keep-alive HTTP connection to the production server on
127.0.0.1; every configuration runs three times per server model, interleaved, on a new
database each time; medians are reported, with the ratio to the last server model named
(the previous design) and the server worker's CPU per ticket. Not a test: it prints figures.
"""

from __future__ import annotations

import argparse
import multiprocessing
import time

from bench.common import WORKERS, cpu_seconds, median, percentile, server, worker_pid

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


def run(live, kiosks: int) -> dict:
    count = TICKETS_PER_KIOSK[kiosks]
    context = multiprocessing.get_context("spawn")
    worker = worker_pid(live)
    with context.Pool(kiosks) as pool:
        start_at = time.time() + 1.5
        results = [pool.apply_async(kiosk, (live.url, count, start_at)) for _ in range(kiosks)]
        time.sleep(max(0.0, start_at - time.time()))
        cpu_before = cpu_seconds(worker)
        latencies = [value for result in results for value in result.get(timeout=600)]
        elapsed = time.time() - start_at
        cpu = cpu_seconds(worker) - cpu_before
    return {
        "tickets": len(latencies),
        "per_second": len(latencies) / elapsed,
        "p50": percentile(latencies, 50),
        "p99": percentile(latencies, 99),
        "cpu_ms": cpu * 1000 / len(latencies),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--backend",
        choices=["sqlite", "postgresql"],
        default="sqlite",
        help="a new database of this kind for every run",
    )
    parser.add_argument(
        "--workers",
        default=",".join(WORKERS),
        help="server models to compare in the same run, interleaved (first is the baseline "
        "of the ratios: the others are divided by it)",
    )
    parser.add_argument("--kiosks", default="1,8", help="kiosk counts to measure")
    args = parser.parse_args()
    workers = args.workers.split(",")
    print(
        f"issue over HTTP, {args.backend}, medians of {RUNS} runs per server model, "
        "interleaved, a new database each run; CPU = the server worker's per ticket"
    )
    print(
        f"{'server':>9} {'kiosks':>6} {'tickets':>8} {'tickets/s':>10} {'p50 ms':>8} "
        f"{'p99 ms':>8} {'CPU ms':>7}  ratio (tickets/s, p99, CPU)"
    )
    for kiosks in (int(k) for k in args.kiosks.split(",")):
        runs: dict[str, list[dict]] = {worker: [] for worker in workers}
        for _ in range(RUNS):
            for worker in workers:
                with server(args.backend, worker) as live:
                    runs[worker].append(run(live, kiosks))
        summary = {}
        for worker in workers:
            got = runs[worker]
            summary[worker] = {
                "tickets": got[0]["tickets"],
                "per_second": median([r["per_second"] for r in got]),
                "p50": median([r["p50"] for r in got]),
                "p99": median([r["p99"] for r in got]),
                "cpu_ms": median([r["cpu_ms"] for r in got]),
            }
        base = summary[workers[-1]]  # the previous design
        for worker in workers:
            row = summary[worker]
            ratio = (
                f"×{row['per_second'] / base['per_second']:.2f}, "
                f"×{row['p99'] / base['p99']:.2f}, ×{row['cpu_ms'] / base['cpu_ms']:.2f}"
            )
            print(
                f"{worker:>9} {kiosks:>6} {row['tickets']:>8} {row['per_second']:>10.0f} "
                f"{row['p50']:>8.1f} {row['p99']:>8.1f} {row['cpu_ms']:>7.2f}  {ratio}"
            )


if __name__ == "__main__":
    main()
