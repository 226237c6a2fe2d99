"""Appointments in the core: slots computed from session rules, capacity from the bookable
share, counselor-specific bookings, refusals that change nothing, codes unique per day; on
SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from servicepoint import appointments, clock
from servicepoint.appointments import CounselorBusy, SlotTaken, slot_capacities
from servicepoint.errors import Conflict, InvalidInput
from servicepoint.models import Appointment, AppointmentState, Consultation, Role

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = date(2026, 12, 7)
CHRISTMAS = date(2026, 12, 25)  # a Friday, a public holiday in North Rhine-Westphalia
EARLY = datetime(2026, 12, 7, 8, 0, tzinfo=BERLIN)


def at(hhmm: str, day: date = MONDAY) -> datetime:
    return datetime.combine(day, time.fromisoformat(hhmm), tzinfo=BERLIN)


def rule(session, location, staff=(), share=50, slot=30, topics=None, **values):
    """Weekdays 10:00 to 12:00 for the location's first topic, committed."""
    consultation = Consultation(
        location=location,
        weekdays="mon,tue,wed,thu,fri",
        start=time(10),
        end=time(12),
        topics=topics if topics is not None else [location.topics[0]],
        staff=list(staff),
        slot_minutes=slot,
        bookable_share=share,
        **values,
    )
    session.add(consultation)
    session.commit()
    return consultation


def starts(slots):
    return [(slot.start.astimezone(BERLIN).strftime("%H:%M"), slot.free) for slot in slots]


def count(session) -> int:
    return session.scalar(select(func.count()).select_from(Appointment))


@pytest.fixture
def frozen():
    with clock.frozen(EARLY) as move_to:
        yield move_to


@pytest.fixture
def general(centre):
    return centre.topics[0]


def test_capacity_spreads_the_share_of_counselor_time():
    assert slot_capacities(1, 50, 4) == [0, 1, 0, 1]
    assert slot_capacities(3, 50, 4) == [1, 2, 1, 2]
    assert slot_capacities(2, 100, 3) == [2, 2, 2]
    assert slot_capacities(0, 100, 2) == [1, 1]  # a session names nobody: one counselor
    assert slot_capacities(1, 25, 8) == [0, 0, 0, 1, 0, 0, 0, 1]
    assert slot_capacities(4, 0, 3) == [0, 0, 0]
    assert sum(slot_capacities(3, 40, 7)) == 3 * 7 * 40 // 100


def test_slots_are_cut_from_the_days_sessions(session, centre, general, factory, frozen):
    a, b = factory.staff("anna"), factory.staff("bert")
    rule(session, centre, staff=[a, b], share=50)
    slots = appointments.free_slots(session, centre, general, MONDAY)
    assert starts(slots) == [("10:00", 1), ("10:30", 1), ("11:00", 1), ("11:30", 1)]
    assert all(s.end - s.start == (at("10:30") - at("10:00")) for s in slots)
    # Another topic of the location is in no session: nothing to book.
    assert appointments.free_slots(session, centre, centre.topics[1], MONDAY) == []


def test_one_counselor_at_half_share_books_every_second_slot(
    session, centre, general, factory, frozen
):
    rule(session, centre, staff=[factory.staff("anna")], share=50, slot=20)
    # Six slots of 20 minutes take 0, 1, 0, 1, 0, 1 appointments: half of Anna's time.
    assert starts(appointments.free_slots(session, centre, general, MONDAY)) == [
        ("10:20", 1),
        ("11:00", 1),
        ("11:40", 1),
    ]
    with pytest.raises(InvalidInput) as refused:  # 10:00 is kept for walk-ins
        appointments.book(session, centre, general, at("10:00"))
    assert (refused.value.key, refused.value.field) == ("appointment_no_slot", "start")


def test_no_slots_on_a_holiday_or_without_a_bookable_share(session, centre, general, frozen):
    rule(session, centre, share=100)
    assert appointments.free_slots(session, centre, general, CHRISTMAS) == []
    assert len(appointments.free_slots(session, centre, general, date(2026, 12, 24))) == 4
    walk_ins_only = rule(session, centre, share=0, topics=[centre.topics[1]])
    assert walk_ins_only.bookable_share == 0
    assert appointments.free_slots(session, centre, centre.topics[1], MONDAY) == []


def test_booking_takes_a_place_until_it_is_cancelled(session, centre, general, factory, frozen):
    rule(session, centre, staff=[factory.staff("anna"), factory.staff("bert")], share=100)
    first = appointments.book(session, centre, general, at("10:00"), language="ar")
    second = appointments.book(session, centre, general, at("10:00"))
    session.commit()
    assert (first.state, first.channel, first.language) == ("booked", "staff", "ar")
    assert (first.day, first.duration_minutes, first.staff_id) == (MONDAY, 30, None)
    assert first.start == at("10:00") and first.end == at("10:30")
    assert len(first.code) == 6 and first.code.isdigit() and first.code != second.code
    assert len(first.token) >= 22
    assert starts(appointments.free_slots(session, centre, general, MONDAY))[0] == ("10:30", 2)

    with pytest.raises(SlotTaken) as refused:
        appointments.book(session, centre, general, at("10:00"))
    assert refused.value.field == "start" and refused.value.status == 409
    session.rollback()
    assert count(session) == 2

    appointments.cancel(session, first)
    session.commit()
    assert first.state == AppointmentState.CANCELLED and count(session) == 2
    assert starts(appointments.free_slots(session, centre, general, MONDAY))[0] == ("10:00", 1)
    with pytest.raises(Conflict) as again:
        appointments.cancel(session, first)
    assert again.value.code == "appointment_not_booked"


def test_checked_in_and_called_appointments_still_take_their_place(
    session, centre, general, frozen
):
    rule(session, centre, share=100)  # nobody named: one counselor, one place per slot
    appointment = appointments.book(session, centre, general, at("11:00"))
    for state, free in (("checked_in", 0), ("serving", 0), ("done", 1), ("no_show", 1)):
        appointment.state = state
        session.commit()
        slot = next(
            s
            for s in appointments.all_slots(session, centre, general, MONDAY)
            if s.start == at("11:00")
        )
        assert (state, slot.free) == (state, free)


@pytest.mark.parametrize(
    ("start", "key", "field"),
    [
        ("10:10", "appointment_no_slot", "start"),  # not a slot's start
        ("12:00", "appointment_no_slot", "start"),  # the session has ended
        ("09:30", "appointment_no_slot", "start"),
    ],
)
def test_a_time_outside_the_slots_is_refused(session, centre, general, frozen, start, key, field):
    rule(session, centre, share=100)
    with pytest.raises(InvalidInput) as refused:
        appointments.book(session, centre, general, at(start))
    assert (refused.value.key, refused.value.field) == (key, field)
    session.rollback()
    assert count(session) == 0


def test_past_slots_are_neither_offered_nor_booked(session, centre, general, frozen):
    rule(session, centre, share=100)
    frozen(at("10:27"))  # 10:30 is within the lead of five minutes
    assert starts(appointments.free_slots(session, centre, general, MONDAY)) == [
        ("11:00", 1),
        ("11:30", 1),
    ]
    for start in ("10:00", "10:30"):
        with pytest.raises(InvalidInput) as refused:
            appointments.book(session, centre, general, at(start))
        assert (refused.value.key, refused.value.field) == ("appointment_past", "start")
    assert appointments.book(session, centre, general, at("11:00")).code
    assert appointments.free_slots(session, centre, general, MONDAY, lead_minutes=40) == [
        s
        for s in appointments.free_slots(session, centre, general, MONDAY)
        if s.start >= at("11:30")
    ]


def test_a_counselor_needs_to_be_free_and_of_the_session(session, centre, general, factory, frozen):
    anna, bert = factory.staff("anna"), factory.staff("bert")
    elsewhere = factory.staff("clara", topics=[centre.topics[1]])
    rule(session, centre, staff=[anna, bert], share=100)
    mine = appointments.book(session, centre, general, at("10:00"), staff=anna)
    assert mine.staff_id == anna.id
    session.commit()

    # Anna is busy at 10:00; the slot still has a place (two counselors) for Bert.
    assert starts(appointments.free_slots(session, centre, general, MONDAY, staff=anna)) == [
        ("10:30", 1),
        ("11:00", 1),
        ("11:30", 1),
    ]
    with pytest.raises(CounselorBusy) as busy:
        appointments.book(session, centre, general, at("10:00"), staff=anna)
    assert busy.value.field == "staff_id"
    session.rollback()
    assert appointments.book(session, centre, general, at("10:00"), staff=bert).staff_id == bert.id
    session.commit()

    # Not named by the rule although serving the topic, or not serving it.
    outsider = factory.staff("dora")
    with pytest.raises(InvalidInput) as refused:
        appointments.book(session, centre, general, at("11:00"), staff=outsider)
    assert (refused.value.key, refused.value.field) == ("appointment_not_in_session", "staff_id")
    assert appointments.free_slots(session, centre, general, MONDAY, staff=outsider) == []
    with pytest.raises(InvalidInput) as refused:
        appointments.book(session, centre, general, at("11:00"), staff=elsewhere)
    assert (refused.value.key, refused.value.field) == ("appointment_counselor", "staff_id")
    other = factory.location("other-centre")
    stranger = factory.staff("emil", locations=[other])
    with pytest.raises(InvalidInput) as refused:
        appointments.book(session, centre, general, at("11:00"), staff=stranger)
    assert refused.value.key == "appointment_counselor"
    with pytest.raises(InvalidInput) as refused:
        appointments.book(session, centre, other.topics[0], at("11:00"))
    assert (refused.value.key, refused.value.field) == ("appointment_topic_elsewhere", "topic")
    session.rollback()
    assert count(session) == 2


def test_a_rule_without_staff_takes_any_counselor_serving_the_topic(
    session, centre, general, factory, frozen
):
    manager = factory.staff("leitung", role=Role.MANAGER, admin=False)
    rule(session, centre, share=100)
    assert appointments.book(session, centre, general, at("10:30"), staff=manager).code
    session.commit()
    with pytest.raises(SlotTaken):  # one counselor's session: the one place is gone
        appointments.book(session, centre, general, at("10:30"))


def test_moving_frees_the_old_slot_and_keeps_the_counselor(
    session, centre, general, factory, frozen
):
    anna = factory.staff("anna")
    rule(session, centre, staff=[anna], share=100)
    appointment = appointments.book(session, centre, general, at("10:00"), staff=anna)
    session.commit()
    code = appointment.code
    appointments.move(session, appointment, at("11:30"))
    session.commit()
    assert (appointment.start, appointment.staff_id, appointment.code) == (
        at("11:30"),
        anna.id,
        code,
    )
    assert starts(appointments.free_slots(session, centre, general, MONDAY)) == [
        ("10:00", 1),
        ("10:30", 1),
        ("11:00", 1),
    ]
    # Into its own slot: allowed (its own place counts free). To another day: a new code.
    appointments.move(session, appointment, at("11:30"))
    tuesday = date(2026, 12, 8)
    appointments.move(session, appointment, at("10:00", tuesday))
    session.commit()
    assert appointment.day == tuesday
    # Into a taken slot: refused, nothing changes.
    blocker = appointments.book(session, centre, general, at("11:00", tuesday))
    session.commit()
    with pytest.raises(SlotTaken):
        appointments.move(session, appointment, at("11:00", tuesday))
    session.rollback()
    assert appointment.start == at("10:00", tuesday) and blocker.start == at("11:00", tuesday)


def test_codes_are_unique_per_location_and_day_and_drawn_again(
    session, centre, general, factory, frozen, monkeypatch
):
    rule(session, centre, staff=[factory.staff(f"c{n}") for n in range(6)], share=100)
    drawn = iter([4711, 4711, 4711, 815])
    monkeypatch.setattr(appointments.secrets, "randbelow", lambda _: next(drawn))
    first = appointments.book(session, centre, general, at("10:00"))
    second = appointments.book(session, centre, general, at("10:00"))
    assert (first.code, second.code) == ("004711", "000815")
    monkeypatch.undo()
    codes = [appointments.book(session, centre, general, at("10:30")).code for _ in range(6)]
    assert len({*codes, first.code, second.code}) == 8
    session.commit()
    # The same code on another day is fine; twice on one day the database refuses.
    session.add(
        Appointment(
            location_id=centre.id,
            topic_id=general.id,
            day=date(2026, 12, 8),
            start=at("10:00", date(2026, 12, 8)),
            duration_minutes=30,
            code=first.code,
            created_at=clock.now(),
        )
    )
    session.commit()
    session.add(
        Appointment(
            location_id=centre.id,
            topic_id=general.id,
            day=MONDAY,
            start=at("11:00"),
            duration_minutes=30,
            code=first.code,
            created_at=clock.now(),
        )
    )
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()
