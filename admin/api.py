"""Staff JSON API: sign-in, the queue, calling and moving tickets, and management."""

from __future__ import annotations

from flask import Response, request
from sqlalchemy import select

from admin import api_bp as api
from servicepoint import auth, manage, printing, snapshots, tickets
from servicepoint.errors import InvalidInput, NotFound
from servicepoint.models import Kiosk, Location, Staff
from servicepoint.web import database, db_session, field, json_body, public_url

# --- session ----------------------------------------------------------------------------


def _me(staff: Staff) -> dict:
    return {**manage.staff_json(staff), "is_manager": staff.is_manager}


@api.post("/session")
def sign_in():
    """``{"username", "password"}`` → the staff member, with a session cookie for later calls."""
    body = json_body()
    # Checking the hash takes a tenth of a second: do it in a read-only session, so it never
    # holds the database's write lock (SQLite) while it works.
    with database().session(read_only=True) as session:
        staff = auth.authenticate(
            session,
            field(body, "username", str),
            field(body, "password", str, max_length=1000),
            client=request.remote_addr or "",
        )
        auth.sign_in(staff)
        return _me(staff)


@api.delete("/session")
def sign_out():
    """End the session."""
    auth.sign_out()
    return Response(status=204)


@api.get("/session")
def whoami():
    """The signed-in staff member (401 when nobody is)."""
    return _me(auth.require_staff(db_session()))


# --- queue ------------------------------------------------------------------------------


@api.get("/locations/<slug>/desks")
def desks(slug: str):
    """The location's desks (rooms or counters)."""
    location = tickets.get_location(db_session(), slug)
    return {"desks": [snapshots.desk_json(d) for d in location.desks]}


@api.get("/locations/<slug>/queue")
@auth.staff_only
def queue(slug: str):
    """Today's waiting tickets and the tickets at desks, for counselors."""
    session = db_session()
    return snapshots.staff_queue(session, tickets.get_location(session, slug))


@api.post("/desks/<id:desk_id>/call-next")
def call_next(desk_id: int):
    """Call the oldest waiting ticket of the counselor's topics to this desk."""
    session = db_session()
    staff = auth.require_staff(session)
    ticket = tickets.call_next(session, tickets.get_desk(session, desk_id, for_update=True), staff)
    return snapshots.ticket_json(ticket)


@api.post("/desks/<id:desk_id>/call")
def call_chosen(desk_id: int):
    """``{"ticket_id": n}``: call a chosen waiting ticket out of order."""
    session = db_session()
    staff = auth.require_staff(session)
    body = json_body()
    desk = tickets.get_desk(session, desk_id, for_update=True)
    ticket = tickets.get_ticket(session, field(body, "ticket_id", int), for_update=True)
    tickets.call_ticket(session, ticket, desk, staff)
    return snapshots.ticket_json(ticket)


MOVES = {
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
    staff = auth.require_staff(session)
    ticket = tickets.get_ticket(session, ticket_id, for_update=True)
    if move == "transfer":
        key = field(json_body(), "topic", str)
        tickets.transfer(session, ticket, tickets.get_topic(session, ticket.location, key), staff)
    elif move in MOVES:
        MOVES[move](session, ticket, staff)
    else:
        raise NotFound(f"There is no move '{move}'. Use one of: {', '.join([*MOVES, 'transfer'])}.")
    return snapshots.ticket_json(ticket)


@api.get("/tickets/<id:ticket_id>/events")
@auth.staff_only
def ticket_history(ticket_id: int):
    """Every state change of a ticket: when, what, who, which desk."""
    session = db_session()
    return snapshots.ticket_history(session, tickets.get_ticket(session, ticket_id))


# --- management (managers) --------------------------------------------------------------


@api.get("/locations")
def locations():
    """All active locations; ``?all=1`` also lists inactive ones (managers only)."""
    session = db_session()
    query = select(Location).order_by(Location.name)
    if request.args.get("all") == "1":
        auth.require_staff(session, manager=True)
    else:
        query = query.where(Location.active)
    return {
        "locations": [
            {**snapshots.location_json(loc), "active": loc.active} for loc in session.scalars(query)
        ]
    }


@api.post("/locations")
@auth.managers_only
def create_location():
    return snapshots.location_json(manage.create_location(db_session(), json_body())), 201


@api.patch("/locations/<slug>")
@auth.managers_only
def update_location(slug: str):
    session = db_session()
    location = session.scalar(select(Location).where(Location.slug == slug))
    if location is None:
        raise NotFound(f"There is no location '{slug}'.")
    return snapshots.location_json(manage.update_location(session, location, json_body()))


@api.get("/locations/<slug>/topics/all")
@auth.managers_only
def all_topics(slug: str):
    """Every topic of a location, inactive ones included, with ids (for managers)."""
    location = tickets.get_location(db_session(), slug)
    return {"topics": [{"id": t.id, **snapshots.topic_json(t)} for t in location.topics]}


@api.post("/locations/<slug>/topics")
@auth.managers_only
def create_topic(slug: str):
    session = db_session()
    topic = manage.create_topic(session, tickets.get_location(session, slug), json_body())
    return {"id": topic.id, **snapshots.topic_json(topic)}, 201


@api.patch("/locations/<slug>/topics/<key>")
@auth.managers_only
def update_topic(slug: str, key: str):
    session = db_session()
    topic = manage.get_topic(session, tickets.get_location(session, slug), key)
    return {
        "id": topic.id,
        **snapshots.topic_json(manage.update_topic(session, topic, json_body())),
    }


@api.post("/locations/<slug>/desks")
@auth.managers_only
def create_desk(slug: str):
    session = db_session()
    desk = manage.create_desk(session, tickets.get_location(session, slug), json_body())
    return snapshots.desk_json(desk), 201


@api.patch("/desks/<id:desk_id>")
@auth.managers_only
def update_desk(desk_id: int):
    session = db_session()
    desk = manage.update_desk(session, tickets.get_desk(session, desk_id), json_body())
    return snapshots.desk_json(desk)


@api.get("/staff")
@auth.managers_only
def staff_list():
    rows = db_session().scalars(select(Staff).order_by(Staff.username))
    return {"staff": [manage.staff_json(s) for s in rows]}


@api.post("/staff")
@auth.managers_only
def create_staff():
    return manage.staff_json(manage.create_staff(db_session(), json_body())), 201


@api.patch("/staff/<id:staff_id>")
def update_staff(staff_id: int):
    session = db_session()
    acting = auth.require_staff(session, manager=True)
    staff = session.get(Staff, staff_id)
    if staff is None:
        raise NotFound(f"There is no staff member {staff_id}.")
    return manage.staff_json(manage.update_staff(session, staff, json_body(), acting))


# --- kiosks and printers (managers) -----------------------------------------------------


def _kiosk_or_404(session, kiosk_id: int) -> Kiosk:
    kiosk = session.get(Kiosk, kiosk_id)
    if kiosk is None:
        raise NotFound(f"There is no kiosk {kiosk_id}.")
    return kiosk


def _with_token(kiosk: Kiosk, token: str) -> dict:
    """The kiosk with its token, its screen's address and the agent's command: shown once."""
    screen = public_url(f"/kiosk/{kiosk.location.slug}?kiosk={token}")
    return {
        **printing.kiosk_json(kiosk),
        "token": token,
        "screen_url": screen,
        "agent_command": (
            f"servicepoint print-agent --server {public_url('/').rstrip('/')} "
            f"--kiosk {token} --printer {kiosk.printer_uri or 'usb://VID:PID'} "
            f"--profile {kiosk.printer_profile}"
        ),
    }


@api.get("/locations/<slug>/kiosks")
@auth.managers_only
def kiosks(slug: str):
    """The location's kiosks and their printers' states."""
    session = db_session()
    location = tickets.get_location(session, slug)
    rows = session.scalars(
        select(Kiosk).where(Kiosk.location_id == location.id).order_by(Kiosk.name)
    )
    return {"kiosks": [printing.kiosk_json(k) for k in rows]}


@api.post("/locations/<slug>/kiosks")
@auth.managers_only
def create_kiosk(slug: str):
    """``{"name", "printer_mode": none|server|agent, "printer_uri", "printer_profile"}``."""
    session = db_session()
    kiosk, token = manage.create_kiosk(session, tickets.get_location(session, slug), json_body())
    return _with_token(kiosk, token), 201


@api.patch("/kiosks/<id:kiosk_id>")
@auth.managers_only
def update_kiosk(kiosk_id: int):
    """Change name, printer or active flag; ``"new_token": true`` issues a new token."""
    session = db_session()
    kiosk, token = manage.update_kiosk(session, _kiosk_or_404(session, kiosk_id), json_body())
    return _with_token(kiosk, token) if token else printing.kiosk_json(kiosk)


@api.post("/kiosks/<id:kiosk_id>/test-print")
@auth.managers_only
def test_print(kiosk_id: int):
    """Print a sample ticket (``{"language": "ar"}`` optional) on the kiosk's printer."""
    session = db_session()
    kiosk = _kiosk_or_404(session, kiosk_id)
    body = json_body() if request.content_length else {}
    language = field(body, "language", str, default="de", max_length=8)
    sample = printing.sample_print(
        language, kiosk.location.name, public_url("/t/test-ticket"), code="T001"
    )
    job = printing.queue_print(session, kiosk, None, sample)
    if job is None:
        raise InvalidInput(f"Kiosk '{kiosk.name}' has no printer.")
    return printing.job_json(job), 202


@api.get("/kiosks/<id:kiosk_id>/jobs")
@auth.managers_only
def print_jobs(kiosk_id: int):
    """The kiosk's last 50 print jobs, failures with their reasons."""
    session = db_session()
    return {"jobs": printing.job_log(session, _kiosk_or_404(session, kiosk_id))}


@api.get("/printers/preview.png")
@auth.managers_only
def print_preview():
    """A sample ticket as printed, ``?language=ar&location=<slug>``: what visitors get."""
    language = request.args.get("language", "de")[:8]
    slug = request.args.get("location")
    name = tickets.get_location(db_session(), slug).name if slug else "servicepoint"
    png = printing.preview_png(
        printing.sample_print(language, name, public_url("/t/example"), code="A012")
    )
    return Response(png, mimetype="image/png", headers={"Cache-Control": "private, max-age=300"})
