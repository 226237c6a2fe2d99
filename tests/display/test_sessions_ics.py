"""The published programme as iCalendar: parsed with ``icalendar`` and expanded as a
calendar program would (``recurring_ical_events``), it holds exactly the schedule's
occurrences; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import icalendar
import recurring_ical_events

from servicepoint import clock, schedule
from servicepoint.models import Closure, Consultation, ConsultationChange, Organisation, Role

NOW = datetime(2026, 5, 15, 9, 0, tzinfo=UTC)


def add_rule(session, location, weekdays, start, end, topics, **values):
    rule = Consultation(
        location=location,
        weekdays=weekdays,
        start=time.fromisoformat(start),
        end=time.fromisoformat(end),
        topics=topics,
        **values,
    )
    session.add(rule)
    return rule


def arrange(session, factory, centre):
    general, language = centre.topics
    counselor = factory.staff("frau-geheim", locations=[centre])
    organisation = Organisation(name="Caritasverband Leverkusen", short_name="Caritas")
    weekly = add_rule(
        session,
        centre,
        "mon,thu",
        "12:45",
        "16:45",
        [general],
        valid_from=date(2026, 1, 5),
        organisation=organisation,
        staff=[counselor],
    )
    add_rule(
        session,
        centre,
        "fri",
        "08:30",
        "12:30",
        [language],
        every_weeks=2,
        valid_from=date(2026, 3, 4),
        valid_to=date(2026, 12, 31),
    )
    add_rule(session, centre, "tue", "13:00", "16:30", [language], week_of_month=2)
    add_rule(
        session,
        centre,
        "fri",
        "10:00",
        "12:00",
        [general, language],
        week_of_month=-1,
        names={"de": "Sondersprechstunde Wohnen", "en": "Housing"},
    )
    add_rule(
        session,
        centre,
        "thu",
        "10:00",
        "12:00",
        [general],
        valid_from=date(2026, 6, 4),
        valid_to=date(2026, 6, 4),
    )
    session.add_all(
        [
            ConsultationChange(consultation=weekly, day=date(2026, 6, 8), cancelled=True),
            ConsultationChange(
                consultation=weekly, day=date(2026, 6, 11), start=time(14, 0), end=time(18, 0)
            ),
            Closure(location=centre, day=date(2026, 12, 24), reason="Heiligabend"),
            Closure(location=centre, day=date(2026, 12, 31), reason="Silvester"),
        ]
    )
    session.commit()
    return weekly


def fetch(client):
    with clock.frozen(NOW):
        response = client.get("/locations/test-centre/sessions.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    return response


def test_the_feed_expands_to_the_schedules_occurrences(client, session, factory, centre):
    arrange(session, factory, centre)
    calendar = icalendar.Calendar.from_ical(fetch(client).data)
    first, last = date(2026, 5, 15), date(2027, 5, 31)
    expanded = sorted(
        (
            int(str(event["UID"]).split("@")[0].removeprefix("session-")),
            event.decoded("DTSTART"),
            event.decoded("DTEND"),
        )
        for event in recurring_ical_events.of(calendar).between((2026, 5, 15), (2027, 6, 1))
    )
    expected = sorted(
        (o.consultation_id, o.start, o.end)
        for o in schedule.occurrences(session, centre, first, last)
    )
    assert expanded == expected
    days = {start.date() for _id, start, _end in expanded}
    # Holidays and closures are left out; the extra session on Fronleichnam is there.
    assert date(2026, 6, 4) in days  # the extra session
    assert date(2026, 12, 24) not in days and date(2027, 5, 13) in days
    assert date(2027, 5, 6) not in days  # Christi Himmelfahrt
    assert date(2026, 10, 1) in days  # a Thursday
    assert date(2026, 10, 8) in days
    assert len(expected) > 120


def test_the_feeds_structure(client, session, factory, centre):
    weekly = arrange(session, factory, centre)
    text = fetch(client).data.decode()
    unfolded = text.replace("\r\n ", "")
    assert "BEGIN:VTIMEZONE" in unfolded and "TZID:Europe/Berlin" in unfolded
    rrules = {
        frozenset(line.removeprefix("RRULE:").split(";"))
        for line in unfolded.split("\r\n")
        if line.startswith("RRULE:")
    }
    assert rrules == {
        frozenset({"FREQ=WEEKLY", "BYDAY=MO,TH", "WKST=MO"}),
        frozenset({"FREQ=WEEKLY", "INTERVAL=2", "BYDAY=FR", "WKST=MO", "UNTIL=20261231T225959Z"}),
        frozenset({"FREQ=MONTHLY", "BYDAY=2TU"}),
        frozenset({"FREQ=MONTHLY", "BYDAY=-1FR"}),
    }
    assert "DTSTART;TZID=Europe/Berlin:" in unfolded
    calendar = icalendar.Calendar.from_ical(text)
    events = [
        e for e in calendar.walk("VEVENT") if str(e["UID"]).startswith(f"session-{weekly.id}@")
    ]
    main = next(e for e in events if "RECURRENCE-ID" not in e)
    moved = next(e for e in events if "RECURRENCE-ID" in e)
    assert str(main["SUMMARY"]) == "General"
    assert str(main["DESCRIPTION"]) == "Caritasverband Leverkusen"
    exdates = main["EXDATE"] if isinstance(main["EXDATE"], list) else [main["EXDATE"]]
    excluded = {moment.dt.date() for exdate in exdates for moment in exdate.dts}
    assert {date(2026, 6, 4), date(2026, 6, 8), date(2026, 12, 24), date(2026, 12, 31)} <= excluded
    assert date(2026, 6, 11) not in excluded
    assert moved.decoded("RECURRENCE-ID") == datetime(
        2026, 6, 11, 12, 45, tzinfo=main.decoded("DTSTART").tzinfo
    )
    assert moved.decoded("DTSTART").strftime("%H:%M") == "14:00"
    # The extra session has no RRULE; the special session its German title.
    summaries = {str(e["SUMMARY"]) for e in calendar.walk("VEVENT")}
    assert "Sondersprechstunde Wohnen" in summaries
    # No staff names: the counselor of the weekly rule is never published.
    assert "Frau-Geheim" not in text and "frau-geheim" not in text


def test_the_feed_is_public_and_read_only(client, session, factory, centre):
    arrange(session, factory, centre)
    factory.staff("leitung", role=Role.MANAGER)
    assert fetch(client).status_code == 200  # nobody signed in
    assert client.post("/locations/test-centre/sessions.ics").status_code == 405
    assert client.get("/locations/nowhere/sessions.ics").status_code == 404


def test_an_empty_programme_is_a_valid_calendar(client, centre):
    calendar = icalendar.Calendar.from_ical(fetch(client).data)
    assert list(calendar.walk("VEVENT")) == []
    assert str(calendar["X-WR-CALNAME"]) == "Centre test-centre · Sprechstunden"
