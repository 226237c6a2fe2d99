"""Redis between server processes: Socket.IO's fan-out that a failing Redis cannot stall.

With ``SERVICEPOINT_REDIS_URL`` each process sends what it emits to its own clients at once
and, through a Redis channel, to the other processes' clients. :class:`RedisFanout` is the
Socket.IO client manager that does this so that Redis's faults stay Redis's:

- **A request never waits for Redis.** An emit reaches this process's clients directly; the
  copy for the other processes is put on a bounded queue that a background task sends in
  batches, each Redis command bounded by ``SERVICEPOINT_REDIS_TIMEOUT``. Down, refusing or
  frozen, Redis costs a request nothing.
- **Nothing stale is sent late.** While Redis is unreachable, what the other processes
  would have received is dropped, not saved up: a late snapshot would overwrite a fresher
  one. Orders that are not screen updates (end a room's access, disconnect a client) are
  kept, in order, and sent first when Redis is back.
- **Screens resync.** Every time the listener (re)subscribes, this process sends fresh
  snapshots of every location to its own clients (``resync``: the hub's refresh, from the
  database). A process that had to drop messages while the others' listeners may not have
  noticed (a short freeze, a full queue) says so on the channel once Redis takes messages
  again, and every other process resyncs too. So no call is silently lost: it reaches the
  other processes' screens, at the latest, in the snapshot sent when Redis is back.
- **Faults are seen.** The listener pings Redis after ``SERVICEPOINT_REDIS_HEARTBEAT``
  seconds of silence, so a frozen Redis (accepting connections, never answering) is noticed
  as well as a refused one; reconnection attempts start at a tenth of a second and wait at
  most ``SERVICEPOINT_REDIS_RETRY_MAX``. :meth:`RedisFanout.problems` says what is wrong,
  from state the tasks keep, without asking Redis (``/healthz`` answers at once).

The tasks are started with Socket.IO's ``start_background_task`` and wait with its
``sleep`` (threads, or greenlets under gevent), in the process that serves: the first
request or socket starts them, and a forked worker starts its own.
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import socketio

if TYPE_CHECKING:
    import redis
    from flask import Flask

log = logging.getLogger(__name__)

#: A process that had to drop messages for the others says so with this ``method``.
RESYNC = "servicepoint.resync"
#: What the publisher sends to Redis in one round trip at most.
BATCH = 200
#: The first wait before Redis is tried again (doubling up to the configured maximum).
FIRST_RETRY = 0.1
#: How often the background tasks look whether they are asked to stop.
POLL = 0.25


class RedisSilent(Exception):
    """Redis accepted the connection but did not answer in time (a frozen server)."""


@dataclass
class Link:
    """One direction of the connection to Redis, as last seen: fine, or down since when
    and why. ``down_since`` is None while it works."""

    what: str
    down_since: datetime | None = None
    error: str = ""

    def failed(self, error: BaseException | str) -> bool:
        """Record a failure; True when this is the first of an outage."""
        first = self.down_since is None
        if first:
            self.down_since = datetime.now(UTC)
        self.error = describe(error)
        return first

    def works(self) -> bool:
        """Record success; True when this ends an outage."""
        ended = self.down_since is not None
        self.down_since, self.error = None, ""
        return ended

    def problem(self) -> str | None:
        """What a health check says about it, or None when it works."""
        if self.down_since is None:
            return None
        since = self.down_since.isoformat(timespec="seconds").replace("+00:00", "Z")
        return f"redis: {self.what} since {since}: {self.error}"


def describe(error: BaseException | str) -> str:
    """A short, single-line description of what went wrong talking to Redis."""
    if isinstance(error, str):
        return error
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= 200 else text[:199] + "…"


class RedisFanout(socketio.RedisManager):  # type: ignore[misc]  # python-socketio is untyped
    """A Socket.IO client manager sharing emits between processes through a Redis channel,
    without ever making the emitting request wait for Redis (see the module's docstring).

    ``timeout`` bounds every Redis command (connect, publish, the answer to a PING);
    ``heartbeat`` is the silence after which the listener pings; ``retry_max`` the longest
    wait between attempts to reach Redis again; ``queue_size`` how many messages for the
    other processes may wait for Redis (more are dropped and the others resync).
    """

    name = "servicepoint-redis"

    def __init__(
        self,
        url: str,
        channel: str,
        *,
        timeout: float = 1.0,
        heartbeat: float = 1.0,
        retry_max: float = 1.0,
        queue_size: int = 10_000,
    ) -> None:
        super().__init__(url, channel=channel)
        self.timeout = timeout
        self.heartbeat = heartbeat
        self.retry_max = max(retry_max, FIRST_RETRY)
        self.queue_size = queue_size
        #: Called (in the listener's task) when this process's screens must be resynced.
        self.on_resync: Callable[[], None] | None = None
        # Taken only around code that never waits (no switch under gevent either), so it
        # may be made before gevent patches the process, in a gunicorn master.
        self._start_lock = threading.Lock()
        self._started_in: int | None = None
        self._tasks: list[Any] = []
        self.dropped = 0  # messages for the other processes dropped since the start

    def _begin(self) -> None:
        """Fresh state in the process that serves, made there: a forked worker does not
        have its parent's tasks, and under gevent its queue and locks must be gevent's."""
        self._outgoing: queue.Queue[tuple[str, str]] = queue.Queue(self.queue_size)
        self._state = threading.Lock()
        self._held: list[tuple[str, str]] = []  # orders kept while Redis is unreachable
        self._lost = False  # messages for the other processes were dropped
        self._stopping = threading.Event()
        self.dropped = 0
        self.publishing = Link("cannot publish")
        self.listening = Link("not receiving")
        self.listening.failed("not connected yet")

    # --- lifecycle --------------------------------------------------------------------

    def initialize(self) -> None:
        """Called by Socket.IO before its first client: start the tasks (see :meth:`start`)."""
        self.start()

    def start(self) -> None:
        """Start the listener and the publisher in this process, once (again in a forked
        child: the parent's tasks do not exist there)."""
        pid = os.getpid()
        if self._started_in == pid:
            return
        with self._start_lock:
            if self._started_in == pid:
                return
            self._begin()
            self._tasks = [
                self.server.start_background_task(self._listen_forever),
                self.server.start_background_task(self._publish_forever),
            ]
            self._started_in = pid
        atexit.register(self.flush)

    def stop(self, timeout: float = 5.0) -> None:
        """Stop both tasks and wait for them (up to ``timeout`` seconds each)."""
        if not self._tasks:
            return
        self._stopping.set()
        for task in self._tasks:
            task.join(timeout)
        self._tasks = []

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until what was emitted so far has been handed to Redis or dropped (at most
        ``timeout`` seconds, by default the Redis timeout); True if nothing is left. A short
        command (``servicepoint …``) exits only after its announcements have left."""
        if not self._tasks:
            return True
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while self._outgoing.unfinished_tasks and not self._stopping.is_set():
            if time.monotonic() >= deadline:
                return False
            self.server.sleep(0.01)
        return not self._outgoing.unfinished_tasks

    def problems(self) -> list[str]:
        """What is wrong with Redis as this process last saw it (empty: nothing). Asks
        Redis nothing, so it answers at once even when Redis is frozen."""
        if self._started_in != os.getpid():
            return ["redis: not connected yet"]
        return [p for p in (self.listening.problem(), self.publishing.problem()) if p]

    # --- sending ----------------------------------------------------------------------

    def _publish(self, data: dict[str, Any]) -> None:
        """Hand a message for the other processes to the publisher; never waits (python-
        socketio has already delivered it to this process's own clients)."""
        self.start()
        item = (str(data.get("method", "")), self.json.dumps(data))
        try:
            self._outgoing.put_nowait(item)
        except queue.Full:
            self._drop(item, "the queue for Redis is full")

    def _drop(self, item: tuple[str, str], why: str) -> None:
        """Give up sending ``item``: orders are kept for later, screen updates dropped (the
        other processes resync)."""
        with self._state:
            if item[0] != "emit" and len(self._held) < self.queue_size:
                self._held.append(item)
                return
            if not self._lost:
                log.warning("messages for the other processes are dropped: %s", why)
            self._lost = True
            self.dropped += 1

    def _publish_forever(self) -> None:
        client = self._client()
        wait = FIRST_RETRY
        while not self._stopping.is_set():
            if self.publishing.down_since is not None:
                # Unreachable: what waits is dropped, not saved up; try again with PING.
                self._discard_waiting("Redis is unreachable")
                try:
                    client.ping()
                except Exception as error:
                    self.publishing.failed(error)
                    self.server.sleep(wait)
                    wait = min(wait * 2, self.retry_max)
                    continue
                wait = FIRST_RETRY
            batch = self._next_batch()
            with self._state:
                held, self._held = self._held, []
                notice, self._lost = self._lost, False
            try:
                if batch or held or notice:
                    self._send(client, [*held, *batch], notice)
            except Exception as error:
                client.connection_pool.disconnect()
                if self.publishing.failed(error):
                    log.warning("cannot publish to Redis: %s", describe(error))
                # Unknown whether Redis took them: orders are sent again (they can be
                # repeated), screen updates count as lost, the others resync.
                for item in [*held, *batch]:
                    self._drop(item, describe(error))
                with self._state:
                    self._lost = True
            else:
                if self.publishing.works():
                    log.warning("publishing to Redis again")
                if notice:
                    log.info(
                        "asked the other processes to resync (%d messages dropped so far)",
                        self.dropped,
                    )
            finally:
                for _ in batch:
                    self._outgoing.task_done()

    def _send(self, client: redis.Redis, items: list[tuple[str, str]], notice: bool) -> None:
        """Publish ``items`` in one round trip, then, with ``notice``, ask the other
        processes to resync (they missed messages of ours)."""
        pipe = client.pipeline(transaction=False)
        for _method, payload in items:
            pipe.publish(self.channel, payload)
        if notice:
            pipe.publish(self.channel, self.json.dumps({"method": RESYNC, "host_id": self.host_id}))
        pipe.execute()

    def _next_batch(self) -> list[tuple[str, str]]:
        """The messages waiting, up to ``BATCH``, after waiting a moment for the first."""
        try:
            batch = [self._outgoing.get(timeout=POLL)]
        except queue.Empty:
            return []
        while len(batch) < BATCH:
            try:
                batch.append(self._outgoing.get_nowait())
            except queue.Empty:
                break
        return batch

    def _discard_waiting(self, why: str) -> None:
        while True:
            try:
                item = self._outgoing.get_nowait()
            except queue.Empty:
                return
            self._drop(item, why)
            self._outgoing.task_done()

    # --- receiving --------------------------------------------------------------------

    def _listen_forever(self) -> None:
        client = self._client()
        wait = FIRST_RETRY
        while not self._stopping.is_set():
            pubsub = client.pubsub()  # type: ignore[no-untyped-call,unused-ignore]  # unannotated before redis 8.2
            try:
                pubsub.subscribe(self.channel)
                if pubsub.get_message(timeout=self.timeout) is None:
                    raise RedisSilent(f"no answer to SUBSCRIBE within {self.timeout:g} s")
                if self.listening.works():
                    log.warning("receiving from Redis again")
                wait = FIRST_RETRY
                # Whatever the other processes sent before now may not have arrived.
                self._resync("subscribed to Redis")
                for data in self._receive(pubsub):
                    self._dispatch(data)
            except Exception as error:
                if self.listening.failed(error):
                    log.warning("cannot receive from Redis: %s", describe(error))
                self.server.sleep(wait)
                wait = min(wait * 2, self.retry_max)
            finally:
                try:
                    pubsub.reset()  # closes the connection (never reused: it may be stale)
                except Exception:
                    log.debug("closing the Redis subscription failed", exc_info=True)

    def _receive(self, pubsub: Any) -> Iterator[dict[str, Any]]:
        """The messages on the channel, until Redis fails, goes silent or we stop."""
        heard = time.monotonic()
        pinged: float | None = None
        while not self._stopping.is_set():
            now = time.monotonic()
            if pinged is not None:
                left = pinged + self.timeout - now
                if left <= 0:
                    raise RedisSilent(f"no answer to PING within {self.timeout:g} s")
            else:
                left = heard + self.heartbeat - now
                if left <= 0:
                    pubsub.ping()
                    pinged = time.monotonic()
                    continue
            message = pubsub.get_message(timeout=min(left, POLL))
            if message is None:
                continue
            heard, pinged = time.monotonic(), None
            if message.get("type") != "message":
                continue
            try:
                data = self.json.loads(message["data"])
            except ValueError:
                continue
            if isinstance(data, dict) and "method" in data:
                yield data

    def _dispatch(self, data: dict[str, Any]) -> None:
        """Act on a message from the channel (as python-socketio's own listener does)."""
        method = data["method"]
        try:
            if method == "callback":
                self._handle_callback(data)
            elif data.get("host_id") == self.host_id:
                return  # our own, delivered here when it was emitted
            elif method == RESYNC:
                self._resync("another process dropped messages")
            elif method == "emit":
                self._handle_emit(data)
            elif method == "disconnect":
                self._handle_disconnect(data)
            elif method == "enter_room":
                self._handle_enter_room(data)
            elif method == "leave_room":
                self._handle_leave_room(data)
            elif method == "close_room":
                self._handle_close_room(data)
        except Exception:
            log.exception("could not handle a %r message from Redis", method)

    def _resync(self, why: str) -> None:
        if self.on_resync is None:
            return
        log.info("resyncing this process's screens: %s", why)
        try:
            self.on_resync()
        except Exception:
            log.exception("could not resync the screens")

    # --- Redis ------------------------------------------------------------------------

    def _client(self) -> redis.Redis:
        """A client whose every command gives up after ``timeout`` and never retries by
        itself (redis-py retries three times with back-off by default: 10 s and more)."""
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        module = self._get_redis_module()
        client: redis.Redis = module.Redis.from_url(
            self.redis_url,
            socket_timeout=self.timeout,
            socket_connect_timeout=self.timeout,
            retry=Retry(NoBackoff(), 0),
            health_check_interval=0,
        )
        return client


def client_manager(config: dict[str, Any] | Any) -> RedisFanout | None:
    """The Socket.IO client manager an app's settings ask for: a :class:`RedisFanout` with
    ``REDIS_URL``, None (one process, no Redis) without."""
    url = config.get("REDIS_URL")
    if not url:
        return None
    return RedisFanout(
        str(url),
        str(config["REDIS_CHANNEL"]),
        timeout=float(config["REDIS_TIMEOUT"]),
        heartbeat=float(config["REDIS_HEARTBEAT"]),
        retry_max=float(config["REDIS_RETRY_MAX"]),
        queue_size=int(config["REDIS_QUEUE"]),
    )


def init_app(app: Flask, manager: RedisFanout | None, resync: Callable[[], None]) -> None:
    """Let ``manager`` resync the app's screens, and start it with the first request the
    process serves (not while the app is built: a gunicorn master forks after that)."""
    app.extensions["servicepoint.fanout"] = manager
    if manager is None:
        return
    manager.on_resync = resync
    app.before_request(manager.start)


def problems(app: Flask) -> list[str]:
    """What is wrong with the fan-out between processes (empty: nothing, or no Redis)."""
    manager: RedisFanout | None = app.extensions.get("servicepoint.fanout")
    return manager.problems() if manager is not None else []
