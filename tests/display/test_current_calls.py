"""The lobby stays true: a call nobody starts leaves "Now calling" for "Last called" after
CALL_CURRENT_MINUTES; the snapshot lists every call of the day in one of the two."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from servicepoint import clock, snapshots, tickets
from servicepoint.config import DEFAULTS

START = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)


@pytest.fixture
def counselor(factory):
    return factory.staff()


def issue(session, location, key="general"):
    topic = next(t for t in location.topics if t.key == key)
    issued = tickets.issue_ticket(session, location, topic, "de")
    session.commit()
    return issued.ticket


def codes(calls):
    return [call["code"] for call in calls]


def test_default_is_ten_minutes():
    assert DEFAULTS["CALL_CURRENT_MINUTES"] == 10


def test_a_call_not_started_in_time_moves_to_recent(session, centre, counselor):
    with clock.frozen(START) as move:
        first, second = issue(session, centre), issue(session, centre)
        tickets.call_next(session, centre.desks[0], counselor)
        session.commit()
        move(START + timedelta(minutes=5))
        tickets.call_next(session, centre.desks[1], counselor)
        session.commit()

        # Both fresh: both current, newest first; nothing to list under "Last called".
        snapshot = snapshots.display_snapshot(session, centre, current_minutes=10)
        assert codes(snapshot["current"]) == [second.code, first.code]
        assert snapshot["recent"] == []

        # 12 minutes after the first call: it is stale (listed, not dropped), the second not.
        move(START + timedelta(minutes=12))
        snapshot = snapshots.display_snapshot(session, centre, current_minutes=10)
        assert codes(snapshot["current"]) == [second.code]
        assert codes(snapshot["recent"]) == [first.code]
        assert snapshot["recent"][0]["desk"] == centre.desks[0].name

        # Later still, both are stale: most recent first.
        move(START + timedelta(minutes=16))
        snapshot = snapshots.display_snapshot(session, centre, current_minutes=10)
        assert snapshot["current"] == []
        assert codes(snapshot["recent"]) == [second.code, first.code]


def test_a_recall_makes_a_stale_call_current_again(session, centre, counselor):
    with clock.frozen(START) as move:
        ticket = issue(session, centre)
        tickets.call_next(session, centre.desks[0], counselor)
        session.commit()
        move(START + timedelta(minutes=12))
        assert snapshots.display_snapshot(session, centre)["current"] == []
        tickets.recall(session, ticket, counselor)
        session.commit()
        snapshot = snapshots.display_snapshot(session, centre)
        assert codes(snapshot["current"]) == [ticket.code] and snapshot["recent"] == []


def test_stale_and_finished_calls_share_recent_newest_first(session, centre, counselor):
    with clock.frozen(START) as move:
        stale, started = issue(session, centre), issue(session, centre)
        tickets.call_next(session, centre.desks[0], counselor)
        session.commit()
        move(START + timedelta(minutes=2))
        tickets.call_next(session, centre.desks[1], counselor)
        tickets.start(session, started, counselor)
        session.commit()
        move(START + timedelta(minutes=30))
        snapshot = snapshots.display_snapshot(session, centre, recent=8, current_minutes=10)
        assert snapshot["current"] == []
        assert codes(snapshot["recent"]) == [started.code, stale.code]
        # The limit counts stale calls too.
        one = snapshots.display_snapshot(session, centre, recent=1, current_minutes=10)
        assert codes(one["recent"]) == [started.code]


def test_no_calls_today_means_both_lists_empty(session, centre, counselor):
    """The lobby says "No calls yet today" only when ``current`` and ``recent`` are both
    empty (lobby.js): with a call out, at least one of them names it."""
    with clock.frozen(START) as move:
        issue(session, centre)
        snapshot = snapshots.display_snapshot(session, centre)
        assert snapshot["current"] == [] and snapshot["recent"] == []
        tickets.call_next(session, centre.desks[0], counselor)
        session.commit()
        for minutes in (0, 9, 10, 11, 60):
            move(START + timedelta(minutes=minutes))
            snapshot = snapshots.display_snapshot(session, centre)
            assert len(snapshot["current"]) + len(snapshot["recent"]) == 1, minutes


def test_the_setting_reaches_the_api_and_the_socket(
    app, client, socket_client, session, centre, counselor
):
    app.config["CALL_CURRENT_MINUTES"] = 3
    with clock.frozen(START) as move:
        ticket = issue(session, centre)
        tickets.call_next(session, centre.desks[0], counselor)
        session.commit()
        move(START + timedelta(minutes=4))
        snapshot = client.get(f"/api/v1/locations/{centre.slug}/display").json
        assert snapshot["current"] == [] and codes(snapshot["recent"]) == [ticket.code]
        # What the lobby gets on connecting and when it asks again (every minute).
        sc = socket_client("/display", {"location": centre.slug})
        sc.emit("snapshot", namespace="/display")
        sent = [e for e in sc.get_received("/display") if e["name"] == "snapshot"]
        assert len(sent) == 2
        for event in sent:
            payload = event["args"][0]
            assert payload["current"] == [] and codes(payload["recent"]) == [ticket.code]
        move(START + timedelta(minutes=2))
        snapshot = client.get(f"/api/v1/locations/{centre.slug}/display").json
        assert codes(snapshot["current"]) == [ticket.code]
