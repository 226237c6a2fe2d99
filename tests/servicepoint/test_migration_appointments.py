"""Migration 0008: session rules gain a slot length and a bookable share (existing ones
stay walk-in only), appointments get their table; and back again."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text

from servicepoint.migrate import downgrade, upgrade
from tests.conftest import BACKENDS
from tests.servicepoint.test_migration_memberships import _insert, empty_database


@pytest.mark.parametrize("backend_name", BACKENDS)
def test_sessions_stay_walk_in_only_and_appointments_come_and_go(backend_name, tmp_path):
    with empty_database(backend_name, tmp_path) as engine:
        upgrade(engine, "0007")
        with engine.begin() as connection:
            location = _insert(
                connection,
                "location",
                slug="leverkusen",
                name="Leverkusen",
                address="",
                timezone="Europe/Berlin",
                active=True,
                holidays="DE-NW",
            )
            topic = _insert(
                connection,
                "topic",
                location_id=location,
                key="residence",
                prefix="A",
                names='{"de": "Aufenthalt"}',
                active=True,
                position=0,
                discreet=False,
            )
            connection.execute(
                text(  # "end" is a reserved word in PostgreSQL
                    'INSERT INTO consultation (location_id, names, weekdays, start, "end", '
                    "every_weeks) VALUES (:location, '{}', 'mon', '10:00:00', '12:00:00', 1)"
                ),
                {"location": location},
            )
        upgrade(engine)
        with engine.begin() as connection:
            rules = connection.execute(
                text("SELECT slot_minutes, bookable_share FROM consultation")
            ).all()
            _insert(
                connection,
                "appointment",
                location_id=location,
                topic_id=topic,
                day="2027-01-04",
                start="2027-01-04 09:00:00+00:00",
                duration_minutes=30,
                language="de",
                channel="staff",
                state="booked",
                code="123456",
                token="t" * 22,
                created_at="2027-01-01 09:00:00+00:00",
            )
        assert [tuple(row) for row in rules] == [(30, 0)]
        assert "appointment" in inspect(engine).get_table_names()

        downgrade(engine, "0007")
        inspector = inspect(engine)
        assert "appointment" not in inspector.get_table_names()
        columns = {c["name"] for c in inspector.get_columns("consultation")}
        assert {"slot_minutes", "bookable_share"}.isdisjoint(columns)
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM consultation")).scalar() == 1

        upgrade(engine)
        assert "appointment" in inspect(engine).get_table_names()
