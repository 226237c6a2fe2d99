"""Call → lobby display latency with 10 and 200 connected clients in another process.

Run: ``python -m bench.call_display [--clients 10,200,1000] [--workers gevent,threaded]``.
Each server model runs in turn, interleaved, three times. A listener process keeps N
WebSocket clients
connected to ``/display`` of one location; the main process calls (recall) one ticket
again and again and stamps each call. Latency is from just before the staff request is sent
to the arrival of the ``called`` event at a client, measured on the system-wide monotonic
clock, for every client and every call. Not a test: it prints figures.
"""

from __future__ import annotations

import argparse
import multiprocessing
import time

import requests

from bench.common import WORKERS, cpu_seconds, median, percentile, server, worker_pid

CALLS = 60
# Seconds between calls: more than the snapshot interval (0.1 s), so a call does not meet
# the previous call's lobby snapshot on its way (in real use calls are seconds apart).
INTERVAL = 0.25
RUNS = 3


def listen(url: str, clients: int, ready, done, out) -> None:
    """Hold ``clients`` /display connections in one asyncio thread and stamp each ``called``.

    It speaks the Engine.IO 4 / Socket.IO 5 wire protocol over plain WebSockets (what the
    browser's socket.io client does), so the listener's own overhead stays far below the
    server's: one thread, no per-client threads competing for the interpreter.
    """
    import asyncio
    import json

    import websockets

    arrivals: list[tuple[int, float]] = []
    ws_url = url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    auth = json.dumps({"location": "leverkusen"})
    prefix = '42/display,["called",'

    async def client(connected: asyncio.Event, counter: list[int]) -> None:
        async with websockets.connect(ws_url, max_size=None, ping_interval=None) as ws:
            await ws.recv()  # Engine.IO open packet
            await ws.send(f"40/display,{auth}")
            while True:
                message = await ws.recv()
                if message.startswith(prefix):
                    payload = json.loads(message[len("42/display,") :])[1]
                    arrivals.append((payload["call_count"], time.monotonic()))
                elif message == "2":
                    await ws.send("3")  # Engine.IO pong
                elif message.startswith("40/display"):
                    counter[0] += 1
                    if counter[0] == clients:
                        connected.set()

    async def main() -> None:
        connected = asyncio.Event()
        counter = [0]
        tasks = [asyncio.create_task(client(connected, counter)) for _ in range(clients)]
        await asyncio.wait_for(connected.wait(), 90)
        ready.set()
        while not done.is_set():
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    asyncio.run(main())
    out.put(arrivals)


def run(clients: int, worker: str) -> dict | None:
    """One run: ``CALLS`` calls to ``clients`` listeners on a server of model ``worker``;
    None if the server could not hold that many clients."""
    context = multiprocessing.get_context("spawn")
    with server(worker=worker, settings={"CONNECTIONS_PER_ADDRESS": "0"}) as live:
        staff = live.signed_in()
        requests.post(
            f"{live.url}/api/v1/locations/leverkusen/tickets",
            json={"topic": "language"},
            timeout=10,
        )
        desk = staff.get(f"{live.url}/api/v1/locations/leverkusen/desks", timeout=10).json()
        desk_id = desk["desks"][0]["id"]
        ticket = staff.post(f"{live.url}/api/v1/desks/{desk_id}/call-next", timeout=10).json()
        ready, done, out = context.Event(), context.Event(), context.Queue()
        listener = context.Process(target=listen, args=(live.url, clients, ready, done, out))
        listener.start()
        if not ready.wait(90):
            listener.kill()
            listener.join(10)
            return None
        time.sleep(1)
        pid = worker_pid(live)
        cpu_before = cpu_seconds(pid)
        sent: dict[int, float] = {}
        for _ in range(CALLS):
            began = time.monotonic()
            response = staff.post(f"{live.url}/api/v1/tickets/{ticket['id']}/recall", timeout=10)
            sent[response.json()["call_count"]] = began
            time.sleep(INTERVAL)
        cpu = cpu_seconds(pid) - cpu_before
        done.set()
        arrivals = out.get(timeout=120)
        listener.join(30)
    latencies = [(at - sent[count]) * 1000 for count, at in arrivals if count in sent]
    expected = clients * CALLS
    return {
        "received": len(latencies),
        "expected": expected,
        "p50": percentile(latencies, 50),
        "p99": percentile(latencies, 99),
        "cpu_ms": cpu * 1000 / CALLS,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", default="10,200,1000", help="listener counts to measure")
    parser.add_argument(
        "--workers",
        default=",".join(WORKERS),
        help="server models to compare in the same run, interleaved (the last is the "
        "previous design: the ratios divide by it)",
    )
    args = parser.parse_args()
    workers = args.workers.split(",")
    print(
        f"call → display over WebSocket, {CALLS} calls {INTERVAL} s apart, medians of {RUNS} "
        "runs per server model, interleaved; CPU = the server worker's per call"
    )
    print(
        f"{'server':>9} {'clients':>7} {'events':>14} {'p50 ms':>8} {'p99 ms':>8} {'CPU ms':>7}"
        "  ratio (p99, CPU)"
    )
    for clients in (int(c) for c in args.clients.split(",")):
        runs: dict[str, list[dict]] = {worker: [] for worker in workers}
        for _ in range(RUNS):
            for worker in workers:
                result = run(clients, worker)
                if result is not None:
                    runs[worker].append(result)
        summary = {}
        for worker in workers:
            got = runs[worker]
            if not got:
                print(f"{worker:>9} {clients:>7}  could not hold {clients} clients")
                continue
            summary[worker] = {
                "events": f"{min(r['received'] for r in got)}/{got[0]['expected']}",
                "p50": median([r["p50"] for r in got]),
                "p99": median([r["p99"] for r in got]),
                "cpu_ms": median([r["cpu_ms"] for r in got]),
            }
        base = summary.get(workers[-1])  # the previous design
        for worker, row in summary.items():
            ratio = (
                f"×{row['p99'] / base['p99']:.2f}, ×{row['cpu_ms'] / base['cpu_ms']:.2f}"
                if base
                else "—"
            )
            print(
                f"{worker:>9} {clients:>7} {row['events']:>14} {row['p50']:>8.1f} "
                f"{row['p99']:>8.1f} {row['cpu_ms']:>7.1f}  {ratio}"
            )


if __name__ == "__main__":
    main()
