"""The print agent against a running server: jobs survive agent restarts and reconnects,
and a ticket is never printed twice."""

from __future__ import annotations

import time

import pytest
import requests

from printers import print_ticket
from printers.agent import PrintAgent
from tests import waiting
from tests.printers.escpos_stream import parse
from tests.printers.fake_printer import JobRecorder

# Generous but bounded: an agent reconnects with a backoff, slower on a busy machine.
WAIT = 60.0


def wait_until(condition, what: str):
    return waiting.wait_until(condition, WAIT, what)


@pytest.fixture
def printer():
    recorder = JobRecorder()
    yield recorder
    recorder.stop()


@pytest.fixture
def manager(live_server):
    return live_server.signed_in("leitung")


def codes_printed(printer: JobRecorder) -> list[str]:
    found = []
    for job in printer.jobs:
        words = parse(job).words
        found += [w for w in words.split() if len(w) == 4 and w[0] == "B" and w[1:].isdigit()]
    return found


def draw(live_server, token: str) -> dict:
    response = requests.post(
        f"{live_server.url}/api/v1/locations/leverkusen/tickets",
        json={"topic": "language", "language": "ar", "kiosk": token},
        timeout=10,
    )
    assert response.status_code == 201
    return response.json()


def job_states(live_server, manager, kiosk_id: int) -> dict[str, str]:
    jobs = manager.get(f"{live_server.url}/api/v1/kiosks/{kiosk_id}/jobs", timeout=10).json()
    return {job["code"]: job["state"] for job in jobs["jobs"]}


def test_agent_prints_jobs_once_across_restarts(live_server, manager, printer, tmp_path):
    kiosk = manager.post(
        f"{live_server.url}/api/v1/locations/leverkusen/kiosks",
        json={"name": "Eingang", "printer_mode": "agent", "printer_uri": printer.uri},
        timeout=10,
    ).json()
    token, journal = kiosk["token"], tmp_path / "journal"

    def agent(**kwargs) -> PrintAgent:
        a = PrintAgent(
            live_server.url, token, printer.uri, journal=journal, status_interval=0, **kwargs
        )
        a.start()
        wait_until(a.connected.is_set, what="agent connected")
        return a

    first = agent()
    ticket = draw(live_server, token)
    assert ticket["print"]["state"] == "pending"
    wait_until(lambda: codes_printed(printer) == [ticket["code"]], what="first ticket printed")
    wait_until(
        lambda: job_states(live_server, manager, kiosk["id"]) == {ticket["code"]: "printed"},
        what="job recorded",
    )
    first.stop()

    # While the agent is away, tickets are still issued; the kiosk knows they cannot print yet.
    wait_until(
        lambda: (
            not manager.get(
                f"{live_server.url}/api/v1/locations/leverkusen/kiosks", timeout=10
            ).json()["kiosks"][0]["agent_connected"]
        ),
        what="agent marked disconnected",
    )
    away = [draw(live_server, token), draw(live_server, token)]
    assert all(t["print"]["state"] == "unavailable" for t in away)

    # Back again: what waited is printed, once, in order.
    second = agent()
    expected = [ticket["code"]] + [t["code"] for t in away]
    wait_until(lambda: codes_printed(printer) == expected, what="waiting jobs printed")
    second.stop()

    # Printed, but the answer to the server is lost (the agent dies before it is sent).
    def print_then_lose_connection(*args):
        print_ticket(*args)
        third.sio.disconnect()

    third = agent(printer=print_then_lose_connection)
    lost = draw(live_server, token)
    wait_until(lambda: codes_printed(printer) == [*expected, lost["code"]], what="printed")
    assert job_states(live_server, manager, kiosk["id"])[lost["code"]] == "pending"
    # The agent notes a print in its journal right after printing (the dropped connection
    # only loses the answer): a restart reads the journal, so wait until it is written.
    wait_until(
        lambda: journal.exists() and f":{lost['code']}:" in journal.read_text(),
        what="print written to the journal",
    )
    third.stop()

    # A restarted agent is sent the job again, finds it in its journal and does not reprint.
    fourth = agent()
    wait_until(
        lambda: job_states(live_server, manager, kiosk["id"])[lost["code"]] == "printed",
        what="lost answer recorded",
    )
    time.sleep(0.5)
    fourth.stop()
    assert codes_printed(printer) == [*expected, lost["code"]], "a ticket was printed twice"
