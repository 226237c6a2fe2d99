"""Several server processes on one PostgreSQL database share events through Redis."""

from __future__ import annotations

import queue
import uuid

import requests
import socketio

from tests.conftest import fresh_database, run_live_server
from tests.e2e.test_live_socket import wait_for


def test_call_on_one_process_reaches_display_on_another(tmp_path, monkeypatch):
    monkeypatch.setenv("SERVICEPOINT_REDIS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("SERVICEPOINT_REDIS_CHANNEL", f"servicepoint-test-{uuid.uuid4().hex}")
    events: queue.Queue = queue.Queue()
    with (
        fresh_database("postgresql", tmp_path) as url,
        run_live_server(tmp_path / "a", url) as first,
        run_live_server(tmp_path / "b", url) as second,
    ):
        display = socketio.Client(reconnection=False)
        display.on("called", lambda data: events.put(("called", data)), namespace="/display")
        display.on("queue", lambda data: events.put(("queue", data)), namespace="/display")
        display.connect(
            first.url,
            namespaces=["/display"],
            auth={"location": "leverkusen"},
            transports=["websocket"],
            wait_timeout=10,
        )
        try:
            # Drawn through the second process, called through the second process...
            ticket = requests.post(
                f"{second.url}/api/v1/locations/leverkusen/tickets",
                json={"topic": "work"},
                timeout=10,
            ).json()
            # One database, the same accounts: sign in at the second process.
            staff = first.signed_in("beratung1", url=second.url)
            staff.post(f"{second.url}/api/v1/desks/1/call-next", timeout=10).raise_for_status()
            # ...announced on the screen connected to the first.
            called = wait_for(events, "called")
            assert called["code"] == ticket["code"]
        finally:
            display.disconnect()
