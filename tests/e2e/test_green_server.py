"""The green-thread server: what blocks one request never stalls the others.

Under gunicorn's gevent worker every client is a greenlet on one OS thread. A print that
takes seconds (rendering, a slow printer) runs in a real thread; a SQLite writer that finds
the database locked by another process waits cooperatively. These tests hold such a wait
open and check that calls still reach screens and the server still answers meanwhile.
"""

from __future__ import annotations

import queue
import sqlite3
import threading
import time
from pathlib import Path

import pytest
import requests

from tests.conftest import run_live_server
from tests.e2e.test_live_socket import display_client, wait_for
from tests.printers.fake_printer import SMALL_RCVBUF, FakePrinter
from tests.waiting import wait_until

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with run_live_server(tmp_path_factory.mktemp("green")) as live:
        yield live


def call_next(server, staff) -> dict:
    desks = staff.get(f"{server.url}/api/v1/locations/leverkusen/desks", timeout=10).json()
    desk = desks["desks"][1]
    response = staff.post(f"{server.url}/api/v1/desks/{desk['id']}/call-next", timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def draw(server, **body) -> requests.Response:
    return requests.post(
        f"{server.url}/api/v1/locations/leverkusen/tickets",
        json={"topic": "language", **body},
        timeout=30,
    )


def test_a_call_reaches_the_screen_while_a_ticket_is_still_printing(server):
    printer = FakePrinter("silent", rcvbuf=SMALL_RCVBUF)  # takes nothing until resumed
    events: queue.Queue = queue.Queue()
    display = display_client(server.url, events)
    try:
        manager = server.signed_in("leitung")
        kiosk = manager.post(
            f"{server.url}/api/v1/locations/leverkusen/kiosks",
            json={
                "name": "Drucker langsam",
                "printer_mode": "server",
                "printer_uri": printer.uri(timeout=10),
            },
            timeout=10,
        ).json()
        wait_for(events, "snapshot")
        # An Arabic ticket: its text is drawn as an image, then sent to a printer that does
        # not read; printing it takes until the printer is resumed.
        printed = draw(server, language="ar", kiosk=kiosk["token"]).json()
        staff = server.signed_in("beratung1")
        began = time.monotonic()
        called = call_next(server, staff)
        heard = wait_for(events, "called", timeout=5)
        took = time.monotonic() - began
        assert heard["code"] == called["code"] == printed["code"]
        assert took < 2  # not after the print (up to 10 s): the call did not wait for it
        printer.resume()
        assert printer.finished.wait(15)
        assert len(printer.received) > 1000  # the whole image ticket arrived
        jobs_url = f"{server.url}/api/v1/kiosks/{kiosk['id']}/jobs"

        def recorded() -> str | None:  # just after the printer took the last byte
            state = manager.get(jobs_url, timeout=10).json()["jobs"][0]["state"]
            return None if state == "pending" else state

        assert wait_until(recorded, 10, "the print's outcome recorded") == "printed"
    finally:
        display.disconnect()
        printer.stop()


def test_a_writer_waiting_for_another_process_leaves_the_server_answering(server):
    """Another process (a backup, a migration, a second server on the same file) holds
    SQLite's write lock: a new ticket waits for it, everything else goes on, and the ticket
    is issued once the lock is free."""
    database = server.instance / "servicepoint.sqlite3"
    holder = sqlite3.connect(database, isolation_level=None, timeout=5)
    events: queue.Queue = queue.Queue()
    display = display_client(server.url, events)
    answer: list[requests.Response] = []
    try:
        wait_for(events, "snapshot")
        holder.execute("BEGIN IMMEDIATE")
        waiting = threading.Thread(target=lambda: answer.append(draw(server)))
        waiting.start()
        time.sleep(0.5)
        assert not answer  # the ticket waits for the lock
        # Meanwhile the server answers health checks, pages and screens asking for state.
        for _ in range(5):
            health = requests.get(f"{server.url}/healthz", timeout=2)
            assert health.status_code == 200
        assert requests.get(f"{server.url}/display/leverkusen", timeout=2).status_code == 200
        display.emit("snapshot", namespace="/display")
        assert wait_for(events, "snapshot", timeout=2)["location"]["slug"] == "leverkusen"
        assert not answer
        holder.execute("COMMIT")
        waiting.join(30)
        assert answer and answer[0].status_code == 201, answer and answer[0].text
    finally:
        if holder.in_transaction:
            holder.execute("ROLLBACK")
        holder.close()
        display.disconnect()


def test_the_master_loads_neither_flask_nor_the_database(server):
    """gunicorn's master only supervises: the application (Flask, SQLAlchemy, markupsafe's
    and SQLAlchemy's compiled parts) is built in the worker, after gevent patched it."""
    master = Path(f"/proc/{server.process.pid}/maps").read_text()
    worker = Path(f"/proc/{server.worker_pid()}/maps").read_text()
    for library in ("sqlalchemy", "markupsafe"):
        assert f"/{library}/" in worker
        assert f"/{library}/" not in master


def test_previews_drawn_at_once_in_real_threads_all_finish(server):
    """Ticket images are drawn in gevent's pool of real threads, one at a time (FreeType is
    shared): a green lock between those threads once left every waiter asleep for good."""
    from concurrent.futures import ThreadPoolExecutor

    manager = server.signed_in("leitung")
    url = f"{server.url}/api/v1/printers/preview.png?location=leverkusen&language="
    languages = ["de", "ar", "fa", "uk", "ti", "ru"] * 2
    with ThreadPoolExecutor(len(languages)) as pool:
        answers = list(pool.map(lambda code: manager.get(url + code, timeout=30), languages))
    assert [a.status_code for a in answers] == [200] * len(languages)
    assert all(a.content.startswith(b"\x89PNG") for a in answers)
