"""A kiosk with a printer in a real browser: printed, or the screen is the ticket."""

from __future__ import annotations

import io
import re

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from tests.printers.escpos_stream import parse
from tests.printers.fake_printer import JobRecorder, closed_port

pytestmark = pytest.mark.e2e


def add_kiosk(live_server, name: str, printer_uri: str) -> str:
    manager = live_server.signed_in("leitung")
    kiosk = manager.post(
        f"{live_server.url}/api/v1/locations/leverkusen/kiosks",
        json={"name": name, "printer_mode": "server", "printer_uri": printer_uri},
        timeout=10,
    )
    assert kiosk.status_code == 201, kiosk.text
    return kiosk.json()["screen_url"]


def test_printed_ticket_tells_the_visitor_to_take_it(browser, live_server):
    printer = JobRecorder()
    try:
        screen_url = add_kiosk(live_server, "Eingang", printer.uri)
        page = browser.new_page(viewport={"width": 1080, "height": 1920})
        page.goto(re.sub(r"^https?://[^/]+", live_server.url, screen_url))
        page.get_by_test_id("lang-de").click()
        page.get_by_test_id("topic-naturalisation").click()
        code = page.get_by_test_id("ticket-code")
        expect(code).to_have_text(re.compile(r"^E\d{3}$"))
        expect(page.get_by_test_id("print-state")).to_have_attribute("data-state", "printed")
        assert len(printer.jobs) == 1
        assert code.inner_text().strip() in parse(printer.jobs[0]).text
    finally:
        printer.stop()


def test_broken_printer_leaves_a_usable_ticket_on_screen(browser, live_server):
    screen_url = add_kiosk(live_server, "Foyer", f"tcp://127.0.0.1:{closed_port()}?timeout=1")
    page = browser.new_page(viewport={"width": 1080, "height": 1920})
    page.goto(re.sub(r"^https?://[^/]+", live_server.url, screen_url))
    page.get_by_test_id("lang-ar").click()
    page.get_by_test_id("topic-residence").click()
    expect(page.get_by_test_id("ticket-code")).to_have_text(re.compile(r"^C\d{3}$"))
    expect(page.get_by_test_id("print-state")).to_have_attribute("data-state", "failed")
    expect(page.get_by_test_id("print-fallback")).to_be_visible()
    # The number is there and the QR code on the screen still leads to the status page.
    page.wait_for_function(
        "() => { const i = document.querySelector('[data-testid=ticket-qr]');"
        " return i && i.complete && i.naturalWidth > 0; }"
    )
    qr = page.get_by_test_id("ticket-qr").screenshot()
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr)))
    assert decoded and "/t/" in decoded[0].text
