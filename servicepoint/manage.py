"""Managers' operations on locations, topics, desks and staff: plain verbs on a Session.

Each validates its input completely before changing anything, so a refused request leaves
the database as it was. Changes that kiosks must see append a ``topics`` event to the outbox.
"""

from __future__ import annotations

import re
from typing import Any
from zoneinfo import available_timezones

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicepoint.auth import check_username, hash_password
from servicepoint.db import outbox
from servicepoint.errors import InvalidInput, NotFound, QueueError
from servicepoint.models import Desk, Kiosk, Location, PrinterMode, Role, Staff, Topic

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")


class Duplicate(QueueError):
    code = "duplicate"


def _text(value: Any, what: str, max_length: int = 200) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{what} must not be empty.")
    if len(value.strip()) > max_length:
        raise InvalidInput(f"{what} is longer than {max_length} characters.")
    return value.strip()


def _names(value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or not value:
        raise InvalidInput("'names' must be an object of language code → name, e.g. {\"de\": …}.")
    names: dict[str, str] = {}
    for language, name in value.items():
        if not isinstance(language, str) or not LANGUAGE.match(language):
            raise InvalidInput(f"'{language}' is not a language code such as 'de' or 'uk'.")
        if isinstance(name, str) and not name.strip():
            continue
        names[language] = _text(name, f"The {language} name", 120)
    if "de" not in names:
        raise InvalidInput("A topic needs at least a German name ('de').")
    return names


def _timezone(value: Any) -> str:
    if not isinstance(value, str) or value not in available_timezones():
        raise InvalidInput(f"'{value}' is not a time zone such as 'Europe/Berlin'.")
    return value


def _bool(value: Any, what: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput(f"'{what}' must be true or false.")
    return value


def _int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"'{what}' must be a whole number.")
    if not -(2**31) < value < 2**31:
        raise InvalidInput(f"'{what}' is out of range.")
    return value


def _topics_changed(session: Session, location: Location) -> None:
    outbox(session).append(("topics", {"location_id": location.id}))


# --- locations --------------------------------------------------------------------------


def create_location(session: Session, data: dict[str, Any]) -> Location:
    """A new location from ``slug``, ``name``, optional ``address`` and ``timezone``."""
    slug = _text(data.get("slug"), "The slug", 64).lower()
    if not SLUG.match(slug):
        raise InvalidInput(
            "A slug has lower-case letters, digits and '-', e.g. 'duisburg-hamborn'."
        )
    if session.scalar(select(Location).where(Location.slug == slug)):
        raise Duplicate(f"A location '{slug}' exists already.")
    location = Location(
        slug=slug,
        name=_text(data.get("name"), "The name"),
        address=_text(data["address"], "The address", 300) if data.get("address") else "",
        timezone=_timezone(data.get("timezone", "Europe/Berlin")),
    )
    session.add(location)
    session.flush()
    return location


def update_location(session: Session, location: Location, data: dict[str, Any]) -> Location:
    """Change a location's name, address, time zone or active flag."""
    changes: dict[str, Any] = {}
    if "name" in data:
        changes["name"] = _text(data["name"], "The name")
    if "address" in data:
        changes["address"] = _text(data["address"], "The address", 300) if data["address"] else ""
    if "timezone" in data:
        changes["timezone"] = _timezone(data["timezone"])
    if "active" in data:
        changes["active"] = _bool(data["active"], "active")
    for key, value in changes.items():
        setattr(location, key, value)
    session.flush()
    return location


# --- topics -----------------------------------------------------------------------------


def _prefix(value: Any) -> str:
    if not isinstance(value, str) or len(value.strip()) != 1 or not value.strip().isalpha():
        raise InvalidInput("The prefix is a single letter, e.g. 'A'.")
    return value.strip().upper()


def get_topic(session: Session, location: Location, key: str) -> Topic:
    topic = session.scalar(select(Topic).where(Topic.location_id == location.id, Topic.key == key))
    if topic is None:
        raise NotFound(f"There is no topic '{key}' at {location.name}.")
    return topic


def create_topic(session: Session, location: Location, data: dict[str, Any]) -> Topic:
    """A new topic from ``key``, ``prefix`` and ``names`` (German required)."""
    key = _text(data.get("key"), "The key", 64).lower()
    if not KEY.match(key):
        raise InvalidInput("A key has lower-case letters, digits, '-' and '_'.")
    if session.scalar(select(Topic).where(Topic.location_id == location.id, Topic.key == key)):
        raise Duplicate(f"{location.name} has a topic '{key}' already.")
    positions = [t.position for t in location.topics]
    topic = Topic(
        location=location,
        key=key,
        prefix=_prefix(data.get("prefix")),
        names=_names(data.get("names")),
        active=_bool(data.get("active", True), "active"),
        position=_int(data.get("position", max(positions, default=-1) + 1), "position"),
    )
    session.add(topic)
    session.flush()
    _topics_changed(session, location)
    return topic


def update_topic(session: Session, topic: Topic, data: dict[str, Any]) -> Topic:
    """Change a topic's prefix, names, order or active flag (its key stays)."""
    changes: dict[str, Any] = {}
    if "prefix" in data:
        changes["prefix"] = _prefix(data["prefix"])
    if "names" in data:
        changes["names"] = _names(data["names"])
    if "active" in data:
        changes["active"] = _bool(data["active"], "active")
    if "position" in data:
        changes["position"] = _int(data["position"], "position")
    for key, value in changes.items():
        setattr(topic, key, value)
    session.flush()
    _topics_changed(session, topic.location)
    return topic


# --- desks ------------------------------------------------------------------------------


def create_desk(session: Session, location: Location, data: dict[str, Any]) -> Desk:
    """A new desk (room or counter) shown on the lobby screen by its name."""
    name = _text(data.get("name"), "The desk name", 100)
    if session.scalar(select(Desk).where(Desk.location_id == location.id, Desk.name == name)):
        raise Duplicate(f"{location.name} has a desk '{name}' already.")
    positions = [d.position for d in location.desks]
    desk = Desk(
        location=location,
        name=name,
        position=max(positions, default=-1) + 1,
        active=_bool(data.get("active", True), "active"),
    )
    session.add(desk)
    session.flush()
    return desk


def update_desk(session: Session, desk: Desk, data: dict[str, Any]) -> Desk:
    """Rename, reorder, open or close a desk."""
    changes: dict[str, Any] = {}
    if "name" in data:
        name = _text(data["name"], "The desk name", 100)
        other = session.scalar(
            select(Desk).where(Desk.location_id == desk.location_id, Desk.name == name)
        )
        if other is not None and other.id != desk.id:
            raise Duplicate(f"There is a desk '{name}' already.")
        changes["name"] = name
    if "active" in data:
        changes["active"] = _bool(data["active"], "active")
    if "position" in data:
        changes["position"] = _int(data["position"], "position")
    for key, value in changes.items():
        setattr(desk, key, value)
    session.flush()
    return desk


# --- staff ------------------------------------------------------------------------------


def _staff_topics(session: Session, value: Any) -> list[Topic]:
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) and 0 < v < 2**31 for v in value
    ):
        raise InvalidInput("'topics' must be a list of topic ids.")
    topics = session.scalars(select(Topic).where(Topic.id.in_(value))).all()
    if len(topics) != len(set(value)):
        raise NotFound("One of the chosen topics does not exist.")
    return list(topics)


def _role(value: Any) -> str:
    if value not in {r.value for r in Role}:
        raise InvalidInput("The role is 'counselor' or 'manager'.")
    return value


def create_staff(session: Session, data: dict[str, Any]) -> Staff:
    """A new staff account; the password is set by the manager and stored only as a hash."""
    if not isinstance(data.get("username"), str):
        raise InvalidInput("'username' is required.")
    username = check_username(data["username"])
    if session.scalar(select(Staff).where(Staff.username == username)):
        raise Duplicate(f"A user '{username}' exists already.")
    if not isinstance(data.get("password"), str):
        raise InvalidInput("'password' is required.")
    staff = Staff(
        username=username,
        display_name=_text(data.get("display_name") or username, "The display name"),
        role=_role(data.get("role", Role.COUNSELOR.value)),
        password_hash=hash_password(data["password"]),
        topics=_staff_topics(session, data.get("topics", [])),
    )
    session.add(staff)
    session.flush()
    return staff


def update_staff(session: Session, staff: Staff, data: dict[str, Any], acting: Staff) -> Staff:
    """Change a staff member's name, role, topics, password or active flag."""
    changes: dict[str, Any] = {}
    if "display_name" in data:
        changes["display_name"] = _text(data["display_name"], "The display name")
    if "role" in data:
        changes["role"] = _role(data["role"])
    if "topics" in data:
        changes["topics"] = _staff_topics(session, data["topics"])
    if "password" in data:
        if not isinstance(data["password"], str):
            raise InvalidInput("'password' must be a string.")
        changes["password_hash"] = hash_password(data["password"])
    if "active" in data:
        changes["active"] = _bool(data["active"], "active")
    if staff.id == acting.id and (
        changes.get("active") is False or changes.get("role", staff.role) != Role.MANAGER
    ):
        raise InvalidInput("You cannot lock yourself out or drop your own manager role.")
    for key, value in changes.items():
        setattr(staff, key, value)
    session.flush()
    return staff


def staff_json(staff: Staff) -> dict:
    return {
        "id": staff.id,
        "username": staff.username,
        "display_name": staff.display_name,
        "role": staff.role,
        "active": staff.active,
        "topics": [{"id": t.id, "key": t.key, "location": t.location.slug} for t in staff.topics],
    }


# --- kiosks and their printers ----------------------------------------------------------


def _printer_settings(data: dict[str, Any], current: Kiosk | None) -> dict[str, Any]:
    from printers.connections import check_profile, parse_printer_uri
    from printers.errors import PrinterConfigError

    mode = data.get("printer_mode", current.printer_mode if current else PrinterMode.NONE)
    if mode not in {m.value for m in PrinterMode}:
        raise InvalidInput("'printer_mode' is 'none', 'server' or 'agent'.")
    uri = data.get("printer_uri", current.printer_uri if current else "")
    profile = data.get("printer_profile", current.printer_profile if current else "TM-T20II")
    if not isinstance(uri, str) or not isinstance(profile, str):
        raise InvalidInput("'printer_uri' and 'printer_profile' must be strings.")
    uri, profile = uri.strip(), profile.strip()
    try:
        check_profile(profile)
        if mode != PrinterMode.NONE:
            if not uri:
                raise InvalidInput("A printer needs its address, e.g. tcp://192.168.1.50:9100.")
            address = parse_printer_uri(uri)
            if mode == PrinterMode.SERVER and address.scheme not in {"tcp", "cups", "dummy"}:
                raise InvalidInput(
                    "The server reaches only network (tcp://), CUPS (cups://) or test "
                    "(dummy://) printers; a printer plugged into the kiosk needs the print agent."
                )
    except PrinterConfigError as error:
        raise InvalidInput(error.reason) from error
    return {"printer_mode": mode, "printer_uri": uri, "printer_profile": profile}


def create_kiosk(session: Session, location: Location, data: dict[str, Any]) -> tuple[Kiosk, str]:
    """A new kiosk and its token (shown once; only its hash is kept)."""
    from servicepoint.printing import new_token

    name = _text(data.get("name"), "The kiosk name", 100)
    if session.scalar(select(Kiosk).where(Kiosk.location_id == location.id, Kiosk.name == name)):
        raise Duplicate(f"{location.name} has a kiosk '{name}' already.")
    token, token_hash = new_token()
    kiosk = Kiosk(
        location=location, name=name, token_hash=token_hash, **_printer_settings(data, None)
    )
    session.add(kiosk)
    session.flush()
    return kiosk, token


def update_kiosk(session: Session, kiosk: Kiosk, data: dict[str, Any]) -> tuple[Kiosk, str | None]:
    """Rename, switch on or off, change the printer; ``new_token: true`` replaces the token."""
    from servicepoint.printing import new_token

    changes: dict[str, Any] = _printer_settings(data, kiosk)
    if "name" in data:
        changes["name"] = _text(data["name"], "The kiosk name", 100)
    if "active" in data:
        changes["active"] = _bool(data["active"], "active")
    token = None
    if data.get("new_token") is True:
        token, changes["token_hash"] = new_token()
    printer_changed = any(
        changes[key] != getattr(kiosk, key)
        for key in ("printer_mode", "printer_uri", "printer_profile")
    )
    for key, value in changes.items():
        setattr(kiosk, key, value)
    if printer_changed:  # what was known of the old printer says nothing of the new one
        kiosk.printer_state, kiosk.printer_detail, kiosk.printer_checked_at = "unknown", "", None
    session.flush()
    outbox(session).append(("printer", {"location_id": kiosk.location_id}))
    return kiosk, token
