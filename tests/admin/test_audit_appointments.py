"""The audit trail of appointments booked, moved and cancelled by staff: who and what, the
changed fields only, never the status link's token."""

from __future__ import annotations

from sqlalchemy import select

from servicepoint.audit import AuditEntry
from servicepoint.models import Appointment
from tests.admin.test_appointments_api import (  # noqa: F401  (fixtures)
    anna,
    book,
    frozen,
    session_rule,
    signed_in,
)


def test_booked_moved_and_cancelled(client, session, signed_in, session_rule):  # noqa: F811
    made = book(client, start="2026-12-07T10:00:00+01:00", staff_id=signed_in.id, language="tr")
    assert made.status_code == 201, made.json
    ident = made.json["id"]
    moved = client.patch(
        f"/api/v1/appointments/{ident}", json={"start": "2026-12-07T11:00:00+01:00"}
    )
    assert moved.status_code == 200, moved.json
    assert client.delete(f"/api/v1/appointments/{ident}").status_code == 200
    entries = client.get("/api/v1/audit", query_string={"kind": "appointment"})
    assert entries.status_code == 403  # a counselor does not read the trail
    token = session.scalar(select(Appointment.token).where(Appointment.id == ident))

    rows = list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
    assert [(r.kind, r.action, r.staff_id) for r in rows] == [
        ("appointment", "create", signed_in.id),
        ("appointment", "update", signed_in.id),
        ("appointment", "update", signed_in.id),
    ]
    created, move, cancel = rows
    assert created.after["language"] == "tr" and created.after["staff_id"] == signed_in.id
    assert "token" not in created.after and token not in str(created.after)
    assert move.before["start"] == "2026-12-07T09:00:00+00:00"
    assert move.after["start"] == "2026-12-07T10:00:00+00:00"
    assert cancel.after == {"state": "cancelled"}
