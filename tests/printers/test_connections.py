"""Printer URIs: every scheme, the bad ones, and opening the ones this machine can open."""

from __future__ import annotations

import fcntl
import os
import threading
import time
import tty

import pytest
from escpos.printer import Dummy, File

from printers import (
    PrinterConfigError,
    PrinterError,
    PrinterOffline,
    PrintFailed,
    open_printer,
    parse_printer_uri,
    print_ticket,
    ticket_bytes,
)
from printers.connections import PrinterAddress


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        (
            "tcp://10.0.4.7:9100",
            PrinterAddress("tcp", {"host": "10.0.4.7", "port": 9100, "timeout": 10.0}, 3.0),
        ),
        (
            "tcp://kiosk-printer.local",
            PrinterAddress(
                "tcp", {"host": "kiosk-printer.local", "port": 9100, "timeout": 10.0}, 3.0
            ),
        ),
        (
            "TCP://[fd00::7]:9101/?timeout=2.5&wait=0",
            PrinterAddress("tcp", {"host": "fd00::7", "port": 9101, "timeout": 2.5}, 0.0, 2.5),
        ),
        (
            "tcp://10.0.4.7?timeout=1",
            PrinterAddress("tcp", {"host": "10.0.4.7", "port": 9100, "timeout": 1.0}, 1.0, 1.0),
        ),
        (
            "usb://04b8:0202",
            PrinterAddress("usb", {"idVendor": 0x04B8, "idProduct": 0x0202, "timeout": 10000}),
        ),
        (
            "usb://0x0416:5011?timeout=3&in_ep=0x81&out_ep=0x03",
            PrinterAddress(
                "usb",
                {
                    "idVendor": 0x0416,
                    "idProduct": 0x5011,
                    "timeout": 3000,
                    "in_ep": 0x81,
                    "out_ep": 0x03,
                },
                timeout=3.0,
            ),
        ),
        (
            "serial:///dev/ttyUSB0?baudrate=19200",
            PrinterAddress(
                "serial",
                {
                    "devfile": "/dev/ttyUSB0",
                    "baudrate": 19200,
                    "bytesize": 8,
                    "timeout": 10.0,
                    "dsrdtr": True,
                    "xonxoff": False,
                    "parity": "N",
                    "stopbits": 1,
                },
            ),
        ),
        (
            "serial:///dev/ttyS1?baudrate=38400&parity=e&stopbits=2&bytesize=7&dsrdtr=0&timeout=4",
            PrinterAddress(
                "serial",
                {
                    "devfile": "/dev/ttyS1",
                    "baudrate": 38400,
                    "bytesize": 7,
                    "timeout": 4.0,
                    "dsrdtr": False,
                    "xonxoff": False,
                    "parity": "E",
                    "stopbits": 2,
                },
                timeout=4.0,
            ),
        ),
        ("file:///dev/usb/lp0", PrinterAddress("file", {"devfile": "/dev/usb/lp0"})),
        (
            "file:///dev/usb/lp0?timeout=4",
            PrinterAddress("file", {"devfile": "/dev/usb/lp0"}, timeout=4.0),
        ),
        ("cups://kiosk-printer", PrinterAddress("cups", {"printer_name": "kiosk-printer"})),
        (
            "cups://TM_T20II?host=printserver&port=631",
            PrinterAddress(
                "cups", {"printer_name": "TM_T20II", "host": "printserver", "port": 631}
            ),
        ),
        ("dummy://", PrinterAddress("dummy")),
    ],
)
def test_good_uris_parse(uri, expected):
    assert parse_printer_uri(uri) == expected


@pytest.mark.parametrize(
    ("uri", "reason"),
    [
        ("", "no printer URI"),
        ("   ", "no printer URI"),
        ("10.0.4.7:9100", "unknown scheme"),
        ("lpt://1", "unknown scheme"),
        ("http://printer", "unknown scheme"),
        ("tcp://", "no host"),
        ("tcp://:9100", "no host"),
        ("tcp://10.0.4.7:", "empty port"),
        ("tcp://10.0.4.7:0", "between 1 and 65535"),
        ("tcp://10.0.4.7:70000", "between 1 and 65535"),
        ("tcp://10.0.4.7:ninety", "port"),
        ("tcp://10.0.4.7:9100/queue", "no path"),
        ("tcp://10.0.4.7?timeout=0", "between 0 and 300"),
        ("tcp://10.0.4.7?timeout=-1", "between 0 and 300"),
        ("tcp://10.0.4.7?timeout=forever", "number of seconds"),
        ("tcp://10.0.4.7?timeout=1&timeout=2", "given twice"),
        ("tcp://10.0.4.7?baudrate=9600", "unknown option 'baudrate'"),
        ("tcp://user:secret@10.0.4.7", "no user name or password"),
        ("tcp://10.0.4.7#frag", "fragment"),
        ("usb://04b8", "VID:PID"),
        ("usb://", "VID:PID"),
        ("usb://04b8:0202:1", "VID:PID"),
        ("usb://zzzz:0202", "hexadecimal"),
        ("usb://04b81:0202", "hexadecimal"),
        ("usb://0000:0202", "must not be 0000"),
        ("usb://04b8:0202/x", "VID:PID"),
        ("usb://04b8:0202?in_ep=300", "between 1 and 255"),
        ("serial://dev/ttyUSB0", "three slashes"),
        ("serial://", "no serial device"),
        ("serial:///dev/ttyUSB0?baudrate=fast", "whole number"),
        ("serial:///dev/ttyUSB0?baudrate=0", "between 50"),
        ("serial:///dev/ttyUSB0?parity=X", "parity"),
        ("serial:///dev/ttyUSB0?stopbits=3", "stopbits"),
        ("serial:///dev/ttyUSB0?dsrdtr=maybe", "1 or 0"),
        ("serial:///dev/ttyUSB0?baud=19200", "unknown option 'baud'"),
        ("file://dev/usb/lp0", "three slashes"),
        ("file://", "no device file"),
        ("file:///dev/usb/", "no device file"),
        ("file:///dev/usb/lp0?mode=raw", "unknown option"),
        ("file:///dev/usb/lp0?timeout=0", "between 0 and 300"),
        ("cups://", "cups://QUEUE"),
        ("cups://kiosk/printer", "cups://QUEUE"),
        ("cups://kiosk%20printer", "not a CUPS queue name"),
        ("cups://kiosk?host=", "host must not be empty"),
        ("cups://kiosk?port=99999", "between 1 and 65535"),
        ("dummy://something", "just dummy://"),
        ("dummy://?x=1", "just dummy://"),
    ],
)
def test_bad_uris_are_config_errors_with_a_reason(uri, reason):
    with pytest.raises(PrinterConfigError) as raised:
        parse_printer_uri(uri)

    assert reason in raised.value.reason
    if uri.strip():
        assert repr(uri.strip()) in raised.value.reason


def test_bad_uri_is_refused_before_anything_is_rendered_or_opened(make_ticket):
    with pytest.raises(PrinterConfigError, match="unknown scheme"):
        print_ticket(make_ticket(), "ipp://printer/queue")


def test_dummy_uri_opens_a_recording_printer():
    printer = open_printer("dummy://", profile="TH230")

    assert isinstance(printer, Dummy)
    assert printer.profile.profile_data["name"] == "TH230"


def test_file_uri_writes_the_ticket_bytes(make_ticket, tmp_path):
    device = tmp_path / "lp0"
    ticket = make_ticket("ti")

    print_ticket(ticket, f"file://{device}")

    assert device.read_bytes() == ticket_bytes(ticket)


def test_file_uri_opens_a_file_printer(tmp_path):
    printer = open_printer(f"file://{tmp_path}/lp0")
    try:
        assert isinstance(printer, File)
    finally:
        printer.close()


def read_all(fd: int, into: bytearray, size: int) -> threading.Thread:
    """Read ``size`` bytes of ``fd`` into ``into`` in a thread (a working printer), for 5 s
    at most; a pipe without a writer yet reads as empty, so that is waited out too."""

    def run() -> None:
        deadline = time.monotonic() + 5
        while len(into) < size and time.monotonic() < deadline:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                return
            if chunk:
                into.extend(chunk)
            else:
                time.sleep(0.005)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


@pytest.fixture
def small_fifo(tmp_path):
    """A named pipe standing in for a device file, its read end open, its buffer one page."""
    path = tmp_path / "lp0"
    os.mkfifo(path)
    reader = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    fcntl.fcntl(reader, fcntl.F_SETPIPE_SZ, 4096)
    os.set_blocking(reader, True)
    yield path, reader
    os.close(reader)


def test_device_file_that_stops_taking_data_fails_within_the_timeout(make_ticket, small_fifo):
    path, _reader = small_fifo  # never read: like usblp with the paper out
    ticket = make_ticket("ar")
    started = time.monotonic()

    with pytest.raises(PrintFailed) as raised:
        print_ticket(ticket, f"file://{path}?timeout=1")

    assert time.monotonic() - started < 3
    assert raised.value.reason.startswith("the printer did not take the ticket within 1 s")
    assert f"of {len(ticket_bytes(ticket))} bytes taken" in raised.value.reason


def test_device_file_that_keeps_reading_gets_the_whole_ticket(make_ticket, small_fifo):
    path, reader = small_fifo
    ticket = make_ticket("ar")
    received = bytearray()
    thread = read_all(reader, received, len(ticket_bytes(ticket)))

    print_ticket(ticket, f"file://{path}?timeout=5")
    thread.join(5)

    assert bytes(received) == ticket_bytes(ticket)


@pytest.fixture
def pty_port():
    """A pseudo-terminal standing in for a serial printer: the test holds the other end."""
    try:
        controller, port = os.openpty()
    except OSError:
        pytest.skip("no pseudo-terminals here")
    tty.setraw(controller)
    yield os.ttyname(port), controller
    os.close(port)
    os.close(controller)


def test_serial_printer_that_stops_taking_data_fails_within_the_timeout(make_ticket, pty_port):
    device, _controller = pty_port  # never read: a printer holding the line
    started = time.monotonic()

    with pytest.raises(PrintFailed, match=r"^the printer did not take the ticket within 1 s"):
        print_ticket(make_ticket("ar"), f"serial://{device}?timeout=1&dsrdtr=0")

    assert time.monotonic() - started < 3


def test_serial_printer_that_reads_gets_the_whole_ticket(make_ticket, pty_port):
    device, controller = pty_port
    ticket = make_ticket("ar")
    received = bytearray()
    thread = read_all(controller, received, len(ticket_bytes(ticket)))

    print_ticket(ticket, f"serial://{device}?timeout=5&dsrdtr=0&baudrate=115200")
    thread.join(5)

    assert bytes(received) == ticket_bytes(ticket)


def test_missing_device_file_is_printer_offline(make_ticket, tmp_path):
    with pytest.raises(PrinterOffline, match="not reachable"):
        print_ticket(make_ticket(), f"file://{tmp_path}/no-such-dir/lp0")


def test_missing_serial_port_is_printer_offline():
    with pytest.raises(PrinterOffline) as raised:
        open_printer("serial:///dev/ttyNOSUCHPORT0?baudrate=19200")

    assert "ttyNOSUCHPORT0" in raised.value.reason


def test_absent_usb_printer_is_a_printer_error_naming_it():
    # PrinterOffline where libusb is installed, PrinterConfigError (install libusb) where not
    with pytest.raises(PrinterError) as raised:
        open_printer("usb://04b8:0e28?timeout=1")

    assert "usb://04b8:0e28" in raised.value.reason


def test_cups_queue_that_does_not_exist_is_a_printer_error():
    # without pycups and lp this is a PrinterConfigError naming them; with them, the queue
    # is unknown: PrinterOffline
    with pytest.raises(PrinterError) as raised:
        open_printer("cups://servicepoint-test-no-such-queue")

    assert "cups://servicepoint-test-no-such-queue" in raised.value.reason


def test_unknown_profile_is_refused_when_opening():
    with pytest.raises(PrinterConfigError, match="unknown printer profile"):
        open_printer("dummy://", profile="TM-T1000")
