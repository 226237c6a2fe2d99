"""Migration 0010: desks gain a printer of their own (none for existing desks), print jobs
go to a kiosk's printer or a desk's, never both nor neither; and back again."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from servicepoint.migrate import downgrade, upgrade
from tests.conftest import BACKENDS
from tests.servicepoint.test_migration_memberships import _insert, empty_database

JOB = {
    "created_at": "2027-01-04 09:00:00+00:00",
    "state": "pending",
    "attempts": 0,
    "error": "",
    "payload": '{"code": "A001"}',
}


@pytest.mark.parametrize("backend_name", BACKENDS)
def test_desks_get_no_printer_and_jobs_name_exactly_one_printer(backend_name, tmp_path):
    with empty_database(backend_name, tmp_path) as engine:
        upgrade(engine, "0009")
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
            desk = _insert(
                connection, "desk", location_id=location, name="Raum 1", active=True, position=0
            )
            kiosk = _insert(
                connection,
                "kiosk",
                location_id=location,
                name="Eingang",
                token_hash="h" * 64,
                active=True,
                printer_mode="server",
                printer_uri="tcp://127.0.0.1:9100",
                printer_profile="TM-T20II",
                printer_state="ok",
                printer_detail="",
                agent_connected=False,
            )
            _insert(connection, "print_job", kiosk_id=kiosk, **JOB)
        upgrade(engine)
        with engine.begin() as connection:
            desks = connection.execute(
                text("SELECT printer_uri, printer_profile, printer_state FROM desk")
            ).all()
            jobs = connection.execute(text("SELECT kiosk_id, desk_id FROM print_job")).all()
            _insert(connection, "print_job", desk_id=desk, **JOB)
        assert [tuple(row) for row in desks] == [("", "TM-T20II", "unknown")]
        assert [tuple(row) for row in jobs] == [(kiosk, None)]
        for printers in ({}, {"kiosk_id": kiosk, "desk_id": desk}):
            with pytest.raises(IntegrityError), engine.begin() as connection:
                _insert(connection, "print_job", **printers, **JOB)

        downgrade(engine, "0009")
        columns = {c["name"] for c in inspect(engine).get_columns("desk")}
        assert "printer_uri" not in columns
        with engine.connect() as connection:  # the desk's job went with its printer
            assert connection.execute(text("SELECT kiosk_id FROM print_job")).all() == [(kiosk,)]

        upgrade(engine)
        assert "desk_id" in {c["name"] for c in inspect(engine).get_columns("print_job")}
