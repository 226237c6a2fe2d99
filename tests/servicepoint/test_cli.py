"""The ``servicepoint`` command."""

from __future__ import annotations

import stat
from pathlib import Path

from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from servicepoint import cards
from servicepoint.models import Appointment, ClientCard, Consultation, Location, Staff, Topic


def test_users_add_reads_password_from_stdin(runner, session, factory):
    centre = factory.location()
    result = runner.invoke(
        ["users", "add", "Frau.Yilmaz", "--role", "manager", "--password-stdin"],
        input="a long secret pass\n",
    )
    assert result.exit_code == 0, result.output
    staff = session.scalar(select(Staff).where(Staff.username == "frau.yilmaz"))
    assert staff.role == "staff"  # a manager of every location, not an admin
    assert [(m.location_id, m.role) for m in staff.memberships] == [(centre.id, "manager")]
    assert check_password_hash(staff.password_hash, "a long secret pass")
    assert "a long secret pass" not in result.output


def test_users_add_an_admin(runner, session, factory):
    factory.location()
    result = runner.invoke(
        ["users", "add", "chefin", "--role", "admin", "--password-stdin"],
        input="a long secret pass\n",
    )
    assert result.exit_code == 0, result.output
    staff = session.scalar(select(Staff).where(Staff.username == "chefin"))
    assert staff.role == "admin" and staff.memberships == []


def test_users_add_refuses_short_password_and_duplicates(runner, session):
    short = runner.invoke(["users", "add", "kurz", "--password-stdin"], input="short\n")
    assert short.exit_code != 0 and "at least 10" in short.output
    assert session.scalar(select(Staff).where(Staff.username == "kurz")) is None
    ok = runner.invoke(["users", "add", "doppelt"])
    assert ok.exit_code == 0 and "Password: " in ok.output
    again = runner.invoke(["users", "add", "doppelt"])
    assert again.exit_code != 0 and "exists already" in again.output


def test_demo_loads_real_service_points_once(runner, session, app):
    first = runner.invoke(["demo"])
    assert first.exit_code == 0, first.output
    slugs = set(session.scalars(select(Location.slug)))
    assert {"leverkusen", "duisburg-hamborn", "duisburg-hochfeld", "duisburg-rheinhausen"} <= slugs
    leverkusen = session.scalar(select(Location).where(Location.slug == "leverkusen"))
    assert "Wiesdorfer Platz 34a" in leverkusen.address
    keys = set(session.scalars(select(Topic.key).where(Topic.location_id == leverkusen.id)))
    assert {
        "orientation",
        "language",
        "residence",
        "work",
        "naturalisation",
        "childcare",
        "violence",
        "volunteering",
    } == keys
    # No default password: each demo login has a generated one, shown once and kept 0600.
    logins = Path(app.instance_path) / "demo-logins.txt"
    assert stat.S_IMODE(logins.stat().st_mode) == 0o600
    for line in logins.read_text().splitlines():
        _user, password = line.split(" / ")
        assert password in first.output and len(password) >= 10
    # Appointments to check in at the kiosk and a client card, printed to try them out.
    booked = session.scalars(
        select(Appointment.code).where(Appointment.location_id == leverkusen.id)
    ).all()
    assert booked and all(code in first.output for code in booked)
    card = session.scalar(select(ClientCard))
    assert card is not None and cards.shown(card.code) in first.output
    assert runner.invoke(["demo", "--if-empty"]).output.startswith("Demo data already present")
    # An admin, a location's manager and a counselor at each centre, printed with their roles.
    assert "admin: manages every location" in first.output
    assert "manager at leverkusen" in first.output
    staff = {s.username: s for s in session.scalars(select(Staff))}
    assert staff["leitung"].role == "admin"
    centres = {
        m.location.slug for s in staff.values() for m in s.memberships if m.role == "counselor"
    }
    assert centres == slugs
    assert all(s.organisation is not None for s in staff.values())
    # Leverkusen's published hours; the violence topic is discreet.
    hours = {
        (c.weekdays, c.start.strftime("%H:%M"), c.end.strftime("%H:%M"))
        for c in session.scalars(
            select(Consultation).where(Consultation.location_id == leverkusen.id)
        )
    }
    assert {
        ("mon", "12:45", "16:45"),
        ("thu", "13:00", "17:00"),
        ("fri", "08:30", "12:30"),
        ("tue,thu", "13:00", "16:30"),
        ("fri", "11:00", "13:00"),
    } <= hours
    assert len(hours) == 7  # and two special-topic sessions a month
    discreet = session.scalars(select(Topic.key).where(Topic.discreet)).all()
    assert discreet == ["violence"]


def test_demo_without_sessions_offers_every_topic_at_any_hour(runner, session):
    assert runner.invoke(["demo", "--without-sessions"]).exit_code == 0
    assert session.scalar(select(func.count(Consultation.id))) == 0
