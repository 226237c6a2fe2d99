"""Memory and health under idle clients, per server model.

Run: ``python -m bench.capacity [--workers gevent,threaded] [--clients 1000,2000]``. For each
server model (interleaved, three runs each): the resident memory of gunicorn's master and
worker when idle (after start and a few requests), then with N idle WebSocket clients on
``/display`` (held by another process), and `/healthz`'s latency meanwhile (50 requests on
a fresh connection each). A model that cannot hold N clients is reported as such. Not a
test: it prints figures.
"""

from __future__ import annotations

import argparse
import multiprocessing
import time

import requests

from bench.common import WORKERS, median, percentile, rss_mb, server, worker_pid

RUNS = 3
PROBES = 50


def hold(url: str, clients: int, ready, done, failed) -> None:
    """Keep ``clients`` idle clients connected until ``done`` (in a process of its own)."""
    from tests.wire import IdleClients

    try:
        with IdleClients(url, clients):
            ready.set()
            done.wait(300)
    except AssertionError:
        failed.set()
        ready.set()


def probe(url: str) -> list[float]:
    latencies = []
    for _ in range(PROBES):
        began = time.perf_counter()
        requests.get(f"{url}/healthz", timeout=10).raise_for_status()
        latencies.append((time.perf_counter() - began) * 1000)
        time.sleep(0.02)
    return latencies


def run(worker: str, clients: list[int]) -> dict:
    context = multiprocessing.get_context("spawn")
    result: dict = {"with": {}}
    with server(worker=worker, settings={"CONNECTIONS_PER_ADDRESS": "0"}) as live:
        for path in ("/kiosk/leverkusen", "/display/leverkusen", "/healthz"):
            requests.get(f"{live.url}{path}", timeout=10).raise_for_status()
        time.sleep(1)
        pid = worker_pid(live)
        result["master"] = rss_mb(live.process.pid)
        result["idle"] = rss_mb(pid)
        result["healthz_idle"] = probe(live.url)
        for count in clients:
            ready, done, failed = context.Event(), context.Event(), context.Event()
            holder = context.Process(target=hold, args=(live.url, count, ready, done, failed))
            holder.start()
            ready.wait(240)
            if failed.is_set() or not ready.is_set():
                result["with"][count] = None
            else:
                time.sleep(1)
                result["with"][count] = {"rss": rss_mb(pid), "healthz": probe(live.url)}
            done.set()
            holder.join(60)
            if holder.is_alive():
                holder.kill()
            time.sleep(1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", default=",".join(WORKERS))
    parser.add_argument("--clients", default="1000,2000")
    args = parser.parse_args()
    workers = args.workers.split(",")
    clients = [int(c) for c in args.clients.split(",")]
    runs: dict[str, list[dict]] = {worker: [] for worker in workers}
    for _ in range(RUNS):
        for worker in workers:
            runs[worker].append(run(worker, clients))
    print(f"memory and /healthz under idle WebSocket clients, medians of {RUNS} runs")
    header = f"{'server':>9} {'clients':>7} {'worker MiB':>10} {'master MiB':>10}"
    print(f"{header} {'healthz p50/p99 ms':>19}")
    for worker in workers:
        got = runs[worker]
        idle = [p for r in got for p in r["healthz_idle"]]
        print(
            f"{worker:>9} {0:>7} {median([r['idle'] for r in got]):>10.1f} "
            f"{median([r['master'] for r in got]):>10.1f} "
            f"{percentile(idle, 50):>9.1f}/{percentile(idle, 99):<9.1f}"
        )
        for count in clients:
            held = [r["with"][count] for r in got if r["with"].get(count)]
            if len(held) < len(got):
                print(f"{worker:>9} {count:>7}  could not hold {count} clients")
                continue
            probes = [p for h in held for p in h["healthz"]]
            print(
                f"{worker:>9} {count:>7} {median([h['rss'] for h in held]):>10.1f} "
                f"{'':>10} {percentile(probes, 50):>9.1f}/{percentile(probes, 99):<9.1f}"
            )


if __name__ == "__main__":
    main()
