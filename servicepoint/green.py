"""Green threads: whether this process runs on gevent, and where blocking work goes then.

The production server (``servicepoint serve``) runs gunicorn's gevent worker: every request
and every open WebSocket is a greenlet on one OS thread, switching whenever it waits on a
socket, a lock or a sleep (the standard library is monkey-patched in the worker before the
application is built). Work that blocks inside C without yielding — a scrypt password
check, rendering a ticket image, a CUPS or USB print, SQLite's own busy wait — would stall
every socket of the process meanwhile, so it runs in gevent's pool of real threads
(:func:`off_loop`) or is made to wait cooperatively (``servicepoint.db``). A program run
as a subprocess (espeak-ng speaking a call) is waited for cooperatively: :func:`run_bounded`.

Without gevent (the in-process tests, ``serve --worker threaded``) the same code runs on
ordinary threads and :func:`off_loop` simply calls the function.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Literal, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


def active() -> bool:
    """Whether this process runs on gevent (its standard library monkey-patched)."""
    if "gevent" not in sys.modules:
        return False
    from gevent import monkey

    return bool(monkey.is_module_patched("socket"))


def async_mode() -> Literal["gevent", "threading"]:
    """Flask-SocketIO's async mode for this process: ``gevent`` or ``threading``."""
    return "gevent" if active() else "threading"


def off_loop(function: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """``function(*args, **kwargs)``, run where blocking cannot stall other clients.

    Under gevent it runs in the hub's thread pool (a real OS thread) while the calling
    greenlet waits cooperatively; otherwise it runs here, in the caller's thread. The
    function must not touch the database or Socket.IO (those belong to the greenlets): pass
    it plain values and take plain values back. Exceptions are raised in the caller."""
    if not active():
        return function(*args, **kwargs)
    import gevent

    def call() -> R:
        return function(*args, **kwargs)

    return gevent.get_hub().threadpool.apply(call)  # type: ignore[no-any-return]


def run_bounded(argv: list[str], timeout: float) -> bool:
    """Run the program ``argv`` (no input, output discarded) for at most ``timeout``
    seconds; whether it ended by itself with status 0. One that takes longer is killed.

    Call it from a greenlet, never inside :func:`off_loop`: under gevent the standard
    library's ``subprocess`` is gevent's, which waits for the child cooperatively (the other
    clients go on meanwhile) through a child watcher that exists only on the main loop, so it
    cannot run in the pool's threads. Without gevent it is the ordinary ``subprocess``."""
    import subprocess

    try:
        done = subprocess.run(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0
