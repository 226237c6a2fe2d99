"""Managers set up kiosks and their printers; preview and test prints."""

from __future__ import annotations

import io

import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import select

from servicepoint.models import Kiosk, PrintJob, Role
from tests.printers.fake_printer import JobRecorder


@pytest.fixture
def manager(factory, auth):
    factory.staff("leitung", role=Role.MANAGER)
    auth.login("leitung")


def test_kiosk_token_is_shown_once_and_stored_hashed(client, session, centre, manager):
    created = client.post(
        "/api/v1/locations/test-centre/kiosks",
        json={"name": "Eingang", "printer_mode": "agent", "printer_uri": "usb://04b8:0202"},
    )
    assert created.status_code == 201
    token = created.json["token"]
    assert created.json["screen_url"] == f"https://sp.example.org/kiosk/test-centre?kiosk={token}"
    assert f"--kiosk {token}" in created.json["agent_command"]
    stored = session.scalar(select(Kiosk))
    assert token not in stored.token_hash and len(stored.token_hash) == 64
    listed = client.get("/api/v1/locations/test-centre/kiosks").json["kiosks"]
    assert listed[0]["name"] == "Eingang" and "token" not in listed[0]
    renewed = client.patch(f"/api/v1/kiosks/{stored.id}", json={"new_token": True}).json
    assert renewed["token"] != token
    old = client.post(
        "/api/v1/locations/test-centre/tickets", json={"topic": "general", "kiosk": token}
    )
    assert old.status_code == 404


@pytest.mark.parametrize(
    ("printer", "words"),
    [
        ({"printer_mode": "server", "printer_uri": "usb://04b8:0202"}, "print agent"),
        ({"printer_mode": "server", "printer_uri": "ftp://x"}, "ftp"),
        ({"printer_mode": "agent"}, "needs its address"),
        ({"printer_mode": "laser"}, "'printer_mode'"),
        ({"printer_mode": "agent", "printer_uri": "usb://1:2", "printer_profile": "X"}, "profile"),
    ],
)
def test_bad_printer_settings_are_refused(client, session, centre, manager, printer, words):
    response = client.post(
        "/api/v1/locations/test-centre/kiosks", json={"name": "Eingang", **printer}
    )
    assert response.status_code == 400
    assert words in response.json["message"]
    assert session.scalar(select(Kiosk)) is None


def test_counselors_cannot_set_up_kiosks(client, centre, factory, auth):
    factory.staff()
    auth.login()
    response = client.post("/api/v1/locations/test-centre/kiosks", json={"name": "Eingang"})
    assert response.status_code == 403


def test_test_print_reaches_the_printer_and_the_job_log(client, session, centre, manager):
    printer = JobRecorder()
    try:
        kiosk = client.post(
            "/api/v1/locations/test-centre/kiosks",
            json={"name": "Eingang", "printer_mode": "server", "printer_uri": printer.uri},
        ).json
        response = client.post(f"/api/v1/kiosks/{kiosk['id']}/test-print", json={"language": "ar"})
        assert response.status_code == 202
        assert len(printer.jobs) == 1 and b"T001" in printer.jobs[0]
    finally:
        printer.stop()
    jobs = client.get(f"/api/v1/kiosks/{kiosk['id']}/jobs").json["jobs"]
    assert [(j["code"], j["state"]) for j in jobs] == [("T001", "printed")]
    assert session.scalar(select(PrintJob)).ticket_id is None


def test_preview_is_a_png_whose_qr_code_reads(client, centre, manager):
    response = client.get("/api/v1/printers/preview.png?language=fa&location=test-centre")
    assert response.status_code == 200 and response.mimetype == "image/png"
    image = Image.open(io.BytesIO(response.data))
    assert image.width == 576
    decoded = zxingcpp.read_barcodes(image.convert("L"))
    assert decoded and decoded[0].text == "https://sp.example.org/t/example"


def test_printers_test_command(runner):
    printer = JobRecorder()
    try:
        ok = runner.invoke(["printers", "test", printer.uri, "--language", "uk"])
        assert ok.exit_code == 0 and "Printed a sample ticket (uk)" in ok.output
    finally:
        printer.stop()
    assert len(printer.jobs) == 1 and b"A012" in printer.jobs[0]
    bad = runner.invoke(["printers", "test", "tcp://127.0.0.1:1?timeout=1"])
    assert bad.exit_code != 0 and "Not printed" in bad.output


def test_kiosks_add_command(runner, session, centre):
    result = runner.invoke(
        [
            "kiosks",
            "add",
            "test-centre",
            "Eingang",
            "--printer-mode",
            "server",
            "--printer",
            "tcp://printer.lan:9100",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "shown only now" in result.output
    assert session.scalar(select(Kiosk)).printer_uri == "tcp://printer.lan:9100"


def test_changing_the_printer_forgets_the_old_printers_state(client, session, centre, manager):
    kiosk = client.post(
        "/api/v1/locations/test-centre/kiosks",
        json={"name": "Eingang", "printer_mode": "server", "printer_uri": "dummy://"},
    ).json
    stored = session.get(Kiosk, kiosk["id"])
    stored.printer_state, stored.printer_detail = "offline", "connection refused"
    session.commit()
    renamed = client.patch(f"/api/v1/kiosks/{kiosk['id']}", json={"name": "Foyer"}).json
    assert renamed["printer_state"] == "offline", "a rename says nothing about the printer"
    moved = client.patch(
        f"/api/v1/kiosks/{kiosk['id']}", json={"printer_uri": "tcp://printer.lan:9100"}
    ).json
    assert (moved["printer_state"], moved["printer_detail"]) == ("unknown", "")
