"""A real TCP server on 127.0.0.1 standing in for a network printer on port 9100.

One connection, one thread, bounded by timeouts so that a test can never hang on it.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from typing import Literal

Behaviour = Literal["record", "drop", "silent", "hold"]

#: DLE EOT n answers of a healthy Epson: online (bit 3 clear), paper present.
HEALTHY = {1: b"\x12", 4: b"\x12"}
#: DLE EOT 4 answer "paper end sensor: no paper" (bits 5 and 6 set).
PAPER_OUT = {1: b"\x12", 4: b"\x72"}

_LIFETIME_S = 15.0
#: A receive buffer for a printer that stops reading: its kernel takes in this much (Linux
#: doubles it for bookkeeping), far less than an image ticket, so "not taken" shows at once.
SMALL_RCVBUF = 4096


class FakePrinter:
    """Listens on an ephemeral port; what it does with the one connection is ``behaviour``.

    ``record``: read everything until the client closes, answer ``DLE EOT n`` status queries
    from ``status`` (if given), then close. ``drop``: read ``drop_after`` bytes, then reset
    the connection. ``silent``: accept and read nothing until :meth:`resume` is called, then
    record (``reset`` tells whether the sender reset the connection). ``hold``: record, but
    keep the connection open after the client's end of data (until stopped).

    ``rcvbuf`` sets the listening socket's ``SO_RCVBUF`` (the connection inherits it): how
    much the printer's kernel takes in while the printer itself is not reading, so that a
    test with a printer that stops reading is quick. ``read_delay`` pauses between reads of
    at most ``read_size`` bytes: a slow printer that still takes everything.
    """

    def __init__(
        self,
        behaviour: Behaviour = "record",
        *,
        status: dict[int, bytes] | None = None,
        drop_after: int = 64,
        rcvbuf: int | None = None,
        read_delay: float = 0.0,
        read_size: int = 65536,
    ) -> None:
        self.behaviour = behaviour
        self.status = status or {}
        self.drop_after = drop_after
        self.read_delay = read_delay
        self.read_size = read_size
        self.received = bytearray()
        self.connections = 0
        self.reset = False
        self.finished = threading.Event()
        self._stop = threading.Event()
        self._resume = threading.Event()
        self._server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf is not None:
            self._server.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self._server.bind(("127.0.0.1", 0))
        self._server.listen()
        self._server.settimeout(_LIFETIME_S)
        self.port = self._server.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def uri(self, **options: object) -> str:
        query = "&".join(f"{key}={value}" for key, value in options.items())
        return f"tcp://127.0.0.1:{self.port}" + (f"?{query}" if query else "")

    def _serve(self) -> None:
        try:
            conn, _ = self._server.accept()
        except OSError:
            return
        self.connections += 1
        with conn:
            conn.settimeout(_LIFETIME_S)
            if self.behaviour == "record":
                self._record(conn)
            elif self.behaviour == "drop":
                self.received += conn.recv(self.drop_after)
                # linger 0: close with a reset, as a printer that crashes or is switched off
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            elif self.behaviour == "hold":
                self._record(conn)
                self._stop.wait(_LIFETIME_S)
            else:
                self._resume.wait(_LIFETIME_S)
                if not self._stop.is_set():
                    self._record(conn)
        self.finished.set()

    def resume(self) -> None:
        """Let a ``silent`` printer start reading (say, the paper was changed)."""
        self._resume.set()

    def _record(self, conn: socket.socket) -> None:
        while True:
            try:
                chunk = conn.recv(self.read_size)
            except ConnectionResetError:
                self.reset = True
                return
            except OSError:
                return
            if not chunk:
                return
            if self.read_delay:
                time.sleep(self.read_delay)
            self.received += chunk
            for n, answer in self.status.items():
                if bytes((0x10, 0x04, n)) in chunk:
                    conn.sendall(answer)

    def stop(self) -> None:
        """Stop serving and wait (bounded) for the thread."""
        self._stop.set()
        self._resume.set()
        self._server.close()
        self._thread.join(timeout=_LIFETIME_S)


class JobRecorder:
    """A network printer that takes one job per connection, for as many jobs as come,
    until stopped; ``jobs`` holds the bytes of each, in arrival order."""

    def __init__(self) -> None:
        self.jobs: list[bytes] = []
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.2)
        self.port = self._server.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def uri(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(_LIFETIME_S)
                data = bytearray()
                while True:
                    try:
                        chunk = conn.recv(65536)
                    except OSError:
                        break
                    if not chunk:
                        break
                    data += chunk
                self.jobs.append(bytes(data))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=_LIFETIME_S)
        self._server.close()


def closed_port() -> int:
    """A local port nobody listens on (connections are refused at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
