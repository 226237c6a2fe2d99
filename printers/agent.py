"""The print agent: runs on a kiosk machine, receives print jobs from the server over
Socket.IO, prints them on the local printer and acknowledges each.

Never printed twice: a printed job is written to a local journal (flushed to disk) before
it is acknowledged, and the server resends only jobs it has no answer for. After a restart
or a reconnect the server sends every job still pending; one already in the journal is
acknowledged again without printing. Needs no Flask and no database: the
``servicepoint-print-agent`` command (:func:`main`) runs it on a kiosk machine.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import socketio

from printers import Printable, print_ticket
from printers.connections import (
    DEFAULT_PROFILE,
    check_profile,
    close_printer,
    open_printer,
    parse_printer_uri,
    printer_status,
)
from printers.errors import PrinterConfigError, PrinterError, printer_state
from printers.jobs import printable_from_payload

log = logging.getLogger("servicepoint.print_agent")
NAMESPACE = "/kiosk"
JOURNAL_KEEP = 2000


def job_key(job: dict[str, Any]) -> str:
    """What identifies a job across server restarts: its id, ticket code and issue time (an
    appointment slip's start; a client card's code is unique by itself)."""
    payload = job.get("payload") or {}
    moment = payload.get("issued_at") or payload.get("start")
    return f"{job['id']}:{payload.get('code')}:{moment}"


class Journal:
    """The keys of printed jobs, one per line, appended and flushed before each ack."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._keys = set(path.read_text().split()) if path.exists() else set()
        self._lock = threading.Lock()

    def __contains__(self, key: str) -> bool:
        return key in self._keys

    def add(self, key: str) -> None:
        with self._lock:
            self._keys.add(key)
            with open(self.path, "a") as fh:
                fh.write(key + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            if len(self._keys) > 2 * JOURNAL_KEEP:
                self._trim()

    def _trim(self) -> None:
        lines = self.path.read_text().split()[-JOURNAL_KEEP:]
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text("\n".join(lines) + "\n")
        os.replace(tmp, self.path)
        self._keys = set(lines)


class PrintAgent:
    """Connects to ``server`` as the kiosk with ``token`` and prints its jobs on ``printer_uri``."""

    def __init__(
        self,
        server: str,
        token: str,
        printer_uri: str,
        profile: str = "TM-T20II",
        journal: Path | None = None,
        status_interval: float = 30.0,
        printer: Callable[[Printable, str, str], None] = print_ticket,
    ) -> None:
        self.server = server.rstrip("/")
        self.token = token
        self.printer_uri = printer_uri
        self.profile = profile
        self.status_interval = status_interval
        self.journal = Journal(journal or default_journal(token))
        self._print = printer
        self._jobs: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._printer_lock = threading.Lock()
        self._stop = threading.Event()
        self.connected = threading.Event()
        self.sio = socketio.Client(
            reconnection=True,
            reconnection_attempts=0,
            reconnection_delay=1,
            reconnection_delay_max=10,
            logger=False,
            engineio_logger=False,
        )
        self.sio.on("connect", self._on_connect, namespace=NAMESPACE)
        self.sio.on("disconnect", self._on_disconnect, namespace=NAMESPACE)
        self.sio.on("print_jobs", self._on_jobs, namespace=NAMESPACE)
        self.sio.on("print_job", self._on_job, namespace=NAMESPACE)

    # --- socket events ------------------------------------------------------------------

    def _on_connect(self) -> None:
        log.info("connected to %s", self.server)
        self.connected.set()

    def _on_disconnect(self, *_args: object) -> None:
        log.warning("disconnected from %s; reconnecting", self.server)
        self.connected.clear()

    def _on_jobs(self, data: dict[str, Any]) -> None:
        kiosk = data.get("kiosk") or {}
        log.info(
            "kiosk %s at %s: %d job(s) pending",
            kiosk.get("kiosk"),
            kiosk.get("location"),
            len(data.get("jobs", [])),
        )
        for job in data.get("jobs", []):
            self._jobs.put(job)

    def _on_job(self, job: dict[str, Any]) -> None:
        self._jobs.put(job)

    # --- work ---------------------------------------------------------------------------

    def handle(self, job: dict[str, Any]) -> dict[str, Any]:
        """Print ``job`` unless the journal says it was printed; then tell the server."""
        key = job_key(job)
        if key in self.journal:
            result = {"job_id": job["id"], "printed": True, "reason": "", "printer_state": "ok"}
        else:
            result = self._print_job(job, key)
        # Jobs sent at connect can arrive before the namespace counts as connected.
        self.connected.wait(15)
        try:
            answer = self.sio.call("print_done", result, namespace=NAMESPACE, timeout=15)
        except (socketio.exceptions.TimeoutError, socketio.exceptions.BadNamespaceError) as err:
            # The server resends the job when we are back; the journal stops a second print.
            log.warning(
                "job %s: no answer from the server (%s); it will come again", job["id"], err
            )
            return result
        if not (isinstance(answer, dict) and answer.get("recorded")):
            log.warning("job %s: server did not record the result: %s", job["id"], answer)
        return result

    def _print_job(self, job: dict[str, Any], key: str) -> dict[str, Any]:
        try:
            ticket = printable_from_payload(job["payload"])
        except (KeyError, TypeError, ValueError) as error:
            return {
                "job_id": job["id"],
                "printed": False,
                "reason": f"bad job: {error}",
                "printer_state": "error",
            }
        try:
            with self._printer_lock:
                self._print(ticket, self.printer_uri, self.profile)
        except PrinterError as error:
            log.warning("job %s (%s) not printed: %s", job["id"], ticket.code, error.reason)
            return {
                "job_id": job["id"],
                "printed": False,
                "reason": error.reason,
                "printer_state": printer_state(error),
            }
        self.journal.add(key)
        log.info("job %s (%s) printed", job["id"], ticket.code)
        return {"job_id": job["id"], "printed": True, "reason": "", "printer_state": "ok"}

    def check_printer(self) -> dict[str, str]:
        """Ask the printer how it is (where the connection can tell) and tell the server."""
        state, detail = "unknown", ""
        try:
            with self._printer_lock:
                printer = open_printer(self.printer_uri, self.profile)
                try:
                    status = printer_status(printer)
                finally:
                    close_printer(printer)
        except PrinterError as error:
            state, detail = printer_state(error), error.reason
        else:
            if status["online"] == "offline":
                state, detail = "offline", "the printer reports it is offline (cover open?)"
            elif status["paper"] == "out":
                state, detail = "paper_out", "the printer is out of paper"
            elif status["paper"] == "low":
                state, detail = "paper_low", "the paper roll is nearly empty"
            elif status["online"] == "online":
                state = "ok"
        if self.connected.is_set():
            with contextlib.suppress(socketio.exceptions.BadNamespaceError):
                self.sio.emit(
                    "printer_status", {"state": state, "detail": detail}, namespace=NAMESPACE
                )
        return {"state": state, "detail": detail}

    def _work(self) -> None:
        while not self._stop.is_set():
            job = self._jobs.get()
            if job is None:
                return
            try:
                self.handle(job)
            except Exception:  # one bad job must not stop the agent
                log.exception("job %s could not be handled", job.get("id"))

    def _watch_printer(self) -> None:
        while not self._stop.wait(self.status_interval):
            try:
                self.check_printer()
            except Exception:
                log.exception("printer check failed")

    def start(self) -> None:
        """Connect (retrying until the server answers) and start printing in the background."""
        threading.Thread(target=self._work, name="print-jobs", daemon=True).start()
        if self.status_interval > 0:
            threading.Thread(target=self._watch_printer, name="printer-status", daemon=True).start()
        self.sio.connect(
            self.server,
            namespaces=[NAMESPACE],
            auth={"kiosk": self.token, "agent": True},
            transports=["websocket"],
            wait_timeout=10,
            retry=True,
        )

    def stop(self) -> None:
        self._stop.set()
        self._jobs.put(None)
        self.sio.disconnect()

    def run_forever(self) -> None:
        """Start, then serve until interrupted."""
        self.start()
        try:
            self.sio.wait()
        finally:
            self.stop()


def default_journal(token: str) -> Path:
    """Where the journal lives: $STATE_DIRECTORY (systemd) or ~/.local/state."""
    import hashlib

    base = os.environ.get("STATE_DIRECTORY") or os.path.expanduser("~/.local/state/servicepoint")
    name = hashlib.sha256(token.encode()).hexdigest()[:16]
    return Path(base) / f"print-agent-{name}.journal"


@click.command(name="servicepoint-print-agent")
@click.option("--server", required=True, help="The servicepoint server, e.g. http://server:8000")
@click.option(
    "--kiosk",
    "token",
    required=True,
    envvar="SERVICEPOINT_KIOSK_TOKEN",
    help="The kiosk's token (or SERVICEPOINT_KIOSK_TOKEN).",
)
@click.option("--printer", "printer_uri", required=True, help="The printer's URI.")
@click.option("--profile", default=DEFAULT_PROFILE, show_default=True)
@click.option(
    "--journal",
    type=click.Path(path_type=Path),
    help="File of printed jobs (default: $STATE_DIRECTORY or ~/.local/state).",
)
@click.option(
    "--status-interval",
    default=30.0,
    show_default=True,
    help="Seconds between printer status checks (0: never).",
)
def main(
    server: str,
    token: str,
    printer_uri: str,
    profile: str,
    journal: Path | None,
    status_interval: float,
) -> None:
    """Receive this kiosk's print jobs from the server and print them (runs on the kiosk).

    It needs neither Flask nor a database."""
    try:
        parse_printer_uri(printer_uri)
        check_profile(profile)
    except PrinterConfigError as error:
        raise click.ClickException(error.reason) from error
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    PrintAgent(server, token, printer_uri, profile, journal, status_interval).run_forever()
