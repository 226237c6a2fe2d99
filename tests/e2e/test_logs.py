"""Nothing secret in the server's log: the tokens of tickets and kiosks stand in no access
line (``[redacted]`` instead), the demo passwords are not printed at start, and the kiosk
screen takes its token out of the address bar after the first load."""

from __future__ import annotations

import re
import time

import pytest
import requests
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

LOCATION = "leverkusen"


def draw(live_server, topic: str, **extra) -> dict:
    response = requests.post(
        f"{live_server.url}/api/v1/locations/{LOCATION}/tickets",
        json={"topic": topic, **extra},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    ticket: dict = response.json()
    return ticket


def draw_on_kiosk_page(page: Page, topic: str) -> tuple[dict, dict]:
    """Tap a topic; what the page sent and what it got back."""
    with page.expect_request(
        lambda r: r.method == "POST" and r.url.endswith(f"/locations/{LOCATION}/tickets")
    ) as sent:
        page.get_by_test_id(f"topic-{topic}").click()
    expect(page.get_by_test_id("ticket-code")).to_have_text(re.compile(r"^[A-H]\d{3}$"))
    response = sent.value.response()
    assert response is not None and response.status == 201
    return sent.value.post_data_json, response.json()


def wait_for_log(live_server, text: str, count: int) -> str:
    """The server's output once ``text`` stands in it ``count`` times (lines come after the
    response)."""
    deadline = time.monotonic() + 10
    while True:
        output = live_server.output()
        if output.count(text) >= count or time.monotonic() > deadline:
            return output
        time.sleep(0.1)


def test_tokens_and_passwords_stay_out_of_the_log(browser, live_server):
    manager = live_server.signed_in("leitung")
    created = manager.post(
        f"{live_server.url}/api/v1/locations/{LOCATION}/kiosks",
        json={"name": "Eingang Log", "printer_mode": "none"},
        timeout=10,
    )
    assert created.status_code == 201, created.text
    kiosk_token = created.json()["token"]

    # Tickets drawn, looked at and cancelled over HTTP: every URL form with a ticket's token.
    first = draw(live_server, "language", kiosk=kiosk_token)
    second = draw(live_server, "residence", language="ar")
    for path in (
        f"/t/{first['token']}",
        f"/t/{first['token']}?lang=ar",
        f"/t/{first['token']}/qr.svg",
        f"/api/v1/tickets/{first['token']}",
    ):
        assert requests.get(live_server.url + path, timeout=10).status_code == 200, path
    cancelled = requests.post(
        f"{live_server.url}/api/v1/tickets/{second['token']}/cancel", timeout=10
    )
    assert cancelled.status_code == 200, cancelled.text

    # The kiosk screen, opened once with its token: the token leaves the address bar.
    context = browser.new_context(viewport={"width": 1080, "height": 1920})
    try:
        kiosk = context.new_page()
        kiosk.goto(f"{live_server.url}/kiosk/{LOCATION}?kiosk={kiosk_token}")
        expect(kiosk).to_have_url(f"{live_server.url}/kiosk/{LOCATION}")
        stored = kiosk.evaluate("() => Object.values(window.localStorage)")
        assert stored == [kiosk_token]
        sent, third = draw_on_kiosk_page(kiosk, "work")
        assert sent["kiosk"] == kiosk_token

        # Loaded again without it (as after a restart): the stored token is used.
        kiosk.goto(f"{live_server.url}/kiosk/{LOCATION}")
        kiosk.get_by_test_id("lang-uk").click()
        sent, fourth = draw_on_kiosk_page(kiosk, "orientation")
        assert sent["kiosk"] == kiosk_token
        assert "kiosk=" not in kiosk.url

        # The visitor cancels on the phone: the request names the page (and its token) to
        # this server only, as its referrer.
        phone = context.new_page()
        phone.goto(f"{live_server.url}/t/{third['token']}")
        expect(phone.get_by_test_id("status-code")).to_have_text(third["code"])
        phone.get_by_test_id("status-cancel").click()
        with phone.expect_request(lambda r: r.method == "POST") as cancel:
            phone.get_by_test_id("status-cancel-confirm").click()
        assert cancel.value.all_headers().get("referer") == phone.url
        expect(phone.get_by_test_id("status-state")).to_have_attribute("data-state", "cancelled")
    finally:
        context.close()

    # Every request above has its line, with the tokens redacted.
    output = wait_for_log(live_server, "GET /t/[redacted] ", 3)
    assert "GET /kiosk/leverkusen?kiosk=[redacted] " in output
    assert "GET /t/[redacted]/qr.svg " in output
    assert "GET /t/[redacted]?lang=ar " in output
    assert "GET /api/v1/tickets/[redacted] " in output
    assert "POST /api/v1/tickets/[redacted]/cancel " in output
    assert "POST /t/api/v1/tickets/[redacted]/cancel " in output  # the phone's own API
    assert f'"{live_server.url}/t/[redacted]" ' in output  # the phone's referrer
    tokens = [kiosk_token] + [t["token"] for t in (first, second, third, fourth)]
    for token in tokens:
        assert token not in output

    # The demo's passwords are not printed; the start names the file that has them.
    logins = live_server.logins()
    for password in logins.values():
        assert password not in output
    assert f"demo logins        {live_server.instance / 'demo-logins.txt'}" in output
    assert (live_server.instance / "demo-logins.txt").stat().st_mode & 0o777 == 0o600

    # Quieter: no line for each static file or Socket.IO long-poll that went well.
    assert not re.search(r'"GET /([^/ ]+/)?static/[^"]*" (200|304) ', output)
    assert not re.search(r'transport=polling[^"]*" 200 ', output)
    assert re.search(r'"GET /kiosk/leverkusen HTTP/1.1" 200 ', output)  # pages keep theirs


def test_staff_moves_keep_their_ticket_numbers(live_server):
    """Only tokens are redacted: a move on ticket 7 still reads /api/v1/tickets/7/…"""
    counselor = live_server.signed_in("beratung1")
    drawn = draw(live_server, "childcare")
    queue = counselor.get(f"{live_server.url}/api/v1/locations/{LOCATION}/queue", timeout=10)
    ticket_id = next(t["id"] for t in queue.json()["waiting"] if t["code"] == drawn["code"])
    history = counselor.get(f"{live_server.url}/api/v1/tickets/{ticket_id}/events", timeout=10)
    assert history.status_code == 200
    output = wait_for_log(live_server, f"GET /api/v1/tickets/{ticket_id}/events ", 1)
    assert f"GET /api/v1/tickets/{ticket_id}/events " in output
    assert drawn["token"] not in output
