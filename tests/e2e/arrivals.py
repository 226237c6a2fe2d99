"""Appointments and client cards for browser tests, made through the staff API relative to
the time of the run (no frozen clock in a live server; late in the evening and at night the
servers' clock is shifted into the day, ``tests/live_clock.py``): a one-day session around
now, appointments in its next slots, cards of demo counselors."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from servicepoint.models import Appointment
from tests import live_clock

BERLIN = ZoneInfo("Europe/Berlin")
LOCATION = "leverkusen"


def now() -> datetime:
    """The live servers' time in Berlin, to the minute."""
    return live_clock.now(BERLIN).replace(second=0, microsecond=0)


def hhmm(moment: datetime) -> str:
    return moment.strftime("%H:%M")


def staff_id(live_server, username: str) -> int:
    everyone = live_server.signed_in("leitung").get(f"{live_server.url}/api/v1/staff", timeout=10)
    return next(s["id"] for s in everyone.json()["staff"] if s["username"] == username)


def add_session(live_server, topics: list[str], staff: list[int], start, end, day=None) -> None:
    """A one-day session (today unless ``day``) whose slots of 5 minutes may all be booked."""
    day = (day or now().date()).isoformat()
    made = live_server.signed_in("leitung").post(
        f"{live_server.url}/api/v1/locations/{LOCATION}/sessions",
        json={
            "start": start,
            "end": end,
            "topics": topics,
            "staff": staff,
            "valid_from": day,
            "valid_to": day,
            "slot_minutes": 5,
            "bookable_share": 100,
        },
        timeout=10,
    )
    assert made.status_code == 201, made.text


def counselor_with_session(live_server) -> int:
    """beratung1 holds a session on first orientation from an hour ago for three hours."""
    me = staff_id(live_server, "beratung1")
    start = now() - timedelta(hours=1, minutes=now().minute % 5)  # slots on the 5 minutes
    start = max(start, now().replace(hour=0, minute=0))
    end = min(start + timedelta(hours=3), now().replace(hour=23, minute=55))
    add_session(live_server, ["orientation"], [me], hhmm(start), hhmm(end))
    return me


def book(live_server, counselor: int, minutes_from_now: int) -> dict:
    """An appointment with beratung1 about ``minutes_from_now`` minutes from now (the next
    slot of 5 minutes)."""
    start = now() + timedelta(minutes=minutes_from_now)
    start += timedelta(minutes=(-start.minute) % 5)
    booked = live_server.signed_in("beratung1").post(
        f"{live_server.url}/api/v1/locations/{LOCATION}/appointments",
        json={"topic": "orientation", "start": start.isoformat(), "staff_id": counselor},
        timeout=10,
    )
    assert booked.status_code == 201, (
        booked.text,
        live_server.signed_in("beratung1")
        .get(f"{live_server.url}/api/v1/locations/{LOCATION}/slots?topic=orientation")
        .text,
    )
    return booked.json()


def move_start(live_server, appointment_id: int, minutes: int) -> None:
    """The appointment now starts ``minutes`` earlier (it has passed: booking refuses the
    past), written into the live server's database."""
    engine = create_engine(f"sqlite:///{Path(live_server.instance) / 'servicepoint.sqlite3'}")
    try:
        with Session(engine) as session:
            appointment = session.scalars(
                select(Appointment).where(Appointment.id == appointment_id)
            ).one()
            appointment.start = appointment.start - timedelta(minutes=minutes)
            session.commit()
    finally:
        engine.dispose()


def make_card(live_server, username: str) -> str:
    made = live_server.signed_in(username).post(
        f"{live_server.url}/api/v1/cards", json={"location": LOCATION}, timeout=10
    )
    assert made.status_code == 201, made.text
    return made.json()["code"]


def scan(page, text: str) -> None:
    """What a USB barcode scanner does: the characters and Enter as keys in one burst.

    The keys are dispatched in one task of the page, as fast as a scanner types them;
    ``page.keyboard.type`` sends one key per round trip, which a busy machine can space
    further apart than a scanner ever does."""
    page.evaluate(
        """(text) => {
            const target = document.activeElement || document.body;
            for (const key of [...Array.from(text), "Enter"]) {
                for (const type of ["keydown", "keyup"]) {
                    target.dispatchEvent(
                        new KeyboardEvent(type, { key, bubbles: true, cancelable: true })
                    );
                }
            }
        }""",
        text,
    )
