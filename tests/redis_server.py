"""A Redis server of the test's own, to kill, restart and freeze (never the machine's shared one).

``redis-server`` runs as a child process on a free port of 127.0.0.1, without persistence;
``kill`` ends it at once (SIGKILL), ``start`` brings it back on the same port, ``freeze``
stops it (SIGSTOP: it still accepts connections, in the kernel, and never answers),
``thaw`` lets it go on. Everything waits a bounded time; the context manager always ends it.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.conftest import free_port

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


class RedisServer:
    """One ``redis-server`` process on ``port`` (see the module's docstring)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.process: subprocess.Popen[bytes] | None = None
        self.frozen = False

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> None:
        """Start it (again, on the same port) and wait until it answers PING."""
        assert self.process is None, "already running"
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--loglevel",
                "warning",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while not self.answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"redis-server did not start on port {self.port}")
            time.sleep(0.05)

    def answers(self, timeout: float = 0.5) -> bool:
        """Whether it answers PING within ``timeout`` seconds."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self) -> None:
        """End it at once, as a crash would (thawed first, so it can be reaped)."""
        if self.process is None:
            return
        if self.frozen:
            self.thaw()
        self.process.kill()
        self.process.wait(timeout=10)
        self.process = None

    def freeze(self) -> None:
        """Stop it (SIGSTOP): connections are still accepted, nothing is answered."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)
        self.frozen = True

    def thaw(self) -> None:
        """Let it go on (SIGCONT)."""
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)
        self.frozen = False


@contextmanager
def redis_server() -> Iterator[RedisServer]:
    """A running Redis of the test's own; killed when the block ends, whatever happened."""
    if not shutil.which(REDIS_SERVER):
        pytest.fail(f"redis-server is required for the tests and was not found: {REDIS_SERVER}")
    server = RedisServer(free_port())
    server.start()
    try:
        yield server
    finally:
        server.kill()
