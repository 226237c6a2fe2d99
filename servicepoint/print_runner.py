"""Printing from the server to a network printer, after the ticket's commit.

Runs in a background task so the visitor's request never waits for a printer. One job at a
time per printer address (a thermal printer takes one connection at a time). The outcome is
recorded in its own unit of work; a failure is logged with its reason.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict

from printers import print_ticket
from printers.errors import PrinterError, printer_state
from printers.jobs import printable_from_payload
from servicepoint import green, printing
from servicepoint.db import Database
from servicepoint.models import PrintJob, PrintJobState

log = logging.getLogger(__name__)
_printer_locks: dict[str, threading.Lock] = defaultdict(threading.Lock)


def print_job_on_server(database: Database, job_id: int) -> str:
    """Print a pending job on its kiosk's or desk's printer and record the outcome; returns
    the state."""
    with database.session(read_only=True) as session:
        job = session.get(PrintJob, job_id)
        if job is None or job.state != PrintJobState.PENDING:
            return job.state if job else "missing"
        payload, printer = job.payload, printing.job_printer(job)
        uri, profile, printer_name = printer.uri, printer.profile, printer.name
    printed, reason, state = True, "", "ok"
    try:
        with _printer_locks[uri]:
            # Rendering (image text) and the device's driver (CUPS, USB) block in C: in a
            # real thread, so the other clients of a green-thread server never wait for it.
            green.off_loop(print_ticket, printable_from_payload(payload), uri, profile)
    except PrinterError as error:
        printed, reason, state = False, error.reason, printer_state(error)
        log.warning("print job %s for %s failed: %s", job_id, printer_name, reason)
    except (ValueError, KeyError) as error:
        printed, reason, state = False, f"bad print job: {error}", "error"
        log.error("print job %s for %s is malformed: %s", job_id, printer_name, error)
    with database.unit_of_work() as session:
        job = session.get(PrintJob, job_id)
        if job is None:  # deleted meanwhile (its kiosk or desk was removed): nothing to record
            return "missing"
        printing.record_result(session, job, printed, reason, state)
        return job.state
