"""Appointment slips over the staff API: printed on a desk's own printer or a kiosk's, a 409
when there is none, PNG and PDF previews, a reprint with a move; client cards through
``printing.print_card``; desks' printers on the manage API. On SQLite and PostgreSQL."""

from __future__ import annotations

import io
import re
from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import func, select

from printers import ticket_bytes
from printers.jobs import printable_from_payload
from servicepoint import cards, clock, i18n, manage, printing
from servicepoint.errors import InvalidInput
from servicepoint.models import Appointment, Consultation, PrintJob, Role
from servicepoint.print_runner import print_job_on_server
from tests.printers.escpos_stream import parse
from tests.printers.fake_printer import JobRecorder

BERLIN = ZoneInfo("Europe/Berlin")
EARLY = datetime(2026, 12, 7, 8, 0, tzinfo=BERLIN)  # a Monday
BOOK = "/api/v1/locations/test-centre/appointments"
CARD = "K7P2M9QX" + cards.check_character("K7P2M9QX")  # a card's code: 8 and a check character


@pytest.fixture
def frozen():
    with clock.frozen(EARLY) as move_to:
        yield move_to


@pytest.fixture
def recorder():
    printer = JobRecorder()
    yield printer
    printer.stop()


@pytest.fixture
def anna(factory, centre):
    return factory.staff("anna", locations=[centre])


@pytest.fixture
def signed_in(frozen, auth, anna):
    assert auth.login("anna").status_code == 200
    return anna


@pytest.fixture
def booked(client, session, centre, signed_in):
    """Anna's appointment at 10:00 on Monday, booked in Arabic."""
    session.add(
        Consultation(
            location=centre,
            weekdays="mon,tue,wed,thu,fri",
            start=time(10),
            end=time(12),
            topics=[centre.topics[0]],
            staff=[signed_in],
            bookable_share=100,
        )
    )
    session.commit()
    made = client.post(
        BOOK,
        json={
            "topic": "general",
            "start": "2026-12-07T10:00:00+01:00",
            "staff_id": signed_in.id,
            "language": "ar",
        },
    )
    assert made.status_code == 201, made.json
    return made.json


def desk_printer(session, desk, uri):
    manage.update_desk(session, desk, printer_uri=uri)
    session.commit()


def add_kiosk(session, location, mode="agent", uri="usb://04b8:0202", name="Eingang"):
    kiosk, _token = manage.create_kiosk(
        session, location, name, manage.PrinterSettings(mode, uri, "TM-T20II")
    )
    session.commit()
    return kiosk


def test_a_kiosks_print_agent_gets_the_slip_and_answers_for_it(
    client, session, centre, booked, socket_client
):
    _kiosk, token = manage.create_kiosk(
        session, centre, "Eingang", manage.PrinterSettings("agent", "usb://04b8:0202")
    )
    session.commit()
    agent = socket_client("/kiosk", {"kiosk": token, "agent": True})
    agent.get_received("/kiosk")

    answer = slip(client, booked["id"], language="de")

    assert answer.status_code == 202
    (job,) = [e["args"][0] for e in agent.get_received("/kiosk") if e["name"] == "print_job"]
    assert job["id"] == answer.json["id"] and job["kind"] == "slip"
    printed = printable_from_payload(job["payload"])  # what the agent prints
    assert "Montag 07.12.2026" in parse(ticket_bytes(printed)).words
    ack = agent.emit(
        "print_done", {"job_id": job["id"], "printed": True}, namespace="/kiosk", callback=True
    )
    assert ack == {"recorded": True, "state": "printed"}


def jobs(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(PrintJob))


def slip(client, appointment_id, **body):
    return client.post(f"/api/v1/appointments/{appointment_id}/slip", json=body)


def test_slip_prints_on_the_desks_own_printer(client, session, centre, booked, recorder):
    desk = centre.desks[0]
    desk_printer(session, desk, recorder.uri)

    answer = slip(client, booked["id"], desk_id=desk.id, language="de")

    assert answer.status_code == 202, answer.json
    assert answer.json["kind"] == "slip" and answer.json["desk_id"] == desk.id
    assert answer.json["kiosk_id"] is None and answer.json["code"] == booked["code"]
    assert len(recorder.jobs) == 1
    stream = parse(recorder.jobs[0])
    for line in ("Centre test-centre", "Teststraße 1", "Montag 07.12.2026", "10:00"):
        assert line in stream.words, line
    assert booked["code"] in stream.words and "Bei: Anna" in stream.words
    (url,) = stream.qr_stored_data()
    assert re.fullmatch(rb"https?://[^/]+/t/a/" + booked["token"].encode(), url)
    job = session.get(PrintJob, answer.json["id"])
    session.refresh(job)
    assert job.state == "printed"
    session.refresh(desk)
    assert desk.printer_state == "ok"


def test_the_slips_qr_checks_the_appointment_in_at_the_kiosk(
    client, session, centre, booked, recorder, frozen
):
    desk_printer(session, centre.desks[0], recorder.uri)
    assert slip(client, booked["id"], desk_id=centre.desks[0].id).status_code == 202
    (scanned,) = parse(recorder.jobs[0]).qr_stored_data()

    frozen(datetime(2026, 12, 7, 9, 55, tzinfo=BERLIN))
    checked = client.post(
        "/api/v1/locations/test-centre/check-in", json={"token": scanned.decode()}
    )

    assert checked.status_code == 201, checked.json
    assert checked.json["appointment"]["time"] == "10:00"


def test_slip_is_in_the_appointments_language_unless_asked(client, session, centre, booked):
    add_kiosk(session, centre)

    answer = slip(client, booked["id"])

    assert answer.status_code == 202
    assert answer.json["payload"]["language"] == "ar"
    assert answer.json["payload"]["topic_de"] == "General"
    assert slip(client, booked["id"], language="uk").json["payload"]["language"] == "uk"


def test_a_desk_without_printer_prints_on_a_printing_kiosk(client, session, centre, booked):
    add_kiosk(session, centre, mode="none", name="A ohne Drucker")
    kiosk = add_kiosk(session, centre, name="B Eingang")

    answer = slip(client, booked["id"], desk_id=centre.desks[1].id)

    assert answer.status_code == 202
    assert answer.json["kiosk_id"] == kiosk.id and answer.json["desk_id"] is None
    assert answer.json["state"] == "pending"  # for the kiosk's print agent


def test_a_named_kiosk_prints_it(client, session, centre, booked, recorder):
    add_kiosk(session, centre, name="A Eingang")
    kiosk = add_kiosk(session, centre, mode="server", uri=recorder.uri, name="B Flur")

    answer = slip(client, booked["id"], kiosk_id=kiosk.id)

    assert answer.status_code == 202 and answer.json["kiosk_id"] == kiosk.id
    assert len(recorder.jobs) == 1 and booked["code"] in parse(recorder.jobs[0]).words


def test_no_printer_is_a_409_that_says_what_to_do(client, session, centre, booked):
    add_kiosk(session, centre, mode="none")

    answer = slip(client, booked["id"], desk_id=centre.desks[0].id)

    assert answer.status_code == 409
    assert answer.json["error"] == "no_printer"
    assert answer.json["message"] == (
        "No printer is available here: the desk has no printer of its own and no kiosk at "
        "Centre test-centre prints. Please print or show the preview (PNG or PDF)."
    )
    assert jobs(session) == 0


def test_refusals_of_the_printer_choice(client, session, centre, factory, booked):
    other = factory.location("other")
    kiosk = add_kiosk(session, centre, mode="none")
    far = add_kiosk(session, other)

    elsewhere = slip(client, booked["id"], desk_id=other.desks[0].id)
    assert elsewhere.status_code == 400 and elsewhere.json["field"] == "desk_id"
    assert elsewhere.json["message"] == "Desk 'Raum 1' does not belong to Centre test-centre."
    far_away = slip(client, booked["id"], kiosk_id=far.id)
    assert far_away.status_code == 400 and far_away.json["field"] == "kiosk_id"
    no_printer = slip(client, booked["id"], kiosk_id=kiosk.id)
    assert no_printer.status_code == 409 and no_printer.json["error"] == "no_printer"
    assert no_printer.json["message"] == "Kiosk 'Eingang' has no printer."
    assert slip(client, booked["id"], desk_id=999999).status_code == 404
    assert slip(client, booked["id"], desk_id="1").json["field"] == "desk_id"
    assert jobs(session) == 0


def test_a_discreet_topic_is_printed_as_counselling(client, session, centre, booked):
    add_kiosk(session, centre)
    centre.topics[0].discreet = True
    session.commit()

    payload = slip(client, booked["id"], language="en").json["payload"]

    assert payload["topic"] == i18n.text("en", "ticket.discreet_topic")
    assert payload["topic_de"] == i18n.text("de", "ticket.discreet_topic")
    assert "General" not in str(payload)


@pytest.mark.parametrize("language", ["de", "ar", "uk"])
def test_png_preview_shows_the_slip_with_the_pages_qr(client, booked, language):
    answer = client.get(
        f"/api/v1/appointments/{booked['id']}/slip.png", query_string={"language": language}
    )

    assert answer.status_code == 200 and answer.mimetype == "image/png"
    assert "no-store" in answer.headers["Cache-Control"]
    image = Image.open(io.BytesIO(answer.data))
    assert image.width == 576
    (found,) = zxingcpp.read_barcodes(image.convert("L"))
    assert found.text.endswith("/t/a/" + booked["token"])


def test_pdf_preview_is_a_pdf(client, booked):
    answer = client.get(f"/api/v1/appointments/{booked['id']}/slip.pdf")

    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    assert answer.data.startswith(b"%PDF-")
    assert f"appointment-{booked['code']}.pdf" in answer.headers["Content-Disposition"]


def test_previews_and_prints_need_a_counselor_of_the_location(
    client, session, auth, factory, booked
):
    other = factory.location("other")
    factory.staff("fremd", locations=[other])
    auth.logout()
    assert client.get(f"/api/v1/appointments/{booked['id']}/slip.png").status_code == 401
    assert auth.login("fremd").status_code == 200
    assert client.get(f"/api/v1/appointments/{booked['id']}/slip.pdf").status_code == 403
    assert slip(client, booked["id"]).status_code == 403


def test_a_move_reprints_the_slip(client, session, centre, booked, recorder):
    desk_printer(session, centre.desks[0], recorder.uri)

    moved = client.patch(
        f"/api/v1/appointments/{booked['id']}",
        json={"start": "2026-12-07T11:00:00+01:00", "print": {"desk_id": centre.desks[0].id}},
    )

    assert moved.status_code == 200, moved.json
    assert moved.json["start"] == "2026-12-07T11:00:00+01:00"
    assert moved.json["print_job"]["kind"] == "slip"
    assert moved.json["print_job"]["payload"]["start"] == "2026-12-07T11:00:00+01:00"
    assert len(recorder.jobs) == 1 and "11:00" in parse(recorder.jobs[0]).words


def test_a_move_without_printer_moves_nothing(client, session, centre, booked):
    refused = client.patch(
        f"/api/v1/appointments/{booked['id']}",
        json={"start": "2026-12-07T11:00:00+01:00", "print": {}},
    )

    assert refused.status_code == 409 and refused.json["error"] == "no_printer"
    session.expire_all()
    start = session.get(Appointment, booked["id"]).start
    assert clock.local(start, "Europe/Berlin").hour == 10


def test_print_card_on_a_desk_printer(db, session, centre, anna, recorder):
    desk = centre.desks[0]
    desk_printer(session, desk, recorder.uri)

    job = printing.print_card(
        session, centre, CARD.lower(), anna, "Caritas Leverkusen", "en", desk=desk
    )
    session.commit()
    assert job.desk_id == desk.id and job.payload["kind"] == "card"
    # what the server does after the request's commit
    assert print_job_on_server(db, job.id) == "printed"

    stream = parse(recorder.jobs[0])
    assert cards.shown(CARD) in stream.words and stream.qr_stored_data() == [CARD.encode()]
    assert "Counselling: Anna" in stream.words and "Caritas Leverkusen" in stream.words


def test_print_card_refuses_a_bad_code_and_needs_a_printer(session, centre, anna):
    for wrong in ("K7P2", "K7P2M9QX4"):  # too short; a wrong check character
        with pytest.raises(InvalidInput) as bad:
            printing.print_card(session, centre, wrong, anna, "", "de")
        assert bad.value.key == "bad_card_code" and bad.value.field == "card"
    with pytest.raises(printing.NoPrinter):
        printing.print_card(session, centre, CARD, anna, None, "de")


def test_card_preview_is_a_png_or_a_pdf(centre, anna):
    png = printing.card_preview(centre, CARD, anna, "Caritas", "ar")
    (found,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)).convert("L"))
    assert found.text == CARD
    assert printing.card_preview(centre, CARD, "Frau A", None, "de", "pdf")[:5] == b"%PDF-"


def test_managers_set_a_desks_printer(client, session, centre, factory, auth):
    factory.staff("leitung", role=Role.MANAGER)
    auth.login("leitung")
    desk = centre.desks[0]
    url = f"/api/v1/desks/{desk.id}"

    usb = client.patch(url, json={"printer_uri": "usb://04b8:0202"})
    assert usb.status_code == 400 and usb.json["field"] == "printer_uri"
    assert "tcp://, cups:// or dummy://" in usb.json["message"]
    bad = client.patch(url, json={"printer_uri": "tcp://"})
    assert bad.status_code == 400 and bad.json["field"] == "printer_uri"
    assert client.patch(url, json={"printer_profile": "nope"}).status_code == 400

    set_ = client.patch(
        url, json={"printer_uri": "tcp://10.0.4.7:9100", "printer_profile": "TM-T88V"}
    )
    assert set_.status_code == 200
    assert set_.json["printer"] == {
        "uri": "tcp://10.0.4.7:9100",
        "profile": "TM-T88V",
        "state": "unknown",
        "detail": "",
    }
    listed = client.get("/api/v1/locations/test-centre/desks").json["desks"]
    assert listed[0]["printer"]["uri"] == "tcp://10.0.4.7:9100" and listed[1]["printer"] is None
    assert client.patch(url, json={"printer_uri": ""}).json["printer"] is None


def test_counselors_may_not_set_a_desks_printer(client, centre, factory, auth):
    factory.staff()
    auth.login()
    answer = client.patch(f"/api/v1/desks/{centre.desks[0].id}", json={"printer_uri": ""})
    assert answer.status_code == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"desk_id": True}, "desk_id"),
        ({"kiosk_id": 0}, "kiosk_id"),
        ({"kiosk_id": 2**40}, "kiosk_id"),
        ({"language": "de\x00"}, "language"),
        ({"language": "\u202ear"}, "language"),
        ({"language": "x" * 40}, "language"),
    ],
)
def test_bad_slip_requests_are_refused_and_print_nothing(
    client, session, centre, booked, body, field
):
    add_kiosk(session, centre)

    answer = slip(client, booked["id"], **body)

    assert answer.status_code == 400 and answer.json["field"] == field
    assert jobs(session) == 0


def test_a_bad_print_choice_moves_nothing(client, session, booked):
    for choice in ("yes", [1], {"desk_id": "1"}):
        refused = client.patch(
            f"/api/v1/appointments/{booked['id']}",
            json={"start": "2026-12-07T11:00:00+01:00", "print": choice},
        )
        assert refused.status_code == 400, refused.json
    session.expire_all()
    start = session.get(Appointment, booked["id"]).start
    assert clock.local(start, "Europe/Berlin").hour == 10


def test_a_preview_in_a_bad_language_is_refused(client, booked):
    answer = client.get(
        f"/api/v1/appointments/{booked['id']}/slip.png", query_string={"language": "a\x00"}
    )
    assert answer.status_code == 400 and answer.json["field"] == "language"


def test_a_counselor_prints_a_new_card_and_previews_it(client, session, centre, signed_in):
    made = client.post("/api/v1/cards", json={"location": "test-centre"})
    assert made.status_code == 201
    code = made.json["code"]
    no_printer = client.post(f"/api/v1/cards/{code}/print", json={})
    assert no_printer.status_code == 409 and no_printer.json["error"] == "no_printer"
    kiosk = add_kiosk(session, centre)
    printed = client.post(f"/api/v1/cards/{code}/print", json={"language": "uk"})
    assert printed.status_code == 202, printed.json
    job = session.get(PrintJob, printed.json["id"])
    assert job.kiosk_id == kiosk.id and job.payload["kind"] == "card"
    png = client.get(f"/api/v1/cards/{code}/card.png?language=ar")
    assert png.status_code == 200 and png.mimetype == "image/png"
    (found,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.data)).convert("L"))
    assert found.text == code
    pdf = client.get(f"/api/v1/cards/{code}/card.pdf")
    assert pdf.status_code == 200 and pdf.data[:5] == b"%PDF-"
