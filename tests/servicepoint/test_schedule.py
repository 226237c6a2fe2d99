"""Occurrences of consultation sessions: rules, changes, holidays, closures, daylight saving;
on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise

import pytest

from servicepoint import schedule
from servicepoint.models import Closure, Consultation, ConsultationChange, Organisation


def rule(session, location, weekdays="mon,thu", start="12:45", end="16:45", **values):
    """A consultation rule of ``location`` for its first topic, committed."""
    consultation = Consultation(
        location=location,
        weekdays=weekdays,
        start=time.fromisoformat(start),
        end=time.fromisoformat(end),
        topics=[location.topics[0]],
        **values,
    )
    session.add(consultation)
    session.commit()
    return consultation


def days(session, location, first, last):
    return [
        o.day.isoformat()
        for o in schedule.occurrences(
            session, location, date.fromisoformat(first), date.fromisoformat(last)
        )
    ]


def test_weekly_rule_on_its_weekdays_with_times_in_the_locations_zone(session, centre):
    organisation = Organisation(name="Caritasverband Leverkusen", short_name="Caritas")
    session.add(organisation)
    made = rule(session, centre, organisation=organisation, max_tickets=12)
    found = schedule.occurrences(session, centre, date(2026, 1, 5), date(2026, 1, 11))
    assert [o.day for o in found] == [date(2026, 1, 5), date(2026, 1, 8)]
    first = found[0]
    assert first.start.isoformat() == "2026-01-05T12:45:00+01:00"
    assert first.end.isoformat() == "2026-01-05T16:45:00+01:00"
    assert first.start.tzinfo is not None and str(first.start.tzinfo) == "Europe/Berlin"
    assert first.topic_ids == (centre.topics[0].id,)
    assert (first.consultation_id, first.organisation_id, first.max_tickets) == (
        made.id,
        organisation.id,
        12,
    )
    assert (first.changed, first.extra) == (False, False)


def test_valid_from_and_valid_to_bound_the_rule(session, centre):
    rule(session, centre, weekdays="mon", valid_from=date(2026, 1, 12), valid_to=date(2026, 1, 26))
    assert days(session, centre, "2026-01-01", "2026-02-28") == [
        "2026-01-12",
        "2026-01-19",
        "2026-01-26",
    ]


def test_every_second_week_counts_whole_weeks_from_the_monday_of_valid_from(session, centre):
    # valid_from is a Wednesday: its week (from Monday 5 January) is the first.
    rule(session, centre, weekdays="mon,fri", valid_from=date(2026, 1, 7), every_weeks=2)
    assert days(session, centre, "2026-01-01", "2026-02-01") == [
        "2026-01-09",  # the Monday of the first week is before valid_from
        "2026-01-19",
        "2026-01-23",
    ]


def test_every_third_week_without_valid_from_counts_from_the_fixed_anchor(session, centre):
    rule(session, centre, weekdays="tue", every_weeks=3)
    found = days(session, centre, "2026-01-01", "2026-03-31")
    weeks = {(date.fromisoformat(d) - schedule.WEEK_ANCHOR).days // 7 % 3 for d in found}
    assert weeks == {0}
    assert len(found) in (4, 5)
    gaps = {(date.fromisoformat(b) - date.fromisoformat(a)).days for a, b in pairwise(found)}
    assert gaps == {21}


def test_second_tuesday_and_last_friday_of_the_month(session, centre):
    rule(session, centre, weekdays="tue", week_of_month=2)
    rule(session, centre, weekdays="fri", week_of_month=-1)
    assert days(session, centre, "2026-10-01", "2026-11-30") == [
        "2026-10-13",
        "2026-10-30",
        "2026-11-10",
        "2026-11-27",
    ]


def test_fifth_week_exists_only_in_months_with_five(session, centre):
    rule(session, centre, weekdays="thu", week_of_month=5)
    # October 2026 has five Thursdays (the 29th), November four.
    assert days(session, centre, "2026-10-01", "2026-11-30") == ["2026-10-29"]


def test_public_holidays_of_north_rhine_westphalia_remove_occurrences(session, centre):
    rule(session, centre, weekdays="mon,thu")
    # Fronleichnam, Thursday 4 June 2026: a holiday in NRW (not in every state).
    assert days(session, centre, "2026-06-01", "2026-06-07") == ["2026-06-01"]
    assert schedule.holiday_name(centre, date(2026, 6, 4)) == "Fronleichnam"
    # Allerheiligen, Monday 1 November 2027.
    assert days(session, centre, "2027-11-01", "2027-11-07") == ["2027-11-04"]
    assert schedule.holiday_name(centre, date(2027, 11, 1)) == "Allerheiligen"
    assert schedule.holiday_name(centre, date(2027, 11, 2)) is None


def test_a_location_without_holidays_holds_its_sessions_on_them(session, centre):
    centre.holidays = ""
    session.commit()
    rule(session, centre, weekdays="thu")
    assert days(session, centre, "2026-06-01", "2026-06-07") == ["2026-06-04"]
    assert schedule.holiday_name(centre, date(2026, 6, 4)) is None


def test_closures_remove_the_days_occurrences(session, centre):
    rule(session, centre, weekdays="thu")
    rule(session, centre, weekdays="thu", start="09:00", end="11:00")
    for day in (date(2026, 12, 24), date(2026, 12, 31)):
        session.add(Closure(location=centre, day=day, reason="Heiligabend/Silvester"))
    session.commit()
    assert days(session, centre, "2026-12-14", "2027-01-10") == [
        "2026-12-17",
        "2026-12-17",
        "2027-01-07",
        "2027-01-07",
    ]


def test_another_locations_closure_does_not_close_this_one(session, factory, centre):
    other = factory.location("other-centre")
    rule(session, centre, weekdays="thu")
    session.add(Closure(location=other, day=date(2026, 12, 17)))
    session.commit()
    assert days(session, centre, "2026-12-17", "2026-12-17") == ["2026-12-17"]


def test_an_extra_session_is_held_on_a_holiday_but_not_on_a_closure(session, centre):
    regular = rule(session, centre, weekdays="thu")
    extra = rule(
        session,
        centre,
        weekdays="thu",
        start="10:00",
        end="12:00",
        valid_from=date(2026, 6, 4),
        valid_to=date(2026, 6, 4),
    )
    found = schedule.occurrences(session, centre, date(2026, 6, 1), date(2026, 6, 7))
    assert [(o.consultation_id, o.day, o.extra) for o in found] == [
        (extra.id, date(2026, 6, 4), True)
    ]
    assert regular.id != extra.id
    session.add(Closure(location=centre, day=date(2026, 6, 4), reason="Betriebsausflug"))
    session.commit()
    assert days(session, centre, "2026-06-01", "2026-06-07") == []


def test_an_extra_session_is_held_on_its_day_whatever_its_weekdays_say(session, centre):
    rule(session, centre, weekdays="mon", valid_from=date(2026, 3, 7), valid_to=date(2026, 3, 7))
    assert days(session, centre, "2026-03-01", "2026-03-31") == ["2026-03-07"]


def test_a_change_cancels_or_moves_one_occurrence(session, centre):
    made = rule(session, centre, weekdays="mon")
    session.add_all(
        [
            ConsultationChange(consultation=made, day=date(2026, 1, 12), cancelled=True),
            ConsultationChange(
                consultation=made,
                day=date(2026, 1, 19),
                start=time(14, 0),
                end=time(17, 30),
                reason="Teamsitzung",
            ),
            # Not a day of the rule (a Tuesday): ignored.
            ConsultationChange(consultation=made, day=date(2026, 1, 20), start=time(8, 0)),
        ]
    )
    session.commit()
    found = schedule.occurrences(session, centre, date(2026, 1, 5), date(2026, 1, 26))
    assert [
        (o.day.isoformat(), o.start.strftime("%H:%M"), o.end.strftime("%H:%M"), o.changed)
        for o in found
    ] == [
        ("2026-01-05", "12:45", "16:45", False),
        ("2026-01-19", "14:00", "17:30", True),
        ("2026-01-26", "12:45", "16:45", False),
    ]


def test_a_moved_occurrence_on_a_holiday_stays_removed(session, centre):
    made = rule(session, centre, weekdays="thu")
    session.add(ConsultationChange(consultation=made, day=date(2026, 6, 4), start=time(9, 0)))
    session.commit()
    assert days(session, centre, "2026-06-04", "2026-06-04") == []


def test_wall_clock_times_across_the_end_of_daylight_saving(session, centre):
    # Summer time ends on Sunday 25 October 2026 at 03:00 (Berlin).
    rule(session, centre, weekdays="fri,sun,mon", start="12:45", end="16:45")
    found = schedule.occurrences(session, centre, date(2026, 10, 23), date(2026, 10, 26))
    assert [o.start.strftime("%a %H:%M") for o in found] == [
        "Fri 12:45",
        "Sun 12:45",
        "Mon 12:45",
    ]
    assert [o.start.astimezone(UTC).strftime("%H:%M") for o in found] == [
        "10:45",
        "11:45",
        "11:45",
    ]
    assert all(o.end - o.start == timedelta(hours=4) for o in found)


def test_wall_clock_times_across_the_start_of_daylight_saving(session, centre):
    rule(session, centre, weekdays="sat,sun", start="08:30", end="12:30")
    found = schedule.occurrences(session, centre, date(2026, 3, 28), date(2026, 3, 29))
    assert [o.start.astimezone(UTC) for o in found] == [
        datetime(2026, 3, 28, 7, 30, tzinfo=UTC),
        datetime(2026, 3, 29, 6, 30, tzinfo=UTC),
    ]


def test_another_time_zone(session, factory):
    location = factory.location("lisbon", timezone="Europe/Lisbon")
    location.holidays = ""
    session.commit()
    rule(session, location, weekdays="mon")
    found = schedule.occurrences(session, location, date(2026, 1, 5), date(2026, 1, 5))
    assert found[0].start.astimezone(UTC) == datetime(2026, 1, 5, 12, 45, tzinfo=UTC)


def test_occurrences_are_sorted_by_start_across_rules(session, centre):
    late = rule(session, centre, weekdays="mon", start="13:00", end="15:00")
    early = rule(session, centre, weekdays="mon,tue", start="08:30", end="12:30")
    found = schedule.occurrences(session, centre, date(2026, 1, 5), date(2026, 1, 6))
    assert [(o.consultation_id, o.day.isoformat()) for o in found] == [
        (early.id, "2026-01-05"),
        (late.id, "2026-01-05"),
        (early.id, "2026-01-06"),
    ]


def test_no_rules_or_an_empty_range_give_nothing(session, centre):
    assert schedule.occurrences(session, centre, date(2026, 1, 1), date(2026, 12, 31)) == []
    rule(session, centre)
    assert schedule.occurrences(session, centre, date(2026, 1, 9), date(2026, 1, 1)) == []


def test_occurrences_are_frozen(session, centre):
    rule(session, centre, weekdays="mon")
    found = schedule.occurrences(session, centre, date(2026, 1, 5), date(2026, 1, 5))
    with pytest.raises(AttributeError):
        found[0].changed = True  # type: ignore[misc]
