"""Managers' operations on locations, topics, desks, staff and kiosks: plain verbs on a Session.

Verbs take typed values the surface has parsed (``None`` for a change not asked for) and
check the domain's rules on them completely before changing anything, so a refused request
leaves the database as it was; each refusal names the ``field`` at fault. The API, the CLI
and the demo all use these verbs. Changes that kiosks must see record ``TopicsChanged``.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any
from zoneinfo import available_timezones

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from servicepoint import pictograms
from servicepoint.auth import check_username, hash_password
from servicepoint.discreet import neutral_prefix
from servicepoint.errors import Duplicate, InvalidInput, NotFound
from servicepoint.events import LocationEvent, record
from servicepoint.i18n import STAFF_LANGUAGES
from servicepoint.models import (
    Desk,
    Kiosk,
    Location,
    Membership,
    Organisation,
    PrinterMode,
    Role,
    Staff,
    Topic,
)
from servicepoint.roles import MEMBERSHIP_ROLES, STAFF_ROLES
from servicepoint.text import (
    NAME_LANGUAGE,
    PREFIX,
    SLUG,
    TOPIC_KEY,
    check_characters,
    clean_key,
    clean_text,
    shown,
)


@dataclass(frozen=True)
class TopicsChanged(LocationEvent):
    """A location's topics changed: kiosks show the new offer, queues the new names."""


def _topics_changed(session: Session, location: Location) -> None:
    record(session, TopicsChanged(location.id))


def _text(value: str, field: str, max_length: int = 200) -> str:
    """A name people read, cleaned by the one text rule (``servicepoint.text.clean_text``)."""
    return clean_text(value, field, max_length)


def _names(value: dict[str, str]) -> dict[str, str]:
    names: dict[str, str] = {}
    for language, name in value.items():
        language = clean_key(language, "names", NAME_LANGUAGE)
        name = clean_text(name, f"names.{language}", 120, required=False)
        if not name:
            continue
        names[language] = name
    if "de" not in names:
        raise InvalidInput("german_name_required", field="names.de")
    return names


def _timezone(value: str) -> str:
    if value not in available_timezones():
        raise InvalidInput("bad_timezone", field="timezone", value=shown(value))
    return value


def _in_range(value: int, field: str) -> int:
    if not -(2**31) < value < 2**31:
        raise InvalidInput("out_of_range", field=field)
    return value


def _apply(target: object, changes: dict[str, Any]) -> None:
    for name, value in changes.items():
        if value is not None:
            setattr(target, name, value)


# --- locations --------------------------------------------------------------------------


def get_location_any(session: Session, slug: str) -> Location:
    """The location with this slug, active or not (for managers), or NotFound."""
    location = (
        session.scalar(select(Location).where(Location.slug == slug))
        if SLUG.matches(slug)
        else None
    )
    if location is None:
        raise NotFound("no_location", slug=shown(slug))
    return location


def create_location(
    session: Session, slug: str, name: str, address: str = "", timezone: str = "Europe/Berlin"
) -> Location:
    """A new location; ``slug`` names it in URLs (``/kiosk/<slug>``)."""
    slug = clean_key(slug, "slug", SLUG)
    if session.scalar(select(Location).where(Location.slug == slug)):
        raise Duplicate("location_exists", field="slug", slug=slug)
    location = Location(
        slug=slug,
        name=_text(name, "name"),
        address=clean_text(address, "address", 300, required=False),
        timezone=_timezone(timezone),
    )
    session.add(location)
    session.flush()
    return location


def update_location(
    session: Session,
    location: Location,
    name: str | None = None,
    address: str | None = None,
    timezone: str | None = None,
    active: bool | None = None,
    discreet_prefix: str | None = None,
) -> Location:
    """Change a location's name, address, time zone or active flag, or the letter of its
    neutral series (``discreet_prefix``: a letter no discreet topic uses, or "" to have one
    chosen automatically, ``discreet.neutral_prefix``). The letter of a public topic makes
    its series the cover of the discreet ones: their codes are numbered among its codes and
    look like them."""
    if discreet_prefix is not None:
        location.discreet_prefix = _discreet_prefix(location, discreet_prefix)
    _apply(
        location,
        {
            "name": _text(name, "name") if name is not None else None,
            "address": (
                clean_text(address, "address", 300, required=False) if address is not None else None
            ),
            "timezone": _timezone(timezone) if timezone is not None else None,
            "active": active,
        },
    )
    session.flush()
    return location


def _discreet_prefix(location: Location, value: str) -> str | None:
    if value == "":
        return None
    prefix = clean_key(value, "discreet_prefix", PREFIX)
    for topic in location.topics:
        if topic.prefix == prefix and topic.discreet:  # its own letter would name it
            raise Duplicate(
                "discreet_prefix_taken",
                field="discreet_prefix",
                location=location.name,
                prefix=prefix,
                topic=topic.name("en"),
            )
    return prefix


# --- topics -----------------------------------------------------------------------------


def _prefix(
    session: Session, location: Location, value: str, topic: Topic | None, discreet: bool
) -> str:
    """A topic's own letter: unique at the location, and not the letter of its neutral
    series while it has discreet topics (``discreet``: the topic will be one)."""
    prefix = clean_key(value, "prefix", PREFIX)
    for other in location.topics:
        if other.prefix == prefix and other is not topic:
            # Two topics with one letter would share one number series (and one code).
            raise Duplicate(
                "prefix_taken",
                field="prefix",
                location=location.name,
                prefix=prefix,
                topic=other.name("en"),
            )
    _not_neutral(location, prefix, topic, discreet)
    return prefix


def _not_neutral(location: Location, prefix: str, topic: Topic | None, discreet: bool) -> None:
    """Refuse ``prefix`` for ``topic`` when it is the location's neutral letter and the
    neutral series is in use (a letter set for it, or a discreet topic after the change):
    a public topic's codes would be mixed into it. Without discreet topics the automatic
    letter simply moves on to the next free one. A letter the manager set is another matter:
    a public topic may hold it, its series then hides the discreet tickets among its own."""
    if location.discreet_prefix is not None:
        if discreet and prefix == location.discreet_prefix:
            raise Duplicate("prefix_neutral", field="prefix", location=location.name, prefix=prefix)
        return
    in_use = discreet or any(t.discreet for t in location.topics if t is not topic)
    if in_use and prefix == neutral_prefix(location):
        raise Duplicate("prefix_neutral", field="prefix", location=location.name, prefix=prefix)


def get_topic(session: Session, location: Location, key: str, field: str | None = None) -> Topic:
    """The topic ``key`` of ``location``, active or not, or NotFound (naming ``field``)."""
    topic = (
        session.scalar(select(Topic).where(Topic.location_id == location.id, Topic.key == key))
        if TOPIC_KEY.matches(key)
        else None
    )
    if topic is None:
        raise NotFound("no_topic", field=field, key=shown(key), location=location.name)
    return topic


def create_topic(
    session: Session,
    location: Location,
    key: str,
    prefix: str,
    names: dict[str, str],
    active: bool = True,
    position: int | None = None,
    discreet: bool = False,
    online_booking: bool = False,
    pictogram: str | None = None,
) -> Topic:
    """A new topic; its ``prefix`` letter (unique at the location) starts its ticket codes.

    A ``discreet`` topic is never named where others can see it (the lobby, the phone, the
    printed ticket say "Counselling") and its tickets are numbered in the location's
    neutral series (``tickets.neutral_prefix``). With ``online_booking`` visitors book its
    appointments themselves on the public booking page (``servicepoint.booking``). Its
    ``pictogram`` (``servicepoint.pictograms``) is shown on its kiosk tile."""
    key = clean_key(key, "key", TOPIC_KEY)
    pictogram = pictograms.check(pictogram)
    if session.scalar(select(Topic).where(Topic.location_id == location.id, Topic.key == key)):
        raise Duplicate("topic_exists", field="key", location=location.name, key=key)
    positions = [t.position for t in location.topics]
    topic = Topic(
        location=location,
        key=key,
        prefix=_prefix(session, location, prefix, None, discreet),
        names=_names(names),
        active=active,
        discreet=discreet,
        online_booking=online_booking,
        pictogram=pictogram,
        position=_in_range(
            position if position is not None else max(positions, default=-1) + 1, "position"
        ),
    )
    session.add(topic)
    session.flush()
    _topics_changed(session, location)
    return topic


def update_topic(
    session: Session,
    topic: Topic,
    prefix: str | None = None,
    names: dict[str, str] | None = None,
    active: bool | None = None,
    position: int | None = None,
    discreet: bool | None = None,
    online_booking: bool | None = None,
    pictogram: str | None = None,
) -> Topic:
    """Change a topic's prefix, names, order, active, discreet or online booking flag or its
    pictogram (``""``: none) (its key stays).

    Tickets already drawn keep their codes; only new ones follow a change of ``discreet``."""
    becomes = topic.discreet if discreet is None else discreet
    picked = pictograms.check(pictogram) if pictogram is not None else topic.pictogram
    if discreet and prefix is None:  # the cover of the discreet series may not become one
        _not_neutral(topic.location, topic.prefix, topic, True)
    _apply(
        topic,
        {
            "prefix": _prefix(session, topic.location, prefix, topic, becomes)
            if prefix is not None
            else None,
            "discreet": discreet,
            "online_booking": online_booking,
            "names": _names(names) if names is not None else None,
            "active": active,
            "position": _in_range(position, "position") if position is not None else None,
        },
    )
    topic.pictogram = picked
    session.flush()
    _topics_changed(session, topic.location)
    return topic


# --- desks ------------------------------------------------------------------------------


def _desk_name(session: Session, location_id: int, name: str, desk: Desk | None) -> str:
    name = _text(name, "name", 100)
    other = session.scalar(select(Desk).where(Desk.location_id == location_id, Desk.name == name))
    if other is not None and other is not desk:
        raise Duplicate("desk_exists", field="name", location=other.location.name, name=name)
    return name


def _desk_names(value: dict[str, str]) -> dict[str, str]:
    """A desk's names in other languages than German (its ``name``); empty ones dropped.

    Digits are written Latin ("الغرفة ٢" becomes "الغرفة 2"): the room's number reads the
    same on the lobby, the phone and the door in every language, as ticket codes do."""
    names: dict[str, str] = {}
    for language, name in value.items():
        language = clean_key(language, "names", NAME_LANGUAGE)
        if language == "de":
            raise InvalidInput("desk_german_name", field="names.de")
        name = clean_text(name, f"names.{language}", 100, required=False)
        if name:
            names[language] = _latin_digits(name)
    return names


def _latin_digits(text: str) -> str:
    """``text`` with every decimal digit of another script as its Latin digit."""
    return "".join(
        str(unicodedata.decimal(c)) if c.isdecimal() and not c.isascii() else c for c in text
    )


def create_desk(
    session: Session,
    location: Location,
    name: str,
    active: bool = True,
    names: dict[str, str] | None = None,
) -> Desk:
    """A new desk (room or counter) shown on the lobby screen by its name (German) and, to
    a visitor of another language, by its name in ``names`` where one is given."""
    positions = [d.position for d in location.desks]
    desk = Desk(
        location=location,
        name=_desk_name(session, location.id, name, None),
        names=_desk_names(names or {}),
        position=max(positions, default=-1) + 1,
        active=active,
    )
    session.add(desk)
    session.flush()
    return desk


def update_desk(
    session: Session,
    desk: Desk,
    name: str | None = None,
    active: bool | None = None,
    position: int | None = None,
    printer_uri: str | None = None,
    printer_profile: str | None = None,
    names: dict[str, str] | None = None,
) -> Desk:
    """Rename (also per language: ``names`` replaces them all), reorder, open or close a
    desk; set or remove its own printer (``printer_uri`` empty: none, the desk prints slips
    and cards on a kiosk's printer)."""
    changes: dict[str, Any] = {
        "name": _desk_name(session, desk.location_id, name, desk) if name is not None else None,
        "names": _desk_names(names) if names is not None else None,
        "active": active,
        "position": _in_range(position, "position") if position is not None else None,
    }
    if printer_uri is not None or printer_profile is not None:
        printer = _desk_printer(
            printer_uri if printer_uri is not None else desk.printer_uri,
            printer_profile if printer_profile is not None else desk.printer_profile,
        )
        if any(printer[key] != getattr(desk, key) for key in printer):
            # what was known of the old printer says nothing of the new one
            changes.update(printer, printer_state="unknown", printer_detail="")
    _apply(desk, changes)
    session.flush()
    if "printer_state" in changes:
        from servicepoint.printing import PrinterChanged

        record(session, PrinterChanged(desk.location_id))
    return desk


def _desk_printer(uri: str, profile: str) -> dict[str, str]:
    """A desk's printer as checked: the server prints on it, so a network or CUPS printer."""
    from printers.connections import parse_printer_uri
    from printers.errors import PrinterConfigError

    uri = check_characters(uri, "printer_uri").strip()
    if uri:
        try:
            scheme = parse_printer_uri(uri).scheme
        except PrinterConfigError as error:
            raise InvalidInput(
                "printer_config", field="printer_uri", reason=error.reason
            ) from error
        if scheme not in {"tcp", "cups", "dummy"}:
            raise InvalidInput("desk_printer_kind", field="printer_uri")
    settings = _printer_settings(PrinterSettings(PrinterMode.NONE, "", profile))
    return {"printer_uri": uri, "printer_profile": settings["printer_profile"]}


# --- staff ------------------------------------------------------------------------------


@dataclass(frozen=True)
class MembershipSpec:
    """A staff member's place at a location as asked for: the role there and the topics
    served (none: all of the location's)."""

    location: Location
    role: str = Role.COUNSELOR
    topic_ids: tuple[int, ...] = ()


def _staff_topics(session: Session, topic_ids: list[int] | tuple[int, ...]) -> list[Topic]:
    if not all(0 < v < 2**31 for v in topic_ids):
        raise InvalidInput("topic_ids", field="topics")
    topics = session.scalars(select(Topic).where(Topic.id.in_(topic_ids))).all()
    if len(topics) != len(set(topic_ids)):
        raise NotFound("unknown_topics", field="topics")
    return list(topics)


def _staff_role(value: str) -> str:
    if value not in STAFF_ROLES:
        raise InvalidInput("staff_role", field="role")
    return value


@dataclass(frozen=True)
class _Place:
    """A membership as it will be: the role at a location and the topics served there."""

    role: str
    topics: list[Topic]


def _places(session: Session, specs: list[MembershipSpec]) -> dict[int, tuple[Location, _Place]]:
    """``specs`` checked (each location once, a membership role, topics of that location),
    by location id."""
    places: dict[int, tuple[Location, _Place]] = {}
    for index, spec in enumerate(specs):
        where = f"memberships.{index}"
        if spec.role not in MEMBERSHIP_ROLES:
            raise InvalidInput("bad_role", field=f"{where}.role")
        if spec.location.id in places:
            raise Duplicate("membership_twice", field=where, location=spec.location.name)
        topics = _staff_topics(session, spec.topic_ids)
        elsewhere = next((t for t in topics if t.location_id != spec.location.id), None)
        if elsewhere is not None:
            raise InvalidInput(
                "topic_elsewhere",
                field=f"{where}.topics",
                key=elsewhere.key,
                location=spec.location.name,
            )
        places[spec.location.id] = (spec.location, _Place(spec.role, topics))
    return places


def every_location(
    session: Session,
    role: str = Role.COUNSELOR,
    topic_ids: list[int] | None = None,
    scope: frozenset[int] | None = None,
) -> list[MembershipSpec]:
    """A membership at every location (of ``scope``, when given) with ``role``, serving the
    given topics where they are (the command line's, the demo's and the older API's
    shorthand)."""
    topics = _staff_topics(session, topic_ids or [])
    return [
        MembershipSpec(location, role, tuple(t.id for t in topics if t.location_id == location.id))
        for location in session.scalars(select(Location).order_by(Location.id))
        if scope is None or location.id in scope
    ]


def get_staff(session: Session, staff_id: int) -> Staff:
    """The staff member with this id, or NotFound."""
    staff = session.get(Staff, staff_id)
    if staff is None:
        raise NotFound("no_staff", id=staff_id)
    return staff


def _assignable(organisation: Organisation | None, current: Organisation | None) -> None:
    if organisation is not None and not organisation.active and organisation is not current:
        raise InvalidInput("organisation_inactive", field="organisation", name=organisation.name)


def create_staff(
    session: Session,
    username: str,
    password: str,
    display_name: str | None = None,
    role: str = Role.STAFF,
    memberships: list[MembershipSpec] | None = None,
    organisation: Organisation | None = None,
) -> Staff:
    """A new staff account; the password is set by a manager and stored only as a hash."""
    username = check_username(username)
    if session.scalar(select(Staff).where(Staff.username == username)):
        raise Duplicate("user_exists", field="username", username=username)
    places = _places(session, memberships or [])
    _assignable(organisation, None)
    staff = Staff(
        username=username,
        display_name=_text(display_name or username, "display_name"),
        role=_staff_role(role),
        memberships=[
            Membership(location=location, role=place.role, topics=place.topics)
            for location, place in places.values()
        ],
        organisation=organisation,
        password_hash=hash_password(password),
    )
    session.add(staff)
    session.flush()
    return staff


KEEP: Any = object()  # "not asked to change" for values where None means something


def update_staff(
    session: Session,
    staff: Staff,
    acting: Staff | None,
    display_name: str | None = None,
    role: str | None = None,
    memberships: list[MembershipSpec] | None = None,
    password: str | None = None,
    active: bool | None = None,
    organisation: Organisation | None = KEEP,
    scope: frozenset[int] | None = None,
) -> Staff:
    """Change a staff member's name, role, memberships, organisation, password or active flag.

    ``memberships`` are the staff member's places at the locations of ``scope`` (None: at
    every location): memberships there not named end, memberships elsewhere stay as they
    are (a location's manager changes only their own locations' staff). ``acting`` is who
    asks (None for the command line): nobody locks themselves out. A change that narrows
    what the staff member may do (a location, a manager's role, topics), a change of the
    admin role either way, a new password or deactivation ends all their sessions.
    """
    changes: dict[str, Any] = {
        "display_name": _text(display_name, "display_name") if display_name is not None else None,
        "role": _staff_role(role) if role is not None else None,
        "password_hash": hash_password(password) if password is not None else None,
        "active": active,
    }
    places = _places(session, memberships) if memberships is not None else None
    if organisation is not KEEP:
        _assignable(organisation, staff.organisation)
    if acting is not None and staff.id == acting.id:
        if active is False:
            raise InvalidInput("self_lockout", field="active")
        if acting.is_admin and role is not None and role != Role.ADMIN:
            raise InvalidInput("self_lockout", field="role")
        if (
            places is not None
            and not acting.is_admin
            and _drops_own_management(staff, places, scope)
        ):
            raise InvalidInput("self_lockout", field="memberships")
    before = _access_of(staff)
    _apply(staff, changes)
    if organisation is not KEEP:
        staff.organisation = organisation
    if places is not None:
        _place(session, staff, places, scope)
    session.flush()
    # What takes access away ends every session of the staff member at once.
    revoked = (
        "password_changed"
        if password is not None
        else "deactivated"
        if active is False and before.active
        else "role_changed"
        if before.admin != staff.is_admin or _narrower(before, _access_of(staff))
        else None
    )
    if revoked is not None:
        from servicepoint.sessions import end_all_sessions

        end_all_sessions(session, staff, revoked)
    return staff


def _drops_own_management(
    staff: Staff, places: dict[int, tuple[Location, _Place]], scope: frozenset[int] | None
) -> bool:
    """Whether a location's manager would give up managing one of the locations they manage
    (they would lose this page's access to it)."""
    for membership in staff.memberships:
        if membership.role != Role.MANAGER:
            continue
        if scope is not None and membership.location_id not in scope:
            continue
        place = places.get(membership.location_id)
        if place is None or place[1].role != Role.MANAGER:
            return True
    return False


def _place(
    session: Session,
    staff: Staff,
    places: dict[int, tuple[Location, _Place]],
    scope: frozenset[int] | None,
) -> None:
    """Make ``staff``'s memberships in ``scope`` those of ``places`` (rows kept where the
    location stays: (staff, location) is unique); memberships outside ``scope`` stay."""
    for membership in list(staff.memberships):
        if scope is not None and membership.location_id not in scope:
            continue
        if membership.location_id not in places:
            staff.memberships.remove(membership)
    session.flush()  # the ended rows go first
    for location_id, (location, place) in places.items():
        kept = staff.membership(location_id)
        if kept is None:
            staff.memberships.append(
                Membership(location=location, role=place.role, topics=place.topics)
            )
        else:
            kept.role = place.role
            kept.topics = place.topics


@dataclass(frozen=True)
class _Access:
    """What a staff member may do, as far as a change can take it away."""

    active: bool
    admin: bool
    places: dict[int, tuple[str, frozenset[int]]]  # location id → (role, topic ids; none: all)


def _access_of(staff: Staff) -> _Access:
    return _Access(
        staff.active,
        staff.is_admin,
        {m.location_id: (m.role, frozenset(t.id for t in m.topics)) for m in staff.memberships},
    )


def _narrower(old: _Access, new: _Access) -> bool:
    """Whether ``new`` takes away anything ``old`` allowed (the admin role, a location, a
    manager's role, a topic, or "all topics")."""
    if old.admin and not new.admin:
        return True
    for location_id, (role, had) in old.places.items():
        now = new.places.get(location_id)
        if now is None or (role == Role.MANAGER and now[0] != Role.MANAGER):
            return True
        has = now[1]
        if (not had and has) or (had and has and not has >= had):
            return True
    return False


def membership_json(membership: Membership) -> dict[str, Any]:
    return {
        "location": membership.location.slug,
        "role": membership.role,
        "topics": [t.key for t in membership.topics],
    }


def set_staff_language(staff: Staff, language: str) -> Staff:
    """Keep ``language`` (one of ``i18n.STAFF_LANGUAGES``) as the language of ``staff``'s
    pages; InvalidInput naming ``language`` for any other value."""
    if language not in STAFF_LANGUAGES:
        raise InvalidInput("staff_language", field="language", languages=", ".join(STAFF_LANGUAGES))
    staff.language = language
    return staff


def staff_json(staff: Staff, scope: frozenset[int] | None = None) -> dict[str, Any]:
    """A staff account as a manager sees it: only the memberships at the locations of
    ``scope`` (None: all of them)."""
    return {
        "id": staff.id,
        "username": staff.username,
        "display_name": staff.display_name,
        "role": staff.role,
        "active": staff.active,
        "language": staff.language,
        "organisation": organisation_json(staff.organisation) if staff.organisation else None,
        "memberships": [
            membership_json(m) for m in staff.memberships if scope is None or m.location_id in scope
        ],
    }


# --- organisations ----------------------------------------------------------------------


def get_organisation(session: Session, organisation_id: int) -> Organisation:
    """The organisation with this id, or NotFound."""
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound("no_organisation", field="organisation", id=organisation_id)
    return organisation


def _organisation_name(session: Session, value: str, organisation: Organisation | None) -> str:
    name = _text(value, "name")
    taken = session.scalar(
        select(Organisation).where(func.lower(Organisation.name) == name.lower())
    )
    if taken is not None and taken is not organisation:
        raise Duplicate("organisation_exists", field="name", name=taken.name)
    return name


def create_organisation(
    session: Session, name: str, short_name: str, active: bool = True
) -> Organisation:
    """A new organisation (a welfare organisation or a city department) staff belong to; its
    name is unique (whatever the case), its short name is what lists show."""
    organisation = Organisation(
        name=_organisation_name(session, name, None),
        short_name=_text(short_name, "short_name", 40),
        active=active,
    )
    session.add(organisation)
    session.flush()
    return organisation


def update_organisation(
    session: Session,
    organisation: Organisation,
    name: str | None = None,
    short_name: str | None = None,
    active: bool | None = None,
) -> Organisation:
    """Rename an organisation or switch it off (its staff keep it; nobody new is given it)."""
    _apply(
        organisation,
        {
            "name": _organisation_name(session, name, organisation) if name is not None else None,
            "short_name": _text(short_name, "short_name", 40) if short_name is not None else None,
            "active": active,
        },
    )
    session.flush()
    return organisation


def organisations(session: Session) -> list[Organisation]:
    """Every organisation, by name."""
    return list(session.scalars(select(Organisation).order_by(Organisation.name)))


def organisation_json(organisation: Organisation) -> dict[str, Any]:
    return {
        "id": organisation.id,
        "name": organisation.name,
        "short_name": organisation.short_name,
        "active": organisation.active,
    }


# --- kiosks and their printers ----------------------------------------------------------


@dataclass(frozen=True)
class PrinterSettings:
    """Where a kiosk's tickets are printed: mode, the printer's URI and its profile."""

    mode: str = PrinterMode.NONE
    uri: str = ""
    profile: str = "TM-T20II"


def _printer_settings(settings: PrinterSettings) -> dict[str, Any]:
    from printers.connections import check_profile, parse_printer_uri
    from printers.errors import PrinterConfigError

    if settings.mode not in {m.value for m in PrinterMode}:
        raise InvalidInput("printer_mode", field="printer_mode")
    uri = check_characters(settings.uri, "printer_uri").strip()
    profile = check_characters(settings.profile, "printer_profile").strip()
    try:
        check_profile(profile)
    except PrinterConfigError as error:
        raise InvalidInput(
            "printer_config", field="printer_profile", reason=error.reason
        ) from error
    if settings.mode != PrinterMode.NONE:
        if not uri:
            raise InvalidInput("printer_address_needed", field="printer_uri")
        try:
            address = parse_printer_uri(uri)
        except PrinterConfigError as error:
            raise InvalidInput(
                "printer_config", field="printer_uri", reason=error.reason
            ) from error
        if settings.mode == PrinterMode.SERVER and address.scheme not in {"tcp", "cups", "dummy"}:
            raise InvalidInput("server_printer_kind", field="printer_uri")
    return {"printer_mode": settings.mode, "printer_uri": uri, "printer_profile": profile}


def get_kiosk(session: Session, kiosk_id: int) -> Kiosk:
    """The kiosk with this id, or NotFound."""
    kiosk = session.get(Kiosk, kiosk_id)
    if kiosk is None:
        raise NotFound("no_kiosk", id=kiosk_id)
    return kiosk


def _kiosk_name(session: Session, location: Location, name: str, kiosk: Kiosk | None) -> str:
    name = _text(name, "name", 100)
    other = session.scalar(
        select(Kiosk).where(Kiosk.location_id == location.id, Kiosk.name == name)
    )
    if other is not None and other is not kiosk:
        raise Duplicate("kiosk_exists", field="name", location=location.name, name=name)
    return name


def create_kiosk(
    session: Session, location: Location, name: str, printer: PrinterSettings | None = None
) -> tuple[Kiosk, str]:
    """A new kiosk and its token (shown once; only its hash is kept)."""
    from servicepoint.printing import new_token

    name = _kiosk_name(session, location, name, None)
    settings = _printer_settings(printer or PrinterSettings())
    token, token_hash = new_token()
    kiosk = Kiosk(location=location, name=name, token_hash=token_hash, **settings)
    session.add(kiosk)
    session.flush()
    return kiosk, token


def update_kiosk(
    session: Session,
    kiosk: Kiosk,
    name: str | None = None,
    active: bool | None = None,
    printer_mode: str | None = None,
    printer_uri: str | None = None,
    printer_profile: str | None = None,
    new_token: bool = False,
) -> tuple[Kiosk, str | None]:
    """Rename, switch on or off, change the printer; ``new_token`` replaces the token."""
    from servicepoint.printing import PrinterChanged
    from servicepoint.printing import new_token as make_token

    settings = _printer_settings(
        PrinterSettings(
            printer_mode if printer_mode is not None else kiosk.printer_mode,
            printer_uri if printer_uri is not None else kiosk.printer_uri,
            printer_profile if printer_profile is not None else kiosk.printer_profile,
        )
    )
    changes: dict[str, Any] = {
        **settings,
        "name": _kiosk_name(session, kiosk.location, name, kiosk) if name is not None else None,
        "active": active,
    }
    token = None
    if new_token:
        token, changes["token_hash"] = make_token()
    printer_changed = any(settings[key] != getattr(kiosk, key) for key in settings)
    _apply(kiosk, changes)
    if printer_changed:  # what was known of the old printer says nothing of the new one
        kiosk.printer_state, kiosk.printer_detail, kiosk.printer_checked_at = "unknown", "", None
    session.flush()
    record(session, PrinterChanged(kiosk.location_id))
    if new_token or active is False:  # the old token, or the kiosk, stops working now
        from servicepoint.printing import KioskRevoked

        record(session, KioskRevoked(kiosk.location_id, kiosk.id))
    return kiosk, token
