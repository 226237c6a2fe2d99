"""Printer URIs: every scheme, the bad ones, and opening the ones this machine can open."""

from __future__ import annotations

import pytest
from escpos.printer import Dummy, File

from printers import (
    PrinterConfigError,
    PrinterError,
    PrinterOffline,
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
            PrinterAddress("tcp", {"host": "fd00::7", "port": 9101, "timeout": 2.5}, 0.0),
        ),
        (
            "tcp://10.0.4.7?timeout=1",
            PrinterAddress("tcp", {"host": "10.0.4.7", "port": 9100, "timeout": 1.0}, 1.0),
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
            ),
        ),
        ("file:///dev/usb/lp0", PrinterAddress("file", {"devfile": "/dev/usb/lp0"})),
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
