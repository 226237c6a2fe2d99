"""A real TCP server on 127.0.0.1 standing in for a network printer on port 9100.

One connection, one thread, bounded by timeouts so that a test can never hang on it.
"""

from __future__ import annotations

import socket
import struct
import threading
from typing import Literal

Behaviour = Literal["record", "drop", "silent"]

#: DLE EOT n answers of a healthy Epson: online (bit 3 clear), paper present.
HEALTHY = {1: b"\x12", 4: b"\x12"}
#: DLE EOT 4 answer "paper end sensor: no paper" (bits 5 and 6 set).
PAPER_OUT = {1: b"\x12", 4: b"\x72"}

_LIFETIME_S = 15.0


class FakePrinter:
    """Listens on an ephemeral port; what it does with the one connection is ``behaviour``.

    ``record``: read everything until the client closes, answer ``DLE EOT n`` status queries
    from ``status`` (if given), then close. ``drop``: read ``drop_after`` bytes, then reset
    the connection. ``silent``: accept and never read a byte.
    """

    def __init__(
        self,
        behaviour: Behaviour = "record",
        *,
        status: dict[int, bytes] | None = None,
        drop_after: int = 64,
    ) -> None:
        self.behaviour = behaviour
        self.status = status or {}
        self.drop_after = drop_after
        self.received = bytearray()
        self.connections = 0
        self._stop = threading.Event()
        self._server = socket.create_server(("127.0.0.1", 0))
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
            else:
                self._stop.wait(_LIFETIME_S)

    def _record(self, conn: socket.socket) -> None:
        while True:
            try:
                chunk = conn.recv(65536)
            except OSError:
                return
            if not chunk:
                return
            self.received += chunk
            for n, answer in self.status.items():
                if bytes((0x10, 0x04, n)) in chunk:
                    conn.sendall(answer)

    def stop(self) -> None:
        """Stop serving and wait (bounded) for the thread."""
        self._stop.set()
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
