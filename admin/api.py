"""Staff JSON API: sign-in, the queue, calling and moving tickets, and management.

Every view asks ``require`` (the one access check) before it reads or changes anything,
parses its input into typed values and calls one domain verb.
"""

from __future__ import annotations

from typing import Any, cast

from flask import Response, current_app, jsonify, request
from sqlalchemy import select

from admin import api_bp as api
from admin.language import remember
from servicepoint import (
    access,
    auth,
    desks,
    discreet,
    manage,
    offer,
    printing,
    snapshots,
    throttle,
    tickets,
)
from servicepoint.access import Permission
from servicepoint.errors import AdminsOnly, InvalidInput, NotFound, NotSignedIn
from servicepoint.models import Kiosk, Location, Role, Staff
from servicepoint.text import LANGUAGE, TOPIC_KEY, clean_key
from servicepoint.web import (
    client_address,
    current_staff,
    database,
    db_session,
    estimates,
    field,
    json_body,
    lan_url,
    order_inputs,
    require,
    sign_in,
    sign_out,
    status_url,
)

# Endpoints anyone may use; every other one answers 401 before it looks anything up, so
# nothing about the installation is told to someone who is not signed in.
PUBLIC = {"sign_in_view", "sign_out_view", "desks_view", "locations"}


@api.before_request
def _signed_in_first() -> None:
    endpoint = (request.endpoint or "").rsplit(".", 1)[-1]
    if endpoint not in PUBLIC and current_staff() is None:
        raise NotSignedIn("not_signed_in")


# --- session ----------------------------------------------------------------------------


def _me(staff: Staff) -> dict[str, Any]:
    """The signed-in staff member: their memberships, what they may do anywhere
    (``permissions``) and at each location they may act at (``locations``: slug → the
    permissions there; an admin's are every location's)."""
    session = db_session()
    where = (
        session.scalars(select(Location).order_by(Location.name))
        if staff.is_admin
        else [m.location for m in staff.memberships]
    )
    return {
        **manage.staff_json(staff),
        "is_admin": staff.is_admin,
        "is_manager": staff.is_manager,
        "permissions": [p.value for p in access.permissions(staff)],
        "locations": {
            location.slug: [p.value for p in access.permissions(staff, location)]
            for location in where
        },
    }


@api.post("/session")
def sign_in_view():
    """``{"username", "password"}`` → the staff member, with a session cookie for later calls.

    Throttled per address and account (``servicepoint.throttle``: 429 with ``Retry-After``);
    503 when too many passwords are being checked at once.
    """
    body = json_body()
    staff_id = auth.authenticate(
        database(),
        field(body, "username", str),
        field(body, "password", str, max_length=1000),
        client_address(),
        throttle.SignInLimits.from_settings(current_app.config),
        _password_checks(),
    )
    staff = manage.get_staff(db_session(), staff_id)
    sign_in(staff)
    return _me(staff)


def _password_checks() -> auth.PasswordChecks:
    """This app's bound on concurrent password checks (made at its first sign-in)."""
    checks: auth.PasswordChecks = current_app.extensions.setdefault(
        "servicepoint.password_checks",
        auth.PasswordChecks(
            int(current_app.config["PASSWORD_CHECKS"]),
            float(current_app.config["PASSWORD_CHECK_WAIT"]),
        ),
    )
    return checks


@api.delete("/session")
def sign_out_view():
    """End the session."""
    sign_out()
    return Response(status=204)


@api.get("/session")
def whoami():
    """The signed-in staff member (401 when nobody is), with where they work."""
    staff = current_staff()
    if staff is None:
        raise NotSignedIn("not_signed_in")
    return _me(staff)


@api.patch("/me")
def update_me():
    """``{"language": "de"|"en"}``: the language of the signed-in staff member's pages, kept
    on their account (every device, after signing out too) and in this browser's cookie."""
    staff = current_staff()
    if staff is None:
        raise NotSignedIn("not_signed_in")
    body = json_body()
    language = field(body, "language", str, max_length=8)
    manage.set_staff_language(staff, language)
    return remember(jsonify(_me(staff)), language)


# --- queue ------------------------------------------------------------------------------


def _idle() -> int:
    """Minutes after which a desk's occupant counts as gone (``DESK_IDLE_MINUTES``)."""
    return int(current_app.config["DESK_IDLE_MINUTES"])


@api.get("/locations/<slug>/desks")
def desks_view(slug: str):
    """The location's desks (rooms or counters); who sits at each only for the staff who
    may see the location's queue."""
    session = db_session()
    location = tickets.get_location(session, slug)
    if access.allowed(current_staff(), Permission.VIEW_QUEUE, location):
        return {"desks": snapshots.desks_json(session, location, _idle())}
    return {"desks": [{"id": d.id, "name": d.name, "active": d.active} for d in location.desks]}


@api.get("/locations/<slug>/queue")
def queue(slug: str):
    """Today's waiting tickets in calling order and the tickets at desks, as the signed-in
    staff member sees them: each with its ``moves``, ``served``, and the queue's ``next_id``;
    the desks with who sits at each."""
    session = db_session()
    location = tickets.get_location(session, slug)
    staff = require(Permission.VIEW_QUEUE, location)
    return snapshots.staff_queue(session, location, staff, _idle(), **order_inputs(location))


@api.post("/desks/<id:desk_id>/occupy")
def occupy_desk(desk_id: int):
    """Sit down at the desk (``{"take_over": true}`` to replace whoever sits there); the
    desk with its occupant. 409 ``desk_taken`` while someone else sits there."""
    session = db_session()
    desk = tickets.get_desk(session, desk_id, for_update=True)
    staff = require(Permission.MOVE_TICKETS, desk.location)
    body = json_body() if request.content_length else {}
    take_over = field(body, "take_over", bool, default=False)
    desks.occupy(session, desk, staff, take_over=take_over, idle_minutes=_idle())
    return snapshots.desk_json(desk, _idle())


@api.delete("/desks/<id:desk_id>/occupy")
def leave_desk(desk_id: int):
    """Leave the desk (nothing happens when the staff member does not sit there)."""
    session = db_session()
    desk = tickets.get_desk(session, desk_id, for_update=True)
    staff = require(Permission.MOVE_TICKETS, desk.location)
    desks.leave(session, desk, staff)
    return snapshots.desk_json(desk, _idle())


@api.post("/desks/<id:desk_id>/call-next")
def call_next(desk_id: int):
    """Call the next waiting ticket of the counselor's topics to this desk (only its
    occupant; a free desk becomes the caller's)."""
    session = db_session()
    desk = tickets.get_desk(session, desk_id, for_update=True)
    staff = require(Permission.MOVE_TICKETS, desk.location)
    ticket = tickets.call_next(
        session, desk, staff, idle_minutes=_idle(), **order_inputs(desk.location)
    )
    return snapshots.staff_ticket_json(ticket, staff)


@api.post("/desks/<id:desk_id>/call")
def call_chosen(desk_id: int):
    """``{"ticket_id": n}``: call a chosen waiting ticket out of order."""
    session = db_session()
    body = json_body()
    desk = tickets.get_desk(session, desk_id, for_update=True)
    staff = require(Permission.MOVE_TICKETS, desk.location)
    ticket = tickets.get_ticket(session, field(body, "ticket_id", int), for_update=True)
    tickets.call_ticket(session, ticket, desk, staff, idle_minutes=_idle())
    return snapshots.staff_ticket_json(ticket, staff)


# The moves of a ticket; one called to or served at a desk only the desk's occupant makes.
MOVES: dict[str, Any] = {
    "recall": tickets.recall,
    "start": tickets.start,
    "finish": tickets.finish,
    "no-show": tickets.no_show,
    "requeue": tickets.requeue,
    "cancel": tickets.cancel,
}


@api.post("/tickets/<id:ticket_id>/<move>")
def move_ticket(ticket_id: int, move: str):
    """recall | start | finish | no-show | requeue | cancel | transfer (``{"topic": key}``)."""
    session = db_session()
    ticket = tickets.get_ticket(session, ticket_id, for_update=True)
    staff = require(Permission.MOVE_TICKETS, ticket.location)
    if move == "transfer":
        key = clean_key(field(json_body(), "topic", str, max_length=64), "topic", TOPIC_KEY)
        topic = tickets.get_topic(session, ticket.location, key)
        tickets.transfer(session, ticket, topic, staff, idle_minutes=_idle())
    elif move in MOVES:
        MOVES[move](session, ticket, staff, idle_minutes=_idle())
    else:
        raise NotFound("no_move", move=move[:40], moves=", ".join([*MOVES, "transfer"]))
    return snapshots.staff_ticket_json(ticket, staff)


@api.get("/tickets/<id:ticket_id>/events")
def ticket_history(ticket_id: int):
    """Every state change of a ticket: when, what, who, which desk."""
    session = db_session()
    ticket = tickets.get_ticket(session, ticket_id)
    staff = require(Permission.VIEW_QUEUE, ticket.location)
    return snapshots.ticket_history(session, ticket, staff)


# --- management (managers) --------------------------------------------------------------


def _names(body: dict[str, Any], default: Any = ...) -> dict[str, str] | None:
    names = cast("dict[Any, Any] | None", field(body, "names", dict, default=default))
    if names is None:
        return None
    if not names or not all(isinstance(k, str) and isinstance(v, str) for k, v in names.items()):
        raise InvalidInput("names_object", field="names")
    return names


def _topic_ids(body: dict[str, Any], default: Any = ...) -> list[int] | None:
    ids = cast("list[Any] | None", field(body, "topics", list, default=default))
    if ids is None:
        return None
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in ids):
        raise InvalidInput("topic_ids", field="topics")
    return ids


@api.get("/locations")
def locations():
    """All active locations; ``?all=1`` also lists inactive ones, of those the signed-in
    staff member manages (an admin: all)."""
    session = db_session()
    query = select(Location).order_by(Location.name)
    if request.args.get("all") == "1":
        scope = access.managed_location_ids(require(Permission.MANAGE))
        if scope is not None:
            query = query.where(Location.id.in_(scope))
    else:
        query = query.where(Location.active)
    return {
        "locations": [
            {**snapshots.location_json(loc), "active": loc.active} for loc in session.scalars(query)
        ]
    }


@api.post("/locations")
def create_location():
    """``{"slug", "name", "address"?, "timezone"?}`` (admins)."""
    require(Permission.ADMINISTER)
    body = json_body()
    location = manage.create_location(
        db_session(),
        slug=field(body, "slug", str, max_length=64),
        name=field(body, "name", str),
        address=field(body, "address", str, default="", max_length=300),
        timezone=field(body, "timezone", str, default="Europe/Berlin", max_length=64),
    )
    return snapshots.location_json(location), 201


@api.patch("/locations/<slug>")
def update_location(slug: str):
    """Any of ``name``, ``address``, ``timezone``, ``active``, ``discreet_prefix`` (the
    letter of the neutral series of discreet topics; "" or null: chosen automatically)."""
    session = db_session()
    location = manage.get_location_any(session, slug)
    require(Permission.MANAGE, location)
    body = json_body()
    manage.update_location(
        session,
        location,
        name=field(body, "name", str, default=None),
        address=field(body, "address", str, default=None, max_length=300),
        timezone=field(body, "timezone", str, default=None, max_length=64),
        active=field(body, "active", bool, default=None),
        discreet_prefix=_discreet_prefix(body),
    )
    return {**snapshots.location_json(location), **_neutral_series(location)}


def _discreet_prefix(body: dict[str, Any]) -> str | None:
    """The body's ``discreet_prefix``: None when not asked for, "" for automatic."""
    if "discreet_prefix" not in body:
        return None
    value = field(body, "discreet_prefix", str, default=None, max_length=8)
    return value or ""


def _neutral_series(location: Location) -> dict[str, Any]:
    """The letter set for the neutral series (None: automatic) and the one used now."""
    return {
        "discreet_prefix": location.discreet_prefix,
        "neutral_prefix": discreet.neutral_prefix(location),
    }


@api.get("/locations/<slug>/topics/all")
def all_topics(slug: str):
    """Every topic of a location, inactive ones included, with ids (for managers), each with
    whether the kiosk offers it now (``open``, ``next_open``: ``servicepoint.offer``)."""
    session = db_session()
    location = tickets.get_location(session, slug)
    require(Permission.MANAGE, location)
    offered = offer.location_offer(
        session,
        location,
        offer.Hours.from_settings(current_app.config),
        estimates=estimates(location),
    )
    return {
        "topics": [
            {"id": t.id, **snapshots.topic_json(t), **offered.of(t).json()} for t in location.topics
        ],
        **_neutral_series(location),
    }


@api.post("/locations/<slug>/topics")
def create_topic(slug: str):
    """``{"key", "prefix", "names": {"de": …}, "active"?, "position"?, "discreet"?,
    "online_booking"?, "pictogram"?}``."""
    session = db_session()
    location = tickets.get_location(session, slug)
    require(Permission.MANAGE, location)
    body = json_body()
    names = _names(body)
    assert names is not None
    topic = manage.create_topic(
        session,
        location,
        key=field(body, "key", str, max_length=64),
        prefix=field(body, "prefix", str, max_length=8),
        names=names,
        active=field(body, "active", bool, default=True),
        position=field(body, "position", int, default=None),
        discreet=field(body, "discreet", bool, default=False),
        online_booking=field(body, "online_booking", bool, default=False),
        pictogram=_pictogram(body) or None,
    )
    return {"id": topic.id, **snapshots.topic_json(topic)}, 201


@api.patch("/locations/<slug>/topics/<key>")
def update_topic(slug: str, key: str):
    """Any of ``prefix``, ``names``, ``active``, ``position``, ``discreet``,
    ``online_booking``, ``pictogram`` (``null`` or ``""``: none)."""
    session = db_session()
    location = tickets.get_location(session, slug)
    require(Permission.MANAGE, location)
    topic = manage.get_topic(session, location, key)
    body = json_body()
    manage.update_topic(
        session,
        topic,
        prefix=field(body, "prefix", str, default=None, max_length=8),
        names=_names(body, default=None),
        active=field(body, "active", bool, default=None),
        position=field(body, "position", int, default=None),
        discreet=field(body, "discreet", bool, default=None),
        online_booking=field(body, "online_booking", bool, default=None),
        pictogram=_pictogram(body),
    )
    return {"id": topic.id, **snapshots.topic_json(topic)}


def _pictogram(body: dict[str, Any]) -> str | None:
    """The pictogram asked for: its key, ``""`` for none (``null`` too), None if not asked."""
    if "pictogram" not in body:
        return None
    return field(body, "pictogram", str, default="", max_length=32)


def _desk_names(body: dict[str, Any]) -> dict[str, str] | None:
    names = cast("dict[Any, Any] | None", field(body, "names", dict, default=None))
    if names is None:
        return None
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in names.items()):
        raise InvalidInput("names_object", field="names")
    return names


@api.post("/locations/<slug>/desks")
def create_desk(slug: str):
    """``{"name", "active"?, "names"?: {"ar": …}}`` (its name per language besides German)."""
    session = db_session()
    location = tickets.get_location(session, slug)
    require(Permission.MANAGE, location)
    body = json_body()
    desk = manage.create_desk(
        session,
        location,
        name=field(body, "name", str, max_length=100),
        active=field(body, "active", bool, default=True),
        names=_desk_names(body),
    )
    return snapshots.desk_json(desk, _idle()), 201


@api.patch("/desks/<id:desk_id>")
def update_desk(desk_id: int):
    """Any of ``name``, ``names`` (per language besides German; replaces them all),
    ``active``, ``position``, ``printer_uri`` (``""``: none), ``printer_profile``."""
    session = db_session()
    desk = tickets.get_desk(session, desk_id)
    require(Permission.MANAGE, desk.location)
    body = json_body()
    manage.update_desk(
        session,
        desk,
        name=field(body, "name", str, default=None, max_length=100),
        active=field(body, "active", bool, default=None),
        position=field(body, "position", int, default=None),
        printer_uri=field(body, "printer_uri", str, default=None, max_length=300),
        printer_profile=field(body, "printer_profile", str, default=None, max_length=64),
        names=_desk_names(body),
    )
    return snapshots.desk_json(desk, _idle())


@api.get("/staff")
def staff_list():
    """The staff an admin or a location's manager manages: admins see everyone, a manager
    those with a membership at a location they manage, and only those memberships."""
    acting = require(Permission.MANAGE)
    scope = access.managed_location_ids(acting)
    rows = db_session().scalars(select(Staff).order_by(Staff.username))
    return {
        "staff": [
            manage.staff_json(s, scope)
            for s in rows
            if s.id == acting.id or access.may_see_staff(acting, s)
        ]
    }


LEGACY_ROLES = {"counselor", "manager"}


def _staff_role(body: dict[str, Any], acting: Staff) -> tuple[str | None, str | None]:
    """The staff member's own role (``admin``, ``staff``; None: not given) and, for the
    older ``"role": "counselor"|"manager"``, the role they then get at every location the
    acting staff member manages. Only admins make admins."""
    role = field(body, "role", str, default=None, max_length=16)
    if role in LEGACY_ROLES:
        return Role.STAFF, role
    if role == Role.ADMIN and not acting.is_admin:
        raise AdminsOnly("admins_make_admins", field="role")
    if role == Role.REPORTING and not acting.is_admin:
        raise AdminsOnly("admins_make_reporting", field="role")
    return role, None


def _membership_specs(
    body: dict[str, Any], legacy_role: str | None, acting: Staff, staff: Staff | None
) -> list[manage.MembershipSpec] | None:
    """The memberships asked for (None: no change), each at a location ``acting`` manages
    (403 ``not_manager`` naming it otherwise). The older shorthand (``"role"`` or a list of
    topic ids in ``"topics"``) stands for every location ``acting`` manages; a role not given
    there keeps the one the staff member has (counselor where they are new)."""
    session = db_session()
    scope = access.managed_location_ids(acting)
    raw = cast("list[Any] | None", field(body, "memberships", list, default=None))
    if raw is None:
        if legacy_role is None and "topics" not in body:
            return None
        topic_ids = _topic_ids(body, default=None)
        specs = []
        for spec in manage.every_location(session, Role.COUNSELOR, topic_ids or [], scope):
            before = staff.membership(spec.location.id) if staff is not None else None
            role = legacy_role or (before.role if before else Role.COUNSELOR)
            served = (
                spec.topic_ids
                if topic_ids is not None
                else tuple(t.id for t in before.topics)
                if before
                else ()
            )
            specs.append(manage.MembershipSpec(spec.location, role, served))
        return specs
    specs = []
    for index, item in enumerate(raw):
        where = f"memberships.{index}"
        if not isinstance(item, dict):
            raise InvalidInput("membership_object", field=where)
        location = manage.get_location_any(
            session, field(item, "location", str, max_length=64, label=f"{where}.location")
        )
        access.require_manages(acting, location, field=f"{where}.location")
        keys: list[Any] = field(item, "topics", list, default=[], label=f"{where}.topics")
        if not all(isinstance(k, str) for k in keys):
            raise InvalidInput("topic_keys", field=f"{where}.topics")
        topics = [manage.get_topic(session, location, k, f"{where}.topics") for k in keys]
        specs.append(
            manage.MembershipSpec(
                location,
                field(item, "role", str, default="counselor", max_length=16, label=f"{where}.role"),
                tuple(t.id for t in topics),
            )
        )
    return specs


def _organisation(body: dict[str, Any]) -> Any:
    if "organisation" not in body:
        return manage.KEEP
    value = body["organisation"]
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 2**31:
        raise InvalidInput("organisation_id", field="organisation")
    return manage.get_organisation(db_session(), value)


@api.post("/staff")
def create_staff():
    """``{"username", "password", "display_name"?, "role"?: "staff"|"admin",
    "organisation"?: id, "memberships"?: [{"location": slug, "role": "counselor"|"manager",
    "topics": [keys]}]}``; a location's manager gives memberships at their locations only."""
    acting = require(Permission.MANAGE)
    body = json_body()
    role, legacy = _staff_role(body, acting)
    organisation = _organisation(body)
    memberships = _membership_specs(body, legacy, acting, None)
    if not acting.is_admin and not memberships:
        # An account without a place at the manager's locations would be out of their sight.
        raise InvalidInput("membership_needed", field="memberships")
    staff = manage.create_staff(
        db_session(),
        username=field(body, "username", str, max_length=64),
        password=field(body, "password", str, max_length=1000),
        display_name=field(body, "display_name", str, default=None),
        role=role or Role.STAFF,
        memberships=memberships,
        organisation=None if organisation is manage.KEEP else organisation,
    )
    return manage.staff_json(staff, access.managed_location_ids(acting)), 201


@api.patch("/staff/<id:staff_id>")
def update_staff(staff_id: int):
    """Any of ``display_name``, ``role``, ``organisation``, ``memberships``, ``password``,
    ``active``, ``language`` (of their staff pages). A location's manager changes only
    non-admins with a membership at a location they manage, and only the memberships there
    (the others stay)."""
    session = db_session()
    acting = require(Permission.MANAGE)
    staff = manage.get_staff(session, staff_id)
    access.require_manages_staff(acting, staff)
    body = json_body()
    for name in ("password", "active", "display_name", "organisation", "language"):
        if body.get(name) is not None or (name == "organisation" and name in body):
            access.require_manages_account(acting, staff, name)
    role, legacy = _staff_role(body, acting)
    scope = access.managed_location_ids(acting)
    manage.update_staff(
        session,
        staff,
        acting,
        display_name=field(body, "display_name", str, default=None),
        role=role,
        memberships=_membership_specs(body, legacy, acting, staff),
        password=field(body, "password", str, default=None, max_length=1000),
        active=field(body, "active", bool, default=None),
        organisation=_organisation(body),
        scope=scope,
    )
    language = field(body, "language", str, default=None, max_length=8)
    if language is not None:
        manage.set_staff_language(staff, language)
    return manage.staff_json(staff, scope)


# --- organisations (admins) -------------------------------------------------------------


@api.get("/organisations")
def organisations_list():
    """Every organisation, inactive ones included (whoever manages staff picks from them)."""
    require(Permission.MANAGE)
    return {
        "organisations": [manage.organisation_json(o) for o in manage.organisations(db_session())]
    }


@api.post("/organisations")
def create_organisation():
    """``{"name", "short_name", "active"?}`` (admins)."""
    require(Permission.ADMINISTER)
    body = json_body()
    organisation = manage.create_organisation(
        db_session(),
        name=field(body, "name", str),
        short_name=field(body, "short_name", str, max_length=40),
        active=field(body, "active", bool, default=True),
    )
    return manage.organisation_json(organisation), 201


@api.patch("/organisations/<id:organisation_id>")
def update_organisation(organisation_id: int):
    """Any of ``name``, ``short_name``, ``active`` (admins)."""
    require(Permission.ADMINISTER)
    session = db_session()
    organisation = manage.get_organisation(session, organisation_id)
    body = json_body()
    manage.update_organisation(
        session,
        organisation,
        name=field(body, "name", str, default=None),
        short_name=field(body, "short_name", str, default=None, max_length=40),
        active=field(body, "active", bool, default=None),
    )
    return manage.organisation_json(organisation)


# --- kiosks and printers (managers) -----------------------------------------------------


def _kiosk(kiosk_id: int) -> Kiosk:
    kiosk = manage.get_kiosk(db_session(), kiosk_id)
    require(Permission.MANAGE, kiosk.location)
    return kiosk


def _with_token(kiosk: Kiosk, token: str) -> dict[str, Any]:
    """The kiosk with its token, its screen's address and the agent's command: shown once.
    Both name the server as the centre's own devices reach it (never the public host)."""
    screen = lan_url(f"/kiosk/{kiosk.location.slug}?kiosk={token}")
    return {
        **printing.kiosk_json(kiosk),
        "token": token,
        "screen_url": screen,
        "agent_command": (
            f"servicepoint-print-agent --server {lan_url('/').rstrip('/')} "
            f"--kiosk {token} --printer {kiosk.printer_uri or 'usb://VID:PID'} "
            f"--profile {kiosk.printer_profile}"
        ),
    }


@api.get("/locations/<slug>/kiosks")
def kiosks(slug: str):
    """The location's kiosks and their printers' states."""
    session = db_session()
    location = tickets.get_location(session, slug)
    require(Permission.MANAGE, location)
    rows = session.scalars(
        select(Kiosk).where(Kiosk.location_id == location.id).order_by(Kiosk.name)
    )
    return {"kiosks": [printing.kiosk_json(k) for k in rows]}


@api.post("/locations/<slug>/kiosks")
def create_kiosk(slug: str):
    """``{"name", "printer_mode": none|server|agent, "printer_uri", "printer_profile"}``."""
    session = db_session()
    location = tickets.get_location(session, slug)
    require(Permission.MANAGE, location)
    body = json_body()
    kiosk, token = manage.create_kiosk(
        session,
        location,
        name=field(body, "name", str, max_length=100),
        printer=manage.PrinterSettings(
            mode=field(body, "printer_mode", str, default="none", max_length=8),
            uri=field(body, "printer_uri", str, default="", max_length=300),
            profile=field(body, "printer_profile", str, default="TM-T20II", max_length=64),
        ),
    )
    return _with_token(kiosk, token), 201


@api.patch("/kiosks/<id:kiosk_id>")
def update_kiosk(kiosk_id: int):
    """Change name, printer or active flag; ``"new_token": true`` issues a new token."""
    session = db_session()
    kiosk = _kiosk(kiosk_id)
    body = json_body()
    kiosk, token = manage.update_kiosk(
        session,
        kiosk,
        name=field(body, "name", str, default=None, max_length=100),
        active=field(body, "active", bool, default=None),
        printer_mode=field(body, "printer_mode", str, default=None, max_length=8),
        printer_uri=field(body, "printer_uri", str, default=None, max_length=300),
        printer_profile=field(body, "printer_profile", str, default=None, max_length=64),
        new_token=field(body, "new_token", bool, default=False),
    )
    return _with_token(kiosk, token) if token else printing.kiosk_json(kiosk)


@api.post("/kiosks/<id:kiosk_id>/test-print")
def test_print(kiosk_id: int):
    """Print a sample ticket (``{"language": "ar"}`` optional) on the kiosk's printer."""
    session = db_session()
    kiosk = _kiosk(kiosk_id)
    body = json_body() if request.content_length else {}
    language = clean_key(
        field(body, "language", str, default="de", max_length=8), "language", LANGUAGE
    )
    sample = printing.sample_print(
        language, kiosk.location.name, status_url("test-ticket"), code="T001"
    )
    job = printing.queue_print(session, kiosk, None, sample)
    if job is None:
        raise InvalidInput("no_printer", kiosk=kiosk.name)
    return printing.job_json(job), 202


@api.get("/kiosks/<id:kiosk_id>/jobs")
def print_jobs(kiosk_id: int):
    """The kiosk's last 50 print jobs, failures with their reasons."""
    return {"jobs": printing.job_log(db_session(), _kiosk(kiosk_id))}


@api.get("/printers/preview.png")
def print_preview():
    """A sample ticket as printed, ``?language=ar&location=<slug>``: what visitors get."""
    language = clean_key(request.args.get("language", "de"), "language", LANGUAGE)
    slug = request.args.get("location")
    location = tickets.get_location(db_session(), slug) if slug else None
    require(Permission.MANAGE, location)
    name = location.name if location else "servicepoint"
    png = printing.preview_png(
        printing.sample_print(language, name, status_url("example"), code="A012")
    )
    return Response(png, mimetype="image/png", headers={"Cache-Control": "private, max-age=300"})
