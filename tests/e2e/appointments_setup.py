"""Appointments in a live server's demo, relative to the time of the run (a live server has
no frozen clock; late in the evening and at night its clock is shifted into the day,
``tests/live_clock.py``): a one-day consultation session around now whose slots may all be
booked."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from tests import live_clock

BERLIN = ZoneInfo("Europe/Berlin")  # the demo locations' time zone
LOCATION = "leverkusen"
SLOT_MINUTES = 15


def staff_ids(server) -> dict[str, int]:
    """The demo staff's ids by username (as a manager of Leverkusen sees them)."""
    manager = server.signed_in("leitung.lev")
    listed = manager.get(f"{server.url}/api/v1/staff", timeout=10)
    assert listed.status_code == 200, listed.text
    return {s["username"]: s["id"] for s in listed.json()["staff"]}


def bookable_session_today(
    server, counselors: tuple[str, ...] = ("beratung1", "beratung2"), topic: str = "residence"
) -> dict:
    """A session today from the quarter hour before now for three hours (within the day),
    held by ``counselors``, every slot bookable."""
    ids = staff_ids(server)
    now = live_clock.now(BERLIN)
    start = now.replace(minute=now.minute - now.minute % SLOT_MINUTES, second=0, microsecond=0)
    start -= timedelta(minutes=SLOT_MINUTES)
    if start.date() != now.date():
        start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    end = start + timedelta(hours=3)
    if end.date() != now.date():
        end = now.replace(hour=23, minute=45, second=0, microsecond=0)
    day = now.date().isoformat()
    made = server.signed_in("leitung.lev").post(
        f"{server.url}/api/v1/locations/{LOCATION}/sessions",
        json={
            "start": start.strftime("%H:%M"),
            "end": end.strftime("%H:%M"),
            "topics": [topic],
            "valid_from": day,
            "valid_to": day,
            "staff": [ids[name] for name in counselors],
            "slot_minutes": SLOT_MINUTES,
            "bookable_share": 100,
        },
        timeout=10,
    )
    assert made.status_code == 201, made.text
    return made.json()


def book_first_free(server, username: str = "beratung1", topic: str = "residence") -> dict:
    """An appointment with ``username`` in their first free slot today, booked by them."""
    me = server.signed_in(username)
    staff_id = staff_ids(server)[username]
    slots = me.get(
        f"{server.url}/api/v1/locations/{LOCATION}/slots",
        params={"topic": topic, "staff_id": staff_id},
        timeout=10,
    )
    assert slots.status_code == 200 and slots.json()["slots"], slots.text
    booked = me.post(
        f"{server.url}/api/v1/locations/{LOCATION}/appointments",
        json={"topic": topic, "start": slots.json()["slots"][0]["start"], "staff_id": staff_id},
        timeout=10,
    )
    assert booked.status_code == 201, booked.text
    return booked.json()
