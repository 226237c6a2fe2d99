"""Socket.IO namespace ``/kiosk``: the kiosk screen and the kiosk's print agent.

A screen connects with ``auth={"location": slug}`` (plus ``"kiosk": token`` when it has a
printer) and receives ``topics`` at once and when they change, and ``print_status`` for its
tickets. A print agent connects with ``auth={"kiosk": token, "agent": true}`` and receives
``print_jobs`` (everything still to print) at once, then ``print_job`` for each new ticket;
it answers each with ``print_done``.
"""

from __future__ import annotations

import logging

from flask import current_app
from flask_socketio import emit, join_room
from socketio.exceptions import ConnectionRefusedError

from servicepoint import offer, printing, snapshots
from servicepoint.errors import NotFound
from servicepoint.events import agent_room, kiosk_room, location_room
from servicepoint.models import PrintJob
from servicepoint.realtime import joined, location_of_slug, on
from servicepoint.text import KIOSK_TOKEN, SLUG
from servicepoint.web import database

log = logging.getLogger(__name__)


def _kiosk_id(prefix: str) -> int | None:
    name = joined(prefix)
    return int(name) if name is not None else None


@on("connect", "/kiosk")
def connect(auth=None):
    """Join the location's room (screen) or the kiosk's agent room (print agent)."""
    auth = auth if isinstance(auth, dict) else {}
    if auth.get("agent") is True:
        return _connect_agent(auth.get("kiosk"))
    slug, token = auth.get("location"), auth.get("kiosk")
    # Malformed values name nothing: refused before they reach the database.
    if not SLUG.matches(slug):
        raise ConnectionRefusedError("unknown location")
    if token and not KIOSK_TOKEN.matches(token):
        raise ConnectionRefusedError("unknown kiosk")
    with database().session(read_only=True) as session:
        location = location_of_slug(session, slug)
        if location is None:
            raise ConnectionRefusedError("unknown location")
        kiosk_id = None
        if token:
            try:
                kiosk = printing.kiosk_by_token(session, token, location.id)
            except NotFound:
                raise ConnectionRefusedError("unknown kiosk") from None
            kiosk_id = kiosk.id
        payload = snapshots.kiosk_topics(
            session,
            location,
            offer.Hours.from_settings(current_app.config),
            current_app.extensions["servicepoint.estimator"].at(session, location),
        )
        join_room(location_room(location.slug))
        if kiosk_id is not None:
            join_room(kiosk_room(kiosk_id))
    emit("topics", payload)


def _connect_agent(token) -> None:
    if not KIOSK_TOKEN.matches(token):
        raise ConnectionRefusedError("unknown kiosk")
    with database().unit_of_work() as session:
        try:
            kiosk = printing.kiosk_by_token(session, token)
        except NotFound:
            raise ConnectionRefusedError("unknown kiosk") from None
        printing.agent_seen(session, kiosk, connected=True)
        jobs = [printing.job_json(job) for job in printing.pending_jobs(session, kiosk)]
        info = {
            "kiosk": kiosk.name,
            "location": kiosk.location.name,
            "profile": kiosk.printer_profile,
        }
        kiosk_id = kiosk.id
    join_room(agent_room(kiosk_id))
    emit("print_jobs", {"kiosk": info, "jobs": jobs})


@on("disconnect", "/kiosk")
def disconnect(*_args):
    """A print agent that goes away leaves its printer marked offline."""
    kiosk_id = _kiosk_id("agent:")
    if kiosk_id is None:
        return
    with database().unit_of_work() as session:
        from servicepoint.models import Kiosk

        kiosk = session.get(Kiosk, kiosk_id)
        if kiosk is not None:
            printing.agent_seen(session, kiosk, connected=False)


@on("print_done", "/kiosk")
def print_done(data):
    """``{"job_id", "printed": bool, "reason", "printer_state"}`` from the agent; the answer
    (Socket.IO acknowledgement) ``{"recorded": true, "state": …}`` tells the agent the server
    has it, so a job is never printed again after an agent restart."""
    kiosk_id = _kiosk_id("agent:")
    if kiosk_id is None or not isinstance(data, dict) or not isinstance(data.get("job_id"), int):
        return {"recorded": False, "error": "expected {job_id, printed} from a print agent"}
    with database().unit_of_work() as session:
        job = session.get(PrintJob, data["job_id"])
        if job is None or job.kiosk_id != kiosk_id:
            return {"recorded": False, "error": "unknown job"}
        printed = data.get("printed") is True
        reason = str(data.get("reason") or "")[:300]
        if not printed:
            log.warning("print job %s on kiosk %s failed: %s", job.id, kiosk_id, reason)
        printing.record_result(session, job, printed, reason, str(data.get("printer_state") or ""))
        state = job.state
    return {"recorded": True, "state": state}


@on("printer_status", "/kiosk")
def printer_status(data):
    """``{"state", "detail"}``: the agent's periodic look at its printer."""
    kiosk_id = _kiosk_id("agent:")
    if kiosk_id is None or not isinstance(data, dict):
        return
    with database().unit_of_work() as session:
        from servicepoint.models import Kiosk

        kiosk = session.get(Kiosk, kiosk_id)
        if kiosk is None:
            return
        printing.agent_seen(session, kiosk, connected=True)
        printing.set_printer_state(
            session, kiosk, str(data.get("state") or "unknown"), str(data.get("detail") or "")
        )
