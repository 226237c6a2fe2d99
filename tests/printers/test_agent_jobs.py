"""What the print agent makes of a job that comes over the network (no server involved)."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from printers import CardPrint, SlipPrint
from printers.agent import PrintAgent
from printers.jobs import payload_of, ticket_to_payload
from tests.printers.escpos_stream import parse
from tests.printers.fake_printer import SMALL_RCVBUF, JobRecorder


def agent_for(uri: str, tmp_path) -> PrintAgent:
    # never connected: the tests call the printing step of ``handle`` directly
    return PrintAgent(
        "http://127.0.0.1:9", "k" * 24, uri, journal=tmp_path / "journal", status_interval=0
    )


def wire_job(make_ticket, language: str = "de") -> dict:
    payload = ticket_to_payload(make_ticket(language))
    return json.loads(json.dumps({"id": 7, "payload": payload}))


def test_agent_prints_a_payload_with_control_bytes_as_plain_text(make_ticket, tmp_path):
    recorder = JobRecorder()
    try:
        job = wire_job(make_ticket)
        job["payload"]["location_name"] = "Zentrum\x1bp\x00\x19\xfa"  # as if sent like that
        job["payload"]["topic"] = "A\x1dV\x00"
        result = agent_for(recorder.uri, tmp_path)._print_job(job, "7:key")
    finally:
        recorder.stop()

    assert result["printed"] is True
    (data,) = recorder.jobs
    stream = parse(data)  # raises on any command the layout does not send itself
    assert b"\x1bp" not in data and stream.names().count("cut") == 1
    assert "Zentrump" in stream.words and "AV" in stream.words


def test_agent_records_a_printer_that_never_reads_as_failed(make_ticket, fake_printer, tmp_path):
    printer = fake_printer("silent", rcvbuf=SMALL_RCVBUF)
    agent = agent_for(printer.uri(timeout=1), tmp_path)

    result = agent._print_job(wire_job(make_ticket, "ar"), "7:key")

    assert result["printed"] is False
    assert result["reason"].startswith("the printer did not take the ticket within 1 s")
    assert result["printer_state"] == "error"
    assert "7:key" not in agent.journal  # so the server may send it again, or let it expire


def test_agent_prints_an_appointment_slip_and_a_client_card(tmp_path):
    slip = SlipPrint(
        location_name="Bürgerbüro Mitte",
        location_address="Hauptstraße 1",
        start=datetime(2026, 12, 8, 10, 30, tzinfo=ZoneInfo("Europe/Berlin")),
        code="482913",
        topic="تسجيل السكن",
        topic_de="Wohnsitz anmelden",
        with_name="Frau Yılmaz",
        language="ar",
        url="https://servicepoint.example/t/a/abc",
    )
    card = CardPrint("K7P2M9QX4", "Frau Yılmaz", "Caritas", "Bürgerbüro Mitte", "de")
    recorder = JobRecorder()
    try:
        agent = agent_for(recorder.uri, tmp_path)
        for number, item in enumerate((slip, card), start=1):
            job = json.loads(json.dumps({"id": number, "payload": payload_of(item)}))
            assert agent._print_job(job, f"{number}:key")["printed"] is True
        broken = {"id": 3, "payload": {**payload_of(card), "kind": "poster"}}
        refused = agent._print_job(broken, "3:key")
    finally:
        recorder.stop()

    slip_bytes, card_bytes = recorder.jobs
    assert "482913" in parse(slip_bytes).words and parse(slip_bytes).rasters  # Arabic: images
    assert parse(slip_bytes).qr_stored_data() == [b"https://servicepoint.example/t/a/abc"]
    assert "K7P2 M9QX 4" in parse(card_bytes).words
    assert refused["printed"] is False and "poster" in refused["reason"]


def test_an_appointments_ticket_crosses_the_wire_with_its_time(make_ticket):
    from printers.jobs import printable_from_payload

    start = datetime(2025, 11, 21, 15, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    ticket = make_ticket("ar", appointment_at=start)
    wire = json.loads(json.dumps(ticket_to_payload(ticket)))
    assert wire["appointment_at"] == "2025-11-21T15:30:00+01:00"
    assert printable_from_payload(wire) == ticket
    walk_in = ticket_to_payload(make_ticket("ar"))
    assert "appointment_at" not in walk_in  # a walk-in's payload as older agents know it
    assert printable_from_payload(walk_in) == make_ticket("ar")
