"""Tickets drawn at a kiosk with a printer: printed by the server, never lost to a printer."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from servicepoint import manage
from servicepoint.models import Kiosk, PrintJob
from tests.printers.escpos_stream import parse
from tests.printers.fake_printer import JobRecorder, closed_port


@pytest.fixture
def recorder():
    printer = JobRecorder()
    yield printer
    printer.stop()


def add_kiosk(session, location, **printer) -> tuple[Kiosk, str]:
    settings = manage.PrinterSettings(
        printer.get("printer_mode", "none"),
        printer.get("printer_uri", ""),
        printer.get("printer_profile", "TM-T20II"),
    )
    kiosk, token = manage.create_kiosk(session, location, "Eingang", settings)
    session.commit()
    return kiosk, token


def draw(client, token, topic="general", language="de"):
    return client.post(
        "/api/v1/locations/test-centre/tickets",
        json={"topic": topic, "language": language, "kiosk": token},
    )


def test_server_prints_ticket_on_network_printer(client, session, centre, recorder, socket_client):
    _kiosk, token = add_kiosk(session, centre, printer_mode="server", printer_uri=recorder.uri)
    screen = socket_client("/kiosk", {"location": "test-centre", "kiosk": token})
    screen.get_received("/kiosk")
    response = draw(client, token, language="uk")
    assert response.status_code == 201
    body = response.json
    assert body["print"]["state"] == "pending"
    assert len(recorder.jobs) == 1
    stream = parse(recorder.jobs[0])
    assert body["code"] in stream.text
    assert stream.qr_stored_data() == [body["status_url"].encode()]
    assert "cut" in stream.names()
    job = session.scalar(select(PrintJob).where(PrintJob.id == body["print"]["job_id"]))
    session.refresh(job)
    assert job.state == "printed"
    statuses = [e["args"][0] for e in screen.get_received("/kiosk") if e["name"] == "print_status"]
    assert statuses == [{"job_id": job.id, "code": body["code"], "state": "printed", "error": ""}]


def test_printer_offline_never_costs_the_ticket(
    client, session, centre, socket_client, auth, factory
):
    kiosk, token = add_kiosk(
        session,
        centre,
        printer_mode="server",
        printer_uri=f"tcp://127.0.0.1:{closed_port()}?timeout=1",
    )
    factory.staff()
    auth.login()
    staff = socket_client("/staff", {"location": "test-centre"})
    staff.get_received("/staff")
    response = draw(client, token)
    assert response.status_code == 201, "the visitor keeps their turn"
    job = session.get(PrintJob, response.json["print"]["job_id"])
    session.refresh(job)
    assert job.state == "failed" and "refused" in job.error
    session.refresh(kiosk)
    assert kiosk.printer_state == "offline"
    # Counselors see the printer's state.
    queues = [e["args"][0] for e in staff.get_received("/staff") if e["name"] == "queue"]
    assert queues[-1]["printers"][0]["state"] == "offline"
    assert [t["code"] for t in queues[-1]["waiting"]] == [response.json["code"]]
    # The next ticket reports at once that the printer cannot print.
    assert draw(client, token).json["print"]["state"] == "unavailable"


def test_agent_printer_without_agent_is_unavailable_but_job_waits(client, session, centre):
    _kiosk, token = add_kiosk(session, centre, printer_mode="agent", printer_uri="usb://04b8:0202")
    body = draw(client, token).json
    assert body["print"]["state"] == "unavailable"
    job = session.get(PrintJob, body["print"]["job_id"])
    assert job.state == "pending" and job.payload["code"] == body["code"]


def test_kiosk_without_printer_and_unknown_kiosk(client, session, centre, factory):
    _kiosk, token = add_kiosk(session, centre)
    assert draw(client, token).json["print"] is None
    refused = draw(client, "x" * 32)
    assert refused.status_code == 404 and refused.json["error"] == "unknown_kiosk"
    other = factory.location("other")
    _k, other_token = manage.create_kiosk(session, other, "Eingang")
    session.commit()
    wrong_place = draw(client, other_token)
    assert wrong_place.status_code == 404 and wrong_place.json["error"] == "unknown_kiosk"
    assert "does not stand" in wrong_place.json["message"]


def test_agent_gets_pending_jobs_first_and_stale_ones_expire(
    client, session, centre, socket_client
):
    from datetime import UTC, datetime, timedelta

    from servicepoint import clock

    kiosk, token = add_kiosk(session, centre, printer_mode="agent", printer_uri="usb://04b8:0202")
    start = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
    with clock.frozen(start) as move:
        old = draw(client, token).json
        move(start + timedelta(minutes=3))
        fresh = draw(client, token).json
        agent = socket_client("/kiosk", {"kiosk": token, "agent": True})
        first = agent.get_received("/kiosk")[0]
    assert first["name"] == "print_jobs"
    assert [job["code"] for job in first["args"][0]["jobs"]] == [fresh["code"]]
    assert session.get(PrintJob, old["print"]["job_id"]).state == "expired"
    session.refresh(kiosk)
    assert kiosk.agent_connected
    # A new ticket goes to the connected agent at once.
    newest = draw(client, token).json
    assert newest["print"]["state"] == "pending"
    jobs = [e["args"][0] for e in agent.get_received("/kiosk") if e["name"] == "print_job"]
    assert [job["code"] for job in jobs] == [newest["code"]]
    ack = agent.emit(
        "print_done", {"job_id": jobs[0]["id"], "printed": True}, namespace="/kiosk", callback=True
    )
    assert ack == {"recorded": True, "state": "printed"}
    # An agent can only answer for its own kiosk's jobs.
    assert (
        agent.emit(
            "print_done", {"job_id": 99999, "printed": True}, namespace="/kiosk", callback=True
        )["recorded"]
        is False
    )


def test_unknown_agent_is_refused(socket_client, centre):
    assert not socket_client("/kiosk", {"kiosk": "y" * 32, "agent": True}).is_connected("/kiosk")
