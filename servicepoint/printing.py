"""Printing tickets: kiosks, their printers and print jobs, as plain verbs on a Session.

A job is written in the same transaction as its ticket, so an issued ticket always has its
job and a rolled-back ticket has none. Whatever happens to the printer afterwards, the
ticket stays issued: the kiosk shows the number and QR code large instead.

Counselors print appointment slips and client cards the same way: on their desk's own
printer (by the server, like a kiosk in ``server`` mode) or on a printing kiosk of the
location (by its agent or the server), as a print job written in the request's transaction.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from printers.jobs import payload_of
from printers.layout import TicketPrint
from printers.slips import CardPrint, Printable, SlipPrint
from servicepoint import clock, i18n, rows
from servicepoint.discreet import visitor_topic_name
from servicepoint.errors import Conflict, InvalidInput, UnknownKiosk
from servicepoint.events import (
    Context,
    Delivery,
    LocationEvent,
    Message,
    agent_room,
    delivers,
    kiosk_room,
    record,
)
from servicepoint.models import (
    Appointment,
    Desk,
    Kiosk,
    Location,
    Organisation,
    PrinterMode,
    PrintJob,
    PrintJobState,
    Staff,
    Ticket,
    TicketChannel,
)

# A job not printed within this time is dropped: the visitor has long since noted the
# number from the screen, and a ticket printed minutes later would confuse the next one.
JOB_MAX_AGE = timedelta(minutes=2)
PRINTER_STATES = {"ok", "offline", "paper_out", "paper_low", "error", "unknown"}
PROBLEM_STATES = {"offline", "paper_out", "paper_low", "error"}


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> tuple[str, str]:
    """A new kiosk token and its hash (only the hash is stored)."""
    token = secrets.token_urlsafe(24)
    return token, hash_token(token)


class NoPrinter(Conflict):
    """No printer is there for a slip or card: the counselor prints or shows the preview."""

    code = "no_printer"


@dataclass(frozen=True)
class PrintQueued(LocationEvent):
    """A print job was written; its agent or the server prints it after the commit."""

    job_id: int


@dataclass(frozen=True)
class PrintFinished(LocationEvent):
    """A print job ended (printed or failed); the kiosk's screen is told."""

    job_id: int


@dataclass(frozen=True)
class KioskRevoked(LocationEvent):
    """A kiosk's token was replaced or the kiosk switched off: its screen and print agent
    are disconnected (and refused when they come back with the old token)."""

    kiosk_id: int


@dataclass(frozen=True)
class PrinterChanged(LocationEvent):
    """A printer's state or settings changed; staff views show it."""


_KIOSK_BY_TOKEN = select(Kiosk).where(Kiosk.token_hash == bindparam("token_hash"))


def kiosk_by_token(session: Session, token: str, location_id: int | None = None) -> Kiosk:
    """The active kiosk this token belongs to (at ``location_id``, if given), or UnknownKiosk."""
    if not isinstance(token, str) or not 16 <= len(token) <= 64:
        raise UnknownKiosk("unknown_kiosk", field="kiosk")
    digest = hash_token(token)
    kiosk = session.scalar(_KIOSK_BY_TOKEN, {"token_hash": digest})
    if kiosk is None or not kiosk.active or not hmac.compare_digest(kiosk.token_hash, digest):
        raise UnknownKiosk("unknown_kiosk", field="kiosk")
    if location_id is not None and kiosk.location_id != location_id:
        raise UnknownKiosk("kiosk_elsewhere", field="kiosk", kiosk=kiosk.name)
    return kiosk


def ticket_print(
    ticket: Ticket, status_url: str, people_ahead: int, wait_minutes: int | None
) -> TicketPrint:
    """What is printed for ``ticket``: no personal data, only the ticket and its topic (a
    discreet topic as "Counselling": a ticket left on a chair must not tell why)."""
    return TicketPrint(
        location_name=ticket.location.name,
        code=ticket.code,
        topic=visitor_topic_name(ticket.topic, ticket.language),
        topic_de=visitor_topic_name(ticket.topic, "de"),
        language=ticket.language,
        issued_at=clock.local(ticket.issued_at, ticket.location.timezone),
        people_ahead=people_ahead,
        estimated_wait_minutes=wait_minutes,
        status_url=status_url,
        appointment_at=(
            clock.local(ticket.due_at, ticket.location.timezone)
            if ticket.channel == TicketChannel.APPOINTMENT and ticket.due_at is not None
            else None
        ),
    )


def sample_print(language: str, location_name: str, status_url: str, code: str) -> TicketPrint:
    """A sample ticket in ``language`` for test prints and previews (no visitor's data)."""
    from printers import test_ticket

    return test_ticket(language, location_name=location_name, code=code, status_url=status_url)


def preview_png(printed: TicketPrint) -> bytes:
    """A PNG of ``printed`` as the printer would print it (drawn off the event loop: shaping
    and rasterising take some milliseconds in C)."""
    from printers import preview_png as render
    from servicepoint import green

    return green.off_loop(render, printed)


def queue_print(
    session: Session, kiosk: Kiosk, ticket: Ticket | None, printed: Printable
) -> PrintJob | None:
    """A pending print job for ``kiosk`` (None when it has no printer); sent after commit."""
    if kiosk.printer_mode == PrinterMode.NONE:
        return None
    job = rows.insert_loaded(
        session,
        PrintJob,
        {"kiosk": kiosk, "desk": None},
        kiosk_id=kiosk.id,
        desk_id=None,
        ticket_id=ticket.id if ticket is not None else None,
        created_at=clock.now(),
        state=PrintJobState.PENDING,
        attempts=0,
        error="",
        finished_at=None,
        payload=payload_of(printed),
    )
    record(session, PrintQueued(kiosk.location_id, job.id), keep=job)
    return job


def queue_desk_print(session: Session, desk: Desk, printed: Printable) -> PrintJob:
    """A pending print job on ``desk``'s own printer (it must have one); the server prints
    it after the commit."""
    if not desk.printer_uri:
        raise NoPrinter("desk_no_printer", desk=desk.name)
    job = rows.insert_loaded(
        session,
        PrintJob,
        {"kiosk": None, "desk": desk},
        kiosk_id=None,
        desk_id=desk.id,
        ticket_id=None,
        created_at=clock.now(),
        state=PrintJobState.PENDING,
        attempts=0,
        error="",
        finished_at=None,
        payload=payload_of(printed),
    )
    record(session, PrintQueued(desk.location_id, job.id), keep=job)
    return job


def job_kiosk(job: PrintJob) -> Kiosk:
    """The kiosk whose printer prints ``job`` (for a kiosk's job; a desk's has none)."""
    if job.kiosk is None:
        raise ValueError(f"print job {job.id} is a desk's, not a kiosk's")
    return job.kiosk


def job_location_id(job: PrintJob) -> int:
    """The location of the printer that prints ``job``."""
    if job.desk is not None:
        return job.desk.location_id
    return job_kiosk(job).location_id


@dataclass(frozen=True)
class JobPrinter:
    """Where the server prints a job: the printer's URI and profile, and a name for logs."""

    uri: str
    profile: str
    name: str


def job_printer(job: PrintJob) -> JobPrinter:
    """The printer the server sends ``job`` to: its desk's own, or its kiosk's."""
    if job.desk is not None:
        return JobPrinter(job.desk.printer_uri, job.desk.printer_profile, f"desk {job.desk.name}")
    kiosk = job_kiosk(job)
    return JobPrinter(kiosk.printer_uri, kiosk.printer_profile, f"kiosk {kiosk.name}")


# --- appointment slips and client cards ---------------------------------------------------


def slip_print(appointment: Appointment, url: str, language: str | None = None) -> SlipPrint:
    """What is printed on ``appointment``'s slip in ``language`` (default: the one it was
    booked in) and German: no name, and a discreet topic as "Counselling". ``url`` is the
    appointment's public page, encoded in the QR code."""
    location = appointment.location
    lang = i18n.catalog().resolve(language, appointment.language)
    with_name = (
        appointment.staff.display_name
        if appointment.staff is not None
        else appointment.organisation.name
        if appointment.organisation is not None
        else ""
    )
    return SlipPrint(
        location_name=location.name,
        location_address=location.address,
        start=clock.local(appointment.start, location.timezone),
        code=appointment.code,
        topic=visitor_topic_name(appointment.topic, lang),
        topic_de=visitor_topic_name(appointment.topic, "de"),
        with_name=with_name,
        language=lang,
        url=url,
    )


def _name(who: Staff | Organisation | str | None) -> str:
    if who is None or isinstance(who, str):
        return who or ""
    return who.display_name if isinstance(who, Staff) else who.name


def card_print(
    location: Location,
    code: str,
    counselor: Staff | str | None,
    organisation: Organisation | str | None,
    language: str,
) -> CardPrint:
    """What is printed on a client card: the code, who gave it (a counselor's display name
    and an organisation's name, or the names as text), the location. ``code`` as typed or
    stored; ``cards.BadCardCode`` (400, ``field`` ``card``) unless it is a card's code (8
    characters of Crockford's base-32 and the right check character)."""
    from servicepoint import cards

    return CardPrint(
        code=cards.normalise(code),
        counselor=_name(counselor),
        organisation=_name(organisation),
        location_name=location.name,
        language=i18n.catalog().resolve(language),
    )


def printing_kiosk(session: Session, location: Location) -> Kiosk | None:
    """A switched-on kiosk of ``location`` with a printer, one likely to print now first
    (then by name); None when the location has none."""
    kiosks = session.scalars(
        select(Kiosk)
        .where(
            Kiosk.location_id == location.id,
            Kiosk.active.is_(True),
            Kiosk.printer_mode != PrinterMode.NONE,
        )
        .order_by(Kiosk.name, Kiosk.id)
    ).all()
    return next((k for k in kiosks if can_print_now(k)), kiosks[0] if kiosks else None)


def print_on(
    session: Session,
    location: Location,
    printed: Printable,
    desk: Desk | None = None,
    kiosk: Kiosk | None = None,
) -> PrintJob:
    """Queue ``printed`` (a slip or a card) on a printer at ``location``: the ``kiosk``'s
    when one is named; else the ``desk``'s own printer when it has one; else a printing
    kiosk of the location. :class:`NoPrinter` (409) when there is none: the counselor
    prints or shows the preview instead. The job is sent after the commit, as a ticket's."""
    if desk is not None and desk.location_id != location.id:
        raise InvalidInput(
            "slip_desk_elsewhere", field="desk_id", desk=desk.name, location=location.name
        )
    if kiosk is not None:
        if kiosk.location_id != location.id or not kiosk.active:
            raise InvalidInput(
                "kiosk_not_here", field="kiosk_id", kiosk=kiosk.name, location=location.name
            )
        job = queue_print(session, kiosk, None, printed)
        if job is None:
            raise NoPrinter("kiosk_no_printer", field="kiosk_id", kiosk=kiosk.name)
        return job
    if desk is not None and desk.printer_uri:
        return queue_desk_print(session, desk, printed)
    found = printing_kiosk(session, location)
    if found is None:
        raise NoPrinter("no_slip_printer", location=location.name)
    job = queue_print(session, found, None, printed)
    assert job is not None  # a printing kiosk's mode is not "none"
    return job


def print_slip(
    session: Session,
    appointment: Appointment,
    url: str,
    language: str | None = None,
    desk: Desk | None = None,
    kiosk: Kiosk | None = None,
) -> PrintJob:
    """Print ``appointment``'s slip (see :func:`slip_print`, :func:`print_on`)."""
    return print_on(
        session, appointment.location, slip_print(appointment, url, language), desk, kiosk
    )


def print_card(
    session: Session,
    location: Location,
    code: str,
    counselor: Staff | str | None,
    organisation: Organisation | str | None,
    language: str,
    desk: Desk | None = None,
    kiosk: Kiosk | None = None,
) -> PrintJob:
    """Print a client card with ``code`` (8 characters and a check character, shown
    grouped; its QR code holds the code alone), the counselor's display name, the
    ``organisation``'s name and the location, in ``language`` and German. Printer choice,
    refusals and timing as :func:`print_on`."""
    printed = card_print(location, code, counselor, organisation, language)
    return print_on(session, location, printed, desk, kiosk)


def preview(printed: Printable, kind: str = "png") -> bytes:
    """A PNG (``kind="png"``) or one-page PDF (``"pdf"``) of a ticket, slip or card as the
    printer prints it (drawn off the event loop)."""
    from printers import preview_pdf
    from printers import preview_png as render_png
    from servicepoint import green

    return green.off_loop(preview_pdf if kind == "pdf" else render_png, printed)


def card_preview(
    location: Location,
    code: str,
    counselor: Staff | str | None,
    organisation: Organisation | str | None,
    language: str,
    kind: str = "png",
) -> bytes:
    """A client card as printed, PNG or PDF: for a counselor without a printer."""
    return preview(card_print(location, code, counselor, organisation, language), kind)


def job_for_ticket(session: Session, ticket: Ticket) -> PrintJob | None:
    """The print job of a ticket, if it was drawn at a kiosk with a printer."""
    return session.scalar(select(PrintJob).where(PrintJob.ticket_id == ticket.id))


def pending_jobs(session: Session, kiosk: Kiosk) -> list[PrintJob]:
    """The kiosk's jobs still to print, oldest first; older ones are marked expired."""
    cutoff = clock.now() - JOB_MAX_AGE
    session.execute(
        update(PrintJob)
        .where(
            PrintJob.kiosk_id == kiosk.id,
            PrintJob.state == PrintJobState.PENDING,
            PrintJob.created_at < cutoff,
        )
        .values(state=PrintJobState.EXPIRED, finished_at=clock.now(), error="not printed in time")
    )
    return list(
        session.scalars(
            select(PrintJob)
            .where(PrintJob.kiosk_id == kiosk.id, PrintJob.state == PrintJobState.PENDING)
            .order_by(PrintJob.created_at, PrintJob.id)
        )
    )


def record_result(
    session: Session, job: PrintJob, printed: bool, reason: str = "", printer_state: str = ""
) -> PrintJob:
    """Note how a job ended and what the printer's state is now; a finished job stays as it
    was (a late second answer changes nothing), so a job is never counted printed twice."""
    if job.state != PrintJobState.PENDING:
        return job
    job.attempts += 1
    job.state = PrintJobState.PRINTED if printed else PrintJobState.FAILED
    job.error = "" if printed else (reason or "printing failed")[:300]
    job.finished_at = clock.now()
    state = printer_state if printer_state in PRINTER_STATES else ("ok" if printed else "error")
    if job.desk is not None:
        set_desk_printer_state(session, job.desk, state, "" if printed else job.error)
    else:
        set_printer_state(session, job_kiosk(job), state, "" if printed else job.error)
    record(session, PrintFinished(job_location_id(job), job.id))
    return job


def set_desk_printer_state(session: Session, desk: Desk, state: str, detail: str = "") -> None:
    """Remember the state a desk's own printer was found in by its last print."""
    if state not in PRINTER_STATES:
        state = "unknown"
    changed = (desk.printer_state, desk.printer_detail) != (state, detail[:300])
    desk.printer_state, desk.printer_detail = state, detail[:300]
    session.flush()
    if changed:
        record(session, PrinterChanged(desk.location_id))


def set_printer_state(session: Session, kiosk: Kiosk, state: str, detail: str = "") -> None:
    """Remember the printer's state; staff screens refresh when it changes."""
    if state not in PRINTER_STATES:
        state = "unknown"
    changed = (kiosk.printer_state, kiosk.printer_detail) != (state, detail[:300])
    kiosk.printer_state = state
    kiosk.printer_detail = detail[:300]
    kiosk.printer_checked_at = clock.now()
    session.flush()
    if changed:
        record(session, PrinterChanged(kiosk.location_id))


def agent_seen(session: Session, kiosk: Kiosk, connected: bool) -> None:
    """Note that the kiosk's print agent connected or went away."""
    kiosk.agent_seen_at = clock.now()
    if kiosk.agent_connected != connected:
        kiosk.agent_connected = connected
        if not connected:
            set_printer_state(session, kiosk, "offline", "the print agent is not connected")
        record(session, PrinterChanged(kiosk.location_id))
    session.flush()


def printer_problem(kiosk: Kiosk) -> str | None:
    """What keeps the kiosk's printer from printing well now, or None: ``agent_away`` (its
    print agent is not connected), ``offline``, ``paper_out``, ``paper_low`` or ``error``."""
    if kiosk.printer_mode == PrinterMode.NONE:
        return None
    if kiosk.printer_mode == PrinterMode.AGENT and not kiosk.agent_connected:
        return "agent_away"
    return kiosk.printer_state if kiosk.printer_state in PROBLEM_STATES else None


def can_print_now(kiosk: Kiosk) -> bool:
    """Whether a ticket drawn now is likely printed (else the screen is the ticket)."""
    return printer_problem(kiosk) not in ("agent_away", "offline", "paper_out")


def job_json(job: PrintJob) -> dict[str, Any]:
    """A print job as the agent and the kiosk screen receive it (and the counselor who
    printed a slip or card: ``kind``, and the ``kiosk_id`` or ``desk_id`` it prints on)."""
    return {
        "id": job.id,
        "state": job.state,
        "kind": job.payload.get("kind", "ticket"),
        "code": job.payload.get("code"),
        "error": job.error,
        "kiosk_id": job.kiosk_id,
        "desk_id": job.desk_id,
        "payload": job.payload,
    }


def kiosk_json(kiosk: Kiosk) -> dict[str, Any]:
    """A kiosk and its printer's state, as staff see it (the token is never shown again)."""
    return {
        "id": kiosk.id,
        "location": kiosk.location.slug,
        "name": kiosk.name,
        "active": kiosk.active,
        "printer_mode": kiosk.printer_mode,
        "printer_uri": kiosk.printer_uri,
        "printer_profile": kiosk.printer_profile,
        "printer_state": kiosk.printer_state,
        "printer_detail": kiosk.printer_detail,
        "printer_checked_at": kiosk.printer_checked_at.isoformat()
        if kiosk.printer_checked_at
        else None,
        "agent_connected": kiosk.agent_connected,
        "problem": printer_problem(kiosk),
    }


def job_log(session: Session, kiosk: Kiosk, limit: int = 50) -> list[dict[str, Any]]:
    """The kiosk's last print jobs, newest first, failures with their reasons."""
    rows = session.scalars(
        select(PrintJob)
        .where(PrintJob.kiosk_id == kiosk.id)
        .order_by(PrintJob.id.desc())
        .limit(limit)
    )
    return [
        {
            "id": job.id,
            "kind": job.payload.get("kind", "ticket"),
            "code": job.payload.get("code"),
            "state": job.state,
            "error": job.error,
            "created_at": job.created_at.isoformat(),
            "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        }
        for job in rows
    ]


# --- what printing events become ----------------------------------------------------------


@delivers(PrintQueued)
def _print_queued(session: Session, event: PrintQueued, _context: Context, out: Delivery) -> None:
    job = session.get(PrintJob, event.job_id)
    if job is None:
        return
    if job.kiosk is None:  # a desk's own printer: the server prints
        out.server_jobs.append(job.id)
    elif job.kiosk.printer_mode == PrinterMode.AGENT:
        out.messages.append(Message("/kiosk", "print_job", job_json(job), agent_room(job.kiosk.id)))
    elif job.kiosk.printer_mode == PrinterMode.SERVER:
        out.server_jobs.append(job.id)
    out.refresh(event.location_id)


@delivers(PrintFinished)
def _print_finished(
    session: Session, event: PrintFinished, _context: Context, out: Delivery
) -> None:
    job = session.get(PrintJob, event.job_id)
    if job is None:
        return
    status: dict[str, Any] = {
        "job_id": job.id,
        "code": job.payload.get("code"),
        "state": job.state,
        "error": job.error,
    }
    if job.kiosk_id is not None:
        out.messages.append(Message("/kiosk", "print_status", status, kiosk_room(job.kiosk_id)))
    out.refresh(event.location_id)


@delivers(PrinterChanged)
def _printer_changed(
    _session: Session, event: PrinterChanged, _context: Context, out: Delivery
) -> None:
    out.refresh(event.location_id)  # the location's staff snapshots show the printers


@delivers(KioskRevoked)
def _kiosk_revoked(
    _session: Session, event: KioskRevoked, _context: Context, out: Delivery
) -> None:
    out.closed_rooms.append(("/kiosk", agent_room(event.kiosk_id)))
    out.closed_rooms.append(("/kiosk", kiosk_room(event.kiosk_id)))
