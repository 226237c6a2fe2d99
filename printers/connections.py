"""Printer connections by URI: one string in the configuration says where a printer is.

==========================================  ==============================================
``tcp://HOST[:PORT][?timeout=S&wait=S]``    network printer, raw port 9100 by default
``usb://VID:PID[?timeout=S&in_ep=N&...]``   USB printer by hexadecimal vendor/product id
``serial:///dev/ttyUSB0[?baudrate=N&...]``  serial printer (9600 8N1, DSR/DTR by default)
``file:///dev/usb/lp0[?timeout=S]``         a device file the kernel's usblp driver offers
``cups://QUEUE[?host=H&port=N]``            a raw CUPS queue (pycups, else the ``lp`` tool)
``dummy://``                                records bytes in memory (tests, previews)
==========================================  ==============================================

Every timeout is bounded: nothing here waits forever for a printer. A job counts as sent
only when the printer has taken all of it within the URI's ``timeout`` (see
:func:`send_job`); otherwise it is a :class:`~printers.errors.PrintFailed`.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import logging
import os
import re
import select
import shutil
import socket
import struct
import termios
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from escpos import exceptions as escpos_errors
from escpos.capabilities import CAPABILITIES
from escpos.escpos import Escpos
from escpos.printer import LP, CupsPrinter, Dummy, File, Network, Serial, Usb
from escpos.printer import cups as escpos_cups
from escpos.printer import serial as escpos_serial
from escpos.printer import usb as escpos_usb

from printers.errors import PrinterConfigError, PrinterError, PrinterOffline, PrintFailed

log = logging.getLogger(__name__)

DEFAULT_PROFILE = "TM-T20II"
DEFAULT_TCP_PORT = 9100
DEFAULT_TIMEOUT_S = 10.0
MAX_TIMEOUT_S = 300.0
#: After a network job, how long to wait for the printer to close its side (CUPS does too).
DEFAULT_CLOSE_WAIT_S = 3.0
#: How long a status query may wait for the printer's answer.
STATUS_TIMEOUT_S = 1.5
#: Longest pause between two looks at a send queue that is draining.
DRAIN_POLL_S = 0.05
#: Linux's ioctl for the bytes a socket (SIOCOUTQ) or a tty (TIOCOUTQ) has not yet got rid of.
_OUTQ: int | None = getattr(termios, "TIOCOUTQ", None)

SCHEMES = ("tcp", "usb", "serial", "file", "cups", "dummy")

_HEX_ID = re.compile(r"^(?:0x)?([0-9a-fA-F]{1,4})$")
_CUPS_QUEUE = re.compile(r"^[^\s/\\#?'\"]{1,127}$")


@dataclass(frozen=True)
class PrinterAddress:
    """A parsed printer URI.

    ``kwargs`` are the keyword arguments of the python-escpos class for ``scheme``;
    ``close_wait`` is how long, after a network job, to wait for the printer to close;
    ``timeout`` is how long, in seconds, the printer may take to take a whole job.
    """

    scheme: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    close_wait: float = 0.0
    timeout: float = DEFAULT_TIMEOUT_S


def _bad(uri: str, why: str) -> PrinterConfigError:
    return PrinterConfigError(f"bad printer URI {uri!r}: {why}")


def _seconds(uri: str, name: str, value: str, *, allow_zero: bool = False) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise _bad(uri, f"{name} must be a number of seconds, not {value!r}") from None
    low_ok = seconds >= 0 if allow_zero else seconds > 0
    if not (low_ok and seconds <= MAX_TIMEOUT_S):
        raise _bad(uri, f"{name} must be between 0 and {MAX_TIMEOUT_S:g} seconds")
    return seconds


def _integer(uri: str, name: str, value: str, low: int, high: int) -> int:
    try:
        number = int(value, 0)
    except ValueError:
        raise _bad(uri, f"{name} must be a whole number, not {value!r}") from None
    if not low <= number <= high:
        raise _bad(uri, f"{name} must be between {low} and {high}")
    return number


def _boolean(uri: str, name: str, value: str) -> bool:
    lowered = value.lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise _bad(uri, f"{name} must be 1 or 0, not {value!r}")


def _query(uri: str, query: str, allowed: tuple[str, ...]) -> dict[str, str]:
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query))
    except ValueError:
        raise _bad(uri, f"cannot read the options {query!r}") from None
    options: dict[str, str] = {}
    for key, value in pairs:
        if key not in allowed:
            known = ", ".join(allowed) if allowed else "none"
            raise _bad(uri, f"unknown option {key!r} (known options: {known})")
        if key in options:
            raise _bad(uri, f"option {key!r} given twice")
        options[key] = value
    return options


def parse_printer_uri(uri: str) -> PrinterAddress:
    """Return what ``uri`` says about a printer, without touching any device.

    Raises :class:`PrinterConfigError` with the reason for an unknown scheme, a missing
    host, device or queue, an out-of-range port or id, or an unknown option.
    """
    if not isinstance(uri, str) or not uri.strip():
        raise PrinterConfigError("no printer URI configured")
    uri = uri.strip()
    try:
        parts = urlsplit(uri)
    except ValueError as exc:
        raise _bad(uri, str(exc)) from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise _bad(uri, f"unknown scheme {parts.scheme!r}; use one of {', '.join(SCHEMES)}")
    if parts.fragment:
        raise _bad(uri, "a printer URI has no #fragment")
    if parts.username or parts.password:
        raise _bad(uri, "a printer URI carries no user name or password")
    parser = {
        "tcp": _parse_tcp,
        "usb": _parse_usb,
        "serial": _parse_serial,
        "file": _parse_file,
        "cups": _parse_cups,
        "dummy": _parse_dummy,
    }[scheme]
    return parser(uri, parts)


def _parse_tcp(uri: str, parts: Any) -> PrinterAddress:
    host = parts.hostname
    if not host:
        raise _bad(uri, "no host; write tcp://HOST:9100")
    try:
        port = parts.port
    except ValueError:
        raise _bad(uri, "the port must be a number between 1 and 65535") from None
    if port is None:
        if parts.netloc.endswith(":"):
            raise _bad(uri, "empty port after ':'")
        port = DEFAULT_TCP_PORT
    if not 1 <= port <= 65535:
        raise _bad(uri, "the port must be between 1 and 65535")
    if parts.path not in ("", "/"):
        raise _bad(uri, "a network printer URI has no path")
    options = _query(uri, parts.query, ("timeout", "wait"))
    timeout = _seconds(uri, "timeout", options.get("timeout", str(DEFAULT_TIMEOUT_S)))
    wait = _seconds(uri, "wait", options.get("wait", str(DEFAULT_CLOSE_WAIT_S)), allow_zero=True)
    return PrinterAddress(
        "tcp",
        {"host": host, "port": port, "timeout": timeout},
        close_wait=min(wait, timeout),
        timeout=timeout,
    )


def _parse_usb(uri: str, parts: Any) -> PrinterAddress:
    ids = parts.netloc.split(":")
    if len(ids) != 2 or parts.path not in ("", "/"):
        raise _bad(uri, "write usb://VID:PID with hexadecimal ids, e.g. usb://04b8:0202")
    matches = [_HEX_ID.match(part) for part in ids]
    if not all(matches):
        raise _bad(uri, "vendor and product id must be 1-4 hexadecimal digits, e.g. 04b8:0202")
    vendor, product = (int(match.group(1), 16) for match in matches if match)
    if vendor == 0 or product == 0:
        raise _bad(uri, "vendor and product id must not be 0000")
    options = _query(uri, parts.query, ("timeout", "in_ep", "out_ep"))
    timeout = _seconds(uri, "timeout", options.get("timeout", str(DEFAULT_TIMEOUT_S)))
    kwargs: dict[str, Any] = {
        "idVendor": vendor,
        "idProduct": product,
        "timeout": round(timeout * 1000),  # pyusb counts milliseconds
    }
    for name in ("in_ep", "out_ep"):
        if name in options:
            kwargs[name] = _integer(uri, name, options[name], 0x01, 0xFF)
    return PrinterAddress("usb", kwargs, timeout=timeout)


_PARITIES = {"N": "N", "E": "E", "O": "O", "M": "M", "S": "S"}


def _parse_serial(uri: str, parts: Any) -> PrinterAddress:
    if parts.netloc:
        raise _bad(uri, "write serial:///dev/ttyUSB0 (three slashes: an absolute device path)")
    device = unquote(parts.path)
    if not device.startswith("/") or device == "/":
        raise _bad(uri, "no serial device; write serial:///dev/ttyUSB0?baudrate=19200")
    allowed = ("baudrate", "bytesize", "parity", "stopbits", "timeout", "dsrdtr", "xonxoff")
    options = _query(uri, parts.query, allowed)
    kwargs: dict[str, Any] = {
        "devfile": device,
        "baudrate": _integer(uri, "baudrate", options.get("baudrate", "9600"), 50, 4_000_000),
        "bytesize": _integer(uri, "bytesize", options.get("bytesize", "8"), 5, 8),
        "timeout": _seconds(uri, "timeout", options.get("timeout", str(DEFAULT_TIMEOUT_S))),
        "dsrdtr": _boolean(uri, "dsrdtr", options.get("dsrdtr", "1")),
        "xonxoff": _boolean(uri, "xonxoff", options.get("xonxoff", "0")),
    }
    parity = options.get("parity", "N").upper()
    if parity not in _PARITIES:
        raise _bad(uri, "parity must be one of N, E, O, M, S")
    kwargs["parity"] = _PARITIES[parity]
    stopbits = options.get("stopbits", "1")
    if stopbits not in ("1", "1.5", "2"):
        raise _bad(uri, "stopbits must be 1, 1.5 or 2")
    kwargs["stopbits"] = float(stopbits) if stopbits == "1.5" else int(stopbits)
    return PrinterAddress("serial", kwargs, timeout=kwargs["timeout"])


def _parse_file(uri: str, parts: Any) -> PrinterAddress:
    if parts.netloc not in ("", "localhost"):
        raise _bad(uri, "write file:///dev/usb/lp0 (three slashes: an absolute path)")
    path = unquote(parts.path)
    if not path.startswith("/") or path == "/" or path.endswith("/"):
        raise _bad(uri, "no device file; write file:///dev/usb/lp0")
    options = _query(uri, parts.query, ("timeout",))
    timeout = _seconds(uri, "timeout", options.get("timeout", str(DEFAULT_TIMEOUT_S)))
    return PrinterAddress("file", {"devfile": path}, timeout=timeout)


def _parse_cups(uri: str, parts: Any) -> PrinterAddress:
    queue = unquote(parts.netloc)
    if not queue or parts.path not in ("", "/"):
        raise _bad(uri, "write cups://QUEUE with the CUPS queue name, e.g. cups://kiosk-printer")
    if not _CUPS_QUEUE.match(queue):
        raise _bad(uri, f"{queue!r} is not a CUPS queue name (no spaces, '/', '#' or '?')")
    options = _query(uri, parts.query, ("host", "port"))
    kwargs: dict[str, Any] = {"printer_name": queue}
    if "host" in options:
        if not options["host"]:
            raise _bad(uri, "host must not be empty")
        kwargs["host"] = options["host"]
    if "port" in options:
        kwargs["port"] = _integer(uri, "port", options["port"], 1, 65535)
    return PrinterAddress("cups", kwargs)


def _parse_dummy(uri: str, parts: Any) -> PrinterAddress:
    if parts.netloc or parts.path not in ("", "/") or parts.query:
        raise _bad(uri, "write just dummy://")
    return PrinterAddress("dummy")


def check_profile(profile: str) -> str:
    """Return ``profile`` if python-escpos knows it; raise :class:`PrinterConfigError` if not."""
    known = CAPABILITIES["profiles"]
    if profile not in known:
        suggestions = ", ".join(sorted(name for name in known if name.startswith("TM-")))
        raise PrinterConfigError(
            f"unknown printer profile {profile!r}; python-escpos knows e.g. {suggestions}"
        )
    return profile


def open_printer(uri: str, profile: str = DEFAULT_PROFILE) -> Escpos:
    """Return an open python-escpos printer for ``uri`` with capability ``profile``.

    Raises :class:`PrinterConfigError` for a bad URI, an unknown profile or a missing
    driver library, and :class:`PrinterOffline` (with the reason) when the device is not
    there: connection refused or timed out, no such USB device, serial port or file.
    """
    address = parse_printer_uri(uri)
    return _open(address, check_profile(profile), uri)


def _open(address: PrinterAddress, profile: str, uri: str) -> Escpos:
    printer = _construct(address, profile, uri)
    if address.scheme == "dummy":
        return printer
    if isinstance(printer, Network):
        return _connect(printer, uri)
    try:
        printer.open()
    except escpos_errors.DeviceNotFoundError as exc:
        cause = exc.__context__ or exc
        raise PrinterOffline(f"printer {uri} is not reachable: {_one_line(cause)}") from exc
    except OSError as exc:
        raise PrinterOffline(f"printer {uri} is not reachable: {_one_line(exc)}") from exc
    except escpos_errors.Error as exc:
        raise PrinterOffline(f"printer {uri} cannot be opened: {_one_line(exc)}") from exc
    except Exception as exc:  # e.g. pyusb's NoBackendError: libusb is not installed
        if type(exc).__name__ == "NoBackendError":
            raise PrinterConfigError(
                f"printer {uri}: pyusb finds no libusb; install the Debian package libusb-1.0-0"
            ) from exc
        raise PrinterOffline(f"printer {uri} cannot be opened: {_one_line(exc)}") from exc
    if address.scheme == "serial":
        # pyserial only bounds reads; bound writes too, or a printer holding DSR low hangs us.
        printer.device.write_timeout = address.kwargs["timeout"]
    return printer


def _connect(printer: Network, uri: str) -> Network:
    """Connect like ``Network.open`` does, but close the socket when connecting fails."""
    try:
        sock = socket.create_connection((printer.host, printer.port), timeout=printer.timeout)
    except OSError as exc:
        raise PrinterOffline(f"printer {uri} is not reachable: {_one_line(exc)}") from exc
    printer.device = sock
    return printer


def _construct(address: PrinterAddress, profile: str, uri: str) -> Escpos:
    kwargs = dict(address.kwargs, profile=profile)
    if address.scheme == "tcp":
        return Network(**kwargs)
    if address.scheme == "usb":
        if not escpos_usb.is_usable():
            raise PrinterConfigError(f"printer {uri}: USB printing needs pyusb (pip install pyusb)")
        return Usb(**kwargs)
    if address.scheme == "serial":
        if not escpos_serial.is_usable():
            raise PrinterConfigError(
                f"printer {uri}: serial printing needs pyserial (pip install pyserial)"
            )
        return Serial(**kwargs)
    if address.scheme == "file":
        return File(**kwargs)
    if address.scheme == "cups":
        if escpos_cups.is_usable():
            return CupsPrinter(**kwargs)
        if "host" not in kwargs and "port" not in kwargs and shutil.which("lp"):
            return LP(printer_name=kwargs["printer_name"], profile=profile, auto_flush=False)
        raise PrinterConfigError(
            f"printer {uri}: CUPS printing needs pycups (pip install pycups; it builds against "
            "the Debian package libcups2-dev) or, without host/port, the lp command "
            "(Debian package cups-client)"
        )
    return Dummy(profile=profile)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def send_job(
    printer: Escpos, data: bytes, *, close_wait: float = 0.0, timeout: float | None = None
) -> None:
    """Write ``data`` to the open ``printer`` and return only once the printer has taken it.

    ``timeout`` (default: the printer's own, else 10 s) bounds the whole job, writing and
    draining. A network job must be sent and then, after the sending side is shut down,
    acknowledged by the printer: on Linux the kernel's send queue (``SIOCOUTQ``) must be
    empty, end-of-job marker included. A printer that accepts the connection but stops
    reading leaves bytes in that queue. Then, for up to ``close_wait`` seconds, we wait for
    the printer to close its side (as CUPS's socket backend does): a reset there means the
    job was cut off. A serial job must leave the port's output queue (``TIOCOUTQ``), a
    device file must accept every byte (written without blocking), a USB write is bounded
    by pyusb; a CUPS job is submitted here.

    Raises :class:`PrintFailed` with the reason: "the printer did not take the ticket
    within N s" when time runs out (a network connection is then reset, so that the rest
    of the ticket does not come out of the printer minutes later), or the dropped
    connection or I/O error.
    """
    limit = _job_timeout(printer, timeout)
    deadline = time.monotonic() + limit
    try:
        if isinstance(printer, Network):
            _send_network(printer, data, limit, deadline)
            _wait_for_close(printer, close_wait)
        elif isinstance(printer, File):
            _send_file(printer, data, limit, deadline)
        else:
            printer._raw(data)
            if isinstance(printer, Serial):
                _drain_serial(printer, len(data), limit, deadline)
            elif isinstance(printer, CupsPrinter | LP):
                printer.close()  # CUPS and lp submit the job on close
    except PrinterError:
        raise
    except (ConnectionResetError, BrokenPipeError, ConnectionAbortedError) as exc:
        raise PrintFailed(
            f"the printer dropped the connection while the ticket was sent: {_one_line(exc)}"
        ) from exc
    except TimeoutError as exc:  # the kernel gave up retransmitting (SO_ERROR)
        _abort(printer)
        raise _not_taken(limit, len(data)) from exc
    except Exception as exc:  # OSError, USBError, SerialException, cups.IPPError, …
        if type(exc).__name__ in ("USBTimeoutError", "SerialTimeoutException"):
            _abort(printer)
            raise _not_taken(limit, len(data)) from exc
        raise PrintFailed(f"the ticket could not be sent: {_one_line(exc)}") from exc


def _job_timeout(printer: Escpos, timeout: float | None) -> float:
    if timeout is not None:
        return timeout
    own = getattr(printer, "timeout", None)
    if isinstance(printer, Network | Serial) and isinstance(own, int | float) and own > 0:
        return float(own)
    return DEFAULT_TIMEOUT_S


def _not_taken(limit: float, total: int, pending: int | None = None) -> PrintFailed:
    detail = f" ({total - pending} of {total} bytes taken)" if pending is not None else ""
    return PrintFailed(f"the printer did not take the ticket within {limit:g} s{detail}")


def _send_network(printer: Network, data: bytes, limit: float, deadline: float) -> None:
    """Send ``data``, shut the sending side and wait until the printer acknowledged it all."""
    sock = printer.device
    assert isinstance(sock, socket.socket)
    view = memoryview(data)
    sent = 0
    while sent < len(data):
        remaining = deadline - time.monotonic()
        try:
            if remaining <= 0:
                raise TimeoutError
            sock.settimeout(remaining)
            sent += sock.send(view[sent:])
        except TimeoutError:
            unacknowledged = _unacknowledged(sock) or 0
            _abort(printer)
            raise _not_taken(limit, len(data), len(data) - sent + unacknowledged) from None
    try:
        sock.shutdown(socket.SHUT_WR)
    except OSError as exc:
        if exc.errno == errno.ENOTCONN:  # the printer reset the connection meanwhile
            raise ConnectionResetError(errno.ECONNRESET, "connection reset by the printer") from exc
        raise
    queued = _wait_until_acknowledged(sock, deadline)
    if queued:
        _abort(printer)
        # the queue holds the unacknowledged data and the end-of-job marker (FIN)
        raise _not_taken(limit, len(data), min(len(data), max(0, queued - 1)))


def _unacknowledged(sock: socket.socket) -> int | None:
    """Bytes the kernel has not had acknowledged yet (Linux ``SIOCOUTQ``); None if unknown."""
    if _OUTQ is None:
        return None
    try:
        answer = fcntl.ioctl(sock.fileno(), _OUTQ, struct.pack("i", 0))
    except OSError:
        return None
    queued: int = struct.unpack("i", answer)[0]
    return queued


def _wait_until_acknowledged(sock: socket.socket, deadline: float) -> int | None:
    """Wait until the send queue is empty; return what is left (0), or None if unknown.

    A reset by the printer meanwhile is raised as the socket's pending error.
    """
    pause = 0.001
    while True:
        error = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if error:
            raise OSError(error, os.strerror(error))  # ConnectionResetError for ECONNRESET
        queued = _unacknowledged(sock)
        remaining = deadline - time.monotonic()
        if not queued or remaining <= 0:
            return queued
        time.sleep(min(pause, remaining))
        pause = min(2 * pause, DRAIN_POLL_S)


def _wait_for_close(printer: Network, close_wait: float) -> None:
    sock = printer.device
    assert isinstance(sock, socket.socket)
    deadline = time.monotonic() + close_wait
    while (remaining := deadline - time.monotonic()) > 0:
        sock.settimeout(remaining)
        try:
            chunk = sock.recv(256)
        except TimeoutError:
            break
        if not chunk:
            return  # the printer closed its side: it has the whole job
    if close_wait > 0:
        log.info("printer %s:%s kept the connection open after the job", printer.host, printer.port)


def _send_file(printer: File, data: bytes, limit: float, deadline: float) -> None:
    """Write ``data`` to a device file without blocking, every byte before ``deadline``.

    A blocking write to a stalled ``usblp`` device (paper out, cover open) would never
    return. Regular files are always ready, so they take the job at once.
    """
    device = printer.device
    assert device is not None
    device.flush()
    fd = device.fileno()
    fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_NONBLOCK)
    view = memoryview(data)
    sent = 0
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _not_taken(limit, len(data), len(data) - sent)
        _, ready, _ = select.select([], [fd], [], remaining)
        if not ready:
            continue
        if sent == len(data):
            return  # ready for more: the device has got rid of the last write
        try:
            sent += os.write(fd, view[sent:])
        except BlockingIOError:
            time.sleep(min(DRAIN_POLL_S, max(0.0, deadline - time.monotonic())))


def _drain_serial(printer: Serial, total: int, limit: float, deadline: float) -> None:
    """Wait until the serial port has sent everything (pyserial's write only queues it)."""
    device = printer.device
    pause = 0.001
    while True:
        try:
            waiting = int(device.out_waiting)
        except Exception:  # a port that cannot tell (not every driver counts)
            return
        remaining = deadline - time.monotonic()
        if waiting <= 0:
            return
        if remaining <= 0:
            _abort(printer)
            raise _not_taken(limit, total, min(total, waiting))
        time.sleep(min(pause, remaining))
        pause = min(2 * pause, DRAIN_POLL_S)


def _abort(printer: Escpos) -> None:
    """Throw away what the printer did not take, so it does not print it later."""
    with contextlib.suppress(Exception):
        if isinstance(printer, Network) and isinstance(printer.device, socket.socket):
            # linger 0: close() resets the connection instead of delivering the rest
            printer.device.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        elif isinstance(printer, Serial) and printer.device is not None:
            printer.device.reset_output_buffer()  # else closing waits for it to drain


def close_printer(printer: Escpos) -> None:
    """Close ``printer``'s connection; never raises (errors are logged)."""
    try:
        printer.close()
    except Exception:
        log.warning("closing the printer connection failed", exc_info=True)


_PAPER = {2: "ok", 1: "low", 0: "out"}


def printer_status(printer: Escpos) -> dict[str, str]:
    """Return ``{"online": …, "paper": …}`` as far as the connection can tell; never raises.

    ``online`` is ``"online"``, ``"offline"`` or ``"unknown"``; ``paper`` is ``"ok"``,
    ``"low"``, ``"out"`` or ``"unknown"``. Network, USB and serial printers are asked with
    ``DLE EOT`` (waiting at most a couple of seconds); a CUPS queue only tells whether it
    accepts jobs; files, ``lp`` and the dummy cannot tell anything.
    """
    status = {"online": "unknown", "paper": "unknown"}
    if not isinstance(printer, Network | Usb | Serial | CupsPrinter) or not printer._device:
        return status
    restore = _short_timeout(printer)
    try:
        status["online"] = "online" if printer.is_online() else "offline"
        if status["online"] == "online" and not isinstance(printer, CupsPrinter):
            status["paper"] = _PAPER.get(printer.paper_status(), "unknown")
    except Exception:
        log.info("printer status query failed", exc_info=True)
    finally:
        restore()
    return status


def _short_timeout(printer: Escpos) -> Any:
    if isinstance(printer, Network) and isinstance(printer.device, socket.socket):
        sock = printer.device
        previous = sock.gettimeout()
        sock.settimeout(STATUS_TIMEOUT_S)

        def restore() -> None:
            with contextlib.suppress(OSError):
                sock.settimeout(previous)

        return restore
    return lambda: None
