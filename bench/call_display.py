"""Call → lobby display latency with 10 and 200 connected clients in another process.

Run: ``python -m bench.call_display``. A listener process keeps N WebSocket clients
connected to ``/display`` of one location; the main process calls (recall) one ticket
again and again and stamps each call. Latency is from just before the staff request is sent
to the arrival of the ``called`` event at a client, measured on the system-wide monotonic
clock, for every client and every call. Not a test: it prints figures.
"""

from __future__ import annotations

import multiprocessing
import time

import requests

from bench.common import median, percentile, server

CALLS = 60
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
        await asyncio.wait_for(connected.wait(), 60)
        ready.set()
        while not done.is_set():
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    asyncio.run(main())
    out.put(arrivals)


def run(clients: int) -> dict:
    context = multiprocessing.get_context("spawn")
    with server() as live:
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
        if not ready.wait(120):
            raise RuntimeError("clients did not connect")
        time.sleep(1)
        sent: dict[int, float] = {}
        for _ in range(CALLS):
            began = time.monotonic()
            response = staff.post(f"{live.url}/api/v1/tickets/{ticket['id']}/recall", timeout=10)
            sent[response.json()["call_count"]] = began
            time.sleep(0.1)
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
    }


def main() -> None:
    print(f"call → display over WebSocket, {CALLS} calls, medians of {RUNS} runs")
    print(f"{'clients':>7} {'events':>12} {'p50 ms':>8} {'p99 ms':>8}")
    for clients in (10, 200):
        runs = [run(clients) for _ in range(RUNS)]
        got = min(r["received"] for r in runs)
        print(
            f"{clients:>7} {got:>5}/{runs[0]['expected']:<6} "
            f"{median([r['p50'] for r in runs]):>8.1f} {median([r['p99'] for r in runs]):>8.1f}"
        )


if __name__ == "__main__":
    main()
