"""The fan-out between processes (``servicepoint.fanout``) against a Redis of the test's own.

Each ``RedisFanout`` here belongs to a Socket.IO server of its own, as in a server process;
a plain Redis client on the same channel sees what they publish. The same faults with real
server processes and screens: ``tests/e2e/test_redis_faults.py``.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis as redis_py
import socketio

from servicepoint import create_app
from servicepoint.fanout import RESYNC, RedisFanout
from tests.redis_server import RedisServer, redis_server
from tests.waiting import wait_until


@pytest.fixture
def redis() -> Iterator[RedisServer]:
    with redis_server() as server:
        yield server


@pytest.fixture
def channel() -> str:
    return f"servicepoint-test-{uuid.uuid4().hex}"


class Process:
    """A Socket.IO server with its fan-out, counting the resyncs it asks for."""

    def __init__(self, url: str, channel: str, **options: Any) -> None:
        self.fanout = RedisFanout(url, channel, **options)
        self.server = socketio.Server(client_manager=self.fanout, async_mode="threading")
        self.resyncs = 0
        self.fanout.on_resync = self._resynced
        self.fanout.start()

    def _resynced(self) -> None:
        self.resyncs += 1

    def emit_snapshot(self, number: int = 0) -> None:
        self.server.emit("queue", {"n": number}, to="location:test", namespace="/display")


@pytest.fixture
def process(redis, channel) -> Iterator[Callable[..., Process]]:
    made: list[Process] = []

    def make(**options: Any) -> Process:
        made.append(Process(redis.url, channel, **options))
        return made[-1]

    yield make
    for each in made:
        each.fanout.stop()


class Listener:
    """A plain subscriber on the channel: what the other processes would receive."""

    def __init__(self, url: str, channel: str) -> None:
        self.client = redis_py.Redis.from_url(url, socket_timeout=5)
        self.pubsub = self.client.pubsub(ignore_subscribe_messages=True)
        self.pubsub.subscribe(channel)
        self.received: list[dict[str, Any]] = []

    def methods(self, timeout: float = 0.2) -> list[str]:
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            message = self.pubsub.get_message(timeout=left)
            if message is not None:
                self.received.append(json.loads(message["data"]))
        return [m["method"] for m in self.received]

    def close(self) -> None:
        self.pubsub.close()
        self.client.close()


def test_emits_reach_the_channel_in_order(process, redis, channel):
    listener = Listener(redis.url, channel)
    sender = process()
    wait_until(lambda: not sender.fanout.problems(), 5, "subscribed")
    for number in range(500):
        sender.emit_snapshot(number)
    assert sender.fanout.flush(5)
    wait_until(lambda: listener.methods().count("emit") == 500, 5, "all 500 emits")
    assert [m["data"] for m in listener.received] == [[{"n": n}] for n in range(500)]
    assert sender.fanout.dropped == 0
    listener.close()


def test_an_emit_never_waits_for_a_frozen_redis_and_health_says_why(process, redis):
    sender = process()
    wait_until(lambda: not sender.fanout.problems(), 5, "subscribed")
    redis.freeze()
    spent, slowest = 0.0, 0.0
    for number in range(1000):  # emits go on while the publisher's command times out
        started = time.monotonic()
        sender.emit_snapshot(number)
        took = time.monotonic() - started
        spent, slowest = spent + took, max(slowest, took)
        if number % 100 == 0:
            time.sleep(0.1)
    # Waiting for Redis would cost a second an emit; all of them together take milliseconds
    # (generous for a busy machine).
    assert spent < 1.0, f"1,000 emits took {spent:.3f} s (the slowest {slowest:.3f} s)"
    problems = wait_until(
        lambda: len(p := sender.fanout.problems()) == 2 and p, 5, "both directions down"
    )
    assert problems[0].startswith("redis: not receiving since")
    assert "no answer to" in problems[0]  # PING, or SUBSCRIBE when trying again
    assert problems[1].startswith("redis: cannot publish since")
    assert "Timeout" in problems[1]
    asked = time.monotonic()
    sender.fanout.problems()
    assert time.monotonic() - asked < 0.01  # asks Redis nothing
    redis.thaw()
    wait_until(lambda: sender.fanout.problems() == [], 5, "healthy again")


def test_every_subscription_resyncs_this_process(process, redis):
    receiver = process()
    wait_until(lambda: receiver.resyncs == 1, 5, "the first subscription")
    redis.kill()
    wait_until(lambda: receiver.fanout.problems(), 5, "the listener sees Redis gone")
    assert "refused" in receiver.fanout.problems()[0] or "Error" in receiver.fanout.problems()[0]
    redis.start()
    back = time.monotonic()
    wait_until(lambda: receiver.resyncs == 2, 5, "resynced after Redis came back")
    assert time.monotonic() - back < 2.5  # retries wait at most 1 s (not 2, 4, … 60 s)
    assert receiver.fanout.problems() == []


def test_a_process_that_dropped_messages_asks_the_others_to_resync(process, redis, channel):
    """A full queue (Redis slower than the emits) drops screen updates, never orders; once
    the rest is sent, the other processes are told to resync."""
    listener = Listener(redis.url, channel)
    other = process()
    sender = process(queue_size=1)
    wait_until(lambda: other.resyncs == 1 and not sender.fanout.problems(), 5, "subscribed")
    for number in range(2000):
        sender.emit_snapshot(number)
    sender.server.close_room("staff:test:1", namespace="/staff")  # an order: ends access
    for number in range(2000, 4000):
        sender.emit_snapshot(number)
    assert sender.fanout.flush(5)
    assert sender.fanout.dropped > 0
    methods = wait_until(lambda: RESYNC in (m := listener.methods()) and m, 5, "the notice")
    assert "close_room" in methods
    assert methods.count("emit") == 4000 - sender.fanout.dropped
    wait_until(lambda: other.resyncs >= 2, 5, "the other process resynced")
    assert sender.resyncs == 1  # its own screens got everything directly
    listener.close()


def test_a_notice_from_another_process_resyncs_this_one(process, redis, channel):
    receiver = process()
    wait_until(lambda: receiver.resyncs == 1, 5, "subscribed")
    client = redis_py.Redis.from_url(redis.url, socket_timeout=5)
    client.publish(channel, json.dumps({"method": RESYNC, "host_id": "another"}))
    wait_until(lambda: receiver.resyncs == 2, 5, "resynced")
    client.publish(channel, json.dumps({"method": RESYNC, "host_id": receiver.fanout.host_id}))
    client.close()
    time.sleep(0.3)
    assert receiver.resyncs == 2  # not for its own notice


def test_healthz_says_degraded_with_the_reason(db, tmp_path, redis, channel):
    app = create_app(
        {
            "TESTING": True,
            "DATABASE": db,
            "DATABASE_URL": db.url,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "SECRET_KEY": "test",
            "SNAPSHOT_INTERVAL": 0,
            "REDIS_URL": redis.url,
            "REDIS_CHANNEL": channel,
        }
    )
    client = app.test_client()
    try:

        def health() -> dict[str, Any]:
            response = client.get("/healthz")
            assert response.status_code == 200  # degraded still serves
            return response.json

        wait_until(lambda: health() == {"status": "ok"}, 5, "ok")
        redis.kill()
        body = wait_until(lambda: (h := health())["status"] == "degraded" and h, 5, "degraded")
        (reason,) = body["reasons"]
        assert reason.startswith("redis: not receiving since ")
        assert f"127.0.0.1:{redis.port}" in reason
    finally:
        app.extensions["servicepoint.fanout"].stop()


def test_a_resync_sends_every_screen_of_this_process_a_fresh_snapshot(
    app, client, socket_client, centre, auth, factory
):
    """What a process sends its own clients when Redis is back: the lobby's ``queue``, each
    counselor's ``queue``, each waiting phone's ``status``, from the database."""
    factory.staff()
    drawn = client.post("/api/v1/locations/test-centre/tickets", json={"topic": "general"}).json
    assert auth.login().status_code == 200
    lobby = socket_client("/display", {"location": "test-centre"})
    phone = socket_client("/ticket", {"token": drawn["token"]})
    desk = socket_client("/staff", {"location": "test-centre"})
    for screen, namespace in ((lobby, "/display"), (phone, "/ticket"), (desk, "/staff")):
        screen.get_received(namespace)  # what each got at connect

    app.extensions["servicepoint.db"].hub.resync()

    (queue,) = [m["args"][0] for m in lobby.get_received("/display") if m["name"] == "queue"]
    assert queue["waiting_total"] == 1
    (status,) = [m["args"][0] for m in phone.get_received("/ticket") if m["name"] == "status"]
    assert status["code"] == drawn["code"]
    staff_queues = [m["args"][0] for m in desk.get_received("/staff") if m["name"] == "queue"]
    assert [t["code"] for t in staff_queues[0]["waiting"]] == [drawn["code"]]
