"""Many Socket.IO clients at once, held by one asyncio loop in a thread of their own.

They speak the Engine.IO 4 / Socket.IO 5 wire protocol over plain WebSockets, as the
browser's socket.io client does (open packet, namespace connect with ``auth``, pong for
every ping), so thousands of them cost the test process little. Used by the capacity tests
and the benchmarks.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import Counter


class IdleClients:
    """``count`` clients connected to ``namespace`` with ``auth``; they answer pings and
    count the events they receive by name (``received``), the time of each ``called``
    kept in ``called_at``. Connected in batches; :meth:`start` returns once all are
    connected (or raises after ``timeout`` seconds)."""

    def __init__(
        self,
        url: str,
        count: int,
        namespace: str = "/display",
        auth: dict | None = None,
        batch: int = 100,
    ) -> None:
        self.ws_url = url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
        self.count = count
        self.namespace = namespace
        self.auth = json.dumps(auth or {"location": "leverkusen"})
        self.batch = batch
        self.connected = 0
        self.closed = 0
        self.received: Counter[str] = Counter()
        self.called_at: list[tuple[dict, float]] = []
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.Thread(target=self._run, name="idle-clients", daemon=True)
        self._error: BaseException | None = None

    def start(self, timeout: float = 120) -> IdleClients:
        self._thread.start()
        if not self._ready.wait(timeout):
            self.stop()
            raise AssertionError(f"{self.connected} of {self.count} clients connected")
        if self._error is not None:
            raise AssertionError(f"clients failed: {self._error!r}")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)

    def __enter__(self) -> IdleClients:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as error:  # reported by start()
            self._error = error
            self._ready.set()

    async def _main(self) -> None:
        import websockets

        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        prefix = f"42{self.namespace},"
        joined = f"40{self.namespace}"

        async def client(up: asyncio.Event) -> None:
            async with websockets.connect(
                self.ws_url, max_size=None, ping_interval=None, open_timeout=60
            ) as ws:
                await ws.recv()  # the Engine.IO open packet
                await ws.send(f"40{self.namespace},{self.auth}")
                try:
                    while True:
                        message = await ws.recv()
                        if message == "2":
                            await ws.send("3")  # Engine.IO pong
                        elif message.startswith(joined):
                            self.connected += 1
                            up.set()
                        elif message.startswith(prefix):
                            name, *args = json.loads(message[len(prefix) :])
                            self.received[name] += 1
                            if name == "called":
                                self.called_at.append((args[0], time.monotonic()))
                finally:
                    self.closed += 1

        tasks = []
        for start in range(0, self.count, self.batch):
            ups = []
            for _ in range(min(self.batch, self.count - start)):
                up = asyncio.Event()
                ups.append(up)
                tasks.append(asyncio.create_task(client(up)))
            await asyncio.wait_for(asyncio.gather(*(up.wait() for up in ups)), 60)
        self._ready.set()
        await self._stop.wait()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
