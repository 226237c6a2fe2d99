"""Drawing tickets is limited per address and per kiosk, at numbers a busy centre never
reaches; a retried tap (same ``request_id``) is never counted twice and never refused."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import requests
from sqlalchemy import func, select

from servicepoint import clock, manage
from servicepoint.db import Database
from servicepoint.models import ThrottleCounter, Ticket
from tests.admin.test_throttling import make_app, serving
from tests.conftest import BACKENDS, Factory, fresh_database

ENTRANCE = "192.0.2.20"


def draw(client, address=ENTRANCE, topic="general", headers=None, **body):
    return client.post(
        "/api/v1/locations/test-centre/tickets",
        json={"topic": topic, **body},
        environ_base={"REMOTE_ADDR": address},
        headers=headers or {},
    )


def add_kiosk(session, location) -> tuple[int, str]:
    kiosk, token = manage.create_kiosk(session, location, "Eingang")
    session.commit()
    return kiosk.id, token


def tickets_drawn(session) -> int:
    return session.scalar(select(func.count()).select_from(Ticket))


def test_an_address_draws_up_to_its_limit(app, client, session, centre):
    app.config["TICKETS_PER_ADDRESS"] = 3
    codes = [draw(client).json["code"] for _ in range(3)]
    assert codes == ["A001", "A002", "A003"]
    refused = draw(client)
    assert refused.status_code == 429
    assert set(refused.json) == {"error", "message"}
    assert refused.json["error"] == "too_many_tickets"
    seconds = int(refused.headers["Retry-After"])
    assert 0 < seconds <= 60
    assert f"{seconds} seconds" in refused.json["message"]
    german = draw(client, headers={"Accept-Language": "de"})
    assert german.status_code == 429 and "Sekunden" in german.json["message"]
    # A refused draw takes nothing: no ticket, no number; another address draws the next one.
    assert tickets_drawn(session) == 3
    assert draw(client, "192.0.2.21").json["code"] == "A004"


def test_a_kiosk_draws_up_to_its_limit_from_any_address(app, client, session, centre):
    app.config["TICKETS_PER_KIOSK"] = 2
    _kiosk_id, token = add_kiosk(session, centre)
    assert draw(client, "192.0.2.1", kiosk=token).status_code == 201
    assert draw(client, "192.0.2.2", kiosk=token).status_code == 201
    refused = draw(client, "192.0.2.3", kiosk=token)
    assert refused.status_code == 429 and refused.json["error"] == "too_many_tickets"
    assert "Retry-After" in refused.headers
    # Without the kiosk's token the address's own limit applies.
    assert draw(client, "192.0.2.3").status_code == 201


def test_a_retried_tap_is_neither_counted_twice_nor_refused(app, client, session, centre):
    app.config["TICKETS_PER_ADDRESS"] = 2
    first = draw(client, request_id="tap-1")
    assert first.status_code == 201
    for _ in range(5):
        retry = draw(client, request_id="tap-1")
        assert retry.status_code == 200 and retry.json["code"] == first.json["code"]
    # The five retries were not counted: a second ticket still fits.
    assert draw(client, request_id="tap-2").status_code == 201
    assert draw(client, request_id="tap-3").status_code == 429
    # Over the limit, the retry of a drawn ticket still answers with its ticket...
    again = draw(client, request_id="tap-1")
    assert again.status_code == 200 and again.json["code"] == first.json["code"]
    # ...while the refused tap drew nothing, so its retry is a new draw (refused for now).
    assert draw(client, request_id="tap-3").status_code == 429
    assert tickets_drawn(session) == 2


def test_the_window_ends_and_old_counters_are_deleted(app, client, session, centre):
    app.config["TICKETS_PER_ADDRESS"] = 2
    start = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    with clock.frozen(start) as move_to:
        assert [draw(client).status_code for _ in range(3)] == [201, 201, 429]
        assert 0 < int(draw(client).headers["Retry-After"]) <= 60
        move_to(start + timedelta(seconds=30))
        assert draw(client).status_code == 429
        assert int(draw(client).headers["Retry-After"]) == 30
        move_to(start + timedelta(seconds=61))
        assert draw(client, "192.0.2.99").status_code == 201  # deletes the ended window
        rows = session.scalar(select(func.count()).select_from(ThrottleCounter))
        assert rows == 1
        assert draw(client).status_code == 201


def test_every_kiosk_catalog_explains_the_refusal_in_its_own_words():
    from servicepoint import i18n

    catalog = i18n.catalog()
    with_kiosk = [
        language.code
        for language in catalog.known()
        if any(key.startswith("kiosk.") for key in catalog.own(language.code))
    ]
    assert len(with_kiosk) >= 10
    english = catalog.own("en")["kiosk.error_busy"]
    for code in with_kiosk:
        own = catalog.own(code).get("kiosk.error_busy")
        assert own and (code == "en" or own != english), code


# --- shared by every process ------------------------------------------------------------


def arrange_centre(url: str) -> None:
    database = Database(url)
    with database.session() as session:
        Factory(session).location()
    database.dispose()


@pytest.mark.concurrency
@pytest.mark.parametrize("backend_name", BACKENDS)
def test_two_apps_on_one_database_share_the_ticket_limits(backend_name, tmp_path):
    with fresh_database(backend_name, tmp_path) as url:
        arrange_centre(url)
        first = make_app(url, tmp_path, TICKETS_PER_ADDRESS=3)
        second = make_app(url, tmp_path, TICKETS_PER_ADDRESS=3)
        try:
            a, b = first.test_client(), second.test_client()
            assert [draw(a).status_code, draw(b).status_code, draw(a).status_code] == [201] * 3
            assert draw(b).status_code == 429
            assert draw(a).status_code == 429
            assert draw(b, "192.0.2.21").status_code == 201
        finally:
            for app in (first, second):
                app.extensions["servicepoint.db"].dispose()


@pytest.mark.concurrency
@pytest.mark.parametrize("backend_name", BACKENDS)
def test_concurrent_draws_from_one_address_stop_at_the_limit(backend_name, tmp_path):
    with fresh_database(backend_name, tmp_path) as url:
        arrange_centre(url)
        app = make_app(url, tmp_path, TICKETS_PER_ADDRESS=5)
        try:
            with serving(app) as server:
                start = threading.Barrier(20)
                statuses: list[int] = []
                lock = threading.Lock()

                def tap() -> None:
                    start.wait(10)
                    status = requests.post(
                        f"{server}/api/v1/locations/test-centre/tickets",
                        json={"topic": "general"},
                        timeout=60,
                    ).status_code
                    with lock:
                        statuses.append(status)

                threads = [threading.Thread(target=tap) for _ in range(20)]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join(90)
                assert not any(thread.is_alive() for thread in threads)
            database = Database(url)
            with database.session() as session:
                drawn = session.scalars(select(Ticket.code).order_by(Ticket.number)).all()
            database.dispose()
        finally:
            app.extensions["servicepoint.db"].dispose()
    assert Counter(statuses) == {201: 5, 429: 15}
    assert drawn == ["A001", "A002", "A003", "A004", "A005"]
