"""A reverse proxy for tests that publishes one path prefix of a server and nothing else,
as the nginx site of the public host does (docs/deployment.md): HTTP and WebSocket upgrades
below the prefix are passed through, every other request is answered 404 by the proxy
itself. It adds the ``X-Forwarded-*`` headers nginx adds and keeps ``Host`` as the client
sent it. One request per connection (``Connection: close`` upstream), so every request the
browser makes passes the prefix check."""

from __future__ import annotations

import contextlib
import socket
import threading
from dataclasses import dataclass, field

HOP_BY_HOP = {b"connection", b"keep-alive", b"proxy-connection", b"te", b"trailer"}
REFUSAL = b"refused by the proxy: only the public prefix is published\n"


@dataclass
class Seen:
    method: str
    target: str
    host: str
    upgrade: bool


@dataclass
class PrefixProxy:
    upstream_port: int
    prefix: str = "/t/"
    seen: list[Seen] = field(default_factory=list)
    refused: list[Seen] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._closed = False
        self._sockets: set[socket.socket] = set()
        threading.Thread(target=self._accept, name="prefix-proxy", daemon=True).start()

    def close(self) -> None:
        self._closed = True
        self._listener.close()
        with self._lock:
            for sock in list(self._sockets):
                with contextlib.suppress(OSError):
                    sock.close()

    def __enter__(self) -> PrefixProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- connections --------------------------------------------------------------------

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            self._track(client)
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _track(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.add(sock)

    def _serve(self, client: socket.socket) -> None:
        try:
            head, rest = self._read_head(client)
            if head is None:
                return
            lines = head.split(b"\r\n")
            method, target, _version = lines[0].decode("latin-1").split(" ", 2)
            headers = [line.split(b":", 1) for line in lines[1:] if b":" in line]
            named = {name.strip().lower(): value.strip() for name, value in headers}
            upgrade = named.get(b"upgrade", b"").lower() == b"websocket"
            host = named.get(b"host", b"").decode("latin-1")
            seen = Seen(method, target, host, upgrade)
            with self._lock:
                self.seen.append(seen)
            if not target.startswith(self.prefix):
                with self._lock:
                    self.refused.append(seen)
                client.sendall(
                    b"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\n"
                    b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(REFUSAL), REFUSAL)
                )
                return
            forwarded = [lines[0]]
            for name, value in headers:
                if name.strip().lower() in HOP_BY_HOP | {b"x-forwarded-for", b"x-forwarded-host"}:
                    continue
                if name.strip().lower() == b"x-forwarded-proto":
                    continue
                forwarded.append(name + b":" + value)
            forwarded += [
                b"Connection: " + (b"Upgrade" if upgrade else b"close"),
                b"X-Forwarded-For: 127.0.0.1",
                b"X-Forwarded-Proto: http",
                b"X-Forwarded-Host: " + host.rsplit(":", 1)[0].encode("latin-1"),
            ]
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=10)
            upstream.settimeout(None)
            self._track(upstream)
            upstream.sendall(b"\r\n".join(forwarded) + b"\r\n\r\n" + rest)
            back = threading.Thread(target=self._pipe, args=(upstream, client), daemon=True)
            back.start()
            self._pipe(client, upstream)
            back.join()
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                client.close()

    @staticmethod
    def _read_head(client: socket.socket) -> tuple[bytes | None, bytes]:
        client.settimeout(30)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = client.recv(65536)
            if not chunk or len(data) > 65536:
                return None, b""
            data += chunk
        client.settimeout(None)
        head, rest = data.split(b"\r\n\r\n", 1)
        return head, rest

    @staticmethod
    def _pipe(source: socket.socket, target: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                target.sendall(chunk)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                target.shutdown(socket.SHUT_WR)
