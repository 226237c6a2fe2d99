"""Consultation sessions drive the kiosk (servicepoint/offer.py): a topic is offered from
SESSION_LEAD_MINUTES before one of its sessions until SESSION_LAST_TICKET_MINUTES before its
end, says when it is next offered, stops at a session's cap and when the people waiting can
no longer be served; topics no session names stay open."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from servicepoint import clock, offer, tickets
from servicepoint.errors import TopicClosed
from servicepoint.models import Closure, Consultation, Role, Ticket

BERLIN = ZoneInfo("Europe/Berlin")
# Monday 7 December 2026; Thursday is the 10th.
MONDAY = date(2026, 12, 7)


def berlin(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=BERLIN).astimezone(UTC)


@pytest.fixture
def sessions(session, centre):
    """ "general" is held Mon 12:45-16:45 and Thu 13:00-17:00; "language" has no session."""
    general = next(t for t in centre.topics if t.key == "general")
    for weekdays, start, end in (("mon", time(12, 45), time(16, 45)), ("thu", time(13), time(17))):
        session.add(
            Consultation(location=centre, weekdays=weekdays, start=start, end=end, topics=[general])
        )
    session.commit()
    return general


def topics_now(client) -> dict:
    answer = client.get("/api/v1/locations/test-centre/topics")
    assert answer.status_code == 200
    return answer.json


def by_key(payload: dict) -> dict[str, dict]:
    return {topic["key"]: topic for topic in payload["topics"]}


def draw(client, key="general", n=0):
    return client.post(
        "/api/v1/locations/test-centre/tickets",
        json={"topic": key, "language": "de", "request_id": f"tap-{key}-{n}"},
    )


def test_a_topic_opens_a_lead_time_before_its_session_and_closes_before_its_end(client, sessions):
    with clock.frozen(berlin(MONDAY, 12, 29)) as move_to:
        payload = topics_now(client)
        general, language = by_key(payload)["general"], by_key(payload)["language"]
        assert general["open"] is False and general["closed_because"] == "no_session"
        assert datetime.fromisoformat(general["next_open"]) == berlin(MONDAY, 12, 30)
        assert language["open"] is True and language["next_open"] is None  # no session: open
        assert datetime.fromisoformat(payload["changes_at"]) == berlin(MONDAY, 12, 30)
        refused = draw(client)
        assert refused.status_code == 409 and refused.json["error"] == "topic_closed"
        assert datetime.fromisoformat(refused.json["next_open"]) == berlin(MONDAY, 12, 30)
        assert draw(client, "language").status_code == 201

        move_to(berlin(MONDAY, 12, 30))
        general = by_key(topics_now(client))["general"]
        assert general["open"] is True
        assert datetime.fromisoformat(general["open_until"]) == berlin(MONDAY, 16, 30)
        assert draw(client, n=1).status_code == 201

        move_to(berlin(MONDAY, 16, 30))
        general = by_key(topics_now(client))["general"]
        assert general["open"] is False
        # Thursday's session, 15 minutes before 13:00.
        assert datetime.fromisoformat(general["next_open"]) == berlin(MONDAY + timedelta(3), 12, 45)
        assert draw(client, n=2).status_code == 409


def test_a_refused_draw_changes_nothing(client, session, sessions):
    with clock.frozen(berlin(MONDAY, 9)):
        assert draw(client).status_code == 409
    assert session.scalar(select(func.count(Ticket.id))) == 0


def test_a_holiday_or_a_closure_moves_next_open_on(session, centre, sessions):
    session.add(Closure(location=centre, day=MONDAY + timedelta(3), reason="Teamtag"))
    session.commit()
    with clock.frozen(berlin(MONDAY, 18)):
        found = offer.location_offer(session, centre).of(sessions)
    assert found.open is False
    assert found.next_open == berlin(MONDAY + timedelta(7), 12, 30)  # not the closed Thursday
    # Easter Monday 2027 (29 March) is a public holiday in NRW: Thursday's session is next.
    with clock.frozen(berlin(date(2027, 3, 29), 13)):
        found = offer.location_offer(session, centre).of(sessions)
    assert found.open is False and found.next_open == berlin(date(2027, 4, 1), 12, 45)


def test_a_session_stops_at_its_cap(client, session, sessions):
    for rule in session.scalars(select(Consultation)):
        rule.max_tickets = 2
    session.commit()
    with clock.frozen(berlin(MONDAY, 13)):
        assert draw(client, n=1).status_code == 201
        assert draw(client, n=2).status_code == 201
        refused = draw(client, n=3)
        assert refused.status_code == 409 and refused.json["closed_because"] == "cap_reached"
        general = by_key(topics_now(client))["general"]
        assert general["open"] is False and general["closed_because"] == "cap_reached"
        assert datetime.fromisoformat(general["next_open"]) == berlin(MONDAY + timedelta(3), 12, 45)


def test_the_kiosk_stops_when_the_waiting_can_no_longer_be_served(client, session, sessions):
    """At 16:20 25 minutes are left: with nobody at a desk yet, one counselor is assumed,
    and at the default 10 minutes each a third visitor would not be served."""
    with clock.frozen(berlin(MONDAY, 16, 20)):
        assert draw(client, n=1).status_code == 201
        assert draw(client, n=2).status_code == 201
        refused = draw(client, n=3)
        assert refused.status_code == 409 and refused.json["closed_because"] == "full"
        assert "general" in refused.json["message"].lower()


def test_more_counselors_on_duty_serve_more_before_the_end(session, centre, sessions, factory):
    counselors = [factory.staff(f"berater{n}", locations=[centre]) for n in range(2)]
    for desk, counselor in zip(centre.desks, counselors, strict=False):
        desk.occupant_id = counselor.id
    session.commit()
    with clock.frozen(berlin(MONDAY, 16, 20)):
        for _ in range(4):
            tickets.issue_ticket(session, centre, sessions, "de")
        session.commit()
        # 5 visitors at 10 minutes for 2 counselors: 25 minutes, just within the 25 left.
        assert offer.location_offer(session, centre).of(sessions).open is True
        tickets.issue_ticket(session, centre, sessions, "de")
        session.commit()
        with pytest.raises(TopicClosed):
            tickets.issue_ticket(session, centre, sessions, "de")


def test_settings_move_the_window(app, client, sessions):
    app.config["SESSION_LEAD_MINUTES"] = 0
    app.config["SESSION_LAST_TICKET_MINUTES"] = 60
    with clock.frozen(berlin(MONDAY, 12, 40)):
        assert draw(client, n=1).status_code == 409
    with clock.frozen(berlin(MONDAY, 12, 45)):
        assert draw(client, n=2).status_code == 201
    with clock.frozen(berlin(MONDAY, 15, 46)):
        assert draw(client, n=3).status_code == 409


def test_nothing_open_lists_the_next_sessions(client, sessions):
    with clock.frozen(berlin(MONDAY, 8)):
        payload = topics_now(client)
    starts = [datetime.fromisoformat(s["start"]) for s in payload["next_sessions"]]
    assert starts == [
        berlin(MONDAY, 12, 45),
        berlin(MONDAY + timedelta(3), 13),
        berlin(MONDAY + timedelta(7), 12, 45),
    ]
    assert payload["next_sessions"][0]["topics"] == ["general"]


def test_without_any_session_every_active_topic_is_open(client, centre):
    with clock.frozen(berlin(MONDAY, 23)):
        payload = topics_now(client)
        assert all(t["open"] for t in payload["topics"]) and payload["changes_at"] is None
        assert draw(client).status_code == 201


def test_managers_see_which_topics_are_open(client, factory, auth, sessions):
    factory.staff("leitung", role=Role.MANAGER)
    with clock.frozen(berlin(MONDAY, 9)):
        auth.login("leitung")
        answer = client.get("/api/v1/locations/test-centre/topics/all")
        assert answer.status_code == 200, answer.json
        listed = answer.json["topics"]
    found = {t["key"]: t for t in listed}
    assert found["general"]["open"] is False
    assert datetime.fromisoformat(found["general"]["next_open"]) == berlin(MONDAY, 12, 30)
    assert found["language"]["open"] is True


def test_booked_appointments_hold_their_time_until_the_grace_time_passes(
    client, session, centre, sessions
):
    """An appointment 15:45-16:15 still holds its last 25 minutes at 15:50 (not yet checked
    in, within its ten minutes' grace): with 55 minutes left, three walk-ins of 10 minutes
    fit, a fourth does not. Once the grace time has passed, its time goes to the walk-ins."""
    from servicepoint import appointments

    rule = session.scalar(select(Consultation).where(Consultation.weekdays == "mon"))
    rule.bookable_share, rule.slot_minutes = 100, 30
    session.commit()
    with clock.frozen(berlin(MONDAY, 8)):
        appointments.book(session, centre, sessions, berlin(MONDAY, 15, 45))
        session.commit()
    with clock.frozen(berlin(MONDAY, 15, 50)):
        # 56 minutes left, 25 of them booked: 3 walk-ins fit (30 min), the fourth does not.
        for n in range(3):
            assert draw(client, n=n).status_code == 201
        refused = draw(client, n=3)
        assert refused.status_code == 409 and refused.json["closed_because"] == "full"
    with clock.frozen(berlin(MONDAY, 15, 56)):
        # Not checked in by 15:55: its time went back to the walk-ins (50 min left).
        assert draw(client, n=4).status_code == 201
