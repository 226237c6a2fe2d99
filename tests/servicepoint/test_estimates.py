"""Wait estimates from reality: the topic's median service time over its recent finished
tickets (the configured default until enough exist) and the counselors on duty for it; with
nobody on duty, a sentence instead of a number."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from servicepoint import clock, estimates, i18n, tickets
from servicepoint.estimates import EstimateSettings, Estimator
from servicepoint.models import Desk, Location, Staff, Ticket, TicketState, Topic

START = datetime(2026, 5, 4, 7, 0, tzinfo=UTC)  # a Monday, 09:00 in Leverkusen
# Nothing kept between reads: each assertion sees the rows written just before it.
SETTINGS = EstimateSettings(
    default_minutes=10, recent=6, within_days=14, minimum=5, cache_seconds=0
)


def topic(location: Location, key: str = "general") -> Topic:
    return next(t for t in location.topics if t.key == key)


def served(session, location, key, minutes, finished_at, started=True):
    """A finished ticket of topic ``key`` served for ``minutes`` until ``finished_at``
    (written as a row: how it got there is the queue's verbs' business)."""
    number = len(served.made) + 1
    served.made.append(number)
    session.add(
        Ticket(
            location=location,
            topic=topic(location, key),
            service_day=clock.service_day(finished_at, location.timezone),
            prefix="X",
            number=number,
            code=f"X{number:03d}",
            state=TicketState.DONE,
            language="de",
            issued_at=finished_at - timedelta(minutes=minutes + 5),
            called_at=finished_at - timedelta(minutes=minutes + 1),
            started_at=finished_at - timedelta(minutes=minutes) if started else None,
            finished_at=finished_at,
            call_count=1,
            version=4,
        )
    )
    session.commit()


served.made = []


@pytest.fixture(autouse=True)
def numbers():
    served.made.clear()


@pytest.fixture
def frozen():
    with clock.frozen(START) as move:
        yield move


def sit(session, desk: Desk, staff: Staff | None) -> None:
    """``staff`` occupies ``desk`` (the column only; taking a desk is another verb's work)."""
    desk.occupant_id = staff.id if staff else None
    session.commit()


@pytest.fixture
def counselor(factory):
    return factory.staff()


def test_the_default_until_enough_finished_tickets_exist(session, centre, frozen):
    estimator = Estimator(SETTINGS)
    for n, minutes in enumerate([20, 30, 40, 50]):
        served(session, centre, "general", minutes, START - timedelta(hours=n + 1))
    general = topic(centre).id
    assert estimator.at(session, centre).minutes_per_visitor(general) == 10  # 4 of 5
    served(session, centre, "general", 60, START - timedelta(minutes=5))
    assert estimator.at(session, centre).minutes_per_visitor(general) == 40  # median of 5
    # Another topic keeps the default.
    assert estimator.at(session, centre).minutes_per_visitor(topic(centre, "language").id) == 10


def test_only_the_most_recent_within_the_days_count(session, centre, frozen):
    estimator = Estimator(SETTINGS)
    # Long ago (beyond 14 days): five very long services, not counted.
    for n in range(5):
        served(session, centre, "general", 90, START - timedelta(days=20, hours=n))
    general = topic(centre).id
    assert estimator.at(session, centre).minutes_per_visitor(general) == 10
    # Eight recent ones, oldest first; only the six newest (recent=6) count: 4 … 14.
    for n, minutes in enumerate([100, 100, 4, 6, 8, 10, 12, 14]):
        served(session, centre, "general", minutes, START - timedelta(hours=8 - n))
    assert estimator.at(session, centre).minutes_per_visitor(general) == 9
    # A ticket finished without being started has no service time: it does not count.
    served(session, centre, "general", 0, START - timedelta(minutes=1), started=False)
    assert estimator.at(session, centre).minutes_per_visitor(general) == 9


def test_counselors_on_duty_are_the_occupants_who_serve_the_topic(session, centre, factory, frozen):
    general, language = topic(centre), topic(centre, "language")
    first = factory.staff("eins", topics=[general])
    second = factory.staff("zwei")  # every topic
    assert estimates.counselors_on_duty(session, centre) == {}
    sit(session, centre.desks[0], first)
    assert estimates.counselors_on_duty(session, centre) == {general.id: 1}
    sit(session, centre.desks[1], second)
    assert estimates.counselors_on_duty(session, centre) == {general.id: 2, language.id: 1}
    # A closed desk calls nobody: its occupant is not on duty there.
    centre.desks[1].active = False
    session.commit()
    assert estimates.counselors_on_duty(session, centre) == {general.id: 1}
    # Nor is a member of another location only.
    elsewhere = factory.location("elsewhere", topics=("x",), desks=("Raum 9",))
    third = factory.staff("drei", locations=[elsewhere])
    sit(session, centre.desks[0], third)
    assert estimates.counselors_on_duty(session, centre) == {}


def test_the_wait_is_people_ahead_times_median_over_counselors(
    session, centre, factory, counselor, frozen
):
    estimator = Estimator(SETTINGS)
    for n in range(5):
        served(session, centre, "general", 12, START - timedelta(hours=n + 1))
    general = topic(centre).id
    assert estimator.at(session, centre).wait(general, 3) is None  # nobody on duty
    sit(session, centre.desks[0], counselor)
    assert estimator.at(session, centre).wait(general, 3) == 36
    assert estimator.at(session, centre).wait(general, 0) == 0
    sit(session, centre.desks[1], factory.staff("zwei"))
    assert estimator.at(session, centre).wait(general, 3) == 18
    assert estimator.at(session, centre).wait(general, 1) == 6
    assert estimates.wait_minutes(1, 12, 5) == 3  # 2.4 rounds up
    assert estimates.wait_minutes(5, 2.4, 1) == 12  # no float noise above a whole number


def test_medians_are_kept_briefly(session, centre, frozen):
    estimator = Estimator(EstimateSettings(minimum=1, cache_seconds=60))
    served(session, centre, "general", 20, START)
    general = topic(centre).id
    assert estimator.at(session, centre).minutes_per_visitor(general) == 20
    served(session, centre, "general", 40, START)
    frozen(START + timedelta(seconds=59))
    assert estimator.at(session, centre).minutes_per_visitor(general) == 20  # kept
    frozen(START + timedelta(seconds=61))
    assert estimator.at(session, centre).minutes_per_visitor(general) == 30  # read again


# --- what visitors are told -------------------------------------------------------------


def draw(client, key="general", language="de"):
    answer = client.post(
        "/api/v1/locations/test-centre/tickets", json={"topic": key, "language": language}
    )
    assert answer.status_code == 201, answer.json
    return answer.json


def test_nobody_on_duty_is_said_instead_of_a_number(client, session, centre, frozen):
    draw(client)
    drawn = draw(client)
    assert drawn["people_ahead"] == 1
    assert drawn["estimated_wait_minutes"] is None and drawn["nobody_on_duty"] is True
    status = client.get(f"/api/v1/tickets/{drawn['token']}").json
    assert status["estimated_wait_minutes"] is None and status["nobody_on_duty"] is True
    page = client.get(f"/t/{drawn['token']}?lang=ar").get_data(as_text=True)
    assert i18n.text("ar", "status.nobody_on_duty") in page


def test_kiosk_and_phone_use_the_median_and_the_counselors_on_duty(
    client, app, session, centre, counselor, factory, socket_client, frozen
):
    for n in range(5):
        served(session, centre, "general", 15, START - timedelta(days=1, hours=n))
    sit(session, centre.desks[0], counselor)
    first, second, third = draw(client), draw(client), draw(client)
    assert [t["estimated_wait_minutes"] for t in (first, second, third)] == [0, 15, 30]
    assert third["nobody_on_duty"] is False
    # Before enough tickets of "language", the default (10) counts.
    draw(client, "language")
    other = draw(client, "language")
    assert other["estimated_wait_minutes"] == 10
    status = client.get(f"/api/v1/tickets/{third['token']}").json
    assert status["estimated_wait_minutes"] == 30 and status["nobody_on_duty"] is False
    page = client.get(f"/t/{third['token']}?lang=de").get_data(as_text=True)
    assert i18n.text("de", "status.about", time=i18n.text("de", "status.minutes", n=30)) in page
    assert i18n.text("de", "status.nobody_on_duty") not in page

    # A second counselor sits down; the phones hear it with the next refresh.
    phone = socket_client("/ticket", {"token": third["token"]})
    assert phone.get_received("/ticket")[-1]["args"][0]["estimated_wait_minutes"] == 30
    sit(session, centre.desks[1], factory.staff("zwei"))
    app.extensions["servicepoint.db"].hub.refresh({centre.id: True})
    statuses = [e["args"][0] for e in phone.get_received("/ticket") if e["name"] == "status"]
    assert statuses[-1]["estimated_wait_minutes"] == 15


def test_an_occupant_gone_idle_is_not_on_duty(session, centre, factory, frozen):
    """A counselor who closed the browser without signing out is not on duty after the
    desks' idle time (as the desk shows them gone), unless a ticket is at their desk."""
    general = topic(centre)
    counselor = factory.staff("eins")
    desk = centre.desks[0]
    desk.occupant_id, desk.occupied_at, desk.occupant_seen_at = counselor.id, START, START
    session.commit()
    assert estimates.counselors_on_duty(session, centre, idle_minutes=30)[general.id] == 1
    frozen(START + timedelta(minutes=31))
    assert estimates.counselors_on_duty(session, centre, idle_minutes=30) == {}
    assert estimates.counselors_on_duty(session, centre, idle_minutes=0)[general.id] == 1
    called = tickets.issue_ticket(session, centre, general, "de").ticket
    called.state, called.desk_id = TicketState.SERVING, desk.id
    session.commit()
    assert estimates.counselors_on_duty(session, centre, idle_minutes=30)[general.id] == 1
