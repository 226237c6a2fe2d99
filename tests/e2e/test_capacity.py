"""What a full lobby of phones, a slow client and a greedy address cannot do to the server.

The production server (gunicorn's gevent worker) holds every connection as a green thread:
thousands of idle WebSockets cost memory, not threads, and `/healthz` keeps answering. A
client that sends its headers slowly is cut off after the header timeout; one address holds
at most ``CONNECTIONS_PER_ADDRESS`` connections. Every test is bounded in count and time and
talks to 127.0.0.x only (the whole 127/8 is this machine: a second source address stands in
for another client).
"""

from __future__ import annotations

import contextlib
import resource
import socket
import time

import pytest
import requests

from servicepoint.server import HEADER_TIMEOUT
from tests.conftest import run_live_server
from tests.wire import IdleClients

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def enough_descriptors():
    """The test process and the server it starts (which inherits the limit) each hold one
    descriptor per connection: raise the soft limit to the hard one."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else 65536
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(wanted, 65536)), hard))
    if resource.getrlimit(resource.RLIMIT_NOFILE)[0] < 5000:
        pytest.fail("this machine allows too few open files for the capacity tests")
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def healthz(url: str, source: str = "127.0.0.1") -> float:
    """Seconds `/healthz` took (from ``source``); fails if it did not answer ok in 5 s."""
    session = requests.Session()
    session.get_adapter("http://").init_poolmanager(1, 1, source_address=(source, 0))
    began = time.monotonic()
    response = session.get(f"{url}/healthz", timeout=5)
    assert response.status_code == 200, response.text
    return time.monotonic() - began


def test_two_thousand_idle_sockets_leave_the_server_answering(tmp_path):
    with (
        run_live_server(tmp_path, settings={"CONNECTIONS_PER_ADDRESS": "0"}) as server,
        IdleClients(server.url, 2000) as clients,
    ):
        assert clients.connected == 2000
        assert clients.received["snapshot"] == 2000  # each got its lobby's state
        # The service is all there for everyone else: health, a page, a new ticket, a call.
        probes = sorted(healthz(server.url) for _ in range(20))
        assert requests.get(f"{server.url}/kiosk/leverkusen", timeout=5).status_code == 200
        ticket = requests.post(
            f"{server.url}/api/v1/locations/leverkusen/tickets",
            json={"topic": "language"},
            timeout=5,
        ).json()
        staff = server.signed_in("beratung1")
        desk = staff.get(f"{server.url}/api/v1/locations/leverkusen/desks", timeout=5).json()
        staff.post(f"{server.url}/api/v1/desks/{desk['desks'][1]['id']}/call-next", timeout=5)
        deadline = time.monotonic() + 30
        while clients.received["called"] < 2000 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert clients.received["called"] == 2000
        assert {event["code"] for event, _at in clients.called_at} == {ticket["code"]}
        assert clients.closed == 0  # nobody was dropped meanwhile
    print(f"healthz with 2000 idle sockets: median {probes[10] * 1000:.1f} ms")


def slow_client(source: str, port: int) -> socket.socket:
    client = socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(source, 0))
    client.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    return client


def test_slow_headers_are_cut_off_and_others_are_served(tmp_path):
    with run_live_server(tmp_path) as server:
        port = int(server.url.rsplit(":", 1)[1])
        clients = [slow_client("127.0.0.2", port) for _ in range(150)]
        began = time.monotonic()
        try:
            closed_at: list[float] = []
            for _second in range(int(HEADER_TIMEOUT) + 5):
                for client in clients:
                    with contextlib.suppress(OSError):  # closed by the server
                        client.sendall(b"X-Slow: 1\r\n")  # one more header line, never the end
                healthz(server.url)  # answered while 150 clients dawdle
                time.sleep(1)
            for client in clients:
                client.settimeout(5)
                try:
                    data = client.recv(4096)  # b"" once the server has closed it
                except ConnectionResetError:
                    data = b""
                # (a client still open would time out here and fail the test)
                closed_at.append(time.monotonic() - began)
                assert data == b""  # never served, only closed
        finally:
            for client in clients:
                client.close()
        assert len(closed_at) == 150
        # Each was cut off after the header timeout, while it was still sending.
        assert max(closed_at) < HEADER_TIMEOUT + 15


def test_one_address_holds_at_most_its_share_of_connections(tmp_path):
    with run_live_server(tmp_path, settings={"CONNECTIONS_PER_ADDRESS": "20"}) as server:
        port = int(server.url.rsplit(":", 1)[1])
        held = [slow_client("127.0.0.3", port) for _ in range(20)]
        try:
            time.sleep(0.5)
            extra = slow_client("127.0.0.3", port)
            extra.settimeout(2)  # less than the header timeout: only a refusal closes it
            try:
                refused = extra.recv(4096) == b""  # closed at once, nothing sent
            except ConnectionResetError:
                refused = True
            extra.close()
            assert refused
            healthz(server.url)  # another address is served meanwhile
        finally:
            for client in held:
                client.close()
        time.sleep(0.5)
        healthz(server.url, source="127.0.0.3")  # once they are gone, it is served again
