"""The desk verbs (servicepoint/desks.py) and what their events become: who sits where, the
take-over told to the one replaced, one desk per person, the idle time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from servicepoint import clock, desks, tickets
from servicepoint.desks import DeskOccupancyChanged
from servicepoint.errors import DeskTaken
from servicepoint.events import outbox, take_outbox

START = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)


@pytest.fixture
def hub(app):
    return app.extensions["servicepoint.db"].hub


@pytest.fixture
def first(factory):
    return factory.staff("berater")


@pytest.fixture
def second(factory):
    return factory.staff("beraterin")


def commit(session):
    """Commit the arrangement; its events are not what the test looks at."""
    session.commit()
    take_outbox(session)


def messages(hub, session):
    return hub.prepare(session, list(outbox(session))).messages


def test_a_take_over_is_told_to_the_previous_occupant_only(hub, session, centre, first, second):
    raum1 = centre.desks[0]
    desks.occupy(session, raum1, first)
    commit(session)
    with pytest.raises(DeskTaken) as refused:
        desks.occupy(session, raum1, second)
    assert refused.value.message == (
        "Berater is at Raum 1: only the person at a desk calls to it. Choose another desk or "
        "take Raum 1 over."
    )
    assert refused.value.status == 409 and refused.value.code == "desk_taken"
    session.rollback()
    desks.occupy(session, raum1, second, take_over=True)
    assert outbox(session) == [DeskOccupancyChanged(centre.id, raum1.id, displaced_id=first.id)]
    sent = [(m.event, m.room, m.data) for m in messages(hub, session)]
    assert sent == [
        (
            "desk_taken_over",
            f"staff:test-centre:{first.id}",
            {
                "desk": {"id": raum1.id, "name": "Raum 1"},
                "by": {"id": second.id, "display_name": "Beraterin"},
            },
        )
    ]
    session.rollback()


def test_taking_a_second_desk_frees_the_first_without_a_notice(hub, session, centre, first):
    raum1, raum2 = centre.desks
    desks.occupy(session, raum1, first)
    commit(session)
    desks.occupy(session, raum2, first)
    assert (raum1.occupant_id, raum2.occupant_id) == (None, first.id)
    assert sorted(e.desk_id for e in outbox(session)) == sorted([raum1.id, raum2.id])
    assert all(e.displaced_id is None for e in outbox(session))
    assert messages(hub, session) == []  # the snapshots tell the staff views
    session.rollback()


def test_occupying_ones_own_desk_again_only_notes_it(session, centre, first):
    raum1 = centre.desks[0]
    with clock.frozen(START) as move_to:
        desks.occupy(session, raum1, first)
        commit(session)
        move_to(START + timedelta(minutes=20))
        desks.occupy(session, raum1, first)
        assert outbox(session) == []
        assert (raum1.occupied_at, raum1.occupant_seen_at) == (START, START + timedelta(minutes=20))
    session.rollback()


def test_leave_everywhere_frees_the_desk(session, centre, first):
    desks.occupy(session, centre.desks[1], first)
    commit(session)
    freed = desks.leave_everywhere(session, first.id)
    assert [d.id for d in freed] == [centre.desks[1].id]
    assert centre.desks[1].occupant_id is None and centre.desks[1].occupied_at is None
    assert desks.leave_everywhere(session, first.id) == []
    session.rollback()


@pytest.mark.parametrize("idle_minutes", [30, 5])
def test_the_idle_time_counts_from_the_last_action(session, centre, first, second, idle_minutes):
    raum1 = centre.desks[0]
    topic = centre.topics[0]
    with clock.frozen(START) as move_to:
        desks.occupy(session, raum1, first)
        tickets.issue_ticket(session, centre, topic, "de")
        commit(session)
        move_to(START + timedelta(minutes=idle_minutes - 1))
        called = tickets.call_next(session, raum1, first, idle_minutes=idle_minutes)
        tickets.finish(session, called, first, idle_minutes=idle_minutes)
        commit(session)
        seen = raum1.occupant_seen_at
        assert seen == START + timedelta(minutes=idle_minutes - 1)
        move_to(seen + timedelta(minutes=idle_minutes - 1))
        assert desks.present(raum1, idle_minutes)
        with pytest.raises(DeskTaken):
            desks.claim_for_call(session, raum1, second, idle_minutes)
        move_to(seen + timedelta(minutes=idle_minutes))
        assert not desks.present(raum1, idle_minutes)
        assert desks.present(raum1, 0)  # 0: never idle
        desks.claim_for_call(session, raum1, second, idle_minutes)
        assert raum1.occupant_id == second.id
        assert outbox(session)[-1].displaced_id == first.id  # told, though they were idle
    session.rollback()


def test_a_call_within_a_minute_writes_nothing_to_the_desk(session, centre, first):
    raum1 = centre.desks[0]
    with clock.frozen(START) as move_to:
        desks.occupy(session, raum1, first)
        commit(session)
        move_to(START + timedelta(seconds=50))
        desks.claim_for_call(session, raum1, first)
        assert raum1 not in session.dirty
        move_to(START + timedelta(seconds=70))
        desks.claim_for_call(session, raum1, first)
        assert raum1.occupant_seen_at == START + timedelta(seconds=70)
    session.rollback()
