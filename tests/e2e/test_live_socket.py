"""A real Socket.IO client against the production server (gunicorn, threaded, WebSocket)."""

from __future__ import annotations

import queue
import time

import requests
import socketio

from tests.conftest import run_live_server


def wait_for(events: queue.Queue, name: str, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            got, data = events.get(timeout=max(0.05, deadline - time.monotonic()))
        except queue.Empty:
            break
        if got == name:
            return data
    raise AssertionError(f"no '{name}' event within {timeout} s")


def display_client(url: str, events: queue.Queue) -> socketio.Client:
    client = socketio.Client(reconnection=True, reconnection_delay=0.2, reconnection_delay_max=1)
    for name in ("snapshot", "queue", "called"):
        client.on(name, (lambda n: lambda data: events.put((n, data)))(name), namespace="/display")
    client.connect(
        url,
        namespaces=["/display"],
        auth={"location": "leverkusen"},
        transports=["websocket"],
        wait_timeout=10,
    )
    return client


def test_call_reaches_display_over_websocket_and_survives_restart(tmp_path):
    events: queue.Queue = queue.Queue()
    with run_live_server(tmp_path) as server:
        port = int(server.url.rsplit(":", 1)[1])
        display = display_client(server.url, events)
        try:
            assert wait_for(events, "snapshot")["location"]["slug"] == "leverkusen"
            ticket = requests.post(
                f"{server.url}/api/v1/locations/leverkusen/tickets",
                json={"topic": "language"},
                timeout=10,
            ).json()
            staff = server.signed_in("beratung1")
            desks = staff.get(f"{server.url}/api/v1/locations/leverkusen/desks", timeout=10).json()
            desk = desks["desks"][1]
            staff.post(f"{server.url}/api/v1/desks/{desk['id']}/call-next", timeout=10)
            called = wait_for(events, "called")
            assert (called["code"], called["desk"]) == (ticket["code"], desk["name"])
        except BaseException:
            display.disconnect()
            raise
    # The server is gone; start it again on the same port with the same database.
    with run_live_server(tmp_path, port=port) as server:
        try:
            snapshot = wait_for(events, "snapshot", timeout=20)
            assert [c["code"] for c in snapshot["current"]] == [ticket["code"]]
        finally:
            display.disconnect()


def test_websocket_handshake_declines_compression(live_server):
    """Every event is sent to every screen; compressing each copy costs more than it saves."""
    from websockets.sync.client import connect

    url = live_server.url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    with connect(url, open_timeout=10) as ws:  # offers permessage-deflate, as browsers do
        extensions = ws.response.headers.get("Sec-WebSocket-Extensions")
        opening = ws.recv(timeout=10)
    assert opening.startswith("0{")  # the Engine.IO open packet: the connection works
    assert extensions is None
