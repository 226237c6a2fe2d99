"""Staff per location against the production server: a counselor of Leverkusen is offered
only Leverkusen on the desk page, and the live queue of Duisburg-Hamborn refuses them over
/staff with a reason that names the location."""

from __future__ import annotations

import queue

import pytest
import requests
import socketio
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

PASSWORD = "ein langes Passwort"


@pytest.fixture(scope="module")
def counselor(live_server) -> requests.Session:
    """A counselor of Leverkusen only, made by the demo's admin; their signed-in session."""
    admin = live_server.signed_in("leitung")
    made = admin.post(
        f"{live_server.url}/api/v1/staff",
        json={
            "username": "nur.leverkusen",
            "password": PASSWORD,
            "memberships": [{"location": "leverkusen", "role": "counselor"}],
        },
        timeout=10,
    )
    assert made.status_code == 201, made.text
    session = requests.Session()
    signed_in = session.post(
        f"{live_server.url}/api/v1/session",
        json={"username": "nur.leverkusen", "password": PASSWORD},
        timeout=10,
    )
    assert signed_in.status_code == 200
    return session


def test_the_desk_page_offers_only_the_locations_one_works_at(browser, live_server, counselor):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/staff/")
        page.get_by_test_id("login-username").fill("nur.leverkusen")
        page.get_by_test_id("login-password").fill(PASSWORD)
        page.get_by_test_id("login-submit").click()
        select = page.get_by_test_id("select-location")
        options = select.locator('option:not([value=""])')
        expect(options).to_have_count(1)
        expect(options).to_have_text("Service-Point Integration Leverkusen")
        expect(select).to_have_value("leverkusen")  # their one location, chosen for them
        expect(page.get_by_test_id("connection")).to_have_text("Live")
        page.screenshot(path=str(live_server.instance / "desk-one-location.png"), full_page=True)
    finally:
        context.close()


def test_the_live_queue_of_another_location_is_refused_with_the_reason(live_server, counselor):
    refusals: queue.Queue = queue.Queue()
    cookie = "; ".join(f"{c.name}={c.value}" for c in counselor.cookies)
    client = socketio.Client(reconnection=False)
    client.on("connect_error", refusals.put, namespace="/staff")
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(
            live_server.url,
            namespaces=["/staff"],
            auth={"location": "duisburg-hamborn"},
            headers={"Cookie": cookie, "Accept-Language": "de"},
            transports=["websocket"],
            wait_timeout=10,
        )
    client.disconnect()
    refusal = refusals.get(timeout=10)
    assert refusal["message"] == "not_member"
    assert refusal["data"]["error"] == "not_member"
    assert refusal["data"]["message"] == (
        "Sie arbeiten nicht am Standort Regionales Unterstützungszentrum Hamborn."
    )
    # At their own location the queue comes at once.
    queues: queue.Queue = queue.Queue()
    own = socketio.Client(reconnection=False)
    own.on("queue", queues.put, namespace="/staff")
    own.connect(
        live_server.url,
        namespaces=["/staff"],
        auth={"location": "leverkusen"},
        headers={"Cookie": cookie},
        transports=["websocket"],
        wait_timeout=10,
    )
    try:
        assert queues.get(timeout=10)["location"]["slug"] == "leverkusen"
    finally:
        own.disconnect()
